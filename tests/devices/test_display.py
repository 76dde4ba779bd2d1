"""The customer display: both protocols' byte streams for a whole sale, over a real pseudo-terminal
to the simulator and decoded back; a display unplugged and plugged back in mid-sale; a 2400-baud
display while a burst of scans arrives (the scans do not wait for it)."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest

from pos_tui.config import DisplayConfig
from pos_tui.devices.display import CustomerDisplay, DisplayScreen, LedEncoder, VfdEncoder
from pos_tui.devices.display_sim import DisplaySimulator, LedDecoder, VfdDecoder
from pos_tui.services.events import DeviceStateChanged
from pos_tui.services.lane import Lane
from pos_tui.services.lane.customer_display import serve_customer_display
from pos_tui.services.lane.peripherals import _reporting
from pos_tui.store.db import close_database

COKE, BREAD, SOAP = "6901234567892", "6901234567908", "4006381333931"
WAIT = 10.0


@pytest.fixture
def store(tmp_path, make_demo_store):
    cfg = make_demo_store(tmp_path)
    yield cfg
    close_database()


@pytest.fixture
def simulators(tmp_path):
    started = []

    def start(**kwargs) -> DisplaySimulator:
        sim = DisplaySimulator(link=tmp_path / f"display{len(started)}", **kwargs).start()
        started.append(sim)
        return sim

    yield start
    for sim in started:
        sim.stop()


def lane_with_display(config, sim: DisplaySimulator, **display) -> tuple[Lane, CustomerDisplay]:
    cfg = replace(config, devices=replace(config.devices, display=DisplayConfig(
        driver="serial", port=sim.path, **{"idle_after": 0.3, **display})))
    lane = Lane(cfg)
    d = cfg.devices.display
    device = CustomerDisplay(sim.path, protocol=d.protocol, baudrate=d.baudrate, width=d.width, encoding=d.encoding,
                             retry_max=0.3, on_state=_reporting(lane.events, 1, "display"))
    serve_customer_display(cfg, lane.events, device)
    device.start()
    lane.people.sign_in("cashier", "1234")
    return lane, device


def sell(lane: Lane, sim: DisplaySimulator, steps: list[tuple]) -> None:
    """Each step is (lane call, args, the screen it must bring): wait for it before the next."""
    for call, args, screen in steps:
        call(*args)
        assert sim.wait_for(screen, WAIT), (screen, sim.current)


# ---------------------------------------------------------------- encoders and decoders


def test_vfd_encoder_clears_homes_and_fills_two_lines_of_the_width():
    data = VfdEncoder(20).screen(DisplayScreen("Bread", "Total 12.00"))
    assert data == b"\x0c\x0b" + b"Bread".ljust(20) + b"Total 12.00".ljust(20)


def test_vfd_text_is_sent_in_the_code_page_and_what_it_lacks_is_left_out():
    latin = VfdEncoder(20, "cp437")
    assert latin.showable("苹果 Apple") == "Apple" and not latin.can_show("苹果")
    chinese = VfdEncoder(20, "gb18030")
    assert chinese.line("苹果 Apple") == "苹果 Apple".encode("gb18030") + b" " * 10  # CJK: two columns each


def test_vfd_decoder_reads_the_cd5220_string_mode_and_cursor_moves_too():
    decoder = VfdDecoder(20)
    decoder.feed(b"\x1b@\x0c\x1bQAUpper line\r\x1bQBLower\r\x0c\x0bA" + b"\x1bl\x01\x02B\x1f$\x02\x02C")
    assert decoder.finish() == [DisplayScreen("Upper line", "Lower"), DisplayScreen("A", "BC")]


def test_led_encoder_lights_one_lamp_and_shows_a_figure_of_at_most_eight_digits():
    encoder = LedEncoder()
    assert encoder.screen(DisplayScreen(lamp="change", figure="17.50")) == b"\x1bs4\x1bQA17.50\r"
    assert encoder.screen(DisplayScreen()) == b"\x1bs0\x0c"
    assert LedEncoder.figure("1234567.89") == "1234567"
    assert LedEncoder.figure("123456789") == "--------"
    decoder = LedDecoder()
    decoder.feed(encoder.init() + encoder.screen(DisplayScreen(lamp="total", figure="9.90")) + b"\x1bs\x03\x1bQA5\r")
    assert decoder.finish() == [DisplayScreen(), DisplayScreen(lamp="total", figure="9.90"),
                                DisplayScreen(lamp="paid", figure="5")]


# ---------------------------------------------------------------- a whole sale, decoded back


def whole_sale(lane: Lane, screens: dict[str, DisplayScreen]) -> list[tuple]:
    items, payments = lane.items, lane.payments
    return [
        (items.enter, (COKE,), screens["coke"]),
        (items.enter, (BREAD,), screens["bread"]),
        (items.enter, (SOAP,), screens["soap"]),
        (items.void_line, (3,), screens["void"]),
        (payments.total, (), screens["total"]),
        (payments.tender_cash, ("5",), screens["part"]),
        (payments.tender_cash, ("50",), screens["paid"]),
    ]


VFD_LATIN = {
    "welcome": DisplayScreen("      Welcome", "     Demo Mart"),
    "coke": DisplayScreen("330ml           3.50", "Total           3.50"),
    "bread": DisplayScreen("Bread          12.00", "Total          15.50"),
    "soap": DisplayScreen("Soap            5.00", "Total          20.50"),
    "void": DisplayScreen("Void Soap      -5.00", "Total          15.50"),
    "total": DisplayScreen("Total          15.50"),
    "part": DisplayScreen("Paid            5.00", "Due            10.50"),
    "paid": DisplayScreen("Paid           55.00", "Change         39.50"),
    "thanks": DisplayScreen("     Thank you", "      Welcome"),
}


def test_vfd_whole_sale_byte_stream_decodes_to_every_screen_in_order(store, simulators):
    sim = simulators(protocol="vfd", baudrate=9600)
    lane, device = lane_with_display(store, sim)
    assert sim.wait_for(VFD_LATIN["welcome"], WAIT)
    sell(lane, sim, whole_sale(lane, VFD_LATIN))
    assert sim.wait_for(VFD_LATIN["thanks"], WAIT)  # idle_after later
    device.stop()
    assert sim.screens == list(VFD_LATIN.values())
    assert sim.received.startswith(b"\x1b@\x0c\x0b")


def test_vfd_with_a_chinese_code_page_shows_chinese_names(store, simulators):
    sim = simulators(protocol="vfd", baudrate=9600, encoding="gb18030")
    lane, device = lane_with_display(store, sim, encoding="gb18030")
    with_cjk = {**VFD_LATIN, "coke": DisplayScreen("可口可乐 330ml  3.50", "Total           3.50")}
    assert sim.wait_for(DisplayScreen("      Welcome", " Demo Mart 演示超市"), WAIT)
    sell(lane, sim, whole_sale(lane, with_cjk)[:1])
    device.stop()
    assert sim.screens[-1] == with_cjk["coke"]


def test_led_price_display_whole_sale_lights_each_lamp_with_its_figure(store, simulators):
    sim = simulators(protocol="led8", baudrate=2400)
    lane, device = lane_with_display(store, sim, protocol="led8", baudrate=2400)
    led = {
        "coke": DisplayScreen(lamp="price", figure="3.50"),
        "bread": DisplayScreen(lamp="price", figure="12.00"),
        "soap": DisplayScreen(lamp="price", figure="5.00"),
        "void": DisplayScreen(lamp="total", figure="15.50"),
        "total": DisplayScreen(lamp="total", figure="15.50"),
        "part": DisplayScreen(lamp="paid", figure="5.00"),
        "paid": DisplayScreen(lamp="change", figure="39.50"),
    }
    sell(lane, sim, whole_sale(lane, led))
    assert sim.wait_for(DisplayScreen(), WAIT)  # the thank-you screen: lamps off, blank
    device.stop()
    assert sim.screens == [DisplayScreen(), *[led[k] for k in ("coke", "bread", "soap", "void", "part", "paid")],
                           DisplayScreen()]  # void and total show the same: one screen
    assert b"\x1bs1\x1bQA3.50\r" in sim.received and b"\x1bs4\x1bQA39.50\r" in sim.received


# ---------------------------------------------------------------- unplugged and slow displays


def test_display_unplugged_mid_sale_is_reopened_and_shows_the_sale_as_it_is_now(store, simulators):
    sim = simulators(protocol="vfd", baudrate=9600)
    lane, device = lane_with_display(store, sim)
    states = []
    lane.events.subscribe("states", states.append, DeviceStateChanged)
    sell(lane, sim, whole_sale(lane, VFD_LATIN)[:1])
    sim.unplug()
    lane.items.enter(BREAD)  # written to a dead port: the display goes offline, the scan does not wait
    deadline = time.monotonic() + WAIT
    while device.online and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not device.online
    lane.items.enter(SOAP)
    sim.replug()
    assert sim.wait_for(VFD_LATIN["soap"], WAIT)  # the newest screen, sent again after ESC @
    assert len(lane.view().lines) == 3
    deadline = time.monotonic() + WAIT
    while len(states) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [(s.device, s.words, s.ok) for s in states] == [("display", "offline", False), ("display", "ok", True)]
    device.stop()


@pytest.mark.slow
def test_a_display_line_that_does_not_drain_holds_up_no_scan(store, simulators):
    """A 2400-baud display whose line stops draining in the middle of a write: twenty scans and a
    payment go through meanwhile, and once the line drains the display shows the latest screen, the
    screens it could not carry having been replaced, not queued. (How fast scans are with a display
    fed is measured by benchmarks/scan_latency.py --devices, not here.)"""
    codes = [COKE, BREAD, SOAP, COKE] * 5
    sim = simulators(protocol="vfd", baudrate=2400)
    lane, device = lane_with_display(store, sim, baudrate=2400)
    lane.items.enter(COKE)
    deadline = time.monotonic() + WAIT
    while device.writes == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert device.writes == 1  # the port is open and the first screen is out
    port = device._serial
    write = port.write
    line_drains = threading.Event()
    stuck: list[bytes] = []

    def stuck_write(data: bytes) -> int:
        stuck.append(data)
        line_drains.wait(4 * WAIT)
        return write(data)

    port.write = stuck_write
    lane.items.enter(BREAD)
    deadline = time.monotonic() + WAIT
    while not stuck and time.monotonic() < deadline:
        time.sleep(0.02)
    assert stuck  # the display's thread is in the middle of a write that does not end
    sold = threading.Event()

    def sell_twenty_and_pay() -> None:
        for code in codes:
            lane.items.enter(code)
        lane.payments.total()
        lane.payments.tender_cash("")
        lane.receipts.finish_printing()
        sold.set()

    seller = threading.Thread(target=sell_twenty_and_pay, daemon=True)
    seller.start()
    assert sold.wait(2 * WAIT)  # every scan and the payment went through with the line stuck
    assert len(stuck) == 1 and device.writes == 1  # still stuck in that write meanwhile
    line_drains.set()
    assert sim.wait_for(VFD_LATIN["thanks"], WAIT)  # it caught up with the latest screen
    device.stop()
    assert device.writes <= 5  # the stuck screen, then the newest ones: the twenty were not queued


# ---------------------------------------------------------------- promotions


def with_promotion(config, name: str) -> None:
    import datetime as dt

    from pos_tui.domain.promotion_file import parse_promotions
    from pos_tui.store.promotions import replace_promotions

    text = f'[[promotion]]\nid = "cola-3"\nname = "{name}"\nkind = "multi_buy"\nskus = ["COKE330"]\n' \
           'quantity = 3\nprice = "10.00"\n'
    replace_promotions(parse_promotions(text, "p.toml", config.currency), config.currency, source="test",
                       actor="test", now=dt.datetime.now())


@pytest.mark.parametrize("encoding, name, row", [
    ("ascii", "Cola 3 for 10", "Cola 3 for 10  -0.50"),
    ("gb18030", "可乐3瓶10元", "可乐3瓶10元    -0.50"),
    ("ascii", "可乐3瓶10元", "Promotion      -0.50"),  # not "310": a name the code page cuts is not shown
])
def test_a_scan_that_gives_a_promotion_shows_its_saving_and_the_total_after_it(store, simulators, encoding, name,
                                                                               row):
    with_promotion(store, name)
    sim = simulators(protocol="vfd", baudrate=9600, encoding=encoding)
    lane, device = lane_with_display(store, sim, encoding=encoding)
    coke = "可口可乐 330ml  " if encoding == "gb18030" else "330ml           "  # 16 cells each
    items = lane.items
    sell(lane, sim, [
        (items.enter, (COKE,), DisplayScreen(coke + "3.50", "Total           3.50")),
        (items.enter, (COKE,), DisplayScreen(coke + "7.00", "Total           7.00")),
        (items.enter, (COKE,), DisplayScreen(row, "Total          10.00")),  # the third: three for 10.00
        (items.enter, (BREAD,), DisplayScreen("Bread          12.00", "Total          22.00")),  # nothing more given
        (items.enter, ("3*" + COKE,), DisplayScreen(row.replace("-0.50", "-1.00"), "Total          32.00")),
    ])
    device.stop()


def test_an_led_display_shows_the_total_after_a_promotion(store, simulators):
    with_promotion(store, "Cola 3 for 10")
    sim = simulators(protocol="led8", baudrate=2400)
    lane, device = lane_with_display(store, sim, protocol="led8", baudrate=2400)
    sell(lane, sim, [(lane.items.enter, ("2*" + COKE,), DisplayScreen(lamp="price", figure="7.00")),
                     (lane.items.enter, (COKE,), DisplayScreen(lamp="total", figure="10.00"))])
    device.stop()
