"""Small terminals (issue #18, item 7): below the minimum the lane says so and keeps taking scans;
at the minimum and above, the total and the keys to pay are in view, boxes fit, and the cart says
when lines are scrolled out of view."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from pos_tui.domain.checkout import State
from pos_tui.services.lane import Lane
from pos_tui.store.db import close_database
from pos_tui.tui.app import PosApp
from pos_tui.tui.screen_size import MIN_HEIGHT, MIN_WIDTH
from pos_tui.tui.screens.items import ItemsScreen
from pos_tui.tui.screens.modals import HelpModal
from pos_tui.tui.screens.payment import PaymentScreen
from pos_tui.tui.screens.settlement_modals import LetterMenuModal

COKE, BREAD, SOAP = "6901234567892", "6901234567908", "4006381333931"


@pytest.fixture
def lane(tmp_path: Path, make_demo_store) -> Iterator[Lane]:
    yield Lane(make_demo_store(tmp_path))
    close_database()


async def signed_in(app: PosApp, pilot, feed_terminal, settle) -> None:
    feed_terminal(app, "cashier\r1234\r")
    await settle(pilot, lambda: app.lane.state is State.IDLE and isinstance(app.screen, ItemsScreen))


def text(screen_lines, app) -> str:
    return "\n".join(screen_lines(app))


def test_the_minimum_is_below_what_the_spec_promises():
    assert (MIN_WIDTH, MIN_HEIGHT) == (60, 16) and MIN_WIDTH <= 80 and MIN_HEIGHT <= 24


async def test_below_the_minimum_the_lane_says_so_instead_of_hiding_money(lane, feed_terminal, settle,
                                                                          screen_lines):
    app = PosApp(lane)
    async with app.run_test(size=(40, 12)) as pilot:
        await signed_in(app, pilot, feed_terminal, settle)
        feed_terminal(app, f"{COKE}\r{BREAD}\r")
        await settle(pilot, lambda: len(app.view.lines) == 2)  # scans are still taken
        shown = text(screen_lines, app)
        assert "terminal is too small (40x12): the lane needs at least 60x16" in " ".join(shown.split())
        assert "15.50" not in shown and "TOTAL" not in shown and "Amount" not in shown
        await pilot.resize_terminal(60, 20)
        await settle(pilot, lambda: "TOTAL" in text(screen_lines, app))
        rows = screen_lines(app)
        entry = next(i for i, row in enumerate(rows) if row.startswith(" > "))
        assert "TOTAL  ¥15.50" in rows[entry - 1] and "too small" not in text(screen_lines, app)
        assert "Amount" in rows[2] and "12.00" in text(screen_lines, app)


async def test_at_60x20_the_total_and_the_keys_to_pay_are_in_view(lane, feed_terminal, settle, screen_lines):
    app = PosApp(lane)
    async with app.run_test(size=(60, 20)) as pilot:
        await signed_in(app, pilot, feed_terminal, settle)
        feed_terminal(app, f"{COKE}\r")
        await settle(pilot, lambda: len(app.view.lines) == 1)
        rows = screen_lines(app)
        entry = next(i for i, row in enumerate(rows) if row.startswith(" > "))
        assert "TOTAL  ¥3.50" in rows[entry - 1]
        assert "F1 Help" in rows[-2] and "F10 Total" in rows[-2] + rows[-1]  # the key line: two rows
        await pilot.press("f10")
        await settle(pilot, lambda: isinstance(app.screen, PaymentScreen))
        keys = screen_lines(app)[-1]  # (the demo has no wallet gateway: no F4 Wallet)
        assert all(key in keys for key in ("F2 Cash", "F3 Bank card"))


@pytest.mark.parametrize("size", [(60, 16), (60, 20), (70, 18)])
async def test_help_and_shift_boxes_stay_inside_the_terminal(lane, feed_terminal, settle, screen_lines, size):
    app = PosApp(lane)
    async with app.run_test(size=size) as pilot:
        await signed_in(app, pilot, feed_terminal, settle)
        for open_box, box in ((lambda: pilot.press("f1"), HelpModal), (lambda: pilot.press("ctrl+s"), LetterMenuModal)):
            await open_box()
            await settle(pilot, lambda box=box: isinstance(app.screen, box))
            rows = screen_lines(app)
            top = next(i for i, row in enumerate(rows) if row.lstrip().startswith("┌─ Keys") or "┌─ Shift" in row)
            bottom = next(i for i in range(top + 1, len(rows)) if rows[i].lstrip().startswith("└"))
            assert rows[top].rstrip().endswith("┐") and rows[bottom].rstrip().endswith("┘"), "\n".join(rows)
            assert all(rows[i].rstrip().endswith("│") for i in range(top + 1, bottom)), "\n".join(rows)
            await pilot.press("escape")
            await settle(pilot, lambda: isinstance(app.screen, ItemsScreen))


async def test_the_cart_says_when_lines_are_scrolled_out_of_view(lane, feed_terminal, settle, screen_lines):
    lane.ctx.config = replace(lane.ctx.config, sale=replace(lane.ctx.config.sale, merge_identical_scans=False))
    app = PosApp(lane)
    async with app.run_test(size=(60, 16)) as pilot:
        await signed_in(app, pilot, feed_terminal, settle)
        feed_terminal(app, "".join(f"{code}\r" for code in (COKE, BREAD, SOAP) * 4))
        await settle(pilot, lambda: len(app.view.lines) == 12)
        rows = screen_lines(app)
        bottom = next(row for row in rows if row.startswith("└"))
        shown_lines = sum(1 for row in rows if row.startswith("│ ") and row[2:4].strip().isdigit())
        assert f"{12 - shown_lines} more above" in bottom
        for _ in range(11):
            await pilot.press("up")
        await settle(pilot, lambda: "more below" in text(screen_lines, app))
        bottom = next(row for row in screen_lines(app) if row.startswith("└"))
        assert f"{12 - shown_lines} more below" in bottom and "above" not in bottom
