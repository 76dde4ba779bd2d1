"""The lane's top line shows the store server's sync state, asked of the sync worker's in-memory
snapshot in the background: online, or offline with how many documents wait."""

from __future__ import annotations

from datetime import datetime

import pytest

from textual.app import App, ComposeResult

from pos_tui.services.sync import SyncStatus
from tests.tui.conftest import _wait_for as wait_for
from pos_tui.tui.widgets.status_header import StatusHeader


class HeaderApp(App[None]):
    def __init__(self, source) -> None:
        super().__init__()
        self.source = source

    def compose(self) -> ComposeResult:
        header = StatusHeader("Demo Mart", 2, clock=lambda: datetime(2026, 11, 27, 14, 32, 5))
        header.follow_sync(self.source)
        yield header


def test_sync_words_say_online_or_offline_with_what_waits():
    assert SyncStatus(online=True).words() == ("online", True)
    assert SyncStatus(online=False, waiting=12).words() == ("offline, 12 waiting", False)
    assert SyncStatus(online=True, parked=1).words() == ("online, 1 parked", False)


async def test_the_header_shows_the_sync_state_and_follows_it():
    state = [SyncStatus(online=True)]
    app = HeaderApp(lambda: state[0].words())
    async with app.run_test(size=(80, 3)) as pilot:
        header = app.query_one(StatusHeader)
        await pilot.pause()
        assert "server online  14:32" in header.render().plain
        state[0] = SyncStatus(online=False, waiting=3)
        header._poll_sync()  # what its timer does every SYNC_SECONDS
        await pilot.pause()
        assert "server offline, 3 waiting  14:32" in header.render().plain


async def test_the_sync_state_is_drawn_in_the_lanes_language():
    from pos_tui.i18n import using_language

    with using_language("zh_CN"):
        assert SyncStatus(online=False, waiting=3, parked=1).words() == ("离线，3 笔待上传，1 笔被拒收", False)
        state = [SyncStatus(online=True)]
        app = HeaderApp(lambda: state[0].words())
        async with app.run_test(size=(80, 3)) as pilot:
            header = app.query_one(StatusHeader)
            await pilot.pause()
            assert "服务器 在线  14:32" in header.render().plain
            state[0] = SyncStatus(online=False, waiting=12)
            header._poll_sync()
            await pilot.pause()
            assert "服务器 离线，12 笔待上传  14:32" in header.render().plain


async def test_a_lane_with_a_store_server_shows_what_its_sync_process_says(tmp_path):
    """The lane as `pos-tui run` opens it: its sync worker in a process of its own, below the
    lane's priority, whose status reaches the header; closing the lane ends the process."""
    import os
    from dataclasses import replace

    from pos_tui.config import ServerConfig
    from pos_tui.demo import create_demo_store
    from pos_tui.services.opening import opened_lane
    from pos_tui.store.db import close_database
    from pos_tui.tui.app import PosApp

    config = create_demo_store(tmp_path)
    close_database()
    config = replace(config, server=ServerConfig(url=f"postgresql://nobody@/pos?host={tmp_path}/nowhere"))
    app = PosApp(config=config, opening=opened_lane(config))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.lane is not None and app.lane.sync is not None)
        sync = app.lane.sync
        pid = sync.pid
        assert os.getpriority(os.PRIO_PROCESS, pid) > os.getpriority(os.PRIO_PROCESS, 0)
        await wait_for(pilot, lambda: "unreachable" in sync.status().problem)
        header = app.screen.query_one(StatusHeader)
        header._poll_sync()  # what its timer does every SYNC_SECONDS
        await pilot.pause()
        assert f"server offline, {sync.status().waiting} waiting" in header.render().plain
        assert sync.status().waiting >= 1  # the demo's open shift at least
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
