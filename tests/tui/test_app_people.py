"""Signing in, supervisor approvals, locking, help and leaving the lane (kiosk or not)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pos_tui.domain.checkout import State
from pos_tui.services.lane import Lane
from pos_tui.store import sales
from pos_tui.store.db import close_database
from pos_tui.tui.app import PosApp
from pos_tui.tui.keymap import DEFAULT_KEYMAP
from pos_tui.tui.screens.items import ItemsScreen
from pos_tui.tui.screens.lock import LockScreen
from pos_tui.tui.screens.modals import ApprovalModal, ConfirmModal, HelpModal
from pos_tui.tui.widgets.message_line import MessageLine

BREAD = "6901234567908"
SIZE = (80, 24)


@pytest.fixture
def lane(tmp_path: Path, make_demo_store) -> Iterator[Lane]:
    yield Lane(make_demo_store(tmp_path))
    close_database()


async def sign_in(app: PosApp, pilot, feed_terminal, settle, name: str = "cashier", pin: str = "1234") -> None:
    feed_terminal(app, f"{name}\r{pin}\r")
    await settle(pilot, lambda: app.lane.state is not State.LOCKED)
    assert isinstance(app.screen, ItemsScreen)


async def scan_bread(app: PosApp, pilot, feed_terminal, settle) -> None:
    feed_terminal(app, f"{BREAD}\r")
    await settle(pilot, lambda: len(app.view.lines) == 1)


def message(app: PosApp) -> MessageLine:
    return app.screen.query_one(MessageLine)


async def test_a_wrong_pin_shows_the_lanes_message_and_stays_locked(lane, feed_terminal, settle, screen_lines):
    app = PosApp(lane)
    async with app.run_test(size=SIZE) as pilot:
        feed_terminal(app, "cashier\r")
        await settle(pilot, lambda: app.screen.user == "cashier")
        feed_terminal(app, "0000")
        drawn = lambda: "\n".join(screen_lines(app))  # noqa: E731
        await settle(pilot, lambda: "PIN> ****" in drawn() or "PIN> 0000" in drawn())  # the four keys drawn
        assert "PIN> ****_" in drawn() and "0000" not in drawn()  # masked
        feed_terminal(app, "\r")
        await settle(pilot, lambda: message(app).text != "")
        assert message(app).text == "wrong name or PIN"
        assert message(app).level == "error"
        assert isinstance(app.screen, LockScreen) and app.lane.state is State.LOCKED
        feed_terminal(app, "1234\r")  # the user name is kept: only the PIN again
        await settle(pilot, lambda: app.lane.state is State.IDLE)
        assert isinstance(app.screen, ItemsScreen)


async def test_void_sale_as_cashier_needs_a_supervisor_pin(lane, feed_terminal, settle):
    app = PosApp(lane)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await scan_bread(app, pilot, feed_terminal, settle)
        sale_id = sales.open_sale_on_lane(1).id
        await pilot.press("f11")
        await settle(pilot, lambda: isinstance(app.screen, ApprovalModal))
        feed_terminal(app, "cashier\r1234\r")  # a cashier cannot approve
        await settle(pilot, lambda: message(app).text != "")
        assert message(app).text == "voiding the sale needs a supervisor"
        assert isinstance(app.screen, ApprovalModal)
        feed_terminal(app, "super\r9999\r")
        await settle(pilot, lambda: app.lane.state is State.IDLE)
        assert isinstance(app.screen, ItemsScreen)
        assert message(app).text == "Sale voided"
        assert sales.get_sale(sale_id).status == sales.VOIDED


async def test_a_supervisor_confirms_void_sale_without_a_pin(lane, feed_terminal, settle):
    app = PosApp(lane)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle, "super", "9999")
        await scan_bread(app, pilot, feed_terminal, settle)
        await pilot.press("f11")
        await settle(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("n")
        await settle(pilot, lambda: isinstance(app.screen, ItemsScreen))
        assert app.lane.state is State.ENTERING_ITEMS
        await pilot.press("f11", "y")
        await settle(pilot, lambda: app.lane.state is State.IDLE)
        assert message(app).text == "Sale voided"


async def test_lock_keeps_the_sale_and_signing_in_brings_it_back(lane, feed_terminal, settle):
    app = PosApp(lane)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await scan_bread(app, pilot, feed_terminal, settle)
        await pilot.press("ctrl+l")
        await settle(pilot, lambda: isinstance(app.screen, LockScreen))
        assert message(app).text == "Lane locked: the open sale waits"
        await sign_in(app, pilot, feed_terminal, settle)
        assert app.lane.state is State.ENTERING_ITEMS
        assert [row.name for row in app.screen.query_one("#cart").lines] == ["Bread"]


async def test_help_lists_every_key_of_the_screen(lane, feed_terminal, settle):
    app = PosApp(lane)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await pilot.press("f1")
        await settle(pilot, lambda: isinstance(app.screen, HelpModal))
        keys = {key for key, _ in app.screen.rows}
        assert {binding.display_key for binding in DEFAULT_KEYMAP.for_screen("items")} <= keys
        assert {"Enter", "Esc", "^D", "^Q"} <= keys


async def test_help_longer_than_the_screen_scrolls_to_its_last_key(lane, feed_terminal, settle, screen_lines):
    app = PosApp(lane)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await pilot.press("f1")
        await settle(pilot, lambda: isinstance(app.screen, HelpModal))
        await pilot.pause()
        shown = "\n".join(screen_lines(app))
        assert "^Q  quit" not in shown  # 21 keys with the demo's department key: more than the box holds
        assert "Up/Down PgUp/PgDn scroll  Esc closes" in shown
        await pilot.press("end")
        await pilot.pause()
        assert "^Q  quit (an open sale stays for later)" in "\n".join(screen_lines(app))
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, ItemsScreen))


async def test_ctrl_q_quits_and_the_open_sale_stays(lane, feed_terminal, settle):
    app = PosApp(lane)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await scan_bread(app, pilot, feed_terminal, settle)
        await pilot.press("ctrl+q")
        await settle(pilot, lambda: app.return_code is not None)
    assert app.return_code == 0
    assert sales.open_sale_on_lane(1) is not None


@pytest.mark.slow
async def test_kiosk_does_not_quit_without_a_supervisor_pin(lane, feed_terminal, settle):
    app = PosApp(lane, kiosk=True)
    assert not app.use_command_palette
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+c")
        await pilot.press("ctrl+q")
        await settle(pilot, lambda: isinstance(app.screen, ApprovalModal))
        assert app.return_code is None
        feed_terminal(app, "cashier\r1234\r")
        await settle(pilot, lambda: message(app).text != "")
        assert message(app).text == "leaving the kiosk needs a supervisor"
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, LockScreen))
        assert app.return_code is None
        await pilot.press("ctrl+q")
        await settle(pilot, lambda: isinstance(app.screen, ApprovalModal))
        feed_terminal(app, "super\r9999\r")
        await settle(pilot, lambda: app.return_code is not None)
    assert app.return_code == 0


async def test_a_refusal_is_asked_about_only_where_the_caller_allows_it(lane, feed_terminal, settle):
    app = PosApp(lane)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await scan_bread(app, pilot, feed_terminal, settle)
        # Without ``approvable`` a step above the cashier's role is one line, no PIN box.
        assert not app.run_intent(app.lane.items.void_sale)
        await pilot.pause()
        assert not isinstance(app.screen, ApprovalModal)
        assert message(app).level == "error" and "supervisor" in message(app).text
        assert app.run_intent(app.lane.items.void_sale, approvable=True) is False
        await settle(pilot, lambda: isinstance(app.screen, ApprovalModal))
        feed_terminal(app, "super\r9999\r")
        await settle(pilot, lambda: app.lane.state is State.IDLE)
        # Without ``confirmable`` a line over a bound is refused as it is; with it, asked about.
        assert not app.run_intent(app.lane.items.enter, f"1000*{BREAD}")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmModal) and message(app).level == "error"
        app.run_intent(app.lane.items.enter, f"1000*{BREAD}", confirmable=True)
        await settle(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await settle(pilot, lambda: len(app.view.lines) == 1)
        assert app.view.lines[0].qty_milli == 1_000_000
