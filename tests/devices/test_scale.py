"""The scale driver against the simulated scale over real pseudo-terminals: each protocol, every
kind of answer (stable, unstable, zero, negative, overload, garbage, silence), a scale that
settles, one unplugged and plugged back in, and the weight parser."""

from __future__ import annotations

import time

import pytest

from pos_tui.config import Config, DevicesConfig, ScaleConfig
from pos_tui.devices.ports import DeviceError
from pos_tui.devices.scale import Cas, ContinuousAscii, Scale, ScaleError, Toledo8217, WeightReading, parse_weight
from pos_tui.devices.scale_sim import ScaleSimulator, parse_command
from pos_tui.devices.status import check_devices, check_scale

PROTOCOLS = ("toledo8217", "continuous", "cas")


@pytest.fixture(params=PROTOCOLS)
def scale_pair(request, tmp_path, quick_scale_answers):
    sim = ScaleSimulator(protocol=request.param, weight_milli=1250, link=tmp_path / "scale").start()
    scale = Scale(sim.path, protocol=request.param, stable_timeout=0.8)
    yield sim, scale
    scale.close()
    sim.stop()


def test_a_steady_weight_comes_back_in_grams(scale_pair):
    sim, scale = scale_pair
    assert scale.read_stable() == WeightReading(1250, sim.protocol)


@pytest.mark.parametrize("mode, kind, words", [
    ("unstable", "unstable", "not steady"),
    ("zero", "zero", "nothing on the scale"),
    ("negative", "negative", "below zero"),
    ("overload", "overload", "over the scale's capacity"),
    ("garbage", "garbage", "answered something it should not"),
    ("silence", "silence", "does not answer"),
])
def test_every_answer_that_is_not_a_steady_weight_is_refused_in_plain_words(scale_pair, mode, kind, words):
    sim, scale = scale_pair
    sim.set(mode=mode)
    started = time.monotonic()
    with pytest.raises(ScaleError, match=words) as refused:
        scale.read_stable()
    assert refused.value.kind == kind
    assert time.monotonic() - started < 3.0  # bounded by the answer and stable timeouts


def test_a_scale_still_settling_is_asked_again_until_steady(scale_pair):
    sim, scale = scale_pair
    sim.set(mode="stable", unstable_answers=2)
    assert scale.read_stable().weight_milli == 1250


def test_a_scale_unplugged_says_so_and_is_opened_again_once_back(scale_pair):
    sim, scale = scale_pair
    assert scale.read_stable().weight_milli == 1250
    sim.unplug()
    with pytest.raises(DeviceError):
        scale.read_stable()
    with pytest.raises(DeviceError, match="not found"):  # the link is gone while unplugged
        scale.read_stable()
    sim.replug()
    assert scale.read_stable().weight_milli == 1250


def test_devices_check_reports_what_the_scale_answers(scale_pair):
    sim, _scale = scale_pair
    cfg = ScaleConfig(driver="serial", protocol=sim.protocol, port=sim.path)
    assert check_scale(cfg).words == f"answers: 1.250 kg, steady ({sim.path})"
    sim.set(mode="silence")
    report = check_scale(cfg)
    assert not report.ok and "does not answer" in report.words
    names = [r.name for r in check_devices(Config(devices=DevicesConfig(scale=cfg)))]
    assert names == ["printer", "card terminal", "scanner", "display", "scale"]


def test_each_protocol_frame_is_read_as_documented():
    assert Toledo8217.parse(b"\x0201.250\r").weight_milli == 1250
    assert Toledo8217.parse(b"\x02  1.250N\r").weight_milli == 1250  # a net weight
    assert Toledo8217.parse(b"\x02?A\r").kind == "unstable"  # status: motion
    assert Toledo8217.parse(b"\x02?B\r").kind == "overload"
    assert Toledo8217.parse(b"\x02?D\r").kind == "negative"
    assert Toledo8217.parse(b"\x02?P\r").kind == "stable"  # centre of zero: an empty scale
    assert ContinuousAscii.parse(b"ST,GS,+0001.250kg\r\n").weight_milli == 1250
    assert ContinuousAscii.parse(b"ST,NT,+  0.400,kg\r\n").weight_milli == 400
    assert ContinuousAscii.parse(b"US,GS,+0001.250kg\r\n").kind == "unstable"
    assert ContinuousAscii.parse(b"ST,GS,-0000.100kg\r\n").kind == "negative"
    assert ContinuousAscii.parse(b"OL,GS,+9999.999kg\r\n").kind == "overload"
    assert ContinuousAscii.parse(b"ST,GS,+1250g\r\n").weight_milli == 1250
    frame = b"S 01.250kg"
    bcc = 0
    for byte in frame:
        bcc ^= byte
    assert Cas.parse(b"\x01\x02" + frame + bytes([bcc]) + b"\x03\x04").weight_milli == 1250
    with pytest.raises(ScaleError, match="should not"):
        Cas.parse(b"\x01\x02" + frame + bytes([bcc ^ 1]) + b"\x03\x04")  # a wrong check byte
    with pytest.raises(ScaleError, match="in lb"):
        ContinuousAscii.parse(b"ST,GS,+0002.750lb\r\n")


def test_weights_are_parsed_to_grams_without_floats():
    assert parse_weight("1.25") == 1250
    assert parse_weight("0001.250") == 1250
    assert parse_weight("1.2505") == 1251  # half up to the gram
    assert parse_weight("-0.100") == -100
    assert parse_weight("850", "g") == 850
    with pytest.raises(ValueError):
        parse_weight("1.2.3")
    assert parse_command("1.250") == (1250, "stable") and parse_command("silence") == (None, "silence")
