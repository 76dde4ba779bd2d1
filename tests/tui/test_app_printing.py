"""Receipts go out on the lane's receipt queue; a printer failure is one line and never holds up the
next customer."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from pos_tui.domain.checkout import State
from pos_tui.services.lane import Lane
from pos_tui.services.lane.receipts import QUEUE_NAME
from pos_tui.store import sales
from pos_tui.store.db import close_database
from pos_tui.tui.app import READY_FD_ENV, PosApp
from pos_tui.tui.screens.items import ItemsScreen
from pos_tui.tui.screens.lock import LockScreen
from pos_tui.tui.screens.printing import PrintingScreen
from pos_tui.tui.widgets.message_line import MessageLine
from pos_tui.tui.widgets.status_header import StatusHeader
from tests.tui.conftest import _wait_for as wait_for

BREAD, SOAP = "6901234567908", "4006381333931"
SIZE = (80, 24)


class RecordingPrinter:
    """Takes every receipt, or raises ``failure`` when one is set (the paper ran out)."""

    def __init__(self, failure: Exception | None = None) -> None:
        self.failure = failure
        self.printed: list[tuple[object, bool]] = []

    def print_receipt(self, doc: object, open_drawer: bool = False) -> None:
        if self.failure is not None:
            raise self.failure
        self.printed.append((doc, open_drawer))


class SlowPrinter(RecordingPrinter):
    """Holds each receipt until the test lets it go (a printer still busy with the last one)."""

    def __init__(self) -> None:
        super().__init__()
        self.go = threading.Event()

    def print_receipt(self, doc: object, open_drawer: bool = False) -> None:
        assert self.go.wait(10), "the test never released the printer"
        super().print_receipt(doc, open_drawer)


@pytest.fixture
def config(tmp_path: Path, make_demo_store) -> Iterator[object]:
    yield make_demo_store(tmp_path)
    close_database()


def message(app: PosApp) -> MessageLine:
    return app.screen.query_one(MessageLine)


async def sign_in(app: PosApp, pilot, feed_terminal, settle) -> None:
    feed_terminal(app, "cashier\r1234\r")
    await settle(pilot, lambda: isinstance(app.screen, ItemsScreen))


async def sell_bread_for_cash(app: PosApp, pilot, feed_terminal, settle) -> None:
    await sign_in(app, pilot, feed_terminal, settle)
    feed_terminal(app, f"{BREAD}\r")
    await settle(pilot, lambda: len(app.view.lines) == 1)
    await pilot.press("f10", "f2")  # cash, the balance
    await settle(pilot, lambda: app.lane.state is not State.CHOOSING_PAYMENT)
    await wait_for(pilot, lambda: app.lane.state is State.IDLE)


async def test_cash_sale_prints_its_receipt_and_kicks_the_drawer(config, feed_terminal, settle):
    printer = RecordingPrinter()
    app = PosApp(Lane(config, printer=printer))
    async with app.run_test(size=SIZE) as pilot:
        await sell_bread_for_cash(app, pilot, feed_terminal, settle)
        assert [drawer for _, drawer in printer.printed] == [True]
        assert isinstance(app.screen, ItemsScreen)
        assert app.screen.query_one(StatusHeader).render().plain.find("printer ok") > 0
        await pilot.press("f9")  # a copy of the last receipt
        await wait_for(pilot, lambda: message(app).text == "Printed 1 receipt")
        assert len(printer.printed) == 2
        assert printer.printed[1][1] is False
        assert message(app).text == "Printed 1 receipt"


async def test_printing_screen_shows_the_change_while_the_receipt_goes_out(config, feed_terminal, settle,
                                                                         screen_lines):
    printer = SlowPrinter()  # holds the receipt back to look at the screen
    app = PosApp(Lane(config, printer=printer))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        feed_terminal(app, f"{BREAD}\r")
        await settle(pilot, lambda: len(app.view.lines) == 1)
        await pilot.press("f10")
        feed_terminal(app, "20")
        await pilot.press("f2")
        await settle(pilot, lambda: isinstance(app.screen, PrintingScreen))
        text = "\n".join(screen_lines(app))
        assert f"Printing receipt {app.view.receipt_no}..." in text
        assert any("CHANGE" in row and "¥8.00" in row for row in text.splitlines())
        printer.go.set()
        await wait_for(pilot, lambda: isinstance(app.screen, ItemsScreen))
        assert len(printer.printed) == 1


async def test_a_printer_failure_is_one_line_and_the_next_scan_goes_through(config, feed_terminal, settle):
    printer = RecordingPrinter(OSError("paper out"))
    app = PosApp(Lane(config, printer=printer))
    async with app.run_test(size=SIZE) as pilot:
        await sell_bread_for_cash(app, pilot, feed_terminal, settle)
        receipt_no = sales.last_paid_sale(1).receipt_no
        assert isinstance(app.screen, ItemsScreen)
        assert message(app).level == "error"
        assert message(app).text == f"Receipt {receipt_no} not printed: paper out. F9 prints it"
        assert "printer error" in app.screen.query_one(StatusHeader).render().plain
        feed_terminal(app, f"{SOAP}\r")
        await settle(pilot, lambda: len(app.view.lines) == 1)
        assert app.view.lines[0].sku == "SOAP"
        assert app.lane.receipts.waiting_receipts() == 1

        printer.failure = None  # paper loaded: F9 prints the waiting receipt
        await pilot.press("f9")
        await wait_for(pilot, lambda: message(app).text == "Printed 1 receipt")
        assert len(printer.printed) == 1
        assert app.lane.receipts.waiting_receipts() == 0


async def test_scans_made_while_the_receipt_prints_are_added_after_it(config, feed_terminal, settle):
    printer = SlowPrinter()
    app = PosApp(Lane(config, printer=printer))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        feed_terminal(app, f"{BREAD}\r")
        await settle(pilot, lambda: len(app.view.lines) == 1)
        await pilot.press("f10", "f2")
        await settle(pilot, lambda: isinstance(app.screen, PrintingScreen))
        feed_terminal(app, f"{SOAP}\r2*{BREAD}\r")
        await settle(pilot, lambda: len(app.held_entries) == 2)
        assert message(app).text == "2 scans waiting for the receipt to finish"
        assert app.lane.state is State.PRINTING
        printer.go.set()
        await wait_for(pilot, lambda: len(app.view.lines) == 2)
        assert isinstance(app.screen, ItemsScreen)
        assert [(line.sku, line.qty_milli) for line in app.view.lines] == [("SOAP", 1000), ("BREAD", 2000)]
        assert len(printer.printed) == 1


async def test_waiting_receipts_are_announced_at_start(config, feed_terminal, settle):
    app = PosApp(Lane(config, printer=RecordingPrinter(OSError("offline"))))
    async with app.run_test(size=SIZE) as pilot:
        await sell_bread_for_cash(app, pilot, feed_terminal, settle)
    restarted = PosApp(Lane(config))
    async with restarted.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(restarted.screen, LockScreen)
        assert message(restarted).text == "1 receipt waiting to print: sign in and press F9"


async def test_the_app_leaves_the_lanes_events_as_it_found_them(config):
    lane = Lane(config, printer=RecordingPrinter())
    async with PosApp(lane).run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert lane.events.subscribed("tui") and lane.events.subscribed(QUEUE_NAME)
    assert not lane.events.subscribed("tui") and not lane.events.subscribed(QUEUE_NAME)

    lane.receipts.serve_queue()  # as the lane's opening does for `pos-tui run`: it stops it too
    try:
        async with PosApp(lane).run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert lane.events.subscribed("tui")
        assert not lane.events.subscribed("tui") and lane.events.subscribed(QUEUE_NAME)
    finally:
        lane.events.close()


async def test_ready_line_is_written_once_the_lane_is_drawn(config, monkeypatch):
    read_end, write_end = os.pipe()
    monkeypatch.setenv(READY_FD_ENV, str(write_end))
    app = PosApp(Lane(config))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        with os.fdopen(read_end) as ready:
            ready_at, peak_rss = ready.readline().split()
    assert float(ready_at) > 0 and int(peak_rss) > 0
