"""Scan-to-line latency of the lane on a large catalog, end to end through a terminal.

    python benchmarks/scan_latency.py [--products 1000000] [--scans 300] [--basket 20] [--db PATH] [--no-floor]
                                      [--devices [--pairs 6]]

Runs `pos-tui run` on a fresh 80x24 pseudo-terminal, as a cashier's terminal would: signs in
with keys, then writes each scan (13 digits and CR, in one write, as a scanner's burst arrives)
to the terminal and stops the clock when the bytes the lane draws contain the new cart line (the
product's name). That is key bytes in -> line committed, rendered and written out. Every
``--basket`` scans the sale is paid in cash with F10 F2 (not timed) and the next one starts.

The floor is a bare Textual app (stock Input, a Static it appends each entry to) on the same kind
of terminal: the same bytes in, the entry's line out; once at Textual's default frame rate and once
at the lane's. TEXTUAL_FPS in the environment is not passed on.

With ``--devices`` the lane runs with a customer display on a 2400-baud pseudo-terminal (the
simulator reads no faster than 2400 baud) and a serial scanner as the source of the scans: each
code goes to the scanner simulator's pty followed by CR, and the clock stops, as before, when the
lane has drawn the line. On a shared machine one run of each says little, so the keyboard (A) and
device (B) runs alternate in ``--pairs`` pairs, ABBA-ordered (A B, B A, A B, ...) so a drift of the
machine's load falls on both alike; each pair gives the difference B - A of p50 and of p99, and the
median of those differences is printed with their spread; the comparison (target: p99 within 1 ms)
is of all the scans of each kind pooled (6 x 300 samples: a p99 of one run of 300 is its third-slowest
scan, which moves by several ms from run to run on its own). Each
run also splits the lane's CPU per scan between its main (UI) thread and the others (display writer,
serial reader, event subscribers): the display's and the scanner's work must not land on the first.
The bare-app floors are not run with ``--devices``.

CPU per scan is the child's CPU time (all threads: /proc/<pid>/stat utime + stime, or the cgroup's
cpuacct.usage under benchmarks/low_spec.py) from each scan's bytes to the next keys sent, summed
over the scans (the payments between baskets are left out) and divided by their number.
"""

from __future__ import annotations

import argparse
import compileall
import os
import random
import select
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from _catalog_data import ean13  # noqa: E402
from bare_app import spawn_on_pty  # noqa: E402
from barcode_lookup import build  # noqa: E402
from cpu_cap import CpuCap, process_cpu_ns  # noqa: E402

LANE_FPS = "1000"  # what pos_tui.tui sets unless TEXTUAL_FPS is set
F2 = b"\x1bOQ"
F10 = b"\x1b[21~"
LINK_SLICE = 0.005  # over a slow link, read what it carries in 5 ms at a time


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


@dataclass(frozen=True)
class ScanRun:
    samples: list[float]  # scan-to-line, ms
    cpu_ms_per_scan: float


class Terminal:
    """A child process on an 80x24 pty: write keys, read what it draws until a text shows.
    With ``cap`` the child runs in that CPU cap from before its exec.

    With ``link`` (bytes per second) the pty stands for a slow line (SSH over 64 kbit/s, a serial
    terminal): keys reach the child, and what it draws reaches this end, no faster than that.
    """

    def __init__(self, argv: list[str], term: str, fps: str | None = None, cap: CpuCap | None = None,
                 link: float | None = None) -> None:
        self.child, self.master, _ = spawn_on_pty(argv, term, None if fps is None else {"TEXTUAL_FPS": fps},
                                                  preexec_fn=None if cap is None else cap.join)
        self.cap = cap
        self.seen = b""
        self.link = link
        self._link_free_at = 0.0

    def cpu_ns(self) -> int:
        """CPU time the child has used so far (its cgroup's, where measurable)."""
        used = None if self.cap is None else self.cap.usage_ns()
        return used if used is not None else process_cpu_ns(self.child.pid)

    def send(self, keys: bytes) -> None:
        self.seen = b""
        if self.link is not None:
            time.sleep(len(keys) / self.link)
        os.write(self.master, keys)

    def read(self, timeout: float) -> bytes:
        """What the child drew that reached this end within ``timeout`` (b"" if nothing did). Over a
        slow link the bytes come a few milliseconds' worth at a time, when the link has carried them."""
        ready, _, _ = select.select([self.master], [], [], max(timeout, 0))
        if not ready:
            return b""
        if self.link is None:
            return os.read(self.master, 65536)
        data = os.read(self.master, max(int(self.link * LINK_SLICE), 1))
        self._link_free_at = max(time.perf_counter(), self._link_free_at) + len(data) / self.link
        delay = self._link_free_at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        return data

    def wait_for(self, text: str, timeout: float = 10.0) -> float:
        """Read until ``text`` has been drawn since the last ``send``; the moment its bytes arrived."""
        wanted = text.encode()
        deadline = time.perf_counter() + timeout
        while wanted not in self.seen:
            left = deadline - time.perf_counter()
            if left <= 0 or self.child.poll() is not None:
                raise RuntimeError(f"{text!r} not drawn; last bytes: {self.seen[-400:]!r}")
            self.seen += self.read(left)
        return time.perf_counter()

    def settle(self, quiet: float = 0.25) -> bytes:
        """Read until nothing more comes for ``quiet`` seconds; all drawn since the last ``send``."""
        while data := self.read(quiet):
            self.seen += data
        return self.seen

    def close(self) -> None:
        self.child.terminate()
        try:
            self.child.wait(timeout=10)
        finally:
            os.close(self.master)


def prepare_store(db: Path, folder: Path, *, encrypt: bool = False) -> Path:
    """A cashier and an open shift on the store at ``db``; returns the lane's config file."""
    from pos_tui.config import parse_config
    from pos_tui.services.lane import Lane
    from pos_tui.store import users
    from pos_tui.store.db import close_database
    from pos_tui.store.keys import open_store

    config_file = folder / "config.toml"
    if encrypt:
        from _encrypted import encrypted_copy

        db = encrypted_copy(db, folder)
    key_file = db.with_name(db.name + ".key")  # the store's key lives with the reused catalog, not the run
    config_file.write_text(f'[paths]\ndata_dir = "{folder}"\n\n[database]\nurl = "sqlite:///{db}"\n'
                           f'encryption = {"true" if encrypt else "false"}\n\n[security]\nkey_file = "{key_file}"\n',
                           "utf-8")
    config = parse_config({"paths": {"data_dir": str(folder)}, "security": {"key_file": str(key_file)},
                           "database": {"url": f"sqlite:///{db}", "encryption": encrypt}}, folder)
    open_store(config, create_key=True)
    if not users.has_users():
        users.add_user("cashier", "cashier", "1234", 4)
        users.add_user("boss", "admin", "1234", 4)  # for commands that take a staff PIN (scan_while_importing)
    lane = Lane(config)
    lane.people.sign_in("cashier", "1234")
    if lane.ctx.sale is not None:  # left open by a run that stopped half-way: pay it, start clean
        lane.payments.total()
        lane.payments.tender_cash("")
        lane.receipts.finish_printing(lane.receipts.print_pending())
    if lane.ctx.shift is None:
        lane.shifts.open_shift("0.00")
    lane.people.lock()
    close_database()
    return config_file


def sellable(db: Path, products: int, count: int) -> list[tuple[str, str]]:
    """(barcode, name) of random items sold each (a weighed item needs its weight typed first)."""
    rng = random.Random(7)
    con = sqlite3.connect(db)
    picked: list[tuple[str, str]] = []
    while len(picked) < count:
        code = ean13(rng.randrange(1, products + 1))
        unit, name = con.execute("SELECT p.unit, p.name FROM barcode b JOIN product p ON p.id = b.product_id "
                                 "WHERE b.code = ?", (code,)).fetchone()
        if unit == "each":
            picked.append((code, name))
    con.close()
    return picked


def lane_scans(config: Path, items: list[tuple[str, str]], basket: int, term: str, cap: CpuCap | None = None,
               launcher: list[str] | None = None,
               window: Callable[[Terminal, bool], None] | None = None,
               scan: Callable[[Terminal, str], None] | None = None) -> ScanRun:
    """Scan ``items`` into the lane. ``launcher`` is put before the lane's own arguments instead of
    ``python -m pos_tui`` (benchmarks/profile_scans.py); ``window(lane, True)`` is called as the scans
    of a basket start and ``window(lane, False)`` as they end (before the basket is paid); ``scan``
    sends one code (default: its digits and CR typed on the lane's terminal)."""
    launcher = launcher or [sys.executable, "-m", "pos_tui"]
    lane = Terminal([*launcher, "--config", str(config), "run"], term, cap=cap)
    window = window or (lambda lane, scanning: None)
    try:
        lane.wait_for("User>")
        lane.send(b"cashier\r")
        lane.wait_for("PIN")
        lane.send(b"1234\r")
        lane.wait_for("Ready for the next sale")
        samples = []
        cpu_ns = 0
        window(lane, True)
        basket_cpu = lane.cpu_ns()  # CPU when this basket's first scan is sent
        for i, (code, name) in enumerate(items):
            if i and i % basket == 0:  # the customer pays cash (not timed); the next basket starts empty
                cpu_ns += lane.cpu_ns() - basket_cpu
                window(lane, False)
                lane.send(F10)
                lane.wait_for("Balance")
                lane.send(F2)
                lane.wait_for("Ready for the next sale")
                window(lane, True)
                basket_cpu = lane.cpu_ns()
            started = time.perf_counter()
            if scan is None:
                lane.send(code.encode() + b"\r")
            else:
                scan(lane, code)
            samples.append((lane.wait_for(name + " ") - started) * 1000)
        cpu_ns += lane.cpu_ns() - basket_cpu
        window(lane, False)
        lane.send(F10)
        lane.wait_for("Balance")
        lane.send(F2)
        lane.wait_for("Ready for the next sale")
        return ScanRun(samples, cpu_ns / 1e6 / len(items))
    finally:
        lane.close()


def with_devices(config: Path, folder: Path) -> tuple[Path, Callable[[Terminal, str], None], Callable[[], int]]:
    """The lane's config with a display on a 2400-baud pty and a serial scanner (both simulators,
    started here); returns it, a ``scan`` that sends a code through the scanner, and a stop."""
    from pos_tui.devices.display_sim import DisplaySimulator
    from pos_tui.devices.scanner_sim import ScannerSimulator

    display = DisplaySimulator(protocol="vfd", baudrate=2400, link=folder / "display").start()
    scanner = ScannerSimulator(suffix="cr", link=folder / "scanner")
    devices_config = folder / "config-devices.toml"
    devices_config.write_text(config.read_text("utf-8") + (
        f'\n[devices.display]\ndriver = "serial"\nport = "{display.path}"\nbaudrate = 2400\n'
        f'\n[devices.scanner]\ndriver = "serial"\nport = "{scanner.path}"\n'), "utf-8")

    def scan(lane: Terminal, code: str) -> None:
        lane.seen = b""
        scanner.scan(code)

    def stop() -> int:
        """Stop both simulators; the bytes the display received."""
        print(f"display: {len(display.screens)} screens drawn, {len(display.received):,} bytes received")
        display.stop()
        scanner.stop()
        return len(display.received)

    return devices_config, scan, stop


def bare_app_entries(count: int, term: str, fps: str | None = None, cap: CpuCap | None = None) -> ScanRun:
    app = Terminal([sys.executable, str(HERE / "bare_app.py"), "--child", "--echo"], term, fps, cap)
    try:
        app.wait_for("entries: 0")
        samples = []
        first_cpu = app.cpu_ns()
        for n in range(1, count + 1):
            code = ean13(n)
            started = time.perf_counter()
            app.send(code.encode() + b"\r")
            samples.append((app.wait_for(f"entry {n}: {code}") - started) * 1000)
        return ScanRun(samples, (app.cpu_ns() - first_cpu) / 1e6 / count)
    finally:
        app.close()


def summary(name: str, run: ScanRun) -> str:
    samples = run.samples
    return (f"{name}: p50 {statistics.median(samples):.1f} ms, p99 {percentile(samples, 0.99):.1f} ms, "
            f"max {max(samples):.1f} ms, CPU {run.cpu_ms_per_scan:.1f} ms per scan")


def slowest(run: ScanRun) -> str:
    worst = sorted(range(len(run.samples)), key=run.samples.__getitem__)[-8:]
    return "slowest scans (index in the run, ms): " + str([(i, round(run.samples[i], 1)) for i in sorted(worst)])


def ratios(lane: ScanRun, floors: list[tuple[str, ScanRun]]) -> list[str]:
    return [f"ratio lane/bare ({name}): p50 {statistics.median(lane.samples) / statistics.median(bare.samples):.2f}, "
            f"p99 {percentile(lane.samples, 0.99) / percentile(bare.samples, 0.99):.2f}, "
            f"CPU per scan {lane.cpu_ms_per_scan / bare.cpu_ms_per_scan:.2f}"
            for name, bare in floors]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--scans", type=int, default=300)
    parser.add_argument("--basket", type=int, default=20, help="items per sale before it is paid")
    parser.add_argument("--db", type=Path, help="reuse (or build once) the catalog at this path")
    parser.add_argument("--term", default="xterm-256color", help="TERM for the lane and the floor (e.g. linux)")
    parser.add_argument("--encrypt", action="store_true", help="the store encrypted at rest (SQLCipher)")
    parser.add_argument("--devices", action="store_true",
                        help="compare with a 2400-baud customer display and the scans from a serial scanner")
    parser.add_argument("--pairs", type=int, default=6, help="with --devices: keyboard/device run pairs")
    parser.add_argument("--no-floor", action="store_true", help="leave out the bare-app floors")
    args = parser.parse_args()
    compileall.compile_dir(str(HERE.parent / "pos_tui"), quiet=1)
    with tempfile.TemporaryDirectory(prefix="pos-tui-scan-") as tmp:
        db = args.db or Path(tmp) / "pos.db"
        if not db.exists():
            print(f"building a store with {args.products:,} products ...", flush=True)
            build(db, args.products)
        config = prepare_store(db, Path(tmp), encrypt=args.encrypt)
        items = sellable(db, args.products, args.scans)
        if args.devices:
            compare_devices(config, Path(tmp), items, args)
            return
        lane = lane_scans(config, items, args.basket, args.term)
    print(slowest(lane))
    print(summary(f"lane scan-to-line, {args.scans} scans in baskets of {args.basket} on {args.products:,} "
                  "products", lane) + " (target p99 <= 16 ms)")
    if args.no_floor:
        return
    floor = bare_app_entries(args.scans, args.term)
    floor_fast = bare_app_entries(args.scans, args.term, LANE_FPS)
    print(summary("bare Textual app, entry to its line, Textual's default frame rate (floor)", floor))
    print(summary(f"bare Textual app, entry to its line, TEXTUAL_FPS={LANE_FPS} as the lane (floor)", floor_fast))
    print("\n".join(ratios(lane, [("default", floor), (f"TEXTUAL_FPS={LANE_FPS}", floor_fast)])))


@dataclass(frozen=True)
class SplitRun:
    run: ScanRun
    main_ms: float  # the lane's main (UI) thread's CPU per scan
    other_ms: float  # every other thread's


def split_scans(config: Path, items: list[tuple[str, str]], args: argparse.Namespace,
                scan: Callable[[Terminal, str], None] | None = None) -> SplitRun:
    from profile_scans import ThreadSplit

    split = ThreadSplit()
    run = lane_scans(config, items, args.basket, args.term, window=split.window, scan=scan)
    main_ns = split.per_thread.get(split.pid, 0)
    other_ns = sum(used for tid, used in split.per_thread.items() if tid != split.pid)
    return SplitRun(run, main_ns / 1e6 / len(items), other_ns / 1e6 / len(items))


def spread(values: list[float]) -> str:
    """The median of ``values`` with their quartiles and range."""
    ordered = sorted(values)
    quartiles = statistics.quantiles(ordered, n=4) if len(ordered) > 1 else [ordered[0]] * 3
    return (f"median {statistics.median(ordered):+.1f} ms (quartiles {quartiles[0]:+.1f} .. {quartiles[2]:+.1f}, "
            f"range {ordered[0]:+.1f} .. {ordered[-1]:+.1f})")


def compare_devices(config: Path, folder: Path, items: list[tuple[str, str]], args: argparse.Namespace) -> None:
    """Keyboard (A) and serial scanner + 2400-baud display (B) runs, alternated in ABBA pairs."""
    devices_config, scan, stop = with_devices(config, folder)
    keyboard: list[SplitRun] = []
    device: list[SplitRun] = []
    try:
        for pair in range(args.pairs):
            order = ("A", "B") if pair % 2 == 0 else ("B", "A")
            for which in order:
                if which == "A":
                    keyboard.append(split_scans(config, items, args))
                else:
                    device.append(split_scans(devices_config, items, args, scan))
            a, b = keyboard[-1], device[-1]
            print(f"pair {pair + 1} ({''.join(order)}, load {os.getloadavg()[0]:.1f}): keyboard p50/p99 "
                  f"{statistics.median(a.run.samples):.1f}/{percentile(a.run.samples, 0.99):.1f} ms, devices "
                  f"{statistics.median(b.run.samples):.1f}/{percentile(b.run.samples, 0.99):.1f} ms; main thread CPU "
                  f"per scan {a.main_ms:.2f} / {b.main_ms:.2f} ms, other threads {a.other_ms:.2f} / {b.other_ms:.2f} ms",
                  flush=True)
    finally:
        displayed = stop()
    p50_diffs = [statistics.median(b.run.samples) - statistics.median(a.run.samples) for a, b in zip(keyboard, device)]
    p99_diffs = [percentile(b.run.samples, 0.99) - percentile(a.run.samples, 0.99) for a, b in zip(keyboard, device)]
    pooled_a = ScanRun([x for r in keyboard for x in r.run.samples], statistics.fmean(r.run.cpu_ms_per_scan for r in keyboard))
    pooled_b = ScanRun([x for r in device for x in r.run.samples], statistics.fmean(r.run.cpu_ms_per_scan for r in device))
    runs = f"{args.pairs} runs of {len(items)} scans"
    print(summary(f"keyboard, {runs}, pooled", pooled_a))
    print(summary(f"serial scanner + 2400-baud display, {runs}, pooled", pooled_b))
    print("lane main (UI) thread CPU per scan, median over runs: keyboard "
          f"{statistics.median(r.main_ms for r in keyboard):.2f} ms, devices {statistics.median(r.main_ms for r in device):.2f} ms;"
          f" other threads: keyboard {statistics.median(r.other_ms for r in keyboard):.2f} ms, devices "
          f"{statistics.median(r.other_ms for r in device):.2f} ms")
    print(f"devices - keyboard, per pair: p50 {spread(p50_diffs)}")
    print(f"devices - keyboard, per pair: p99 {spread(p99_diffs)} (one run's p99 is its 3rd-slowest scan)")
    p99 = percentile(pooled_b.samples, 0.99) - percentile(pooled_a.samples, 0.99)
    print(f"devices - keyboard, pooled over the {args.pairs} pairs: p50 "
          f"{statistics.median(pooled_b.samples) - statistics.median(pooled_a.samples):+.1f} ms, p99 {p99:+.1f} ms "
          f"(target: p99 within 1 ms: {'met' if (abs(p99) <= 1.0 or p99 < 0) and displayed else 'not met'})")
    if not displayed:
        print("the display received nothing: the device runs drove no display, so this comparison says nothing")


if __name__ == "__main__":
    main()
