"""The lane's top line shows the store server's sync state, asked of the sync worker's in-memory
snapshot in the background: online, or offline with how many documents wait."""

from __future__ import annotations

from datetime import datetime

from textual.app import App, ComposeResult

from pos_tui.services.sync import SyncStatus
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
