"""`pos-tui admin` through the real app at 80x24, on the demo store's SQLite file."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from textual.widgets import Input

from pos_tui.cli import main
from pos_tui.domain.display_width import cell_width
from pos_tui.domain.permissions import PermissionDenied, Role
from pos_tui.services.lane import Lane
from pos_tui.store import catalog, journal, sales, users
from pos_tui.store.db import close_database
from pos_tui.store.lane_lock import holding_lane
from pos_tui.tui.admin.app import AdminApp
from pos_tui.services.back_office import BackOffice, Operator
from pos_tui.services.errors import AdminError
from pos_tui.tui.admin.devices import DevicesScreen
from pos_tui.tui.admin.menu import MenuScreen, SignInScreen
from pos_tui.tui.admin.products import ProductsScreen
from pos_tui.tui.admin.prompt import PromptModal
from pos_tui.tui.admin.reports import ReportsScreen
from pos_tui.tui.admin.sales import HeldScreen, PaymentsScreen
from pos_tui.tui.admin.users import UsersScreen
from pos_tui.tui.screens.modals import ApprovalModal, ConfirmModal, ResolveModal
from pos_tui.tui.widgets.message_line import MessageLine

SIZE = (80, 24)
SOAP, COKE, BREAD = "4006381333931", "6901234567892", "6901234567908"
ADMIN_PIN = "2468"
# What the Linux console's default font draws (ASCII, Latin-1, box lines) and the CJK of the demo names.
BOX = set("─│┌┐└┘")


@pytest.fixture
def store(tmp_path: Path, make_demo_store) -> Iterator[object]:
    config = make_demo_store(tmp_path)
    users.add_user("boss", "admin", ADMIN_PIN, config.security.pin_min_length, actor="test")
    yield config
    close_database()


def message(app: AdminApp) -> str:
    return app.top.query_one(MessageLine).text


def box_message(app: AdminApp) -> str:
    return app.screen.query_one(MessageLine).text


async def sign_in(app: AdminApp, pilot, feed_terminal, settle, name: str = "boss", pin: str = ADMIN_PIN) -> None:
    feed_terminal(app, f"{name}\r{pin}\r")
    await settle(pilot, lambda: isinstance(app.screen, MenuScreen))


def fits_the_console(lines: list[str]) -> None:
    for line in lines:
        assert cell_width(line) <= SIZE[0], line
        for char in line:
            latin1 = "\u00a0" <= char <= "\u00ff"
            assert char.isascii() or latin1 or char in BOX or "\u4e00" <= char <= "\u9fff", f"{char!r} in {line!r}"


async def test_a_cashier_is_refused_and_a_supervisor_cannot_edit_products(store, feed_terminal, settle,
                                                                         screen_lines):
    app = AdminApp(BackOffice(store))
    async with app.run_test(size=SIZE) as pilot:
        feed_terminal(app, "cashier\r1234\r")
        await settle(pilot, lambda: "cashier" in message(app))
        assert isinstance(app.screen, SignInScreen)
        assert "the back office needs a supervisor or an admin" in message(app)

        await sign_in(app, pilot, feed_terminal, settle, "super", "9999")
        assert "Signed in as super (supervisor)" in message(app)
        fits_the_console(screen_lines(app))
        assert any("Products" in line and "(admin only)" in line for line in screen_lines(app))
        await pilot.press("f2")
        assert isinstance(app.screen, MenuScreen)
        assert message(app) == "changing the catalog needs an admin"
        await pilot.press("f5")
        await settle(pilot, lambda: isinstance(app.screen, HeldScreen))
        await pilot.press("escape")
        await pilot.press("ctrl+l")
        await settle(pilot, lambda: isinstance(app.screen, SignInScreen))
        assert app.office.operator is None


async def test_price_change_is_journaled_and_the_lane_scans_the_new_price(store, feed_terminal, settle,
                                                                          screen_lines):
    app = AdminApp(BackOffice(store))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await pilot.press("f2")
        await settle(pilot, lambda: isinstance(app.screen, ProductsScreen))
        feed_terminal(app, "soa")
        await settle(pilot, lambda: app.screen.found and app.screen.found[0].sku == "SOAP")
        fits_the_console(screen_lines(app))
        assert any("Soap" in line and "5.00" in line for line in screen_lines(app))

        await pilot.press("f2")
        await settle(pilot, lambda: isinstance(app.screen, PromptModal))
        feed_terminal(app, "6.2\r")
        await settle(pilot, lambda: isinstance(app.screen, ProductsScreen) and "next scan" in message(app))
        assert message(app) == "Soap: price 5.00 -> 6.20, from the lanes' next scan"

    assert catalog.get_by_sku("SOAP").price == 620
    row = journal.entries("catalog.price")[-1]
    assert row.actor == "boss" and '"from":500' in row.payload and '"to":620' in row.payload
    lane = Lane(store)
    lane.people.sign_in("cashier", "1234")
    assert lane.items.enter(SOAP).lines[-1].unit_price == 620


async def test_a_bad_price_is_refused_in_the_box_and_changes_nothing(store, feed_terminal, settle):
    app = AdminApp(BackOffice(store))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await pilot.press("f2")
        await settle(pilot, lambda: isinstance(app.screen, ProductsScreen))
        feed_terminal(app, SOAP)
        await settle(pilot, lambda: len(app.screen.found) == 1)
        await pilot.press("f2")
        await settle(pilot, lambda: isinstance(app.screen, PromptModal))
        feed_terminal(app, "-3\r")
        await settle(pilot, lambda: box_message(app) != "")
        assert isinstance(app.screen, PromptModal)
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, ProductsScreen))
        assert message(app) == "Nothing changed"
    assert catalog.get_by_sku("SOAP").price == 500


async def test_barcodes_check_digits_and_owners(store, feed_terminal, settle):
    app = AdminApp(BackOffice(store))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await pilot.press("f2")
        await settle(pilot, lambda: isinstance(app.screen, ProductsScreen))
        feed_terminal(app, "Bread")
        await settle(pilot, lambda: app.screen.found and app.screen.found[0].sku == "BREAD")
        await pilot.press("f5")
        await settle(pilot, lambda: isinstance(app.screen, PromptModal))
        feed_terminal(app, "4006381333932\r")
        await settle(pilot, lambda: "check digit" in box_message(app))
        feed_terminal(app, f"{SOAP}\r")
        await settle(pilot, lambda: "already belongs to product SOAP" in box_message(app))
        feed_terminal(app, "2000001012505\r")
        await settle(pilot, lambda: "embedded" in box_message(app))
        feed_terminal(app, "96385074\r")
        await settle(pilot, lambda: isinstance(app.screen, ProductsScreen) and "now has codes" in message(app))
    assert catalog.find_by_code("96385074").sku == "BREAD"
    assert catalog.find_by_code(SOAP).sku == "SOAP"
    assert [e.payload for e in journal.entries("catalog.barcode")] == ['{"code":"96385074","sku":"BREAD"}']


async def test_stock_and_taking_a_product_off_sale(store, feed_terminal, settle):
    app = AdminApp(BackOffice(store))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await pilot.press("f2")
        await settle(pilot, lambda: isinstance(app.screen, ProductsScreen))
        feed_terminal(app, "COKE330")
        await settle(pilot, lambda: len(app.screen.found) >= 1)
        await pilot.press("f3")
        await settle(pilot, lambda: isinstance(app.screen, PromptModal))
        feed_terminal(app, "99\r")
        await settle(pilot, lambda: "Stock of" in message(app))
        await pilot.press("f4")
        await settle(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await settle(pilot, lambda: "off sale" in message(app))
        assert "NOT FOR SALE" in str(app.screen.query_one("#detail").render())
    coke = catalog.get_by_sku("COKE330")
    assert (coke.stock, coke.active) == (99_000, False)
    lane = Lane(store)
    lane.people.sign_in("cashier", "1234")
    with pytest.raises(Exception, match="not for sale"):
        lane.items.enter(COKE)


@pytest.mark.slow
async def test_users_add_reset_disable_unlock(store, feed_terminal, settle, screen_lines):
    for _ in range(store.security.max_attempts):
        with pytest.raises(users.AuthError):
            users.authenticate("cashier", "0000", dt.datetime.now(), store.security.max_attempts,
                               store.security.lockout_minutes)
    app = AdminApp(BackOffice(store))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await pilot.press("f3")
        await settle(pilot, lambda: isinstance(app.screen, UsersScreen))
        rows = [u.name for u in app.screen.people]
        assert rows == ["boss", "cashier", "super"]
        fits_the_console(screen_lines(app))
        assert any("cashier" in line and "locked until" in line for line in screen_lines(app))

        await pilot.press("f2")
        await settle(pilot, lambda: isinstance(app.screen, PromptModal))
        feed_terminal(app, "王芳\rcashier\r5555\r5556\r")
        await settle(pilot, lambda: "differ" in box_message(app))
        feed_terminal(app, "王芳\rcashier\r5555\r5555\r")
        await settle(pilot, lambda: isinstance(app.screen, UsersScreen) and "Added" in message(app))
        assert message(app) == "Added 王芳 (cashier)"

        await pilot.press("up", "up")  # from 王芳 (sorted last) to cashier
        assert app.screen.selected.name == "cashier"
        await pilot.press("f5")
        await settle(pilot, lambda: "unlocked" in message(app))
        await pilot.press("f3")
        await settle(pilot, lambda: isinstance(app.screen, PromptModal))
        feed_terminal(app, "7777\r7777\r")
        await settle(pilot, lambda: "New PIN set for cashier" in message(app))
        await pilot.press("f4")
        await settle(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await settle(pilot, lambda: "disabled" in message(app))

    cashier = users.get_user("cashier")
    assert cashier.disabled and cashier.failed_attempts == 0 and cashier.locked_until is None
    assert users.get_user("王芳").role == "cashier"
    kinds = [(e.kind, e.actor) for e in journal.entries() if e.kind.startswith("user.") and e.actor == "boss"]
    assert [k for k, _ in kinds] == ["user.sign_in", "user.add", "user.unlocked", "user.pin_changed",
                                     "user.disabled"]


def sell(store, codes: list[str]) -> str:
    lane = Lane(store)
    lane.people.sign_in("cashier", "1234")
    for code in codes:
        lane.items.enter(code)
    lane.payments.total()
    lane.payments.tender_cash("")
    lane.receipts.finish_printing(lane.receipts.print_pending())
    return lane.ctx.receipt_no


@pytest.mark.slow
async def test_closing_the_day_here_backs_the_store_up(store, feed_terminal, settle):
    lane = Lane(store)
    lane.people.sign_in("super", "9999")
    lane.shifts.close_shift("500")  # a Z report needs the lane's shift closed
    app = AdminApp(BackOffice(store))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await pilot.press("f4")
        await settle(pilot, lambda: isinstance(app.screen, ReportsScreen))
        await pilot.press("f5")
        await settle(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await settle(pilot, lambda: "Z report 1 taken" in message(app))
        await app.workers.wait_for_complete()  # [backup] after_z_report
        await settle(pilot, lambda: "Backed up" in message(app))
        (copy,) = store.backup_dir.glob("pos-*.db")
        assert message(app) == f"Backed up, copy checked: {copy}"


@pytest.mark.slow
async def test_reports_x_hourly_and_z(store, feed_terminal, settle, screen_lines):
    sell(store, [SOAP, BREAD])
    app = AdminApp(BackOffice(store))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await pilot.press("f4")
        await settle(pilot, lambda: isinstance(app.screen, ReportsScreen))
        await pilot.press("f2")
        await settle(pilot, lambda: "X report of" in message(app))
        assert "1 sale, net ¥17.00" in message(app)
        text = str(app.screen.query_one("#report").render())
        assert "X REPORT" in text and "17.00" in text
        fits_the_console(screen_lines(app))

        await pilot.press("f4")
        await settle(pilot, lambda: "sales on" in message(app))
        hour = dt.datetime.now().hour
        assert f"\n{hour:02d} #" in str(app.screen.query_one("#report").render())

        feed_terminal(app, "2001-01-01")
        await pilot.press("f3")
        await settle(pilot, lambda: "no Z report for 2001-01-01" in message(app))
        feed_terminal(app, "x")
        await pilot.press("enter")
        await settle(pilot, lambda: "not a date" in message(app))
        assert app.screen.query_one(Input).value == "2001-01-01x"


async def test_held_sales_of_every_lane_are_listed(store, feed_terminal, settle):
    lane = Lane(store)
    lane.people.sign_in("cashier", "1234")
    lane.items.enter(SOAP)
    lane.items.suspend()
    app = AdminApp(BackOffice(store))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await pilot.press("f5")
        await settle(pilot, lambda: isinstance(app.screen, HeldScreen) and "held sale" in message(app))
        assert message(app).startswith("1 held sale:")
        row = str(app.screen.query_one("#rows").get_option_at_index(0).prompt)
        assert row.startswith("1 ") and "cashier" in row and "5.00" in row


def card_attempt(store, *, answered: bool) -> tuple[int, int]:
    """A lane's card payment of a sale of 17.00, still waiting for the terminal or (``answered``)
    with an answer that never came: (sale id, payment id)."""
    lane = Lane(store)
    lane.people.sign_in("cashier", "1234")
    lane.items.enter(SOAP)
    lane.items.enter(BREAD)
    lane.payments.total()
    now = dt.datetime.now()
    attempt = sales.begin_attempt(lane.ctx.sale.id, method="card", amount=1700, fee=0, reference=uuid.uuid4().hex[:12],
                                  actor="cashier", now=now)
    if answered:
        sales.record_outcome(attempt.id, status="unknown", reason="link lost", totals=(1700, 0), actor="cashier",
                             now=now)
    return lane.ctx.sale.id, attempt.id


async def test_an_unknown_payment_is_resolved_with_a_supervisor_pin(store, feed_terminal, settle, screen_lines):
    sale_id, _ = card_attempt(store, answered=True)
    app = AdminApp(BackOffice(store))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await pilot.press("f6")
        await settle(pilot, lambda: isinstance(app.screen, PaymentsScreen) and "to resolve" in message(app))
        fits_the_console(screen_lines(app))
        assert any("card" in line and "17.00" in line and "unknown" in line for line in screen_lines(app))
        await pilot.press("enter")
        await settle(pilot, lambda: isinstance(app.screen, ResolveModal))
        await pilot.press("a")
        feed_terminal(app, "A12345\r")
        await settle(pilot, lambda: isinstance(app.screen, ApprovalModal))
        feed_terminal(app, "cashier\r1234\r")
        await settle(pilot, lambda: "needs a supervisor" in box_message(app))
        feed_terminal(app, "super\r9999\r")
        await settle(pilot, lambda: isinstance(app.screen, PaymentsScreen) and "confirmed" in message(app))
        assert "the sale is paid, receipt 01-" in message(app) and message(app).endswith("(approved by super)")
        assert app.screen.unknown == []

    sale = sales.get_sale(sale_id)
    assert sale.status == "paid" and sale.total == 1700
    payment = sales.payments_of(sale_id)[0]
    assert (payment.status, payment.auth_code) == ("resolved_approved", "A12345")
    resolved = journal.entries("payment.resolve")[-1]
    assert resolved.actor == "boss" and '"approved_by":"super"' in resolved.payload
    assert sales.pending_print_jobs(1)


async def test_backup_now_writes_a_checked_copy(store, feed_terminal, settle, tmp_path):
    app = AdminApp(BackOffice(store))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await pilot.press("f8")
        await settle(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await settle(pilot, lambda: "Backed up" in message(app))
        said = message(app)
    copies = list((tmp_path / "backups").glob("pos-*.db"))
    assert len(copies) == 1 and said == f"Backed up, copy checked: {copies[0]}"
    assert journal.entries("backup")[-1].actor == "boss"


async def test_device_check_runs_in_a_worker_and_lists_every_device(store, feed_terminal, settle, screen_lines):
    app = AdminApp(BackOffice(store))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await pilot.press("f7")
        await settle(pilot, lambda: isinstance(app.screen, DevicesScreen))
        await pilot.press("f2")
        await app.workers.wait_for_complete()
        await settle(pilot, lambda: "answered" in message(app) or "failed" in message(app))
        text = "\n".join(screen_lines(app))
        assert "printer" in text and "not configured" in text and "card terminal" in text
        fits_the_console(screen_lines(app))


async def test_the_device_check_waits_for_a_payment_in_progress(store, feed_terminal, settle):
    card_attempt(store, answered=False)
    app = AdminApp(BackOffice(store))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await pilot.press("f7")
        await settle(pilot, lambda: isinstance(app.screen, DevicesScreen))
        await pilot.press("f2")
        await app.workers.wait_for_complete()
        await settle(pilot, lambda: "in progress" in message(app))
        assert "check the devices after it" in message(app)


@pytest.mark.slow
async def test_a_pending_payment_of_a_running_lane_is_not_resolved_here(store, feed_terminal, settle,
                                                                        screen_lines):
    sale_id, attempt_id = card_attempt(store, answered=False)
    office = BackOffice(store)
    app = AdminApp(office)
    with holding_lane(store.database.url, 1):  # lane 01 is running: its terminal may still answer
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(app, pilot, feed_terminal, settle)
            await pilot.press("f6")
            await settle(pilot, lambda: isinstance(app.screen, PaymentsScreen) and "to resolve" in message(app))
            await pilot.press("enter")
            await settle(pilot, lambda: "is running" in message(app))
            assert isinstance(app.screen, PaymentsScreen)  # no box asked for an outcome or a PIN
            assert message(app) == "lane 01 is running, its terminal may still answer: resolve it on that lane"
            shown = " ".join(" ".join(screen_lines(app)).split())
            assert "Lane 01 is running, its terminal may still answer: resolve it on that lane" in shown  # whole
        supervisor = office.approve("super", "9999")
        with pytest.raises(AdminError, match="lane 01 is running"):
            office.resolve_payment(attempt_id, charged=False, auth_code="", approval=supervisor)
    assert sales.payments_of(sale_id)[0].status == "pending"
    app = AdminApp(office)
    async with app.run_test(size=SIZE) as pilot:  # the lane has stopped: resolving it here is the way
        await sign_in(app, pilot, feed_terminal, settle)
        await pilot.press("f6")
        await settle(pilot, lambda: isinstance(app.screen, PaymentsScreen) and "to resolve" in message(app))
        await pilot.press("enter")
        await settle(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert "lane 01 is not running" in str(app.screen.query_one("#question").render())


def test_the_admin_command_needs_a_user_first(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f'[paths]\ndata_dir = "{tmp_path / "store"}"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(config), "admin"])
    assert result.exit_code == 1
    # A store that was never initialised: `pos-tui init` makes it.
    assert "no store at" in result.output and "run `pos-tui init --admin NAME` first" in result.output


def test_each_intent_checks_the_operators_role_and_an_old_pin_is_flagged(store):
    office = BackOffice(replace(store, security=replace(store.security, pin_max_age_days=30)))
    with pytest.raises(AdminError, match="sign in first"):
        office.find_products("soap")
    users.add_user("old", "supervisor", "1357", 4, now=dt.datetime.now() - dt.timedelta(days=31), actor="test")
    assert office.sign_in("old", "1357") == Operator("old", Role.SUPERVISOR, pin_expired=True)
    with pytest.raises(PermissionDenied, match="changing the catalog needs an admin"):
        office.set_price("SOAP", "1.00")
    with pytest.raises(PermissionDenied, match="managing users needs an admin"):
        office.disable_user("cashier")
    assert catalog.get_by_sku("SOAP").price == 500 and not users.get_user("cashier").disabled


async def test_a_disabled_user_is_enabled_again_with_f6(store, feed_terminal, settle):
    users.disable_user("cashier", actor="test")
    app = AdminApp(BackOffice(store))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await pilot.press("f3")
        await settle(pilot, lambda: isinstance(app.screen, UsersScreen))
        await pilot.press("down")
        assert app.screen.selected.name == "cashier"
        await pilot.press("f6")
        await settle(pilot, lambda: "enabled" in message(app))
        assert message(app) == "cashier is enabled: they can sign in again"
        await pilot.press("f6")
        assert message(app) == "cashier is not disabled"
    assert not users.get_user("cashier").disabled
    assert [e.actor for e in journal.entries("user.enabled")] == ["boss"]
