"""The lane opened from its config with a customer display, a scale and a serial scanner, each a
simulator on its own pseudo-terminal: a sale of scanned items and a weighed apple, followed on the
display to the change."""

from __future__ import annotations

import queue
from dataclasses import replace

from pos_tui.config import DisplayConfig, ScaleConfig, ScannerConfig
from pos_tui.demo import create_demo_store
from pos_tui.devices.display import DisplayScreen
from pos_tui.devices.display_sim import DisplaySimulator
from pos_tui.devices.scale_sim import ScaleSimulator
from pos_tui.devices.scanner_sim import ScannerSimulator
from pos_tui.services.events import CodeScanned, DeviceStateChanged
from pos_tui.services.lane.weighing import NeedsWeight
from pos_tui.services.opening import opened_lane
from pos_tui.store.db import close_database

WAIT = 10.0


def test_a_sale_with_the_three_devices_from_the_config(tmp_path, quick_scale_answers):
    config = create_demo_store(tmp_path)
    close_database()
    display = DisplaySimulator(protocol="vfd", baudrate=2400, link=tmp_path / "display").start()
    scale = ScaleSimulator(protocol="cas", weight_milli=1250, link=tmp_path / "scale").start()
    scanner = ScannerSimulator(suffix="crlf", link=tmp_path / "scanner")
    devices = replace(config.devices, terminal=replace(config.devices.terminal, driver="none"),
                      display=DisplayConfig(driver="serial", port=display.path, baudrate=2400, idle_after=0.5),
                      scale=ScaleConfig(driver="serial", protocol="cas", port=scale.path),
                      scanner=ScannerConfig(driver="serial", port=scanner.path, suffix="crlf"))
    try:
        with opened_lane(replace(config, devices=devices)) as lane:
            scanned: queue.Queue = queue.Queue()
            lane.events.subscribe("screen", lambda event: scanned.put(event.code), CodeScanned)
            lane.people.sign_in("cashier", "1234")
            assert display.wait_for(DisplayScreen("      Welcome", "     Demo Mart"), WAIT)
            assert scanner.wait_opened(WAIT)  # the scanner's thread opens its port on its own time
            scanner.burst(["6901234567892", "4131"])
            lane.items.enter(scanned.get(timeout=WAIT))
            try:
                lane.items.enter(scanned.get(timeout=WAIT))
            except NeedsWeight as need:
                lane.items.add_weighed(need.code, lane.items.weigh(need.code, need.name))
            assert display.wait_for(DisplayScreen("Apple          11.00", "Total          14.50"), WAIT)
            lane.payments.total()
            lane.payments.tender_cash("20")
            assert display.wait_for(DisplayScreen("Paid           20.00", "Change          5.50"), WAIT)
            assert display.wait_for(DisplayScreen("     Thank you", "      Welcome"), WAIT)
    finally:
        display.stop()
        scale.stop()
        scanner.stop()


def test_a_scale_that_does_not_answer_at_start_shows_on_the_status_line(tmp_path, quick_scale_answers):
    config = create_demo_store(tmp_path)
    close_database()
    scale = ScaleSimulator(protocol="toledo8217", mode="silence", link=tmp_path / "scale").start()
    devices = replace(config.devices, terminal=replace(config.devices.terminal, driver="none"),
                      scale=ScaleConfig(driver="serial", port=scale.path))
    states: queue.Queue = queue.Queue()
    try:
        with opened_lane(replace(config, devices=devices)) as lane:
            lane.events.subscribe("header", states.put, DeviceStateChanged)
            state = states.get(timeout=WAIT)
            assert (state.device, state.words, state.ok) == ("scale", "no answer", False)
    finally:
        scale.stop()


def test_the_display_and_the_scanner_do_their_port_work_off_the_lanes_thread(tmp_path):
    """The thread that enters the scans (the screen's, in the app) never reads the scanner's port or
    writes the 2400-baud display's: every pyserial read and write is seen, by a profile hook, on
    the devices' own threads."""
    import sys
    import threading

    from pos_tui.domain.money import format_amount

    config = create_demo_store(tmp_path)
    close_database()
    display = DisplaySimulator(protocol="vfd", baudrate=2400, link=tmp_path / "display").start()
    scanner = ScannerSimulator(suffix="cr", link=tmp_path / "scanner")
    devices = replace(config.devices, terminal=replace(config.devices.terminal, driver="none"),
                      display=DisplayConfig(driver="serial", port=display.path, baudrate=2400),
                      scanner=ScannerConfig(driver="serial", port=scanner.path, suffix="cr"))
    port_work: dict[str, set[int]] = {"read": set(), "write": set()}

    def watch(frame, event, arg):  # noqa: ANN001 - sys.setprofile's signature
        if event == "call" and frame.f_code.co_name in port_work and "serial" in frame.f_code.co_filename:
            port_work[frame.f_code.co_name].add(threading.get_ident())

    threading.setprofile(watch)
    sys.setprofile(watch)
    try:
        with opened_lane(replace(config, devices=devices)) as lane:
            scanned: queue.Queue = queue.Queue()
            lane.events.subscribe("screen", lambda event: scanned.put(event.code), CodeScanned)
            lane.people.sign_in("cashier", "1234")
            codes = ["6901234567892", "6901234567908", "4006381333931"] * 4
            assert scanner.wait_opened(WAIT)  # the scanner's thread opens its port on its own time
            scanner.burst(codes)
            for _ in codes:
                lane.items.enter(scanned.get(timeout=WAIT))
            total = format_amount(lane.payments.total().totals.total, lane.currency, grouping=False)
            assert display.wait_for(DisplayScreen("Total" + total.rjust(15), ""), WAIT)
    finally:
        sys.setprofile(None)
        threading.setprofile(None)
        display.stop()
        scanner.stop()
    assert port_work["read"] and port_work["write"], "the hook saw no port work at all"
    assert threading.get_ident() not in port_work["read"] | port_work["write"]
