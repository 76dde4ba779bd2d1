"""Start-up: the sign-in screen is drawn first, the store and the lane open right after it."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest

from pos_tui.demo import create_demo_store
from pos_tui.domain.checkout import State
from pos_tui.services.errors import LaneError
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


async def test_a_scan_straight_after_the_pin_while_the_lane_opens_is_sold_once(tmp_path, feed_terminal, settle,
                                                                                monkeypatch):
    config = demo_config(tmp_path)
    opening_later(monkeypatch)
    app = PosApp(config=config, opening=opened_lane(config))
    async with app.run_test(size=SIZE) as pilot:
        feed_terminal(app, "cashier\r1234\r4006381333931\r6901234567892\r")  # no pause: a scanner in hand
        await settle(pilot, lambda: app.lane is not None and len(app.lane.view().lines) == 2, rounds=400)
        assert [line.sku for line in app.lane.view().lines] == ["SOAP", "COKE330"]
        assert isinstance(app.screen, ItemsScreen) and app.lane.state is State.ENTERING_ITEMS
        feed_terminal(app, "6901234567908\r")  # and the items screen takes the next one
        await settle(pilot, lambda: len(app.lane.view().lines) == 3)
    assert failed_attempts(config, "cashier") == 0


async def test_a_scan_after_a_wrong_pin_is_not_sold(tmp_path, feed_terminal, settle, monkeypatch):
    config = demo_config(tmp_path)
    opening_later(monkeypatch)
    app = PosApp(config=config, opening=opened_lane(config))
    async with app.run_test(size=SIZE) as pilot:
        feed_terminal(app, "cashier\r9876\r4006381333931\r")
        await settle(pilot, lambda: app.lane is not None and failed_attempts_now(app) == 1, rounds=400)
        await pilot.pause()
        assert app.lane.state is State.LOCKED and not app.lane.view().lines
        assert isinstance(app.screen, LockScreen)


def failed_attempts_now(app: PosApp) -> int:
    from pos_tui.store import users

    return users.get_user("cashier").failed_attempts


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


def opening_later(monkeypatch, seconds: float = 0.3) -> None:
    """The store opens ``seconds`` after the first frame, while the cashier's keys are taken (the
    keys typed the moment the sign-in screen appears)."""
    first_frame_drawn = PosApp._first_frame_drawn
    monkeypatch.setattr(PosApp, "_first_frame_drawn", lambda app: app.set_timer(seconds, lambda: first_frame_drawn(app)))


def failed_attempts(config, name: str) -> int:
    from pos_tui.store import users
    from pos_tui.store.db import open_database

    open_database(config.database.url)
    try:
        return users.get_user(name).failed_attempts
    finally:
        close_database()


async def test_a_pin_typed_in_parts_while_the_lane_opens_is_kept_whole(tmp_path, feed_terminal, settle, monkeypatch):
    config = demo_config(tmp_path)
    opening_later(monkeypatch)
    app = PosApp(config=config, opening=opened_lane(config))
    async with app.run_test(size=SIZE) as pilot:
        feed_terminal(app, "cashier\r12")
        entry = app.screen.query_one("#entry")
        await settle(pilot, lambda: entry.value == "12")
        assert app.lane is None and entry.prompt == "PIN> " and entry.masked  # never shown in clear
        feed_terminal(app, "34\r")
        await settle(pilot, lambda: app.lane is not None and app.lane.state is State.IDLE, rounds=400)
        assert isinstance(app.screen, ItemsScreen)
    assert failed_attempts(config, "cashier") == 0


async def test_keys_typed_at_once_before_the_lane_opens_sign_in(tmp_path, feed_terminal, settle, monkeypatch):
    config = demo_config(tmp_path)
    opening_later(monkeypatch)
    app = PosApp(config=config, opening=opened_lane(config))
    async with app.run_test(size=SIZE) as pilot:
        feed_terminal(app, "cashier\r1234\r")
        await settle(pilot, lambda: app.lane is not None and app.lane.state is State.IDLE, rounds=400)
        assert isinstance(app.screen, ItemsScreen)
    assert failed_attempts(config, "cashier") == 0


async def test_an_empty_pin_is_not_a_wrong_attempt(tmp_path, feed_terminal, settle, screen_lines):
    config = demo_config(tmp_path)
    app = PosApp(config=config, opening=opened_lane(config))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: app.lane is not None)
        feed_terminal(app, "cashier\r\r")
        await settle(pilot, lambda: any("no PIN typed" in line for line in screen_lines(app)))
        assert app.lane.state is State.LOCKED
        assert app.lane.people.sign_in  # the lane is open
        with pytest.raises(LaneError, match="no PIN typed"):
            app.lane.people.sign_in("cashier", "")
        feed_terminal(app, "1234\r")
        await settle(pilot, lambda: app.lane.state is State.IDLE)
    assert failed_attempts(config, "cashier") == 0


async def test_ctrl_c_and_ctrl_backslash_before_the_lane_opens_are_answered_not_a_crash(
        tmp_path, feed_terminal, settle, monkeypatch, screen_lines):
    config = demo_config(tmp_path)
    opening_later(monkeypatch)
    app = PosApp(config=config, opening=opened_lane(config), kiosk=True)
    async with app.run_test(size=SIZE) as pilot:
        feed_terminal(app, "\x03\x1c\x1a\x03")  # Ctrl+C, Ctrl+\, Ctrl+Z, Ctrl+C: keys once in raw mode
        await settle(pilot, lambda: any("Ctrl+Q leaves the lane" in line for line in screen_lines(app)))
        assert app.lane is None
        await settle(pilot, lambda: app.lane is not None, rounds=400)
        feed_terminal(app, "cashier\r1234\r")
        await settle(pilot, lambda: app.lane.state is State.IDLE)
    assert app.return_code in (None, 0)
