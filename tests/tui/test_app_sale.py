"""A cashier's sale through the real app at 80x24, on the demo store's SQLite file."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from textual import events
from textual.message import Message

from pos_tui.demo import create_demo_store
from pos_tui.domain.checkout import State
from pos_tui.services.lane import Lane
from pos_tui.store import sales
from pos_tui.store.db import close_database
from pos_tui.tui.app import PosApp
from pos_tui.tui.screens.items import ItemsScreen
from pos_tui.tui.screens.modals import ConfirmModal, SearchModal
from pos_tui.tui.screens.payment import PaymentScreen
from pos_tui.tui.widgets.message_line import MessageLine
from pos_tui.tui.widgets.scan_entry import ScanEntry
from tests.tui.conftest import _wait_for as wait_for

COKE, BREAD, SOAP, MILK, RICE = "6901234567892", "6901234567908", "4006381333931", "6900000000014", "6931234567806"
SIZE = (80, 24)


@pytest.fixture
def lane(tmp_path: Path, make_demo_store) -> Iterator[Lane]:
    yield Lane(make_demo_store(tmp_path))
    close_database()


async def sign_in(app: PosApp, pilot, feed_terminal, settle, name: str = "cashier", pin: str = "1234") -> None:
    feed_terminal(app, f"{name}\r{pin}\r")
    await settle(pilot, lambda: app.lane.state is State.IDLE)
    assert isinstance(app.screen, ItemsScreen)


def message(app: PosApp) -> str:
    return app.screen.query_one(MessageLine).text


def screen_text(screen_lines, app: PosApp) -> str:
    return "\n".join(screen_lines(app))


class Held(Message):
    """Something the app handles by waiting (as a handler awaiting a box or a worker does)."""


class HoldingApp(PosApp):
    def __init__(self, lane: Lane) -> None:
        super().__init__(lane)
        self.release = asyncio.Event()

    async def on_held(self, message: Held) -> None:
        await self.release.wait()


async def test_keys_read_while_the_app_handles_a_message_wait_behind_it(lane, feed_terminal, settle):
    """The terminal driver gives the keys of a read straight to the entry line only when nothing is
    queued or being handled before them; behind a handler that waits they take the queue, in order
    (the lane's driver itself runs only on a real terminal: tests/e2e/test_key_burst.py)."""
    app = HoldingApp(lane)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        entry = app.focused
        assert isinstance(entry, ScanEntry)
        # taken straight once the sign-in's own messages are handled (on a busy machine some may
        # still be queued right after the items screen shows)
        await settle(pilot, lambda: app.take_typed_key(events.Key("4", "4")))
        assert entry.value == "4"
        app.post_message(Held())
        try:
            await asyncio.sleep(0.05)  # not pilot.pause: it waits for the app, which is held
            assert not app.take_typed_key(events.Key("5", "5")) and entry.value == "4"
            app.post_message(events.Key("5", "5"))  # where the driver puts a key not taken
            await asyncio.sleep(0.05)
            assert entry.value == "4"
        finally:
            app.release.set()
        await settle(pilot, lambda: entry.value == "45")
        assert app.take_typed_key(events.Key("enter", "\r")) and entry.value == ""
        await settle(pilot, lambda: "45" in app.query_one(MessageLine).text)


async def test_a_whole_cash_sale(lane, feed_terminal, settle, screen_lines):
    app = PosApp(lane)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        feed_terminal(app, f"3*{COKE}\r{BREAD}\r{SOAP}\r")
        await settle(pilot, lambda: len(app.view.lines) == 3)
        await pilot.press("f4")  # the last line scanned is selected
        await settle(pilot, lambda: app.view.lines[2].voided)

        rows = screen_lines(app)
        assert "TOTAL  ¥22.50" in rows[-5] and "Items 4" in rows[-5]  # above the entry, message, two key lines
        cart = "\n".join(rows[2:8])
        assert "可口可乐 330ml" in cart and "10.50" in cart
        assert "Soap  VOIDED" in cart
        assert message(app) == "Voided line 3: Soap"

        await pilot.press("f10")
        await settle(pilot, lambda: isinstance(app.screen, PaymentScreen))
        assert "Balance  ¥22.50" in screen_lines(app)[-4]
        feed_terminal(app, "50")
        await pilot.press("f2")
        await settle(pilot, lambda: app.lane.state is State.IDLE and isinstance(app.screen, ItemsScreen))
        await wait_for(pilot, lambda: "done" in message(app))  # the receipt queue has printed

        paid = sales.last_paid_sale(1)
        assert (paid.total, paid.change) == (2250, 2750)
        assert message(app) == f"Sale {paid.receipt_no} done. Change ¥27.50"
        assert "Sale" in screen_lines(app)[-3] and "¥27.50" in screen_lines(app)[-3]


async def test_five_back_to_back_scanner_bursts_make_five_lines(lane, feed_terminal, settle):
    codes = [COKE, BREAD, SOAP, MILK, RICE]
    app = PosApp(lane)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        feed_terminal(app, "3", "*", "".join(f"{code}\r" for code in codes))
        await settle(pilot, lambda: len(app.view.lines) >= 5)
        lines = sales.load_cart(sales.open_sale_on_lane(1).id).lines
        assert [line.sku for line in lines] == ["COKE330", "BREAD", "SOAP", "MILK1L", "RICE5KG"]
        assert [line.qty_milli for line in lines] == [3000, 1000, 1000, 1000, 1000]


async def test_a_scans_line_totals_and_cleared_entry_go_out_in_one_frame(lane, feed_terminal, settle, screen_lines):
    """The entry clears when Enter arrives, but its row must not be drawn ahead of the line: a frame
    with only the entry in it holds the line's frame back (Textual spaces frames apart). A scanner's
    burst never showed in the entry, so its row is not drawn at all."""
    app = PosApp(lane)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        feed_terminal(app, f"{COKE}\r")
        await settle(pilot, lambda: len(app.view.lines) == 1)
        await pilot.pause(0.05)
        frames: list[set[int]] = []
        draw = app._display

        def recording_display(screen, update) -> None:
            frames.append({y for y, _, _ in getattr(update, "spans", ())})
            draw(screen, update)

        app._display = recording_display
        feed_terminal(app, f"{BREAD}\r")
        await settle(pilot, lambda: len(app.view.lines) == 2)
        await pilot.pause(0.05)
        rows = screen_lines(app)
        line_row = next(y for y, row in enumerate(rows) if "Bread" in row)
        totals_row = next(y for y, row in enumerate(rows) if "TOTAL" in row)
        entry_row = next(y for y, row in enumerate(rows) if row.lstrip().startswith(">"))
        assert frames, "nothing was drawn after the scan"
        assert {line_row, totals_row} <= frames[0], frames
        assert not any(entry_row in frame for frame in frames), frames


async def test_a_long_sale_keeps_the_totals_and_keys_on_screen(lane, feed_terminal, settle, screen_lines):
    from pos_tui.config import SaleConfig

    lane.ctx.config = replace(lane.ctx.config, sale=SaleConfig(merge_identical_scans=False))  # 30 lines
    app = PosApp(lane)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        feed_terminal(app, f"{BREAD}\r" * 30)
        await settle(pilot, lambda: len(app.view.lines) == 30)
        rows = screen_lines(app)
        assert len(rows) == 24
        assert "TOTAL  ¥360.00" in rows[-5]
        assert rows[-4].startswith(" > ")
        assert "F10 Total" in rows[-1]
        assert " 30 " in rows[-7]  # the newest line is in view


async def test_unknown_code_is_one_line_and_changes_nothing(lane, feed_terminal, settle):
    app = PosApp(lane)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        feed_terminal(app, "999\r")
        await settle(pilot, lambda: "999" in message(app))
        assert message(app) == "unknown code 999"
        assert app.screen.query_one(MessageLine).level == "error"
        assert sales.open_sale_on_lane(1) is None


async def test_a_line_over_the_quantity_limit_asks_first(lane, feed_terminal, settle):
    app = PosApp(lane)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        feed_terminal(app, f"500*{COKE}\r")
        await settle(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert app.view.lines == ()
        await pilot.press("y")
        await settle(pilot, lambda: len(app.view.lines) == 1)
        assert app.view.lines[0].qty_milli == 500_000


async def test_find_by_name_adds_the_chosen_item(lane, feed_terminal, settle):
    app = PosApp(lane)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        feed_terminal(app, "2*")
        await pilot.press("f2")
        await settle(pilot, lambda: isinstance(app.screen, SearchModal))
        feed_terminal(app, "可口")
        modal = app.screen
        await settle(pilot, lambda: modal.query_one("#results").option_count == 1)
        await pilot.press("enter")
        await settle(pilot, lambda: len(app.view.lines) == 1)
        line = app.view.lines[0]
        assert (line.sku, line.qty_milli) == ("COKE330", 2000)


async def test_department_key_sells_the_amount_typed(lane, feed_terminal, settle):
    app = PosApp(lane)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        feed_terminal(app, "25.50")
        await pilot.press("ctrl+d")
        await settle(pilot, lambda: len(app.view.lines) == 1)
        line = app.view.lines[0]
        assert (line.name, line.amount, line.tax_code) == ("Services 服务", 2550, "B")


async def test_esc_goes_back_to_items_before_any_payment_only(lane, feed_terminal, settle):
    app = PosApp(lane)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        feed_terminal(app, f"{BREAD}\r")
        await settle(pilot, lambda: len(app.view.lines) == 1)
        await pilot.press("f10")
        await settle(pilot, lambda: isinstance(app.screen, PaymentScreen))
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, ItemsScreen))
        await pilot.press("f10")
        await settle(pilot, lambda: isinstance(app.screen, PaymentScreen))
        feed_terminal(app, "5")
        await pilot.press("f2")
        await settle(pilot, lambda: app.view.paid == 500)
        await pilot.press("escape")
        await settle(pilot, lambda: "payment has been taken" in message(app))
        assert isinstance(app.screen, PaymentScreen)
        assert "Balance  ¥7.00" in app.screen.query_one("#totals").render().plain


async def test_card_key_says_why_it_cannot_pay(lane, feed_terminal, settle):
    app = PosApp(lane)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        feed_terminal(app, f"{BREAD}\r")
        await settle(pilot, lambda: len(app.view.lines) == 1)
        await pilot.press("f10", "f3")
        await settle(pilot, lambda: "card" in message(app))
        assert message(app) == "card payments: no card terminal is configured on this lane"
        assert app.screen.query_one(MessageLine).level == "error"
        assert app.lane.state is State.CHOOSING_PAYMENT


async def test_keys_from_the_config_replace_the_default_keys(tmp_path, feed_terminal, settle, screen_lines):
    config = replace(create_demo_store(tmp_path), keys={"items.total": "f12"})
    app = PosApp(Lane(config))
    try:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(app, pilot, feed_terminal, settle)
            assert "F12 Total" in screen_lines(app)[-1]
            feed_terminal(app, f"{BREAD}\r")
            await settle(pilot, lambda: len(app.view.lines) == 1)
            await pilot.press("f10")
            await pilot.pause()
            assert app.lane.state is State.ENTERING_ITEMS
            await pilot.press("f12")
            await settle(pilot, lambda: isinstance(app.screen, PaymentScreen))
    finally:
        close_database()
