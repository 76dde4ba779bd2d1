"""Issue #12 in `pos-tui admin` at 80x24."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pos_tui.demo import create_demo_store
from pos_tui.services.back_office import BackOffice
from pos_tui.store import users
from pos_tui.store.db import close_database
from pos_tui.tui.admin.app import AdminApp
from pos_tui.tui.admin.menu import MenuScreen
from pos_tui.tui.admin.reports import ReportsScreen
from pos_tui.tui.screens.modals import ConfirmModal
from pos_tui.tui.widgets.message_line import MessageLine

SIZE = (80, 24)
ADMIN_PIN = "2468"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[object]:
    config = create_demo_store(tmp_path, with_open_shift=True)
    users.add_user("boss", "admin", ADMIN_PIN, config.security.pin_min_length, actor="test")
    yield config
    close_database()


def message(app: AdminApp) -> str:
    return app.top.query_one(MessageLine).text


async def sign_in(app: AdminApp, pilot, feed_terminal, settle, name: str = "boss", pin: str = ADMIN_PIN) -> None:
    feed_terminal(app, f"{name}\r{pin}\r")
    await settle(pilot, lambda: isinstance(app.screen, MenuScreen))


async def test_close_day_says_to_close_the_shift_before_asking_yes_or_no(store, feed_terminal, settle):
    app = AdminApp(BackOffice(store))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await pilot.press("f4")
        await settle(pilot, lambda: isinstance(app.screen, ReportsScreen))
        await pilot.press("f5")
        await settle(pilot, lambda: "shift" in message(app))
        assert not isinstance(app.screen, ConfirmModal)
        assert message(app) == "close the open shift (count the drawer) before the Z report"
