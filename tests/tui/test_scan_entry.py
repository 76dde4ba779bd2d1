"""Scanner bursts through the entry line: never merged, dropped or reordered."""

from __future__ import annotations

import asyncio

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Input

from pos_tui.tui.widgets.scan_entry import ECHO_DELAY, ScanEntry

TOTAL = "<total>"
F10 = "\x1b[21~"


def escape() -> events.Key:
    """A fresh Escape key event (events carry state, so one is never sent twice)."""
    return events.Key("escape", "\x1b")


class BurstApp(App[None]):
    """Records every submitted entry and every F10 (total) in the order the app saw them."""

    BINDINGS = [Binding("f10", "total", "Total")]

    def __init__(self, entry_factory: type[Widget] = ScanEntry, consume_delay: float = 0) -> None:
        super().__init__()
        self.entry_factory = entry_factory
        self.consume_delay = consume_delay
        self.seen: list[str] = []

    def compose(self) -> ComposeResult:
        yield self.entry_factory(id="entry")

    def on_mount(self) -> None:
        self.query_one("#entry").focus()

    async def on_scan_entry_submitted(self, message: ScanEntry.Submitted) -> None:
        if self.consume_delay:
            await asyncio.sleep(self.consume_delay)
        self.seen.append(message.value)

    def on_input_submitted(self, message: Input.Submitted) -> None:
        self.seen.append(message.value)
        message.input.clear()

    def action_total(self) -> None:
        self.seen.append(TOTAL)


def burst(codes: list[str]) -> str:
    return "".join(f"{code}\r" for code in codes)


async def test_five_back_to_back_scans_arrive_whole_and_in_order(scan_codes, feed_terminal, settle):
    app = BurstApp()
    async with app.run_test(size=(80, 24)) as pilot:
        feed_terminal(app, burst(scan_codes))
        await settle(pilot, lambda: len(app.seen) >= 5)
        assert app.seen == scan_codes


async def test_a_slow_consumer_still_sees_every_scan_in_order(scan_codes, feed_terminal, settle):
    app = BurstApp(consume_delay=0.005)  # a database write per scan
    async with app.run_test(size=(80, 24)) as pilot:
        feed_terminal(app, burst(scan_codes) + F10)
        await settle(pilot, lambda: TOTAL in app.seen)
        assert app.seen == [*scan_codes, TOTAL]


async def test_typed_quantity_prefix_joins_the_next_scan(scan_codes, feed_terminal, settle):
    app = BurstApp()
    async with app.run_test(size=(80, 24)) as pilot:
        feed_terminal(app, "3")
        feed_terminal(app, "*")
        feed_terminal(app, burst(scan_codes))
        await settle(pilot, lambda: len(app.seen) >= 5)
        assert app.seen == [f"3*{scan_codes[0]}", *scan_codes[1:]]


async def test_f10_right_after_a_burst_comes_after_the_last_scan(scan_codes, feed_terminal, settle):
    app = BurstApp()
    async with app.run_test(size=(80, 24)) as pilot:
        feed_terminal(app, burst(scan_codes) + F10)
        await settle(pilot, lambda: TOTAL in app.seen)
        assert app.seen == [*scan_codes, TOTAL]


async def test_cr_lf_suffix_submits_once(scan_codes, feed_terminal, settle):
    app = BurstApp()
    async with app.run_test(size=(80, 24)) as pilot:
        feed_terminal(app, "".join(f"{code}\r\n" for code in scan_codes[:2]))
        feed_terminal(app, F10)
        await settle(pilot, lambda: TOTAL in app.seen)
        assert app.seen == [*scan_codes[:2], TOTAL]


async def test_bare_line_feed_suffix_submits(scan_codes, feed_terminal, settle):
    app = BurstApp()
    async with app.run_test(size=(80, 24)) as pilot:
        feed_terminal(app, "".join(f"{code}\n" for code in scan_codes[:2]))
        await settle(pilot, lambda: len(app.seen) >= 2)
        assert app.seen == scan_codes[:2]


async def test_backspace_escape_and_empty_enter(feed_terminal, settle):
    app = BurstApp()
    async with app.run_test(size=(80, 24)) as pilot:
        feed_terminal(app, "123\x7f4\r")  # DEL is the console's Backspace
        feed_terminal(app, "99")
        entry = app.query_one(ScanEntry)
        await settle(pilot, lambda: len(app.seen) >= 1 and entry.value == "99")
        assert app.seen == ["124"]
        feed_terminal(app, escape(), "\r")
        await settle(pilot, lambda: len(app.seen) >= 2)
        assert app.seen == ["124", ""]


async def test_escape_on_an_empty_entry_reaches_the_screen(feed_terminal, settle):
    class EscapeApp(BurstApp):
        BINDINGS = [Binding("escape", "back", "Back")]

        def action_back(self) -> None:
            self.seen.append("<back>")

    app = EscapeApp()
    async with app.run_test(size=(80, 24)) as pilot:
        feed_terminal(app, "12", escape(), escape())
        await settle(pilot, lambda: "<back>" in app.seen)
        assert app.seen == ["<back>"]
        assert app.query_one(ScanEntry).value == ""


async def test_cjk_and_space_are_entered_for_name_search(feed_terminal, settle):
    app = BurstApp()
    async with app.run_test(size=(80, 24)) as pilot:
        feed_terminal(app, "可口 cola\r")
        await settle(pilot, lambda: len(app.seen) >= 1)
        assert app.seen == ["可口 cola"]


async def test_pasted_lines_submit_in_order(scan_codes, feed_terminal, settle):
    app = BurstApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one(ScanEntry).post_message(events.Paste("\n".join(scan_codes[:3]) + "\n"))
        await settle(pilot, lambda: len(app.seen) >= 3)
        assert app.seen == scan_codes[:3]


async def test_renders_prompt_value_and_a_static_cursor(feed_terminal, settle):
    app = BurstApp()
    async with app.run_test(size=(80, 24)) as pilot:
        feed_terminal(app, "6901234567892")
        entry = app.query_one(ScanEntry)
        await settle(pilot, lambda: entry.value == "6901234567892")
        assert str(entry.render()) == "> 6901234567892_"


async def test_keys_arriving_together_are_drawn_once(feed_terminal, settle, screen_lines):
    app = BurstApp()
    async with app.run_test(size=(80, 24)) as pilot:
        entry = app.query_one(ScanEntry)
        await pilot.pause(0.05)
        draws = []
        refresh = entry.refresh
        entry.refresh = lambda *args, **kwargs: (draws.append(1), refresh(*args, **kwargs))[1]
        feed_terminal(app, "6901234567892")
        await settle(pilot, lambda: entry.value == "6901234567892")
        await pilot.pause(ECHO_DELAY * 5)
        assert len(draws) == 1
        assert screen_lines(app)[0].startswith("> 6901234567892_")


async def test_a_submitted_entry_is_cleared_on_screen_even_if_nothing_answers(feed_terminal, settle, screen_lines):
    app = BurstApp()
    async with app.run_test(size=(80, 24)) as pilot:
        feed_terminal(app, "123")
        await pilot.pause(ECHO_DELAY * 5)
        assert screen_lines(app)[0].startswith("> 123_")
        feed_terminal(app, "\r")
        await settle(pilot, lambda: app.seen == ["123"])
        await pilot.pause(ECHO_DELAY * 5)
        assert screen_lines(app)[0].startswith("> _")


async def test_a_long_entry_keeps_its_tail_visible(feed_terminal, settle):
    app = BurstApp()
    async with app.run_test(size=(20, 3)) as pilot:
        feed_terminal(app, "0123456789" * 3)
        entry = app.query_one(ScanEntry)
        await settle(pilot, lambda: len(entry.value) == 30)
        shown = str(entry.render())
        assert shown.startswith("> ") and shown.endswith("789_")
        assert len(shown) == 20


async def test_stock_input_merges_bursts_in_the_same_harness(scan_codes, feed_terminal, settle):
    """The harness must be able to catch the bug the entry exists to avoid."""
    app = BurstApp(entry_factory=Input)
    async with app.run_test(size=(80, 24)) as pilot:
        feed_terminal(app, burst(scan_codes) + F10)
        await settle(pilot, lambda: len(app.seen) >= 6)
        assert app.seen != [*scan_codes, TOTAL]
        assert any(len(value) > 13 for value in app.seen if value != TOTAL)
