"""The lane runs the cyclic GC's full pass itself, between customers: once the lane has stood idle at
two checks in a row after a sale, never while a sale is open (a screen shown for the first time is
frozen out of the GC then, not under the next scan), and the GC's own full passes are put far off."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from pos_tui.domain.checkout import State
from pos_tui.services.lane import Lane
from pos_tui.store.db import close_database
from pos_tui.tui import app as app_module
from pos_tui.tui.app import FULL_PASS_AFTER, PosApp

COKE = "6901234567892"


@pytest.fixture
def lane(tmp_path: Path, make_demo_store) -> Iterator[Lane]:
    threshold = gc.get_threshold()
    yield Lane(make_demo_store(tmp_path))
    close_database()
    gc.set_threshold(*threshold)


def full_passes() -> int:
    return gc.get_stats()[2]["collections"]


async def test_a_full_pass_runs_at_the_second_idle_check_after_a_sale_and_never_during_one(lane, feed_terminal,
                                                                                            settle, monkeypatch):
    monkeypatch.setattr(app_module, "IDLE_CHECK_SECONDS", 3600.0)  # the checks here are the test's own
    app = PosApp(lane)
    async with app.run_test(size=(80, 24)) as pilot:
        feed_terminal(app, "cashier\r1234\r")
        await settle(pilot, lambda: app.lane.state is State.IDLE)
        assert gc.get_threshold()[2] == FULL_PASS_AFTER

        assert not app.collect_between_customers()  # the first idle check
        before, frozen = full_passes(), gc.get_freeze_count()
        assert app.collect_between_customers()  # the second in a row: the pass runs
        assert full_passes() == before + 1
        assert gc.get_freeze_count() > frozen  # the item screen, new since the sign-in, is kept out of it
        assert not app.collect_between_customers()  # once per idle spell

        feed_terminal(app, f"{COKE}\r")
        await settle(pilot, lambda: app.lane.state is State.ENTERING_ITEMS)
        assert [app.collect_between_customers() for _ in range(3)] == [False] * 3  # a sale is open
        await pilot.press("f10")
        await settle(pilot, lambda: app.lane.state is State.CHOOSING_PAYMENT)
        assert not app.collect_between_customers()
        await pilot.press("f2")
        await settle(pilot, lambda: app.lane.state is State.IDLE and app.payment is None
                     and len(app.screen_stack) == 1)
        assert not app.collect_between_customers()
        before, frozen = full_passes(), gc.get_freeze_count()
        assert app.collect_between_customers()  # after the sale, once
        assert full_passes() == before + 1
        assert gc.get_freeze_count() > frozen  # the payment screen, shown for the first time
        assert not app.collect_between_customers()
