"""The serial scanner against the simulated one over real pseudo-terminals: a burst of 20 codes in
order, each suffix, noise dropped, unplugged and plugged back in; and the lane's side: each code a
``CodeScanned`` event, the scanner's going and coming back a ``DeviceStateChanged``."""

from __future__ import annotations

import threading
import time

import pytest

from pos_tui.config import Config, DevicesConfig, ScannerConfig
from pos_tui.devices.scanner import CodeSplitter, SerialScanner
from pos_tui.devices.scanner_sim import ScannerSimulator
from pos_tui.services.events import CodeScanned, DeviceStateChanged, EventBus
from pos_tui.services.lane.peripherals import serve_peripherals

WAIT = 10.0
CODES = [f"69012345{n:05d}" for n in range(20)]


class Codes:
    def __init__(self) -> None:
        self.got: list[str] = []
        self.changed = threading.Condition()

    def __call__(self, code: str) -> None:
        with self.changed:
            self.got.append(code)
            self.changed.notify_all()

    def wait_for(self, count: int) -> list[str]:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.got) >= count, WAIT), self.got
            return list(self.got)


@pytest.fixture
def pair(tmp_path):
    started = []

    def start(suffix: str = "cr", gap: float = 0.05):
        sim = ScannerSimulator(suffix=suffix, link=tmp_path / f"scanner{len(started)}")
        codes, states = Codes(), []
        reader = SerialScanner(sim.path, suffix=suffix, gap=gap, on_code=codes, retry_max=0.3,
                               on_state=lambda ok, words: states.append(words)).start()
        started.append((sim, reader))
        assert sim.wait_opened(WAIT)  # codes sent before the reader has the port open are flushed
        return sim, reader, codes, states

    yield start
    for sim, reader in started:
        reader.stop()
        sim.stop()


@pytest.mark.parametrize("suffix", ["cr", "lf", "crlf"])
def test_a_burst_of_20_codes_arrives_whole_and_in_order(pair, suffix):
    sim, _reader, codes, _states = pair(suffix)
    sim.burst(CODES)  # one write: the reader gets them in one or a few reads
    assert codes.wait_for(20) == CODES


def test_without_a_suffix_a_pause_ends_each_code(pair):
    sim, _reader, codes, _states = pair("none", gap=0.05)
    for code in CODES[:3]:
        sim.scan(code)
        time.sleep(0.15)
    assert codes.wait_for(3) == CODES[:3]


def test_noise_on_the_line_is_dropped_and_the_next_code_still_reads(pair):
    sim, reader, codes, _states = pair()
    sim.write(b"\x00\x1b[2J\xff\xfe\r")
    sim.scan(CODES[0])
    assert codes.wait_for(1) == [CODES[0]]
    assert reader.splitter.rejected == 1


def test_unplugged_and_plugged_back_in_it_reads_again(pair):
    sim, reader, codes, states = pair()
    sim.scan(CODES[0])
    codes.wait_for(1)
    sim.unplug()
    deadline = time.monotonic() + WAIT
    while reader.online and time.monotonic() < deadline:
        time.sleep(0.02)
    assert states == ["unplugged"]
    sim.replug()
    deadline = time.monotonic() + WAIT
    while not reader.online and time.monotonic() < deadline:
        time.sleep(0.02)
    sim.burst(CODES[1:4])
    assert codes.wait_for(4) == CODES[:4]
    assert states == ["unplugged", "ok"]


def test_the_splitter_keeps_a_code_cut_across_reads():
    splitter = CodeSplitter("crlf")
    assert splitter.feed(b"690123") == []
    assert splitter.feed(b"4567892\r\n40063") == ["6901234567892"]
    assert splitter.feed(b"81333931\r\n") == ["4006381333931"]


def test_the_lane_hears_each_code_and_the_scanner_state_as_lane_events(tmp_path):
    sim = ScannerSimulator(link=tmp_path / "scanner")
    events = EventBus()
    got = []
    done = threading.Event()

    def take(event) -> None:
        got.append(event)
        if len([e for e in got if isinstance(e, CodeScanned)]) == 20:
            done.set()

    events.subscribe("test", take, CodeScanned, DeviceStateChanged)
    config = Config(devices=DevicesConfig(scanner=ScannerConfig(driver="serial", port=sim.path)))

    class Devices:
        display = scale = None
        scanner = SerialScanner(sim.path, on_code=None)

    class Context:  # what the lane's context offers the peripherals
        lane_no = 1

    Context.config, Context.events = config, events
    serve_peripherals(Context, Devices)
    try:
        assert sim.wait_opened(WAIT)
        sim.burst(CODES)
        assert done.wait(WAIT)
    finally:
        Devices.scanner.stop()
        events.close()
        sim.stop()
    assert [e.code for e in got if isinstance(e, CodeScanned)] == CODES
