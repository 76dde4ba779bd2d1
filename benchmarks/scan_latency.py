"""Scan-to-line latency of the lane on a large catalog: key events in, line committed and drawn.

    python benchmarks/scan_latency.py [--products 1000000] [--scans 300] [--db PATH]

Runs the real app headless at 80x24 on a store of ``--products`` products. Each scan is 13 digits
and Enter handed to the app's driver at once from another thread, as a terminal's input thread
does; the clock stops when the line is committed to SQLite and the screen has been refreshed with
it. Every ``--basket`` scans the sale is paid in cash (not timed) and the next one starts. Prints p50/p99/max in milliseconds, with a bare sqlite3 barcode SELECT beside it as the floor.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from _catalog_data import ean13  # noqa: E402
from barcode_lookup import build  # noqa: E402


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def feed(app, text: str) -> None:
    from textual._xterm_parser import XTermParser

    def input_thread() -> None:
        for event in XTermParser().feed(text):
            app._driver.process_message(event)

    thread = threading.Thread(target=input_thread)
    thread.start()
    thread.join()


async def measure(db: Path, products: int, scans: int, basket: int) -> list[float]:
    from pos_tui.config import parse_config
    from pos_tui.lane import Lane
    from pos_tui.store import users
    from pos_tui.store.db import open_database
    from pos_tui.tui.app import PosApp

    config = parse_config({"paths": {"data_dir": str(db.parent)}, "database": {"url": f"sqlite:///{db}"}},
                          db.parent)
    open_database(config.database.url)
    if not users.has_users():
        users.add_user("cashier", "cashier", "1234", 4)
    lane = Lane(config)
    lane.sign_in("cashier", "1234")
    if lane.shift is None:
        lane.open_shift("0.00")
    codes = sellable_codes(db, products, scans)
    app = PosApp(lane)
    samples: list[float] = []
    committed: list[float] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        n = 0
        for i, code in enumerate(codes):
            if i and i % basket == 0:  # the customer pays (not timed); the next basket starts empty
                app.run_intent(lane.total)
                app.run_intent(lane.tender_cash, "")
                while lane.sale is not None:
                    await pilot.pause()
                n = 0
            n += 1
            started = time.perf_counter()
            feed(app, code + "\r")
            # The lane swaps in the new cart only after the line is committed.
            while lane.sale is None or len(lane.sale.cart.lines) < n:
                if time.perf_counter() - started > 5:
                    raise RuntimeError(f"scan {n} {code} did not arrive: {len(lane.view().lines)} lines; {lane.view().message}")
                await asyncio.sleep(0)
            committed.append((time.perf_counter() - started) * 1000)
            refreshed = asyncio.Event()
            app.call_after_refresh(refreshed.set)
            await refreshed.wait()
            samples.append((time.perf_counter() - started) * 1000)
    worst = sorted(range(len(samples)), key=samples.__getitem__)[-8:]
    print("slowest scans (index, ms):", [(i, round(samples[i], 1), round(committed[i], 1)) for i in worst])
    print(f"key events in -> line committed: p50 {statistics.median(committed):.1f} ms, "
          f"p99 {percentile(committed, 0.99):.1f} ms")
    return samples


def sellable_codes(db: Path, products: int, count: int) -> list[str]:
    """Random barcodes of items sold each (a weighed item needs its weight typed first)."""
    rng = random.Random(7)
    con = sqlite3.connect(db)
    codes: list[str] = []
    while len(codes) < count:
        code = ean13(rng.randrange(1, products + 1))
        unit, = con.execute("SELECT p.unit FROM barcode b JOIN product p ON p.id = b.product_id WHERE b.code = ?",
                            (code,)).fetchone()
        if unit == "each":
            codes.append(code)
    con.close()
    return codes


def sqlite_floor(db: Path, products: int, scans: int) -> list[float]:
    rng = random.Random(7)
    con = sqlite3.connect(db)
    out = []
    for _ in range(scans):
        code = ean13(rng.randrange(1, products + 1))
        started = time.perf_counter()
        con.execute("SELECT p.id, p.name, p.price FROM barcode b JOIN product p ON p.id = b.product_id "
                    "WHERE b.code = ?", (code,)).fetchone()
        out.append((time.perf_counter() - started) * 1000)
    con.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--scans", type=int, default=300)
    parser.add_argument("--basket", type=int, default=20, help="items per sale before it is paid")
    parser.add_argument("--db", type=Path, help="reuse (or build once) the catalog at this path")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pos-tui-scan-") as tmp:
        db = args.db or Path(tmp) / "pos.db"
        if not db.exists():
            print(f"building a store with {args.products:,} products ...", flush=True)
            build(db, args.products)
        samples = asyncio.run(measure(db, args.products, args.scans, args.basket))
        floor = sqlite_floor(db, args.products, args.scans)
    print(f"scan-to-line, {args.scans} scans in baskets of {args.basket} on {args.products:,} products: "
          f"p50 {statistics.median(samples):.1f} ms, p99 {percentile(samples, 0.99):.1f} ms, "
          f"max {max(samples):.1f} ms (target p99 <= 16 ms)")
    print(f"raw sqlite3 barcode SELECT (floor): p50 {statistics.median(floor):.3f} ms, "
          f"p99 {percentile(floor, 0.99):.3f} ms")


if __name__ == "__main__":
    main()
