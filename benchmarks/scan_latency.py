"""Scan-to-line latency of the lane on a large catalog, end to end through a terminal.

    python benchmarks/scan_latency.py [--products 1000000] [--scans 300] [--basket 20] [--db PATH]

Runs `pos-tui run` on a fresh 80x24 pseudo-terminal, as a cashier's terminal would: signs in
with keys, then writes each scan (13 digits and CR, in one write, as a scanner's burst arrives)
to the terminal and stops the clock when the bytes the lane draws contain the new cart line (the
product's name). That is key bytes in -> line committed, rendered and written out. Every
``--basket`` scans the sale is paid in cash with F10 F2 (not timed) and the next one starts.

The floor is a bare Textual app (stock Input, a Static it appends each entry to) on the same kind
of terminal: the same bytes in, the entry's line out; once at Textual's default frame rate and once
at the lane's. TEXTUAL_FPS in the environment is not passed on.
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
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from _catalog_data import ean13  # noqa: E402
from bare_app import spawn_on_pty  # noqa: E402
from barcode_lookup import build  # noqa: E402

LANE_FPS = "1000"  # what pos_tui.tui sets unless TEXTUAL_FPS is set
F2 = b"\x1bOQ"
F10 = b"\x1b[21~"


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


class Terminal:
    """A child process on an 80x24 pty: write keys, read what it draws until a text shows."""

    def __init__(self, argv: list[str], term: str, fps: str | None = None) -> None:
        self.child, self.master, _ = spawn_on_pty(argv, term, None if fps is None else {"TEXTUAL_FPS": fps})
        self.seen = b""

    def send(self, keys: bytes) -> None:
        self.seen = b""
        os.write(self.master, keys)

    def wait_for(self, text: str, timeout: float = 10.0) -> float:
        """Read until ``text`` has been drawn since the last ``send``; the moment its bytes arrived."""
        wanted = text.encode()
        deadline = time.perf_counter() + timeout
        while wanted not in self.seen:
            left = deadline - time.perf_counter()
            if left <= 0 or self.child.poll() is not None:
                raise RuntimeError(f"{text!r} not drawn; last bytes: {self.seen[-400:]!r}")
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                self.seen += os.read(self.master, 65536)
        return time.perf_counter()

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
    config_file.write_text(f'[paths]\ndata_dir = "{folder}"\n\n[database]\nurl = "sqlite:///{db}"\n'
                           f'encryption = {"true" if encrypt else "false"}\n', "utf-8")
    config = parse_config({"paths": {"data_dir": str(folder)},
                           "database": {"url": f"sqlite:///{db}", "encryption": encrypt}}, folder)
    open_store(config, create_key=True)
    if not users.has_users():
        users.add_user("cashier", "cashier", "1234", 4)
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


def lane_scans(config: Path, items: list[tuple[str, str]], basket: int, term: str) -> list[float]:
    lane = Terminal([sys.executable, "-m", "pos_tui", "--config", str(config), "run"], term)
    try:
        lane.wait_for("User>")
        lane.send(b"cashier\r")
        lane.wait_for("PIN")
        lane.send(b"1234\r")
        lane.wait_for("Ready for the next sale")
        samples = []
        for i, (code, name) in enumerate(items):
            if i and i % basket == 0:  # the customer pays cash (not timed); the next basket starts empty
                lane.send(F10)
                lane.wait_for("Balance")
                lane.send(F2)
                lane.wait_for("Ready for the next sale")
            started = time.perf_counter()
            lane.send(code.encode() + b"\r")
            samples.append((lane.wait_for(name + " ") - started) * 1000)
        lane.send(F10)
        lane.wait_for("Balance")
        lane.send(F2)
        lane.wait_for("Ready for the next sale")
        return samples
    finally:
        lane.close()


def bare_app_entries(count: int, term: str, fps: str | None = None) -> list[float]:
    app = Terminal([sys.executable, str(HERE / "bare_app.py"), "--child", "--echo"], term, fps)
    try:
        app.wait_for("entries: 0")
        samples = []
        for n in range(1, count + 1):
            code = ean13(n)
            started = time.perf_counter()
            app.send(code.encode() + b"\r")
            samples.append((app.wait_for(f"entry {n}: {code}") - started) * 1000)
        return samples
    finally:
        app.close()


def summary(name: str, samples: list[float]) -> str:
    return (f"{name}: p50 {statistics.median(samples):.1f} ms, p99 {percentile(samples, 0.99):.1f} ms, "
            f"max {max(samples):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--scans", type=int, default=300)
    parser.add_argument("--basket", type=int, default=20, help="items per sale before it is paid")
    parser.add_argument("--db", type=Path, help="reuse (or build once) the catalog at this path")
    parser.add_argument("--term", default="xterm-256color", help="TERM for the lane and the floor (e.g. linux)")
    parser.add_argument("--encrypt", action="store_true", help="the store encrypted at rest (SQLCipher)")
    args = parser.parse_args()
    compileall.compile_dir(str(HERE.parent / "pos_tui"), quiet=1)
    with tempfile.TemporaryDirectory(prefix="pos-tui-scan-") as tmp:
        db = args.db or Path(tmp) / "pos.db"
        if not db.exists():
            print(f"building a store with {args.products:,} products ...", flush=True)
            build(db, args.products)
        config = prepare_store(db, Path(tmp), encrypt=args.encrypt)
        items = sellable(db, args.products, args.scans)
        samples = lane_scans(config, items, args.basket, args.term)
    floor = bare_app_entries(args.scans, args.term)
    floor_fast = bare_app_entries(args.scans, args.term, LANE_FPS)
    worst = sorted(range(len(samples)), key=samples.__getitem__)[-8:]
    print("slowest scans (index in the run, ms):", [(i, round(samples[i], 1)) for i in sorted(worst)])
    print(summary(f"lane scan-to-line, {args.scans} scans in baskets of {args.basket} on {args.products:,} "
                  "products", samples) + " (target p99 <= 16 ms)")
    print(summary("bare Textual app, entry to its line, Textual's default frame rate (floor)", floor))
    print(summary(f"bare Textual app, entry to its line, TEXTUAL_FPS={LANE_FPS} as the lane (floor)", floor_fast))
    for name, bare in (("default", floor), (f"TEXTUAL_FPS={LANE_FPS}", floor_fast)):
        print(f"ratio lane/bare ({name}): p50 {statistics.median(samples) / statistics.median(bare):.2f}, "
              f"p99 {percentile(samples, 0.99) / percentile(bare, 0.99):.2f}")


if __name__ == "__main__":
    main()
