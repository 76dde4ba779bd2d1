"""`pos-tui admin` on the store server, through the real app at 80x24: the server's staff sign in
(with the store key's pepper), a price changed here reaches a lane through its sync, the store's X
adds up every lane's uploaded sales, and unknown payments of every lane are listed read-only."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pytest
from textual.widgets import Input

from conftest import import_demo_catalog, make_lane_store

from pos_tui.demo import demo_config
from pos_tui.services.lane import Lane
from pos_tui.services.store_office import StoreOffice
from pos_tui.services.sync import SyncWorker
from pos_tui.store import reports, sales
from pos_tui.store.catalog import find_by_code
from pos_tui.store.db import close_database, open_database
from pos_tui.store.keys import create_key_file
from pos_tui.store.reports import context_of
from pos_tui.config import load_config
from pos_tui.tui.admin.app import AdminApp
from pos_tui.tui.admin.members import MembersScreen
from pos_tui.tui.admin.menu import MenuScreen, SignInScreen
from pos_tui.tui.admin.products import ProductsScreen
from pos_tui.tui.admin.prompt import PromptModal
from pos_tui.tui.screens.modals import ConfirmModal
from pos_tui.tui.admin.reports import ReportsScreen
from pos_tui.tui.admin.sales import StorePaymentsScreen
from pos_tui.tui.admin.users import UsersScreen
from pos_tui.tui.widgets.message_line import MessageLine

_spec = importlib.util.spec_from_file_location("tui_helpers", Path(__file__).resolve().parents[1] / "tui/conftest.py")
tui = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tui)
feed, settle, screen_lines = tui._feed_terminal, tui._settle, tui._screen_lines

SIZE = (80, 24)
BREAD, COLA, SOAP = "6901234567908", "6901234567892", "4006381333931"


@pytest.fixture
def office(store_server, tmp_path):
    """The back-office machine's config: the store server and the store's key file, no local store."""
    folder = tmp_path / "office"
    folder.mkdir()
    create_key_file(folder / "store.key")
    path = folder / "config.toml"
    path.write_text(f'[paths]\ndata_dir = "{folder}"\n[server]\nurl = "{store_server.url}"\n'
                    f'credentials = "{store_server.passfile}"\n')
    import_demo_catalog(store_server, demo_config(tmp_path))
    config = load_config(path)
    yield config
    assert not (folder / "pos.db").exists() and not list(folder.glob("*.db"))  # no local store was made


def message(app: AdminApp) -> str:
    return app.top.query_one(MessageLine).text


async def sign_in(app, pilot, name: str = "boss", pin: str = "4321") -> None:
    feed(app, f"{name}\r{pin}\r")
    await settle(pilot, lambda: isinstance(app.screen, MenuScreen) or "PIN" in message(app)
                 or "cashier" in message(app))


def lane(store_server, tmp_path: Path, number: int):
    return store_server.lane_config(make_lane_store(tmp_path / f"lane{number}", number), number)


def sell(config, codes: list[str]) -> int:
    """One cash sale on the lane, sent to the server; returns the lane's own X net."""
    open_database(config.database.url)
    try:
        till = Lane(config)
        till.people.sign_in("cashier", "1234")
        for code in codes:
            till.items.enter(code)
        till.payments.total()
        till.payments.tender_cash("")
        till.receipts.finish_printing(till.receipts.print_pending())
        net = reports.x_report(context_of(config), dt.datetime.now(), actor="test").net
        SyncWorker(config).run_once()
        return net
    finally:
        close_database()


async def test_the_servers_staff_sign_in_and_a_wrong_pin_is_refused_and_counted(office, store_server):
    app = AdminApp(StoreOffice(office))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, pin="9999")
        assert isinstance(app.screen, SignInScreen)
        assert message(app) == "wrong name or PIN"
        assert store_server.query("SELECT count FROM operator_failures WHERE name = 'boss'") == [(1,)]

        await sign_in(app, pilot)
        assert isinstance(app.screen, MenuScreen)
        assert message(app) == "Signed in as boss (admin)"
        lines = screen_lines(app)
        assert "all lanes" in lines[0] and "boss (admin)" in lines[0]
        assert any("Held" in line and "(on the lanes)" in line for line in lines)
        assert store_server.query("SELECT count(*) FROM operator_failures") == [(0,)]
        await pilot.press("f5")  # held sales belong to their lane
        assert isinstance(app.screen, MenuScreen) and "recall them there" in message(app)

        # A user added here is the server's, with the store key's pepper: they sign in here.
        await pilot.press("f3")
        await settle(pilot, lambda: isinstance(app.screen, UsersScreen))
        await pilot.press("f2")
        await settle(pilot, lambda: isinstance(app.screen, PromptModal))
        feed(app, "carol\rsupervisor\r5555\r5555\r")
        await settle(pilot, lambda: isinstance(app.screen, UsersScreen) and "Added" in message(app))
        assert message(app) == "Added carol (supervisor)"
        assert store_server.query("SELECT role, pin_hash LIKE 'pepper$%%' FROM users WHERE name = 'carol'") == [
            ("supervisor", True)]
        actor, kind = store_server.query("SELECT actor, kind FROM admin_journal ORDER BY id DESC LIMIT 1")[0]
        assert kind == "user.add" and actor.startswith("boss (admin:")
        await pilot.press("escape")
        await pilot.press("ctrl+l")
        await settle(pilot, lambda: isinstance(app.screen, SignInScreen))
        await sign_in(app, pilot, "carol", "5555")
        assert message(app) == "Signed in as carol (supervisor)"


async def test_a_cashier_of_the_server_is_refused(office, store_server):
    from pos_tui.domain.pins import hash_pin
    from pos_tui.server.catalog import add_user

    with store_server.admin() as conn:
        add_user(conn, "erin", "cashier", hash_pin("7777"), actor="test")
    app = AdminApp(StoreOffice(office))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, "erin", "7777")
        assert isinstance(app.screen, SignInScreen)
        assert message(app) == "erin is a cashier: the back office needs a supervisor or an admin"


async def test_a_price_changed_in_the_back_office_reaches_the_lane(office, store_server, tmp_path):
    config = lane(store_server, tmp_path, 1)
    open_database(config.database.url)
    try:
        SyncWorker(config).run_once()
        assert find_by_code(BREAD).price != 420
    finally:
        close_database()
    app = AdminApp(StoreOffice(office))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot)
        await pilot.press("f2")
        await settle(pilot, lambda: isinstance(app.screen, ProductsScreen))
        feed(app, BREAD)
        await settle(pilot, lambda: len(app.screen.found) == 1)
        before = app.screen.found[0]
        assert before.sku == "BREAD"
        await pilot.press("f2")
        await settle(pilot, lambda: isinstance(app.screen, PromptModal))
        feed(app, "4.2\r")
        await settle(pilot, lambda: isinstance(app.screen, ProductsScreen) and "next scan" in message(app))
        assert message(app).endswith("-> 4.20, from the lanes' next scan")
        await pilot.press("f3")  # stock is each lane's own
        assert "stock is counted on each lane" in message(app)
    assert store_server.query("SELECT price FROM products WHERE sku = 'BREAD'") == [(420,)]
    actor, kind = store_server.query("SELECT actor, kind FROM admin_journal ORDER BY id DESC LIMIT 1")[0]
    assert kind == "catalog.price" and actor.startswith("boss (admin:")

    open_database(config.database.url)
    try:
        SyncWorker(config).run_once()
        assert find_by_code(BREAD).price == 420
        till = Lane(config)
        till.people.sign_in("cashier", "1234")
        assert till.items.enter(BREAD).lines[-1].unit_price == 420
    finally:
        close_database()


async def test_the_store_x_report_adds_up_every_lanes_uploaded_sales(office, store_server, tmp_path):
    one = sell(lane(store_server, tmp_path, 1), [BREAD, COLA])
    two = sell(lane(store_server, tmp_path, 2), [SOAP])
    assert one > 0 and two > 0
    app = AdminApp(StoreOffice(office))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot)
        await pilot.press("f4")
        await settle(pilot, lambda: isinstance(app.screen, ReportsScreen))
        await pilot.press("f2")
        await settle(pilot, lambda: "X report of" in message(app))
        total = app.office.money(one + two)
        assert message(app).startswith("Store X report of") and message(app).endswith(f"2 sales, net {total}")
        text = str(app.screen.query_one("#report").render())
        assert "X REPORT" in text
        for line in screen_lines(app):
            assert len(line) <= SIZE[0]
        await pilot.press("f4")  # sales by hour, every lane
        await settle(pilot, lambda: "sales on" in message(app))
        assert message(app).startswith("2 sales on") and message(app).endswith(total)

        await pilot.press("f5")  # the store's Z, once a business day
        await settle(pilot, lambda: app.screen is not app.top)
        await pilot.press("y")
        await settle(pilot, lambda: "taken" in message(app))
        assert message(app) == f"Z report 1 taken: net {total}"
        assert store_server.query("SELECT number FROM store_z_reports") == [(1,)]
        await pilot.press("f5")
        await settle(pilot, lambda: "already closed" in message(app))
        assert store_server.query("SELECT count(*) FROM store_z_reports") == [(1,)]

        feed(app, "2001-01-01")
        await pilot.press("f3")
        await settle(pilot, lambda: "2001-01-01" in message(app))
        assert "no Z report for 2001-01-01" in message(app)
        assert app.screen.query_one(Input).value == "2001-01-01"


async def test_a_lanes_own_z_report_is_shown_as_the_lane_took_it(office, store_server, tmp_path):
    config = lane(store_server, tmp_path, 2)
    sell(config, [BREAD])
    open_database(config.database.url)
    try:
        till = Lane(config)
        till.people.sign_in("cashier", "1234")
        till.shifts.close_shift("1000")
        taken = reports.take_z_report(context_of(config), dt.datetime.now(), actor="test")
        SyncWorker(config).run_once()
    finally:
        close_database()
    app = AdminApp(StoreOffice(office))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot)
        await pilot.press("f4")
        await settle(pilot, lambda: isinstance(app.screen, ReportsScreen))
        await pilot.press("f6")
        await settle(pilot, lambda: isinstance(app.screen, PromptModal))
        feed(app, "x\r")
        await settle(pilot, lambda: "lane number" in app.screen.query_one(MessageLine).text)
        assert isinstance(app.screen, PromptModal)
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, ReportsScreen))
        await pilot.press("f6")
        await settle(pilot, lambda: isinstance(app.screen, PromptModal))
        feed(app, "2\r")
        await settle(pilot, lambda: isinstance(app.screen, ReportsScreen) and "lane 02" in message(app))
        assert message(app).startswith("Z report of lane 02 of ")
        assert message(app).endswith(f"net {app.office.money(taken.net)}")
        assert f"{taken.number:04d}" in str(app.screen.query_one("#report").render())


async def test_unknown_payments_of_every_lane_are_listed_read_only(office, store_server, tmp_path):
    for number in (1, 2):
        config = lane(store_server, tmp_path, number)
        open_database(config.database.url)
        try:
            till = Lane(config)
            till.people.sign_in("cashier", "1234")
            till.items.enter(BREAD)
            till.payments.total()
            now = dt.datetime.now()
            attempt = sales.begin_attempt(till.ctx.sale.id, method="card", amount=1200, fee=0,
                                          reference=f"ref-{number}", actor="cashier", now=now)
            if number == 1:
                sales.record_outcome(attempt.id, status="unknown", reason="link lost", totals=(1200, 0),
                                     actor="cashier", now=now)
            SyncWorker(config).run_once()
        finally:
            close_database()
    app = AdminApp(StoreOffice(office))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot)
        await pilot.press("f6")
        await settle(pilot, lambda: isinstance(app.screen, StorePaymentsScreen))
        assert message(app) == "2 payments with an unknown outcome: a supervisor resolves each on its lane"
        rows = [line for line in screen_lines(app) if "ref-" in line]
        assert len(rows) == 2
        assert any(row.lstrip("│ ").startswith("1") and "ref-1" in row and "12.00" in row for row in rows)
        assert any(row.lstrip("│ ").startswith("2") and "ref-2" in row for row in rows)
        lane_of_first = app.screen.unknown[0].lane
        await pilot.press("enter")
        assert message(app) == (f"Resolve it on lane {lane_of_first:02d}: a supervisor there, with the terminal's "
                                f"ticket (back office, Payments)")
        assert isinstance(app.screen, StorePaymentsScreen)  # nothing to resolve here


@pytest.mark.slow
def test_pos_tui_admin_runs_on_the_server_without_a_local_store(office, tmp_path):
    """`pos-tui admin` in its own process on a pseudo-terminal, the config naming only the server."""
    import fcntl
    import os
    import struct
    import subprocess
    import sys
    import termios

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
    from test_start_up_signals import Screen

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {name: value for name, value in os.environ.items() if name not in ("COLUMNS", "LINES")}
    env["TERM"] = "xterm-256color"
    child = subprocess.Popen([sys.executable, "-m", "pos_tui", "--config", str(office.data_dir / "config.toml"),
                              "admin"], stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
                             cwd=tmp_path)
    os.close(slave)
    try:
        screen = Screen(master)
        screen.wait_for("User>", child)
        os.write(master, b"boss\r4321\r")
        screen.wait_for("Signed in as boss", child)
        assert b"all lanes" in screen.seen
        os.write(master, b"\x11")  # Ctrl+Q
        assert child.wait(timeout=20) == 0
    finally:
        if child.poll() is None:
            child.terminate()
            child.wait(timeout=20)
        os.close(master)


async def test_staff_disabled_enabled_unlocked_and_given_a_new_pin_on_the_server(office, store_server):
    from pos_tui.domain.pins import hash_pin
    from pos_tui.server.catalog import add_user

    with store_server.admin() as conn:
        add_user(conn, "dave", "cashier", hash_pin("6666"), actor="test")
        conn.execute("UPDATE users SET locked_until = localtimestamp + interval '1 hour' WHERE name = 'dave'")
    app = AdminApp(StoreOffice(office))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot)
        await pilot.press("f3")
        await settle(pilot, lambda: isinstance(app.screen, UsersScreen))
        assert [u.name for u in app.screen.people] == ["boss", "dave"]
        assert any("dave" in line and "locked until" in line for line in screen_lines(app))
        await pilot.press("down")
        await pilot.press("f5")
        await settle(pilot, lambda: "unlocked" in message(app))
        await pilot.press("f4")
        await settle(pilot, lambda: app.screen is not app.top)
        await pilot.press("y")
        await settle(pilot, lambda: "disabled" in message(app))
        assert store_server.query("SELECT disabled, locked_until FROM users WHERE name = 'dave'") == [(True, None)]
        await pilot.press("f6")
        await settle(pilot, lambda: "enabled" in message(app))
        assert message(app) == "dave is enabled: they can sign in again"
        await pilot.press("f3")
        await settle(pilot, lambda: isinstance(app.screen, PromptModal))
        feed(app, "6666\r6666\r")
        await settle(pilot, lambda: "differ" in app.screen.query_one(MessageLine).text)
        feed(app, "8888\r8888\r")
        await settle(pilot, lambda: isinstance(app.screen, UsersScreen) and "New PIN" in message(app))
    assert store_server.query("SELECT disabled FROM users WHERE name = 'dave'") == [(False,)]
    kinds = [row for row in store_server.query("SELECT kind FROM admin_journal WHERE actor LIKE 'boss (admin:%%' "
                                                "ORDER BY id")]
    assert [k for (k,) in kinds] == ["user.unlocked", "user.disabled", "user.enabled", "user.pin_changed"]


async def test_a_member_added_given_points_and_disabled_on_the_server(office, store_server):
    app = AdminApp(StoreOffice(office))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot)
        await pilot.press("f10")
        await settle(pilot, lambda: isinstance(app.screen, MembersScreen))
        await pilot.press("f2")
        await settle(pilot, lambda: isinstance(app.screen, PromptModal))
        feed(app, "\r13800138000\r李雷\r")
        await settle(pilot, lambda: isinstance(app.screen, MembersScreen) and "member now" in message(app))
        await pilot.press("f3")
        await settle(pilot, lambda: isinstance(app.screen, PromptModal))
        feed(app, "-1\rtypo\r")
        await settle(pilot, lambda: "fewer than none" in app.screen.query_one(MessageLine).text)
        feed(app, "80\rgoodwill\r")
        await settle(pilot, lambda: isinstance(app.screen, MembersScreen) and "points now" in message(app))
        assert message(app) == "李雷 has 80 points now"
        await pilot.press("f4")
        await settle(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await settle(pilot, lambda: message(app) == "李雷 is disabled")
        assert any("138****8000" in line and "80" in line and "disabled" in line for line in screen_lines(app))
    assert store_server.query("SELECT code, card, phone, name, points, disabled FROM members") == [
        ("13800138000", None, "13800138000", "李雷", 80, True)]
    kinds = store_server.query("SELECT kind FROM admin_journal WHERE actor LIKE 'boss (admin:%%' ORDER BY id")
    assert [k for (k,) in kinds] == ["member.add", "member.adjust", "member.disabled"]
