"""What the lane writes to its terminal per scan, per payment key and per tick of the terminal
screen's clock, and scan-to-line over a slow link.

    python benchmarks/redraw.py [--scans 12] [--term linux] [--link 64kbit --link 9600baud]

Runs `pos-tui demo` on a fresh 80x24 pseudo-terminal (scan_latency.py's Terminal), signs in as the
demo cashier and follows what the lane draws on a model of the screen. For every step it prints the
bytes written and the rows written (a row the lane put a character on), beside the floor: the rows
whose cells really changed, each written whole (cursor move, then each run of one style between its
SGR and a reset, as Textual writes them). A redraw of the whole screen shows as 23-24 rows.

Steps: the scans (demo codes in turn, one new cart line each); F10 (a screen change: drawn whole);
payment keys (digits, Backspace, Esc clearing the amount, F2 taking 1.00 cash); F3 with an amount
the simulated terminal never answers, then the waiting screen's seconds ticking.

``--link RATE`` (``64kbit``, ``9600baud``: 10 bits a byte, ``2mbit``, ...) runs the lane again with
a reader that drains the pty no faster than RATE (and keys that reach the lane no faster) and times
each scan from its first key byte to its cart line's text arriving, pausing until the screen is
drawn before the next scan, as a cashier would; baskets of ``--basket`` lines are paid in cash with
F10 F2 (not timed). TEXTUAL_FPS in the environment is not passed on.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

from rich.cells import get_character_cell_size

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from scan_latency import F2, F10, Terminal, percentile  # noqa: E402

F3 = b"\x1bOR"
BACKSPACE = b"\x7f"
ESC = b"\x1b"
# Demo codes and the name each one's cart line shows (each scan adds a line).
DEMO_ITEMS = (
    ("6901234567892", "可口可乐 330ml"),
    ("6901234567908", "Bread"),
    ("4006381333931", "Soap"),
    ("6900000000014", "牛奶 Milk 1L"),
    ("6931234567806", "大米 5kg"),
    ("69012341", "绿茶 Green tea"),
)
WIDTH, HEIGHT = 80, 24
CONTROL = re.compile(r"\x1b\[([0-9;?<=>]*)[ -/]*([@-~])|\x1b[@-Z\\-_]|[\r\n\x07\x08]")
LINK_UNITS = {"bit": 1 / 8, "kbit": 1000 / 8, "mbit": 1_000_000 / 8, "baud": 1 / 10}


def link_rate(text: str) -> float:
    """Bytes per second of "64kbit", "9600baud" (start, 8 data and stop bits: 10 a byte), "2mbit"."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(bit|kbit|mbit|baud)", text.strip().lower())
    if match is None:
        raise argparse.ArgumentTypeError(f"a link rate such as 64kbit or 9600baud, not {text!r}")
    return float(match.group(1)) * LINK_UNITS[match.group(2)]


Cell = tuple[str, str]  # the character ("" for the right half of a wide one) and its SGR parameters


class ScreenModel:
    """The screen as a terminal shows it, from what Textual writes: cursor moves (CSI row;col H),
    SGR styles (reset after every run), text by display cells; other sequences change nothing."""

    def __init__(self, width: int = WIDTH, height: int = HEIGHT) -> None:
        self.width, self.height = width, height
        self.rows: list[list[Cell]] = [[(" ", "")] * width for _ in range(height)]
        self.x = self.y = 0
        self.style = ""

    def feed(self, data: bytes) -> set[int]:
        """Apply what the lane wrote; the rows (0-based) it put a character on."""
        written: set[int] = set()
        text = data.decode("utf-8", "replace")
        at = 0
        for match in CONTROL.finditer(text):
            self._put(text[at:match.start()], written)
            at = match.end()
            self._control(match)
        self._put(text[at:], written)
        return written

    def _control(self, match: re.Match[str]) -> None:
        sequence, params, final = match.group(0), match.group(1), match.group(2)
        if sequence == "\r":
            self.x = 0
        elif sequence == "\n":
            self.y = min(self.y + 1, self.height - 1)
        elif final == "H" and not params.startswith("?"):
            row, _, col = params.partition(";")
            self.y = min(max(int(row or 1) - 1, 0), self.height - 1)
            self.x = min(max(int(col or 1) - 1, 0), self.width - 1)
        elif final == "m":
            self.style = "" if params in ("", "0") else f"{self.style};{params}" if self.style else params

    def _put(self, text: str, written: set[int]) -> None:
        row = self.rows[self.y]
        for char in text:
            cells = get_character_cell_size(char)
            if cells == 0 or self.x + cells > self.width:
                continue
            row[self.x] = (char, self.style)
            if cells == 2:
                row[self.x + 1] = ("", self.style)
            self.x += cells
            written.add(self.y)

    def text(self, y: int) -> str:
        return "".join(char for char, _ in self.rows[y])

    def snapshot(self) -> list[tuple[Cell, ...]]:
        return [tuple(row) for row in self.rows]


def row_bytes(y: int, row: list[Cell] | tuple[Cell, ...]) -> int:
    """The bytes of row ``y`` written whole: the cursor move, then each run of one style."""
    out = [f"\x1b[{y + 1};1H"]
    for style, run in groupby(row, key=lambda cell: cell[1]):
        chars = "".join(char for char, _ in run)
        out.append(f"\x1b[{style}m{chars}\x1b[0m" if style else chars)
    return len("".join(out).encode())


@dataclass(frozen=True)
class Step:
    name: str
    bytes: int
    rows: frozenset[int]  # 1-based, as the terminal numbers them
    changed: frozenset[int]
    floor: int

    def line(self) -> str:
        extra = sorted(self.rows - self.changed)
        note = f"; rows written unchanged: {extra}" if extra else ""
        return (f"{self.name:<28} {self.bytes:6,} B  {len(self.rows):2} rows   floor {self.floor:6,} B "
                f"{len(self.changed):2} rows{note}")


class Lane:
    """`pos-tui demo` on an 80x24 pty and a model of what it shows."""

    def __init__(self, term: str, link: float | None = None) -> None:
        self.folder = tempfile.TemporaryDirectory(prefix="pos-tui-redraw-")
        self.terminal = Terminal([sys.executable, "-m", "pos_tui", "demo", "--data-dir", self.folder.name], term,
                                 link=link)
        self.screen = ScreenModel()

    def step(self, name: str, keys: bytes, until: str | None = None, quiet: float = 0.25) -> Step:
        """Send ``keys``, read until ``until`` is drawn and nothing more comes; what it cost."""
        before = self.screen.snapshot()
        self.terminal.send(keys)
        if until is not None:
            self.terminal.wait_for(until)
        return self.account(name, self.terminal.settle(quiet), before)

    def account(self, name: str, data: bytes, before: list[tuple[Cell, ...]]) -> Step:
        rows = self.screen.feed(data)
        changed = {y for y in range(self.screen.height) if tuple(self.screen.rows[y]) != before[y]}
        floor = sum(row_bytes(y, self.screen.rows[y]) for y in changed)
        return Step(name, len(data), frozenset(y + 1 for y in rows), frozenset(y + 1 for y in changed), floor)

    def skip(self, seconds: float) -> None:
        """Follow what is drawn for ``seconds`` without counting it."""
        end = time.perf_counter() + seconds
        while (left := end - time.perf_counter()) > 0:
            self.screen.feed(self.terminal.read(left))

    def sign_in(self) -> None:
        self.step("sign-in screen", b"", "User>")
        self.step("sign-in: user", b"cashier\r", "PIN")
        self.step("sign-in: PIN", b"1234\r", "Ready for the next sale", quiet=0.5)

    def close(self) -> None:
        self.terminal.close()
        self.folder.cleanup()


def cart_row_text(line_no: int, name: str) -> str:
    """The start of a cart line as drawn: its number in 3 cells, a space, the name."""
    return f"{line_no:<3} {name}"


def measure_steps(scans: int, term: str) -> list[Step]:
    lane = Lane(term)
    steps = []
    try:
        lane.sign_in()
        for n in range(1, scans + 1):
            code, name = DEMO_ITEMS[(n - 1) % len(DEMO_ITEMS)]
            steps.append(lane.step(f"scan {n}", code.encode() + b"\r", cart_row_text(n, name)))
        steps.append(lane.step("F10 (to payment)", F10, "Balance", quiet=0.5))
        for name, keys in (("5", b"5"), ("0", b"0"), ("Backspace", BACKSPACE), ("Esc (clears 5)", ESC), ("1", b"1")):
            steps.append(lane.step(f"payment key {name}", keys))
        steps.append(lane.step("payment key F2 (1.00 cash)", F2, "Paid", quiet=0.5))
        for key in b"1.02":
            lane.step("", bytes([key]))
        steps.append(lane.step("F3 (to the terminal)", F3, "Waiting", quiet=0.3))
        lane.skip(2.5)  # the simulated terminal's first answers (progress lines) come in the first seconds
        for tick in range(1, 6):
            before = lane.screen.snapshot()
            lane.terminal.seen = b""
            lane.terminal.wait_for("Waiting", timeout=3)
            steps.append(lane.account(f"terminal tick {tick}", lane.terminal.settle(0.2), before))
        return steps
    finally:
        lane.close()


def scan_to_line(scans: int, basket: int, term: str, link: float) -> list[float]:
    """Milliseconds from a scan's first byte sent to its cart line's text received, over ``link``."""
    lane = Lane(term, link)
    samples = []
    try:
        lane.sign_in()
        for i in range(scans):
            line_no = i % basket + 1
            if i and line_no == 1:  # the customer pays cash (not timed); the next basket starts empty
                lane.step("", F10, "Balance")
                lane.step("", F2, "Ready for the next sale", quiet=0.5)
            code, name = DEMO_ITEMS[i % len(DEMO_ITEMS)]
            started = time.perf_counter()
            lane.terminal.send(code.encode() + b"\r")
            samples.append((lane.terminal.wait_for(cart_row_text(line_no, name), timeout=30) - started) * 1000)
            lane.terminal.settle()
        return samples
    finally:
        lane.close()


def summary(steps: list[Step], prefix: str) -> str:
    chosen = [step for step in steps if step.name.startswith(prefix)]
    sizes = [step.bytes for step in chosen]
    rows = [len(step.rows) for step in chosen]
    floors = [step.floor for step in chosen]
    return (f"{prefix:<14} bytes median {statistics.median(sizes):6,.0f} max {max(sizes):6,}; rows median "
            f"{statistics.median(rows):4.1f} max {max(rows):2}; floor median {statistics.median(floors):6,.0f} B "
            f"({len(chosen)} steps)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=12, help="scans into one sale (16 fill the cart at 80x24)")
    parser.add_argument("--term", default="linux", help="TERM for the lane (e.g. linux, xterm-256color)")
    parser.add_argument("--link", action="append", default=[], metavar="RATE",
                        help="also time scan-to-line over a link this fast (64kbit, 9600baud); repeatable")
    parser.add_argument("--link-scans", type=int, default=48, help="scans timed over each link")
    parser.add_argument("--basket", type=int, default=12, help="lines per sale in the link runs")
    args = parser.parse_args()
    try:
        links = [(text, link_rate(text)) for text in args.link]
    except argparse.ArgumentTypeError as exc:
        parser.error(str(exc))
    steps = measure_steps(args.scans, args.term)
    for step in steps:
        print(step.line())
    print()
    for prefix in ("scan", "payment key", "terminal tick"):
        print(summary(steps, prefix))
    for text, rate in links:
        samples = scan_to_line(args.link_scans, args.basket, args.term, rate)
        print(f"scan-to-line over {text} ({rate:,.0f} B/s), {len(samples)} scans in baskets of "
              f"{args.basket}: p50 {statistics.median(samples):.0f} ms, p99 {percentile(samples, 0.99):.0f} ms, "
              f"max {max(samples):.0f} ms")


if __name__ == "__main__":
    main()
