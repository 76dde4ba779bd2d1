"""Shifts and settlement on the lane's screens: the float box at sign-in, F6 discounts, F7 returns,
F8 no-sale, the blind close, X and Z reports and training mode, driven through the keys at 80x24."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from pos_tui.devices.receipt import render_text
from pos_tui.devices.wallet.simulator import SimulatedWallet
from pos_tui.domain.checkout import State
from pos_tui.services.lane import Lane
from pos_tui.store import users
from pos_tui.store.db import close_database
from pos_tui.tui.app import PosApp
from pos_tui.tui.screens.items import ItemsScreen
from pos_tui.tui.screens.modals import ApprovalModal
from pos_tui.tui.screens.report import ReportScreen
from pos_tui.tui.screens.returns import RefundDoneModal, ReturnModal
from pos_tui.tui.screens.settlement_modals import DiscountModal, LetterMenuModal, MovementModal
from pos_tui.tui.screens.shift import CountModal, ShiftClosedModal
from pos_tui.tui.widgets.message_line import MessageLine
from pos_tui.tui.widgets.status_header import StatusHeader
from tests.tui.conftest import _wait_for as wait_for

BREAD, SOAP = "6901234567908", "4006381333931"
SIZE = (80, 24)
ADMIN, ADMIN_PIN = "boss", "4321"
ALIPAY_CODE = "281234567890123456"


class RecordingPrinter:
    """Keeps every document printed and counts the drawer kicks."""

    def __init__(self) -> None:
        self.docs: list[object] = []
        self.kicks = 0

    def print_receipt(self, doc: object, open_drawer: bool = False) -> None:
        self.docs.append(doc)
        self.kicks += open_drawer

    def kick_drawer(self, pin: int | None = None) -> None:
        self.kicks += 1

    def texts(self) -> list[str]:
        return [render_text(doc) for doc in self.docs]


def demo_store(make_demo_store, tmp_path: Path, *, with_open_shift: bool) -> Iterator[object]:
    config = make_demo_store(tmp_path, with_open_shift=with_open_shift)
    users.add_user(ADMIN, "admin", ADMIN_PIN, config.security.pin_min_length, actor="test")
    yield config
    close_database()


@pytest.fixture
def config(tmp_path: Path, make_demo_store) -> Iterator[object]:
    yield from demo_store(make_demo_store, tmp_path, with_open_shift=True)


@pytest.fixture
def config_without_shift(tmp_path: Path, make_demo_store) -> Iterator[object]:
    yield from demo_store(make_demo_store, tmp_path, with_open_shift=False)


@pytest.fixture
def printer() -> RecordingPrinter:
    return RecordingPrinter()


def message(app: PosApp) -> MessageLine:
    return app.base_screen.query_one(MessageLine)


def text_of(app: PosApp, screen_lines) -> str:
    return "\n".join(screen_lines(app))


def rows(config, sql: str) -> list[tuple]:
    with sqlite3.connect(config.database_path) as con:
        return con.execute(sql).fetchall()


async def sign_in(app: PosApp, pilot, feed_terminal, settle, name: str = "cashier", pin: str = "1234") -> None:
    feed_terminal(app, f"{name}\r{pin}\r")
    await settle(pilot, lambda: app.lane.state is not State.LOCKED)


async def approve(app: PosApp, pilot, feed_terminal, settle, name: str = "super", pin: str = "9999") -> None:
    await settle(pilot, lambda: isinstance(app.screen, ApprovalModal))
    feed_terminal(app, f"{name}\r{pin}\r")
    await settle(pilot, lambda: not isinstance(app.screen, ApprovalModal))


async def sell_for_cash(app: PosApp, pilot, feed_terminal, settle, *codes: str) -> str:
    for code in codes:
        feed_terminal(app, f"{code}\r")
    await settle(pilot, lambda: len(app.view.lines) == len(codes))
    await pilot.press("f10", "f2")
    await settle(pilot, lambda: app.lane.state is not State.CHOOSING_PAYMENT)
    await wait_for(pilot, lambda: app.lane.state is State.IDLE)
    return app.lane.ctx.receipt_no


async def shift_menu(app: PosApp, pilot, settle, letter: str) -> None:
    await pilot.press("ctrl+s")
    await settle(pilot, lambda: isinstance(app.screen, LetterMenuModal))
    await pilot.press(letter)
    await settle(pilot, lambda: not isinstance(app.screen, LetterMenuModal))


async def test_signing_in_without_a_shift_asks_for_the_float_first(config_without_shift, feed_terminal, settle,
                                                                   screen_lines):
    app = PosApp(Lane(config_without_shift))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await settle(pilot, lambda: isinstance(app.screen, CountModal))
        assert "Enter alone: ¥500.00" in text_of(app, screen_lines)
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, ItemsScreen))
        assert "No shift open: ^S then O counts the float" in text_of(app, screen_lines)
        feed_terminal(app, f"{BREAD}\r")
        await settle(pilot, lambda: message(app).level == "error" and "no shift" in message(app).text)
        assert app.view.lines == ()
        await shift_menu(app, pilot, settle, "o")
        await settle(pilot, lambda: isinstance(app.screen, CountModal))
        feed_terminal(app, "480\r")
        await settle(pilot, lambda: app.shift is not None)
        assert message(app).text == "Shift 1 open with a float of ¥480.00 (expected ¥500.00)"
        assert "Ready for the next sale" in text_of(app, screen_lines)
        feed_terminal(app, f"{BREAD}\r")
        await settle(pilot, lambda: len(app.view.lines) == 1)
    assert rows(config_without_shift, "SELECT opening_float, opened_by FROM shift") == [(48000, "cashier")]


async def test_the_float_can_be_counted_by_denomination(config_without_shift, feed_terminal, settle):
    app = PosApp(Lane(config_without_shift))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await settle(pilot, lambda: isinstance(app.screen, CountModal))
        await pilot.press("f2")
        feed_terminal(app, "4\r1\r")  # 4 x 100.00, 1 x 50.00
        await pilot.press("down", "down")
        feed_terminal(app, "5\r")  # 5 x 5.00 (past 20.00 and 10.00)
        await pilot.press("f10")
        await settle(pilot, lambda: app.shift is not None)
    assert rows(config_without_shift, "SELECT opening_float, float_detail FROM shift") == [
        (47500, json.dumps({"500": 5, "5000": 1, "10000": 4}))]


async def test_f6_discounts_the_selected_line_with_a_supervisors_pin(config, feed_terminal, settle):
    app = PosApp(Lane(config))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        feed_terminal(app, f"{SOAP}\r{BREAD}\r")
        await settle(pilot, lambda: len(app.view.lines) == 2)
        await pilot.press("f6")
        await settle(pilot, lambda: isinstance(app.screen, DiscountModal))
        feed_terminal(app, "2.00\r")  # the selected line (the last one scanned): Bread
        await settle(pilot, lambda: isinstance(app.screen, ApprovalModal))
        feed_terminal(app, "cashier\r1234\r")
        await settle(pilot, lambda: app.screen.query_one(MessageLine).text != "")
        assert app.screen.query_one(MessageLine).text == "a discount needs a supervisor"
        await approve(app, pilot, feed_terminal, settle)
        await settle(pilot, lambda: app.view.lines[1].discount == 200)
        assert message(app).text == "Discount ¥2.00 on Bread"
        assert [line.discount for line in app.view.lines] == [0, 200]
        assert app.view.totals.total == 500 + 1000
    (payload,), = rows(config, "SELECT payload FROM journal_entry WHERE kind = 'sale.discount'")
    assert "super" in payload


async def test_f6_takes_a_percent_off_the_whole_sale(config, feed_terminal, settle):
    app = PosApp(Lane(config))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle, "super", "9999")
        feed_terminal(app, f"{SOAP}\r{BREAD}\r")
        await settle(pilot, lambda: len(app.view.lines) == 2)
        await pilot.press("f6")
        await settle(pilot, lambda: isinstance(app.screen, DiscountModal))
        await pilot.press("down", "down")  # line, price, whole sale
        feed_terminal(app, "10%\r")
        await settle(pilot, lambda: app.view.totals.total == 1700 - 170)
        assert message(app).text == "Discount ¥1.70 on the sale"


async def test_f8_no_sale_asks_for_a_reason_and_a_supervisor_then_opens_the_drawer(config, printer, feed_terminal,
                                                                                  settle):
    app = PosApp(Lane(config, printer=printer))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await pilot.press("f8")
        await settle(pilot, lambda: isinstance(app.screen, MovementModal))
        feed_terminal(app, "\r")
        await settle(pilot, lambda: app.screen.query_one(MessageLine).text != "")
        assert app.screen.query_one(MessageLine).text == "type the reason, then Enter"
        feed_terminal(app, "customer needs change\r")
        await settle(pilot, lambda: isinstance(app.screen, ApprovalModal))
        assert app.screen.title_text == "Supervisor approval: a no-sale drawer opening"
        assert printer.kicks == 0
        await approve(app, pilot, feed_terminal, settle)
        await app.workers.wait_for_complete()
        await settle(pilot, lambda: message(app).text == "Drawer open")
        assert printer.kicks == 1
    assert rows(config, "SELECT kind, reason, approved_by FROM cash_movement") == [
        ("no_sale", "customer needs change", "super")]


async def test_paid_out_from_the_shift_menu_opens_the_drawer(config, printer, feed_terminal, settle):
    app = PosApp(Lane(config, printer=printer))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle, "super", "9999")
        await shift_menu(app, pilot, settle, "u")
        feed_terminal(app, "20\rmilk supplier\r")
        await app.workers.wait_for_complete()
        await settle(pilot, lambda: printer.kicks == 1)
    assert rows(config, "SELECT kind, amount, reason FROM cash_movement") == [("paid_out", 2000, "milk supplier")]


@pytest.mark.slow
async def test_f7_returns_one_line_to_cash_with_a_supervisor_and_prints_a_refund_receipt(config, printer,
                                                                                         feed_terminal, settle,
                                                                                         screen_lines):
    app = PosApp(Lane(config, printer=printer))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        receipt = await sell_for_cash(app, pilot, feed_terminal, settle, BREAD, SOAP)
        await pilot.press("f7")
        await settle(pilot, lambda: isinstance(app.screen, ReturnModal))
        feed_terminal(app, "01-29990101-0001\r")
        await settle(pilot, lambda: app.screen.query_one(MessageLine).text != "")
        assert "no receipt" in app.screen.query_one(MessageLine).text
        feed_terminal(app, f"{receipt}\r")
        await settle(pilot, lambda: app.screen.sale is not None)
        shown = text_of(app, screen_lines)
        assert "Bread" in shown and "Soap" in shown and f"Receipt {receipt}" in shown
        await pilot.press("down")
        feed_terminal(app, "\r")  # all that is left of line 2 (Soap)
        await settle(pilot, lambda: app.screen.picks == {2: 1000})
        await pilot.press("f2")  # all in cash
        await approve(app, pilot, feed_terminal, settle)
        await settle(pilot, lambda: isinstance(app.screen, RefundDoneModal))
        assert "Give the customer ¥5.00 from the drawer." in text_of(app, screen_lines)
        await wait_for(pilot, lambda: len(printer.docs) == 2)
        await pilot.press("enter")
        await settle(pilot, lambda: isinstance(app.screen, ItemsScreen))
    refund = printer.texts()[-1]
    assert "*** REFUND ***" in refund and "Soap" in refund and receipt in refund and "Bread" not in refund
    assert rows(config, "SELECT kind, status, total FROM sale ORDER BY id") == [
        ("sale", "paid", 1700), ("return", "paid", 500)]


def wallet_sale(config, wallet: SimulatedWallet) -> str:
    """Bread paid by Alipay through the lane, before the app starts (the lane locked again)."""
    lane = Lane(config, wallets={"alipay": wallet})
    lane.people.sign_in("cashier", "1234")
    lane.items.enter(BREAD)
    lane.payments.total()
    attempt, code = lane.payments.begin_wallet(ALIPAY_CODE)
    lane.payments.finish_payment(attempt, lane.payments.run_wallet(attempt, code, sleep=lambda seconds: None))
    lane.receipts.finish_printing(lane.receipts.print_pending())
    lane.people.lock()
    return lane.ctx.receipt_no


async def return_bread_to_the_tender(app: PosApp, receipt: str, pilot, feed_terminal, settle) -> None:
    await sign_in(app, pilot, feed_terminal, settle)
    await pilot.press("f7")
    await settle(pilot, lambda: isinstance(app.screen, ReturnModal))
    feed_terminal(app, f"{receipt}\r")
    await settle(pilot, lambda: app.screen.sale is not None)
    feed_terminal(app, "1\r")
    await settle(pilot, lambda: app.screen.picks == {1: 1000})
    await pilot.press("f10")  # to the tender the customer paid with
    await approve(app, pilot, feed_terminal, settle)


async def test_f7_refunds_a_wallet_sale_to_the_wallet_in_a_worker(config, printer, feed_terminal, settle,
                                                                  screen_lines):
    wallet = SimulatedWallet("alipay", ["approve"])
    receipt = wallet_sale(config, wallet)
    app = PosApp(Lane(config, printer=printer, wallets={"alipay": wallet}))
    async with app.run_test(size=SIZE) as pilot:
        await return_bread_to_the_tender(app, receipt, pilot, feed_terminal, settle)
        await app.workers.wait_for_complete()
        await wait_for(pilot, lambda: app.payment is None and len(printer.docs) == 1)
        assert isinstance(app.screen, RefundDoneModal)
        assert "Give the customer" not in text_of(app, screen_lines)
    assert list(wallet.charged().values()) == [0]
    assert "*** REFUND ***" in printer.texts()[0]
    assert rows(config, "SELECT method, amount, status FROM payment WHERE refund_of IS NOT NULL") == [
        ("alipay", 1200, "approved")]


@pytest.mark.slow
async def test_a_declined_refund_is_paid_in_cash_with_a_supervisor(config, printer, feed_terminal, settle,
                                                                   screen_lines):
    receipt = wallet_sale(config, SimulatedWallet("alipay", ["approve"]))
    app = PosApp(Lane(config, printer=printer, wallets={"alipay": SimulatedWallet("alipay")}))
    async with app.run_test(size=SIZE) as pilot:
        await return_bread_to_the_tender(app, receipt, pilot, feed_terminal, settle)
        await app.workers.wait_for_complete()
        await settle(pilot, lambda: isinstance(app.screen, LetterMenuModal))
        assert "Alipay refund declined" in text_of(app, screen_lines)
        await pilot.press("c")
        await approve(app, pilot, feed_terminal, settle)
        await wait_for(pilot, lambda: len(printer.docs) == 1)
    assert rows(config, "SELECT method, status FROM payment WHERE sale_id = 2 ORDER BY id") == [
        ("alipay", "declined"), ("cash", "approved")]


@pytest.mark.slow
async def test_the_close_is_blind_then_shows_expected_and_the_short(config, feed_terminal, settle, screen_lines):
    app = PosApp(Lane(config))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await sell_for_cash(app, pilot, feed_terminal, settle, BREAD)  # 500.00 float + 12.00
        await shift_menu(app, pilot, settle, "c")
        await settle(pilot, lambda: isinstance(app.screen, CountModal))
        assert "512.00" not in text_of(app, screen_lines)
        feed_terminal(app, "511.50\r")
        await settle(pilot, lambda: app.screen.counted is not None)
        assert "512.00" not in text_of(app, screen_lines)
        assert rows(config, "SELECT status FROM shift") == [("open",)]
        feed_terminal(app, "\r")  # all of it stays in the drawer
        await settle(pilot, lambda: isinstance(app.screen, ShiftClosedModal))
        shown = text_of(app, screen_lines)
        assert "Expected" in shown and "¥512.00" in shown and "Short" in shown and "¥0.50" in shown
        await pilot.press("enter")
        await settle(pilot, lambda: isinstance(app.screen, ItemsScreen))
        assert app.shift is None
        assert message(app).text == "Shift 1 closed: counted ¥511.50, expected ¥512.00, short by ¥0.50"
    assert rows(config, "SELECT status, counted, expected FROM shift") == [("closed", 51150, 51200)]


async def test_the_close_is_refused_with_what_blocks_it(config, feed_terminal, settle):
    app = PosApp(Lane(config))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        feed_terminal(app, f"{BREAD}\r")
        await settle(pilot, lambda: len(app.view.lines) == 1)
        await pilot.press("f5")
        await settle(pilot, lambda: app.lane.state is State.IDLE)
        await shift_menu(app, pilot, settle, "c")
        await settle(pilot, lambda: message(app).level == "error")
        assert message(app).text.startswith("The shift cannot close: suspended sale #1 (1 item, ¥12.00)")
        assert isinstance(app.screen, ItemsScreen)


@pytest.mark.slow
async def test_the_x_report_screen_shows_the_figures_and_prints(config, printer, feed_terminal, settle,
                                                               screen_lines):
    app = PosApp(Lane(config, printer=printer))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await sell_for_cash(app, pilot, feed_terminal, settle, BREAD, SOAP)
        await shift_menu(app, pilot, settle, "x")
        await approve(app, pilot, feed_terminal, settle)
        await settle(pilot, lambda: isinstance(app.screen, ReportScreen))
        shown = text_of(app, screen_lines)
        assert "X REPORT" in shown and "Sales (1)" in shown and "17.00" in shown
        assert all("│" not in line[1:-1] for line in screen_lines(app)[2:20])  # the report itself is ASCII
        await pilot.press("end")
        await pilot.pause()
        shown = text_of(app, screen_lines)
        assert "Sales by hour" in shown and "#" in shown
        await pilot.press("p")
        await app.workers.wait_for_complete()
        await settle(pilot, lambda: app.screen.query_one(MessageLine).text == "X report printed")
        assert "X REPORT" in printer.texts()[-1]
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, ItemsScreen))


@pytest.mark.slow
async def test_a_second_z_report_is_refused_with_the_lanes_message(config_without_shift, feed_terminal, settle,
                                                                    screen_lines):
    app = PosApp(Lane(config_without_shift))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await settle(pilot, lambda: isinstance(app.screen, CountModal))
        await pilot.press("escape")
        await shift_menu(app, pilot, settle, "z")
        await settle(pilot, lambda: isinstance(app.screen, ApprovalModal))
        assert app.screen.title_text == "Admin approval: the Z report"
        feed_terminal(app, "super\r9999\r")
        await settle(pilot, lambda: app.screen.query_one(MessageLine).text != "")
        assert app.screen.query_one(MessageLine).text == "the Z report needs an admin"
        await approve(app, pilot, feed_terminal, settle, ADMIN, ADMIN_PIN)
        await settle(pilot, lambda: isinstance(app.screen, ReportScreen))
        assert "Z REPORT 0001" in text_of(app, screen_lines)
        await app.workers.wait_for_complete()  # [backup] after_z_report: the day's copy
        (copy,) = config_without_shift.backup_dir.glob("pos-*.db")
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, ItemsScreen))
        assert message(app).text == f"Backed up, copy checked: {copy}"
        await shift_menu(app, pilot, settle, "z")
        await approve(app, pilot, feed_terminal, settle, ADMIN, ADMIN_PIN)
        await settle(pilot, lambda: message(app).level == "error")
        assert message(app).text.startswith("Z report 1 already closed")
        assert isinstance(app.screen, ItemsScreen)
    assert rows(config_without_shift, "SELECT number FROM z_report") == [(1,)]


@pytest.mark.slow
async def test_training_mode_shows_in_the_header_until_it_is_turned_off(config, feed_terminal, settle,
                                                                        screen_lines):
    app = PosApp(Lane(config))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await shift_menu(app, pilot, settle, "t")
        await approve(app, pilot, feed_terminal, settle)
        await settle(pilot, lambda: app.training)
        assert screen_lines(app)[0].startswith(" TRAINING  Demo Mart")
        assert app.base_screen.query_one(StatusHeader).has_class("-training")
        feed_terminal(app, f"{BREAD}\r")
        await settle(pilot, lambda: len(app.view.lines) == 1)
        await pilot.press("f10")
        await settle(pilot, lambda: app.lane.state is State.CHOOSING_PAYMENT)
        assert screen_lines(app)[0].startswith(" TRAINING")  # every screen
        await pilot.press("escape")
        await settle(pilot, lambda: app.lane.state is State.ENTERING_ITEMS)
        await pilot.press("f11")
        await approve(app, pilot, feed_terminal, settle)
        await settle(pilot, lambda: app.lane.state is State.IDLE)
        await shift_menu(app, pilot, settle, "t")
        await approve(app, pilot, feed_terminal, settle)
        await settle(pilot, lambda: not app.training)
        assert "TRAINING" not in screen_lines(app)[0]


async def test_the_z_approval_box_asks_for_an_admin_in_words(config_without_shift, feed_terminal, settle):
    app = PosApp(Lane(config_without_shift))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await settle(pilot, lambda: isinstance(app.screen, CountModal))
        await pilot.press("escape")
        await shift_menu(app, pilot, settle, "z")
        await settle(pilot, lambda: isinstance(app.screen, ApprovalModal))
        assert app.screen.title_text == "Admin approval: the Z report"
        assert app.screen.query_one("#entry").prompt == "Admin> "
        await pilot.press("escape")
        await settle(pilot, lambda: not isinstance(app.screen, ApprovalModal))
        assert message(app).text == "Cancelled: the Z report needs an admin"
