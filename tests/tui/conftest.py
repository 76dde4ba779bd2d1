"""Helpers for driving Textual apps the way a real terminal does."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

import pos_tui.tui  # noqa: F401  first: it sets the lane's frame rate, which textual reads on import
from textual import events
from textual._xterm_parser import XTermParser
from textual.app import App
from textual.pilot import Pilot

def _feed_terminal(app: App, *chunks: str | events.Key) -> None:
    """Deliver raw terminal input to the app as its input thread would.

    The Linux driver's input thread parses what it reads from the tty with
    XTermParser and hands every event to ``driver.process_message`` without
    waiting for the app. Doing the same from a thread here queues a whole scanner
    burst before the app has processed its first key, which is what
    ``Pilot.press`` (idle after every key) can never do. A chunk that is already a
    Key event goes through the same path (a lone Escape byte would otherwise wait
    for the parser's escape-sequence timeout).
    """
    driver = app._driver
    assert driver is not None, "the app has no driver: call inside run_test()"

    def input_thread() -> None:
        parser = XTermParser()
        for chunk in chunks:
            events_in_chunk = [chunk] if isinstance(chunk, events.Key) else parser.feed(chunk)
            for event in events_in_chunk:
                driver.process_message(event)

    thread = threading.Thread(target=input_thread)
    thread.start()
    thread.join()


async def _settle(pilot: Pilot, done: Callable[[], bool], rounds: int = 100) -> None:
    """Let the app process its queues until ``done()`` holds (bounded by rounds, not time)."""
    for _ in range(rounds):
        await pilot.pause()
        if done():
            break
    await pilot.pause()


async def _wait_for(pilot: Pilot, done: Callable[[], bool], seconds: float = 10.0) -> None:
    """Let the app run until ``done()`` holds, for what happens on another thread (the lane's
    receipt queue prints on its own): bounded by time, then one more pass over the app's queues."""
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        await pilot.pause(0.01)
    await pilot.pause()


def _screen_lines(app: App) -> list[str]:
    """The text of every row of the current screen as the terminal would show it."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


@pytest.fixture
def feed_terminal() -> Callable[..., None]:
    return _feed_terminal


@pytest.fixture
def settle() -> Callable[..., object]:
    return _settle


@pytest.fixture
def screen_lines() -> Callable[[App], list[str]]:
    return _screen_lines


@pytest.fixture
def scan_codes() -> list[str]:
    """Five valid EAN-13 codes, as a scanner would type them."""
    return [
        "6901234567892",
        "4006381333931",
        "9780201379624",
        "5012345678900",
        "0012345678905",
    ]
