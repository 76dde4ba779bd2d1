"""The lane app with a scale, a serial scanner and device states: a weighed apple read from the
simulated scale over a pty, scans held while it weighs, codes from the serial scanner entered like
typed scans (a burst of 20 in order), the header hearing of a device gone and back."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from pos_tui.config import ScaleConfig
from pos_tui.devices.scale import Scale
from pos_tui.devices.scale_sim import ScaleSimulator
from pos_tui.domain.checkout import State
from pos_tui.services.events import CodeScanned, DeviceStateChanged
from pos_tui.services.lane import Lane
from pos_tui.store.db import close_database
from pos_tui.store.models import SaleLine
from pos_tui.tui.app import PosApp
from pos_tui.tui.screens.items import ItemsScreen
from pos_tui.tui.screens.modals import ApprovalModal
from pos_tui.tui.widgets.message_line import MessageLine
from pos_tui.tui.widgets.status_header import StatusHeader

COKE, BREAD, SOAP, APPLE = "6901234567892", "6901234567908", "4006381333931", "4131"
SIZE = (80, 24)


@pytest.fixture
def scale_sim(tmp_path: Path, quick_scale_answers) -> Iterator[ScaleSimulator]:
    sim = ScaleSimulator(protocol="continuous", weight_milli=1250, link=tmp_path / "scale").start()
    yield sim
    sim.stop()


@pytest.fixture
def lane(tmp_path: Path, scale_sim, make_demo_store) -> Iterator[Lane]:
    config = make_demo_store(tmp_path)
    config = replace(config, devices=replace(config.devices, scale=ScaleConfig(
        driver="serial", protocol="continuous", port=scale_sim.path, stable_timeout=1.0)))
    yield Lane(config, scale=Scale(scale_sim.path, protocol="continuous", stable_timeout=1.0))
    close_database()


async def sign_in(app: PosApp, pilot, feed_terminal, settle) -> None:
    feed_terminal(app, "cashier\r1234\r")
    await settle(pilot, lambda: app.lane.state is State.IDLE)
    assert isinstance(app.screen, ItemsScreen)


def message(app: PosApp) -> str:
    return app.screen.query_one(MessageLine).text


async def wait_until(pilot, done, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        await pilot.pause(0.02)
    assert done()


async def test_a_weighed_apple_is_read_from_the_scale_and_scans_meanwhile_follow_it(lane, scale_sim, feed_terminal,
                                                                                    settle, screen_lines):
    app = PosApp(lane)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        scale_sim.set(mode="stable", unstable_answers=3)  # settles a few tenths of a second after the scan
        feed_terminal(app, f"{COKE}\r{APPLE}\r{BREAD}\r")
        await wait_until(pilot, lambda: len(app.view.lines) == 3)
        assert [line.sku for line in app.view.lines] == ["COKE330", "APPLE", "BREAD"]  # the order scanned
        apple = app.view.lines[1]
        assert (apple.qty_milli, apple.amount) == (1250, 1100)
        assert SaleLine.get(SaleLine.line_no == 2).weight_source == "scale"
        assert "1.250 kg" in "\n".join(screen_lines(app))


async def test_a_scale_that_gives_no_steady_weight_adds_nothing_and_says_why(lane, scale_sim, feed_terminal, settle):
    app = PosApp(lane)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        scale_sim.set(mode="negative")
        feed_terminal(app, f"{APPLE}\r")
        await wait_until(pilot, lambda: "not added" in message(app))
        assert message(app).startswith("苹果 Apple not added: the scale reads below zero")
        assert not app.view.lines


async def test_a_typed_weight_asks_for_a_supervisor_when_the_scale_is_required(lane, feed_terminal, settle):
    app = PosApp(lane)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        feed_terminal(app, f"1.25*{APPLE}\r")
        await settle(pilot, lambda: isinstance(app.screen, ApprovalModal))
        assert not app.view.lines


async def test_codes_from_the_serial_scanner_are_entered_like_typed_scans(lane, settle, screen_lines):
    codes = [COKE, BREAD, SOAP, COKE] * 5
    app = PosApp(lane)
    async with app.run_test(size=SIZE) as pilot:
        app.show(lane.people.sign_in("cashier", "1234"))
        await settle(pilot, lambda: isinstance(app.screen, ItemsScreen))
        for code in codes:  # as the scanner's reader publishes them, off the UI thread
            lane.events.publish(CodeScanned(1, code))
        # Identical scans add to their line: every code counted once, in the order they came.
        await wait_until(pilot, lambda: sum(line.qty_milli for line in app.view.lines) == 20_000)
        assert [(line.sku, line.qty_milli) for line in app.view.lines] == [
            ("COKE330", 10_000), ("BREAD", 5_000), ("SOAP", 5_000)]
        lane.events.publish(DeviceStateChanged(1, "scanner", "unplugged", False))
        await wait_until(pilot, lambda: "scanner unplugged" in screen_lines(app)[0])
        lane.events.publish(DeviceStateChanged(1, "scanner", "ok", True))
        await wait_until(pilot, lambda: "scanner ok" in screen_lines(app)[0])
        assert app.screen.query_one(StatusHeader) is not None


async def test_esc_stops_waiting_for_a_scale_that_will_not_settle(lane, scale_sim, feed_terminal, settle):
    app = PosApp(lane)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        scale_sim.set(mode="unstable")
        feed_terminal(app, f"{APPLE}\r")
        await wait_until(pilot, lambda: message(app).startswith("Weighing 苹果 Apple"))
        await pilot.press("escape")
        await wait_until(pilot, lambda: message(app) == "Weighing stopped: 苹果 Apple not added")
        assert not app.view.lines
