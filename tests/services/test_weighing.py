"""Weighed items on a lane with a scale: the weight comes from the scale and the line says so; a scale
that gives no steady weight adds nothing; a typed weight needs a supervisor when the scale is
required, and that approval is journaled."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from pos_tui.config import ScaleConfig
from pos_tui.devices.scale import Scale
from pos_tui.devices.scale_sim import ScaleSimulator
from pos_tui.domain.permissions import PermissionDenied
from pos_tui.services.errors import LaneError
from pos_tui.services.events import DeviceStateChanged
from pos_tui.services.lane import Lane
from pos_tui.services.lane.weighing import NeedsWeight
from pos_tui.store import journal
from pos_tui.store.db import close_database
from pos_tui.store.models import SaleLine

APPLE = "4131"  # 苹果 Apple, 8.80 a kg


@pytest.fixture
def store(tmp_path, make_demo_store):
    cfg = make_demo_store(tmp_path)
    yield cfg
    close_database()


@pytest.fixture
def scale_sim(tmp_path, quick_scale_answers):
    sim = ScaleSimulator(protocol="toledo8217", weight_milli=1250, link=tmp_path / "scale").start()
    yield sim
    sim.stop()


def lane_with_scale(config, sim: ScaleSimulator, **scale) -> Lane:
    cfg = replace(config, devices=replace(config.devices, scale=ScaleConfig(
        driver="serial", port=sim.path, **{"stable_timeout": 0.8, **scale})))
    lane = Lane(cfg, scale=Scale(sim.path, stable_timeout=0.8))
    lane.people.sign_in("cashier", "1234")
    return lane


def weight_source_of_last_line() -> str | None:
    return SaleLine.select().order_by(SaleLine.id.desc()).first().weight_source


def test_a_weighed_item_is_weighed_on_the_scale_and_the_line_records_it(store, scale_sim):
    lane = lane_with_scale(store, scale_sim)
    with pytest.raises(NeedsWeight) as needs:
        lane.items.enter(APPLE)
    assert needs.value.code == APPLE and not lane.view().lines
    reading = lane.items.weigh(APPLE, needs.value.name)
    view = lane.items.add_weighed(APPLE, reading)
    line = view.lines[-1]
    assert (line.unit, line.qty_milli, line.amount) == ("kg", 1250, 1100)
    assert weight_source_of_last_line() == "scale"
    assert json.loads(journal.entries("sale.line")[-1].payload)["weight_source"] == "scale"


@pytest.mark.parametrize("mode, words", [("unstable", "not steady"), ("zero", "nothing on the scale"),
                                          ("negative", "below zero"), ("overload", "capacity"),
                                          ("garbage", "should not"), ("silence", "does not answer")])
def test_no_steady_weight_is_one_plain_line_and_no_line_added(store, scale_sim, mode, words):
    lane = lane_with_scale(store, scale_sim)
    scale_sim.set(mode=mode)
    with pytest.raises(LaneError, match=f"苹果 Apple not added: .*{words}"):
        lane.items.weigh(APPLE, "苹果 Apple")
    assert not lane.view().lines


def test_a_dead_scale_shows_on_the_status_line_until_it_answers_again(store, scale_sim):
    lane = lane_with_scale(store, scale_sim)
    states = []
    lane.events.subscribe("states", states.append, DeviceStateChanged)
    scale_sim.set(mode="silence")
    with pytest.raises(LaneError):
        lane.items.weigh(APPLE)
    scale_sim.set(mode="stable")
    lane.items.weigh(APPLE)
    lane.events.close()
    assert [(s.device, s.words, s.ok) for s in states] == [("scale", "no answer", False), ("scale", "ok", True)]


def test_a_typed_weight_is_refused_when_the_scale_is_required(store, scale_sim):
    lane = lane_with_scale(store, scale_sim)
    with pytest.raises(PermissionDenied, match="a typed weight needs a supervisor"):
        lane.items.enter(f"1.25*{APPLE}")
    lane.items.enter("1.25*")  # the quantity first, then the scan: refused the same way
    with pytest.raises(PermissionDenied):
        lane.items.enter(APPLE)
    assert not lane.view().lines


def test_a_supervisor_allows_one_typed_weight_and_it_is_journaled(store, scale_sim):
    lane = lane_with_scale(store, scale_sim)
    approval = lane.people.approve("super", "9999", "typed_weight")
    view = lane.items.enter(f"1.25*{APPLE}", approval=approval)
    assert view.lines[-1].qty_milli == 1250
    assert weight_source_of_last_line() == "typed"
    entry = journal.entries("sale.line")[-1]
    assert json.loads(entry.payload)["approved_by"] == "super" and entry.actor == "cashier"
    with pytest.raises(PermissionDenied):  # one approval, one typed weight
        lane.items.enter(f"0.50*{APPLE}", approval=approval)


def test_manual_weight_lets_the_cashier_type_and_no_scale_means_typed_weights(store, scale_sim):
    lane = lane_with_scale(store, scale_sim, manual_weight=True)
    lane.items.enter(f"1.25*{APPLE}")
    assert weight_source_of_last_line() == "typed"
    lane.items.void_sale(lane.people.approve("super", "9999", "void_sale"))
    plain = Lane(store)
    plain.people.sign_in("cashier", "1234")
    with pytest.raises(LaneError, match="sold by weight: type the kg"):
        plain.items.enter(APPLE)
    plain.items.enter(f"0.75*{APPLE}")
    assert weight_source_of_last_line() == "typed"
    plain.items.enter("2100002007507")  # pork, 0.750 kg printed in its label's barcode
    assert weight_source_of_last_line() == "barcode"
