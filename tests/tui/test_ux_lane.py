"""Issue #12 on the lane's screens at 80x24: what a cashier reads, and when a supervisor is asked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pos_tui.demo import create_demo_store
from pos_tui.domain.checkout import State
from pos_tui.services.lane import Lane
from pos_tui.store import users
from pos_tui.store.db import close_database
from pos_tui.tui.app import PosApp
from pos_tui.tui.screens.modals import ApprovalModal
from pos_tui.tui.screens.settlement_modals import DiscountModal, LetterMenuModal, MovementModal
from pos_tui.tui.widgets.message_line import MessageLine
from tests.tui.conftest import _wait_for as wait_for

COKE, BREAD, SOAP = "6901234567892", "6901234567908", "4006381333931"
SIZE = (80, 24)


@pytest.fixture
def config(tmp_path: Path, make_demo_store) -> Iterator[object]:
    config = make_demo_store(tmp_path)
    users.add_user("boss", "admin", "4321", config.security.pin_min_length, actor="test")
    yield config
    close_database()


def message(app: PosApp) -> MessageLine:
    return app.base_screen.query_one(MessageLine)


def text_of(app: PosApp, screen_lines) -> str:
    return "\n".join(screen_lines(app))


async def sign_in(app: PosApp, pilot, feed_terminal, settle, name: str = "cashier", pin: str = "1234") -> None:
    feed_terminal(app, f"{name}\r{pin}\r")
    await settle(pilot, lambda: app.lane.state is not State.LOCKED)


async def scan(app: PosApp, pilot, feed_terminal, settle, *codes: str) -> None:
    before = len(app.view.lines)
    for code in codes:
        feed_terminal(app, f"{code}\r")
    await settle(pilot, lambda: len(app.view.lines) >= before + len(codes) or message(app).level == "error")


# -- 4. the input is checked before a supervisor is called -----------------------------------------


@pytest.mark.parametrize("moves, typed, says", [
    ((), "150%", "'150%' is over 100%"),
    (("down",), "-3", "'-3': a negative amount is not allowed here"),
])
async def test_f6_refuses_bad_input_before_asking_for_a_supervisor(config, feed_terminal, settle, moves, typed, says):
    app = PosApp(Lane(config))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await scan(app, pilot, feed_terminal, settle, BREAD)
        await pilot.press("f6")
        await settle(pilot, lambda: isinstance(app.screen, DiscountModal))
        if moves:
            await pilot.press(*moves)
        feed_terminal(app, f"{typed}\r")
        await settle(pilot, lambda: not isinstance(app.screen, DiscountModal))
        await settle(pilot, lambda: message(app).text != "")
        assert not isinstance(app.screen, ApprovalModal)
        assert message(app).text == says and message(app).level == "error"


# -- 5. the paid-in / paid-out approval box says what it approves -----------------------------------


@pytest.mark.parametrize("letter, title", [("i", "Supervisor approval: paid in"),
                                           ("u", "Supervisor approval: paid out")])
async def test_the_paid_in_and_out_approval_box_is_titled_for_what_it_approves(config, feed_terminal, settle,
                                                                               letter, title):
    app = PosApp(Lane(config))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: isinstance(app.screen, LetterMenuModal))
        await pilot.press(letter)
        await settle(pilot, lambda: isinstance(app.screen, MovementModal))
        feed_terminal(app, "20\rchange from the bank\r")
        await settle(pilot, lambda: isinstance(app.screen, ApprovalModal))
        assert app.screen.title_text == title


# -- 20. no wallet key without a wallet gateway ------------------------------------------------------


async def test_the_payment_screen_offers_no_wallet_key_without_a_wallet_gateway(config, feed_terminal, settle,
                                                                               screen_lines):
    from pos_tui.devices.wallet.simulator import SimulatedWallet
    from pos_tui.tui.screens.payment import PaymentScreen

    for wallets, offered in (({}, False), ({"alipay": SimulatedWallet("alipay")}, True)):
        app = PosApp(Lane(config, wallets=wallets))
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(app, pilot, feed_terminal, settle)
            await scan(app, pilot, feed_terminal, settle, BREAD)
            await pilot.press("f10")
            await settle(pilot, lambda: isinstance(app.screen, PaymentScreen))
            feed_terminal(app, "\r")
            await settle(pilot, lambda: "Type an amount" in message(app).text)
            text = text_of(app, screen_lines)
            assert ("F4 Wallet" in text) is offered
            assert ("F4 Wallet" in message(app).text) is offered
            await pilot.press("f1")
            await settle(pilot, lambda: len(app.screen_stack) > 1)
            assert ("Alipay / WeChat Pay" in text_of(app, screen_lines)) is offered


# -- 16. F3 price check: Enter adds the item -----------------------------------------------------------


async def test_price_check_then_enter_adds_the_item_to_the_sale(config, feed_terminal, settle, screen_lines):
    from pos_tui.tui.screens.modals import PriceCheckModal

    app = PosApp(Lane(config))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await pilot.press("f3")
        await settle(pilot, lambda: isinstance(app.screen, PriceCheckModal))
        feed_terminal(app, f"{BREAD}\r")
        await settle(pilot, lambda: "Enter adds it" in app.screen.query_one(MessageLine).text)
        assert "Bread" in text_of(app, screen_lines) and app.view.lines == ()
        feed_terminal(app, "\r")
        await settle(pilot, lambda: len(app.view.lines) == 1)
        assert not isinstance(app.screen, PriceCheckModal)
        assert app.view.lines[0].name == "Bread"
        await pilot.press("f3")
        await settle(pilot, lambda: isinstance(app.screen, PriceCheckModal))
        feed_terminal(app, f"{SOAP}\r")
        await settle(pilot, lambda: "Soap" in text_of(app, screen_lines))
        await pilot.press("escape")
        await settle(pilot, lambda: not isinstance(app.screen, PriceCheckModal))
        assert len(app.view.lines) == 1  # Esc sells nothing


# -- 9. change shown large until the next sale starts --------------------------------------------------


async def test_change_is_shown_large_until_the_next_sale_starts(config, feed_terminal, settle, screen_lines):
    from pos_tui.tui.screens.items import ItemsScreen
    from pos_tui.tui.screens.payment import PaymentScreen
    from pos_tui.tui.widgets.change_banner import ChangeBanner, big_text

    app = PosApp(Lane(config))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await scan(app, pilot, feed_terminal, settle, BREAD)
        await pilot.press("f10")
        await settle(pilot, lambda: isinstance(app.screen, PaymentScreen))
        feed_terminal(app, "50")
        await pilot.press("f2")
        await settle(pilot, lambda: app.lane.state is State.IDLE and isinstance(app.screen, ItemsScreen))
        await wait_for(pilot, lambda: "done" in message(app).text)
        big = big_text("¥38.00")
        await wait_for(pilot, lambda: "CHANGE" in text_of(app, screen_lines))  # drawn at the next refresh
        text = text_of(app, screen_lines)
        assert "CHANGE" in text and all(row in text for row in big)
        feed_terminal(app, "999\r")  # an unknown code: the message changes, the change stays
        await settle(pilot, lambda: message(app).level == "error")
        assert all(row in text_of(app, screen_lines) for row in big)
        await scan(app, pilot, feed_terminal, settle, SOAP)  # the next sale starts
        await pilot.pause()
        assert not app.base_screen.query_one(ChangeBanner).display
        assert big[1] not in text_of(app, screen_lines)


# -- 11. every key of a screen is in its key lines ---------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh_CN"])
async def test_every_key_of_the_item_and_payment_screens_is_in_their_key_lines(tmp_path, feed_terminal, settle,
                                                                               screen_lines, language):
    from pos_tui.i18n import _, translated, using_language
    from pos_tui.tui.screens.payment import PaymentScreen

    with using_language(language):
        config = create_demo_store(tmp_path, with_open_shift=True)
        try:
            app = PosApp(Lane(config))
            async with app.run_test(size=SIZE) as pilot:
                await sign_in(app, pilot, feed_terminal, settle)
                keys = [b for b in app.keymap.for_screen("items") if b.footer]
                footer = "\n".join(screen_lines(app)[-2:])
                for binding in keys:
                    assert f"{binding.display_key} {translated(binding.label)}" in footer
                assert "^D Services 服务" in footer and f"^Q {_('Quit')}" in footer
                assert {b.name for b in app.keymap.for_screen("items") if not b.footer} == {"line_up", "line_down", "member"}
                await scan(app, pilot, feed_terminal, settle, BREAD)
                await pilot.press("f10")
                await settle(pilot, lambda: isinstance(app.screen, PaymentScreen))
                footer = "\n".join(screen_lines(app)[-2:])
                for binding in app.keymap.for_screen("payment"):
                    # no wallet gateway in this store; the points key is offered on a member's sale
                    if binding.name not in ("wallet", "points"):
                        assert f"{binding.display_key} {translated(binding.label)}" in footer
        finally:
            close_database()


def test_the_readme_key_table_names_every_key_of_the_item_screen():
    from pos_tui.tui.keymap import DEFAULT_KEYMAP

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    table = next(line for line in readme.splitlines() if line.startswith("| items |"))
    for binding in DEFAULT_KEYMAP.for_screen("items"):
        assert binding.display_key in table or binding.name in ("line_up", "line_down"), binding.display_key
    for key in ("^S", "^D", "^Q", "Up/Down"):
        assert key in table


# -- 2. the cash rounding has its own line on screen ----------------------------------------------------


async def test_the_payment_and_paid_screens_show_the_cash_rounding(config, feed_terminal, settle, screen_lines):
    from pos_tui.tui.screens.payment import PaymentScreen
    from pos_tui.tui.screens.printing import PrintingScreen

    app = PosApp(Lane(config))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await scan(app, pilot, feed_terminal, settle, BREAD, "0.333*4131")
        await pilot.press("f10")
        await settle(pilot, lambda: isinstance(app.screen, PaymentScreen))
        rows = screen_lines(app)
        assert any("Cash rounding" in row and "-0.03" in row for row in rows)
        assert any("Cash due" in row and "¥14.90" in row for row in rows)
        feed_terminal(app, "20")
        await pilot.press("f2")
        await settle(pilot, lambda: isinstance(app.screen, PrintingScreen) or app.lane.state is State.IDLE)
        if isinstance(app.screen, PrintingScreen):
            rows = screen_lines(app)
            assert any("Cash rounding" in row and "-¥0.03" in row for row in rows)
            assert any("Paid" in row and "¥20.00" in row for row in rows)


# -- 10. a whole-sale discount has its own row --------------------------------------------------------


async def test_a_sale_discount_is_a_row_on_screen_and_receipt_and_a_line_discount_stays_on_its_line(
        config, feed_terminal, settle, screen_lines):
    from pos_tui.devices.receipt import layout_receipt, render_text
    from pos_tui.services.lane.receipts import receipt_for_sale
    from pos_tui.store import sales

    app = PosApp(Lane(config))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle, "super", "9999")
        await scan(app, pilot, feed_terminal, settle, COKE, BREAD, SOAP)
        await pilot.press("f6")
        await settle(pilot, lambda: isinstance(app.screen, DiscountModal))
        feed_terminal(app, "1.00\r")  # on the selected line: Soap 5.00 -> 4.00
        await settle(pilot, lambda: app.view.lines[2].discount == 100)
        await pilot.press("f6")
        await settle(pilot, lambda: isinstance(app.screen, DiscountModal))
        await pilot.press("down", "down")
        feed_terminal(app, "10%\r")  # on the sale: 3.50 + 12.00 + 4.00 = 19.50 -> 1.95 off
        await settle(pilot, lambda: app.view.totals.total == 1950 - 195)
        rows = screen_lines(app)
        cart = "\n".join(rows[2:18])
        coke = next(row for row in rows if "可口可乐" in row)
        assert coke.rstrip(" │").endswith("3.50")  # the line keeps its amount
        soap = next(row for row in rows if "Soap" in row)
        assert "disc. -1.00" in soap and soap.rstrip(" │").endswith("4.00")
        assert any("Discount 10%" in row and row.rstrip(" │").endswith("-1.95") for row in rows), cart
        assert "TOTAL  ¥17.55" in "\n".join(rows)
        await pilot.press("f10")
        await settle(pilot, lambda: app.lane.state is State.CHOOSING_PAYMENT)
        await pilot.press("f2")
        await wait_for(pilot, lambda: app.lane.state is State.IDLE)
    sale = sales.last_paid_sale(1)
    text = render_text(layout_receipt(receipt_for_sale(sale.id, config)[0], 42))
    assert "Discount 10%" in text and "-1.95" in text
    assert "3.50" in text and "12.00" in text and "-1.00" in text
    assert "TOTAL" in text and "¥17.55" in text


# -- 1. a payment settled in the back office shows on the waiting lane ----------------------------------


async def test_the_lane_at_payment_shows_a_back_office_resolve_within_seconds(config, feed_terminal, settle,
                                                                              screen_lines, back_office_resolves):
    from pos_tui.devices.training import TrainingTerminal
    from pos_tui.domain.payment import Outcome, PaymentStatus
    from pos_tui.tui.screens.payment import PaymentScreen

    lane = Lane(config, terminal=TrainingTerminal())
    lane.people.sign_in("cashier", "1234")
    for code in (COKE, BREAD, SOAP):
        lane.items.enter(code)
    lane.payments.total()
    attempt = lane.payments.begin_card("10.02")
    lane.payments.finish_payment(attempt, Outcome(PaymentStatus.UNKNOWN, "no answer from the terminal"))
    app = PosApp(lane)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, PaymentScreen))
        assert any("Balance" in row and "¥20.50" in row for row in screen_lines(app))
        back_office_resolves(config, attempt.id, charged=True)
        await wait_for(pilot, lambda: "back office" in message(app).text, seconds=8)
        assert message(app).text == ("Changed in the back office: card ¥10.02 resolved as charged. "
                                     "Balance now ¥10.48")
        rows = screen_lines(app)
        assert any("Balance" in row and "¥10.48" in row for row in rows)
        assert not any("(unknown)" in row for row in rows)
        feed_terminal(app, "20")
        await pilot.press("f2")
        await wait_for(pilot, lambda: app.lane.state is State.IDLE)
        assert app.lane.ctx.change == 950  # 20.00 for the 10.48 left (10.50 in cash)


# -- 15. identical scans add up; a line's quantity can be changed ------------------------------------------


async def test_identical_scans_add_to_the_line_and_f6_changes_its_quantity(config, feed_terminal, settle,
                                                                          screen_lines):
    app = PosApp(Lane(config))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        feed_terminal(app, f"{COKE}\r{BREAD}\r{COKE}\r2*{COKE}\r")
        await settle(pilot, lambda: app.view.item_count == 5)
        assert [(line.name, line.qty_milli) for line in app.view.lines] == [("可口可乐 330ml", 4000), ("Bread", 1000)]
        assert message(app).text == "Added 可口可乐 330ml: now 4  ¥14.00"
        feed_terminal(app, "1.25*4131\r1.25*4131\r2000001012505\r2000001012505\r")  # weighed, price inside
        await settle(pilot, lambda: len(app.view.lines) == 6)
        await pilot.press("up", "up", "up", "up", "up")  # to line 1, the cola
        await pilot.press("f6")
        await settle(pilot, lambda: isinstance(app.screen, DiscountModal))
        await pilot.press("down", "down", "down")  # line, price, sale, quantity
        feed_terminal(app, "2\r")
        await settle(pilot, lambda: app.view.lines[0].qty_milli == 2000)
        assert message(app).text == "可口可乐 330ml: quantity 2 (was 4)"
        assert any("可口可乐" in row and row.rstrip(" │").endswith("7.00") for row in screen_lines(app))


def test_merging_identical_scans_can_be_turned_off(tmp_path):
    from dataclasses import replace

    from pos_tui.config import SaleConfig

    config = create_demo_store(tmp_path, with_open_shift=True)
    try:
        lane = Lane(replace(config, sale=SaleConfig(merge_identical_scans=False)))
        lane.people.sign_in("cashier", "1234")
        lane.items.enter(COKE)
        view = lane.items.enter(COKE)
        assert [line.qty_milli for line in view.lines] == [1000, 1000]
    finally:
        close_database()


# -- 17. returns: the refund before the approval, a running total, a return without a receipt ---------------


async def test_a_return_shows_its_refund_before_the_supervisor_is_asked(config, feed_terminal, settle, screen_lines):
    from pos_tui.tui.screens.returns import RefundDoneModal, ReturnModal

    lane = Lane(config)
    lane.people.sign_in("cashier", "1234")
    for code in (BREAD, SOAP):
        lane.items.enter(code)
    lane.payments.total()
    lane.payments.tender_cash("20")
    receipt = lane.ctx.receipt_no
    lane.receipts.finish_printing()
    lane.people.lock()
    app = PosApp(lane)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await pilot.press("f7")
        await settle(pilot, lambda: isinstance(app.screen, ReturnModal))
        feed_terminal(app, f"{receipt}\r")
        await settle(pilot, lambda: app.screen.sale is not None)
        feed_terminal(app, "\r")  # line 1, Bread
        await settle(pilot, lambda: app.screen.picks == {1: 1000})
        assert "Refund ¥12.00: cash 12.00" in text_of(app, screen_lines)
        await pilot.press("down")
        feed_terminal(app, "\r")  # and Soap: the running total
        await settle(pilot, lambda: app.screen.picks == {1: 1000, 2: 1000})
        assert "Refund ¥17.00: cash 17.00" in text_of(app, screen_lines)
        await pilot.press("f2")
        await settle(pilot, lambda: isinstance(app.screen, ApprovalModal))
        assert app.screen.title_text == "Supervisor approval: refund ¥17.00"
        feed_terminal(app, "super\r9999\r")
        await settle(pilot, lambda: isinstance(app.screen, RefundDoneModal))
        assert "Give the customer ¥17.00 from the drawer." in text_of(app, screen_lines)


async def test_a_return_without_a_receipt_is_paid_in_cash_with_a_supervisor_and_reported_apart(
        config, feed_terminal, settle, screen_lines):
    from pos_tui.domain.report import render_text as report_text
    from pos_tui.tui.screens.returns import RefundDoneModal, ReturnModal

    app = PosApp(Lane(config))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle, "super", "9999")
        await pilot.press("f7")
        await settle(pilot, lambda: isinstance(app.screen, ReturnModal))
        assert "F4 no receipt" in text_of(app, screen_lines)
        await pilot.press("f4")
        await settle(pilot, lambda: isinstance(app.screen, MovementModal))
        assert "Return without receipt" in text_of(app, screen_lines)
        feed_terminal(app, "8.84\rbroken umbrella, no receipt\r")
        await settle(pilot, lambda: isinstance(app.screen, RefundDoneModal))  # a supervisor: no box
        shown = text_of(app, screen_lines)
        assert "Give the customer ¥8.80 from the drawer." in shown  # paid out at the 0.10 cash step
    report = app.lane.reports.x_report()
    assert (report.returns_count, report.returns_total) == (1, 884)
    assert (report.no_receipt_returns_count, report.no_receipt_returns_total) == (1, 884)
    assert report.cash.cash_refunds == 880
    assert "without receipt (1)" in report_text(report, 42)
    from pos_tui.store import journal
    assert any(entry.kind == "return.no_receipt" for entry in journal.entries())


def test_a_cashiers_return_without_a_receipt_asks_a_supervisor_for_that_amount(config):
    from pos_tui.domain.permissions import PermissionDenied

    lane = Lane(config)
    lane.people.sign_in("cashier", "1234")
    with pytest.raises(PermissionDenied) as refused:
        lane.returns.start_return_without_receipt("8.84", "broken umbrella")
    assert refused.value.subject == "return without receipt, ¥8.84 in cash"
    with pytest.raises(Exception, match="needs a reason"):
        lane.returns.start_return_without_receipt("8.84", "  ")


# -- 12. plurals, and messages that start with a capital ------------------------------------------------


async def test_one_line_is_singular_and_messages_start_with_a_capital(config, feed_terminal, settle, screen_lines,
                                                                    tmp_path):
    from click.testing import CliRunner

    from pos_tui.cli import main

    lane = Lane(config)
    lane.people.sign_in("cashier", "1234")
    lane.items.enter(BREAD)
    lane.items.suspend()
    held = lane.items.suspended()[0][0]
    assert lane.items.recall(held.id).message == "Sale recalled: 1 line"
    lane.people.lock()
    assert Lane(config).ctx.message == "Sale reopened with 1 line: sign in to go on"
    app = PosApp(lane)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        assert message(app).text == "Signed in as cashier (cashier); sale with 1 line reopened"
        feed_terminal(app, "1234567\r")
        await settle(pilot, lambda: message(app).level == "error")
        assert message(app).text == "unknown code 1234567"  # as built
        assert any(row.strip() == "Unknown code 1234567" for row in screen_lines(app))  # as drawn
    csv = tmp_path / "one.csv"
    csv.write_text("sku,name,price,barcodes\nX1,Tea,1.00,\n", encoding="utf-8")
    config_file = tmp_path / "c.toml"
    config_file.write_text(f'[paths]\ndata_dir = "{config.data_dir}"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(config_file), "products", "import", str(csv), "--as", "boss",
                                       "--pin-stdin"], input="4321\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("imported 1 product from ")
