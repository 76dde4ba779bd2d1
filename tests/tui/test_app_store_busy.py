"""Issue #11: another process holds the store's write lock for seconds while the cashier scans.
The lane never dies of it: the scans wait (the message line says so), keep their order and land
once the lock is free."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pos_tui.domain.checkout import State
from pos_tui.services.lane import Lane
from pos_tui.store.db import close_database
from pos_tui.tui.app import PosApp
from pos_tui.tui.widgets.message_line import MessageLine

COKE, BREAD, SOAP = "6901234567892", "6901234567908", "4006381333931"
HOLDER = """
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN IMMEDIATE")
con.execute("UPDATE product SET stock = stock WHERE id = 1")
print("holding", flush=True)
sys.stdin.readline()
con.execute("COMMIT")
"""


@pytest.fixture
def lane(tmp_path: Path, make_demo_store) -> Iterator[Lane]:
    yield Lane(make_demo_store(tmp_path))
    close_database()


@pytest.fixture
def write_lock(lane) -> Iterator[Callable[[], subprocess.Popen]]:
    """Another process that takes the store's write lock (BEGIN IMMEDIATE) and holds it until told
    to commit."""
    children = []

    def hold() -> subprocess.Popen:
        child = subprocess.Popen([sys.executable, "-c", HOLDER, str(lane.config.database_path)],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        children.append(child)
        assert child.stdout.readline().strip() == "holding"
        return child

    yield hold
    for child in children:
        child.kill()
        child.wait()


def release(child: subprocess.Popen) -> None:
    child.stdin.write("\n")
    child.stdin.flush()
    child.wait(timeout=10)


async def wait_until(pilot, done, seconds: float) -> float:
    started = time.monotonic()
    while not done():
        assert time.monotonic() - started < seconds, f"timed out: {message(pilot.app)!r}"
        await pilot.pause(0.02)
    return time.monotonic() - started


def message(app: PosApp) -> str:
    return app.screen.query_one(MessageLine).text


async def test_scans_wait_for_a_busy_store_and_land_in_order(lane, write_lock, feed_terminal, settle):
    app = PosApp(lane)
    async with app.run_test(size=(80, 24)) as pilot:
        feed_terminal(app, "cashier\r1234\r")
        await settle(pilot, lambda: app.lane.state is State.IDLE)
        assert app.lane.state is State.IDLE
        holder = write_lock()

        feed_terminal(app, f"{COKE}\r3*\r{BREAD}\r")
        waited = await wait_until(pilot, lambda: "Waiting for the store" in message(app), 3.0)
        assert 0.3 <= waited <= 1.5
        feed_terminal(app, f"{SOAP}\r")  # typed while waiting
        await pilot.pause(0.5)
        assert app.view.lines == () and app.is_running

        release(holder)
        await wait_until(pilot, lambda: len(app.view.lines) == 3, 5.0)
        assert [(line.sku, line.qty_milli) for line in app.view.lines] == [
            ("COKE330", 1000), ("BREAD", 3000), ("SOAP", 1000)]
        await wait_until(pilot, lambda: "Waiting" not in message(app), 1.0)
        assert not app.store_waits.waiting
        # Textual can call a stopped interval's callback once more (its next tick due within half a
        # millisecond of the stop): that late tick of the retry timer finds nothing to do
        app._retry_held_calls()
        await pilot.pause()
        assert app.is_running and [line.sku for line in app.view.lines] == ["COKE330", "BREAD", "SOAP"]


async def test_an_unexpected_error_leaves_the_lane_with_a_failure(lane):
    from pos_tui.tui.app import exit_failure

    app = PosApp(lane)
    with pytest.raises(RuntimeError):
        async with app.run_test(size=(80, 24)) as pilot:
            app.call_later(lambda: (_ for _ in ()).throw(RuntimeError("boom")))
            await pilot.pause(0.2)
    assert app.return_code == 1 and "unexpected error" in exit_failure(app)
