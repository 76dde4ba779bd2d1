"""The lane header's printer and terminal state, checked in the background: a slow check never
holds up a scan, and no check touches a device another job is using."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from pos_tui.devices.printer import PrinterStatus
from pos_tui.domain.checkout import State
from pos_tui.services.lane import Lane
from pos_tui.store.db import close_database
from pos_tui.tui import device_status
from pos_tui.tui.app import PosApp
from pos_tui.tui.messages import DevicesChecked
from pos_tui.tui.widgets.status_header import StatusHeader

SIZE = (80, 24)
CODES = ["6901234567892", "6901234567908", "4006381333931", "6900000000014", "6931234567806"]
SLOW_SECONDS = 2.0


class SlowPrinter:
    """A printer whose status answer takes up to SLOW_SECONDS (until ``release`` is set)."""

    def __init__(self) -> None:
        self.asked = threading.Event()
        self.release = threading.Event()
        self.answered = threading.Event()

    def status(self) -> PrinterStatus:
        self.asked.set()
        self.release.wait(SLOW_SECONDS)
        self.answered.set()
        return PrinterStatus(False, "out", False, "paper out")

    def print_receipt(self, doc, *, open_drawer: bool = False) -> None:
        pass


class CountingTerminal:
    def __init__(self) -> None:
        self.calls = 0

    def reachable(self) -> bool:
        self.calls += 1
        return True


@pytest.fixture
def devices() -> tuple[SlowPrinter, CountingTerminal]:
    return SlowPrinter(), CountingTerminal()


@pytest.fixture
def lane(tmp_path: Path, devices, make_demo_store) -> Iterator[Lane]:
    printer, terminal = devices
    yield Lane(make_demo_store(tmp_path), printer=printer, terminal=terminal)
    close_database()


def header_text(app: PosApp) -> str:
    return str(app.base_screen.query_one(StatusHeader).render())


async def sign_in(app: PosApp, pilot, feed_terminal, settle) -> None:
    feed_terminal(app, "cashier\r1234\r")
    await settle(pilot, lambda: app.lane.state is State.IDLE)


async def test_a_slow_status_check_does_not_hold_up_a_scanner_burst(lane, devices, feed_terminal, settle):
    printer, _ = devices
    app = PosApp(lane)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        app.check_devices()
        await settle(pilot, printer.asked.is_set)
        assert printer.asked.is_set(), "the check never started"
        feed_terminal(app, "".join(f"{code}\r" for code in CODES))
        await settle(pilot, lambda: len(app.view.lines) == len(CODES))
        # Every scan is in while the printer is still thinking about its answer.
        assert [line.sku for line in app.view.lines] == ["COKE330", "BREAD", "SOAP", "MILK1L", "RICE5KG"]
        assert not printer.answered.is_set()

        printer.release.set()
        await app.workers.wait_for_complete()
        await settle(pilot, lambda: "printer paper out" in header_text(app))
        assert "terminal ok" in header_text(app)
        assert app.device_states == {"printer": ("paper out", False), "terminal": ("ok", True)}


async def test_no_check_while_a_payment_or_another_device_job_runs(lane, devices, feed_terminal, settle):
    printer, terminal = devices
    app = PosApp(lane)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        app.payment = object()
        assert not app.check_devices()
        app.payment = None

        printing = threading.Event()
        app.run_worker(lambda: printing.wait(5), name="another device job", group="elsewhere", thread=True)
        assert not app.check_devices()
        printing.set()
        await app.workers.wait_for_complete()

        with app.lane.ctx.printer_lock:  # the receipt queue is printing
            assert app.check_devices()
            await app.workers.wait_for_complete()
        assert not printer.asked.is_set(), "the printer was asked while it printed"
        assert terminal.calls == 1

        printer.release.set()
        assert app.check_devices()
        assert not app.check_devices(), "a second check while the first one runs"
        await app.workers.wait_for_complete()
        assert printer.asked.is_set() and terminal.calls == 2


async def test_the_terminal_is_not_called_while_a_sale_is_open(lane, devices, feed_terminal, settle):
    printer, terminal = devices
    printer.release.set()
    app = PosApp(lane)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        feed_terminal(app, f"{CODES[0]}\r")
        await settle(pilot, lambda: app.lane.state is State.ENTERING_ITEMS)
        assert app.check_devices()
        await app.workers.wait_for_complete()
        await settle(pilot, lambda: "printer paper out" in header_text(app))
        assert terminal.calls == 0
        assert [w for w in app.workers if not w.is_finished] == []


async def test_the_lane_checks_by_itself_on_a_timer(lane, devices, monkeypatch):
    printer, terminal = devices
    printer.release.set()
    monkeypatch.setattr(device_status, "DEVICE_CHECK_SECONDS", 0.01)
    app = PosApp(lane)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(500):
            if "printer paper out" in header_text(app):
                break
            await pilot.pause(0.01)
        assert "printer paper out" in header_text(app) and terminal.calls >= 1


async def test_a_check_answered_after_the_screens_are_gone_is_dropped(lane, devices, feed_terminal, settle):
    printer, terminal = devices
    printer.release.set()
    app = PosApp(lane)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
    # The app has exited: its screens are gone, and a check's answer may still come in.
    assert app.screen_stack == []
    app.on_devices_checked(DevicesChecked([]))
    app.on_devices_checked(DevicesChecked(lane.devices.next_poll()()))
