"""The lane's top line always sums up its devices at 80x24: each named with its state when that
fits beside the cashier, else the working ones counted and a device in trouble named; in English
and in Chinese."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from pos_tui.config import DisplayConfig, ScaleConfig, ScannerConfig
from pos_tui.demo import create_demo_store
from pos_tui.devices.printer import PrinterStatus
from pos_tui.domain.checkout import State
from pos_tui.i18n import using_language
from pos_tui.services.events import DeviceStateChanged
from pos_tui.services.lane import Lane
from pos_tui.store.db import close_database
from pos_tui.tui.app import PosApp

SIZE = (80, 24)


class Printer:
    def status(self) -> PrinterStatus:
        return PrinterStatus(True, "ok", False, "ok")

    def print_receipt(self, doc, *, open_drawer: bool = False) -> None:
        pass


class Terminal:
    def reachable(self) -> bool:
        return True


def lane_with(tmp_path: Path, *, all_five: bool) -> Lane:
    """A lane with a printer and a display; ``all_five``: a card terminal, a scale and a serial
    scanner too."""
    config = create_demo_store(tmp_path)
    devices = replace(config.devices, display=DisplayConfig(driver="serial", port=str(tmp_path / "display")))
    if all_five:
        devices = replace(devices, scale=ScaleConfig(driver="serial", port=str(tmp_path / "scale")),
                          scanner=ScannerConfig(driver="serial", port=str(tmp_path / "scanner")))
    return Lane(replace(config, devices=devices), printer=Printer(), terminal=Terminal() if all_five else None)


@pytest.fixture
def close_store() -> Iterator[None]:
    yield
    close_database()


async def signed_in_header(app: PosApp, pilot, feed_terminal, settle, screen_lines) -> str:
    feed_terminal(app, "cashier\r1234\r")
    await settle(pilot, lambda: app.lane.state is State.IDLE)
    await pilot.pause()
    return screen_lines(app)[0]


async def test_two_devices_are_each_named_with_their_state(tmp_path, close_store, feed_terminal, settle,
                                                          screen_lines):
    app = PosApp(lane_with(tmp_path, all_five=False))
    async with app.run_test(size=SIZE) as pilot:
        header = await signed_in_header(app, pilot, feed_terminal, settle, screen_lines)
        assert "  cashier (cashier)   " in header
        assert re.search(r" printer ok, display ok  \d\d:\d\d $", header)


async def test_on_a_wide_terminal_all_five_are_named(tmp_path, close_store, feed_terminal, settle, screen_lines):
    app = PosApp(lane_with(tmp_path, all_five=True))
    async with app.run_test(size=(120, 24)) as pilot:
        header = await signed_in_header(app, pilot, feed_terminal, settle, screen_lines)
        assert "printer ok, terminal ok, display ok, scale ok, scanner ok  " in header


async def test_five_devices_are_counted_and_one_in_trouble_is_named(tmp_path, close_store, feed_terminal, settle,
                                                                   screen_lines):
    app = PosApp(lane_with(tmp_path, all_five=True))
    async with app.run_test(size=SIZE) as pilot:
        header = await signed_in_header(app, pilot, feed_terminal, settle, screen_lines)
        assert "5 devices ok  " in header and "printer" not in header
        assert "Lane 01  cashier (cashier)  " in header  # the cashier is not given up for the devices
        app.lane.events.publish(DeviceStateChanged(1, "display", "offline", False))
        await settle(pilot, lambda: "display offline" in screen_lines(app)[0])
        header = screen_lines(app)[0]
        assert "4 devices ok, display offline  " in header
        assert len(header.rstrip()) <= 80
        app.lane.events.publish(DeviceStateChanged(1, "scanner", "unplugged", False))
        app.lane.events.publish(DeviceStateChanged(1, "scale", "no answer", False))
        await settle(pilot, lambda: "scale no answer" in screen_lines(app)[0])
        header = screen_lines(app)[0]  # three in trouble: named, the two that work no longer counted
        assert "display offline, scale no answer, scanner unplugged  " in header and "ok" not in header
        assert header.startswith(" Demo Mart 演示超市  ") and "Lane 0" not in header  # left out whole, never cut
        for device in ("display", "scanner", "scale"):
            app.lane.events.publish(DeviceStateChanged(1, device, "ok", True))
        await settle(pilot, lambda: "5 devices ok" in screen_lines(app)[0])


async def test_the_summary_is_translated(tmp_path, close_store, feed_terminal, settle, screen_lines):
    with using_language("zh_CN"):
        app = PosApp(lane_with(tmp_path, all_five=True))
        async with app.run_test(size=SIZE) as pilot:
            header = await signed_in_header(app, pilot, feed_terminal, settle, screen_lines)
            assert "5 台设备正常" in header
            app.lane.events.publish(DeviceStateChanged(1, "scale", "offline", False))
            await settle(pilot, lambda: "电子秤 离线" in screen_lines(app)[0])
            assert "4 台设备正常, 电子秤 离线" in screen_lines(app)[0]
