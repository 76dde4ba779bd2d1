"""Start-up: the sign-in screen is drawn first, the store and the lane open right after it."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

from pos_tui.demo import create_demo_store
from pos_tui.domain.checkout import State
from pos_tui.services.lane import Lane
from pos_tui.services.opening import opened_lane
from pos_tui.store.db import close_database
from pos_tui.store.lane_lock import holding_lane
from pos_tui.tui.app import PosApp
from pos_tui.tui.screens.items import ItemsScreen
from pos_tui.tui.screens.lock import LockScreen

SIZE = (80, 24)


def demo_config(tmp_path: Path):
    config = create_demo_store(tmp_path)
    close_database()
    return config


async def test_keys_typed_while_the_lane_opens_are_kept(tmp_path, feed_terminal, settle):
    config = demo_config(tmp_path)
    seen_before_open: list[object] = []

    @contextlib.contextmanager
    def slow_opening():
        seen_before_open.append(type(app.screen))
        time.sleep(0.3)  # a slow disk: the cashier is already typing
        with opened_lane(config) as lane:
            yield lane

    app = PosApp(config=config, opening=slow_opening())
    async with app.run_test(size=SIZE) as pilot:
        feed_terminal(app, "cashier\r1234\r")
        await settle(pilot, lambda: app.lane is not None and app.lane.state is State.IDLE)
        assert seen_before_open == [LockScreen]
        assert isinstance(app.screen, ItemsScreen)
        feed_terminal(app, "4006381333931\r")
        await settle(pilot, lambda: len(app.lane.view().lines) == 1)
        assert app.lane.state is State.ENTERING_ITEMS


async def test_a_store_that_will_not_open_ends_the_app_with_the_reason(tmp_path):
    config = demo_config(tmp_path)
    config.database_path.unlink()
    for leftover in tmp_path.glob("pos.db-*"):
        leftover.unlink()

    app = PosApp(config=config, opening=opened_lane(config))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
    assert app.return_code == 1
    assert app.opening_error == "no users yet: run `pos-tui init --admin NAME` first"
    assert app.lane is None


async def test_a_lane_given_ready_skips_the_opening(tmp_path):
    lane = Lane(create_demo_store(tmp_path))
    try:
        app = PosApp(lane)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert app.lane is lane and isinstance(app.screen, LockScreen)
    finally:
        close_database()


async def test_a_lane_already_running_on_the_store_is_not_opened_twice(tmp_path):
    config = demo_config(tmp_path)
    with holding_lane(config.database.url, config.store.lane):  # the first `pos-tui run` of lane 01
        app = PosApp(config=config, opening=opened_lane(config))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
        assert app.return_code == 1
        assert app.opening_error == "lane 01 is already running on this store (another pos-tui has it open)"
        assert app.lane is None
