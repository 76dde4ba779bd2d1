"""What a scan, a payment key and a tick of the terminal screen's clock send to a real terminal: the
rows that changed, never the whole screen (a scan used to rewrite 23 of the 24 rows, 3.6 KB).

The lane runs as `pos-tui demo` on an 80x24 pseudo-terminal with TERM=linux; benchmarks/redraw.py's
model of the screen follows what it writes and names the rows each step put characters on.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from redraw import BACKSPACE, DEMO_ITEMS, F2, F3, F10, Lane, Step, cart_row_text  # noqa: E402

HEADER, TOTALS, ENTRY, MESSAGE = 1, 21, 22, 23  # terminal rows at 80x24 (the payment screen: one key line)
ITEM_TOTALS, ITEM_MESSAGE = 20, 22  # the item screen's keys take two lines
CART_TOP, CART_HEADER = 2, 3  # the box's top border (its title), the column titles; line n is row 3 + n
SUMMARY_FIRST = 4  # the payment box's first figure ("Due")
MAX_SCAN_BYTES = 800
pytestmark = pytest.mark.slow  # `pos-tui demo` in a child process on a pty, and quiet periods after each step


@pytest.fixture
def lane() -> Iterator[Lane]:
    lane = Lane("linux")
    try:
        lane.sign_in()
        yield lane
    finally:
        lane.close()


def rows_written(step: Step, lane: Lane, header_before: str) -> set[int]:
    """The rows a step wrote, less the top line when its clock's minute turned meanwhile."""
    rows = set(step.rows)
    if lane.screen.text(HEADER - 1) != header_before:
        rows.discard(HEADER)
    return rows


def clear_of_the_clock(lane: Lane, seconds: float = 5.0) -> None:
    """Keep the turn of the clock's minute out of the next step (``seconds`` long at most), and take
    in a turn just before it (the lane draws the new minute within a second): the header's row
    would be counted in the step's bytes."""
    into_minute = time.time() % 60
    if into_minute > 60 - seconds:
        time.sleep(60 - into_minute + 2.0)
    elif into_minute < 2.0:
        time.sleep(2.0 - into_minute)
    else:
        return
    lane.step("the minute turned", b"", quiet=0.5)


def run(lane: Lane, name: str, keys: bytes, until: str | None = None) -> tuple[Step, set[int]]:
    header = lane.screen.text(HEADER - 1)
    step = lane.step(name, keys, until, quiet=0.5)
    return step, rows_written(step, lane, header)


def test_a_scan_rewrites_only_its_rows_and_a_payment_key_or_a_clock_tick_only_theirs(lane):
    for n in range(1, 4):
        code, name = DEMO_ITEMS[n - 1]
        clear_of_the_clock(lane)
        step, rows = run(lane, f"scan {n}", code.encode() + b"\r", cart_row_text(n, name))
        assert len(rows) < 20, f"scan {n} redrew the whole screen: {step.line()}"
        # The new line, the line that loses the selection (on the first scan: the box's new title),
        # the totals and the message; not the entry, which the scanner's burst never showed.
        assert rows == {CART_HEADER + n, CART_TOP if n == 1 else CART_HEADER + n - 1, ITEM_TOTALS, ITEM_MESSAGE}, \
            step.line()
        assert step.bytes <= MAX_SCAN_BYTES, step.line()

    lane.step("F10", F10, "Balance", quiet=0.5)  # another screen: drawn whole
    step, rows = run(lane, "key 1", b"1")
    assert rows == {ENTRY}, step.line()
    step, rows = run(lane, "key Backspace", BACKSPACE)
    assert rows == {ENTRY}, step.line()
    lane.step("key 1", b"1", quiet=0.5)
    step, rows = run(lane, "F2, 1.00 in cash", F2, "Paid")
    # Paid and Balance, the list of payments below them (a blank row, its title, the cash), the
    # totals line, the entry emptied and the message; Due and the rest of the box stay.
    paid = SUMMARY_FIRST + 1
    assert rows == {paid, paid + 1, paid + 2, paid + 3, paid + 4, TOTALS, ENTRY, MESSAGE}, step.line()

    lane.step("amount", b"1.02", quiet=0.5)  # one the simulated terminal never answers: the lane waits, its clock ticks
    lane.step("F3", F3, "Waiting", quiet=0.3)
    waiting = next(y + 1 for y in range(lane.screen.height) if "Waiting" in lane.screen.text(y))
    for tick in range(2):
        header = lane.screen.text(HEADER - 1)
        before = lane.screen.snapshot()
        lane.terminal.seen = b""
        lane.terminal.wait_for("Waiting", timeout=3)
        step = lane.account(f"tick {tick}", lane.terminal.settle(0.3), before)
        # The seconds, and the terminal's progress just above them if it said something new.
        assert rows_written(step, lane, header) <= {waiting - 1, waiting}, step.line()
        assert waiting in step.rows
