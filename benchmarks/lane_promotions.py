"""What promotions add to a scan on the lane: the service call (line committed with its
promotions, fresh view) timed on a real SQLite store, with and without 50 active promotions.

    python benchmarks/lane_promotions.py [--lines 100] [--sales 3] [--seed 7] [--clock wall|cpu]

Builds a store with the 500 SKUs and the 50 promotions of benchmarks/promotions.py, then rings up
``--sales`` sales of ``--lines`` scans each through ``Lane.items.enter`` (no screen) and prints
p50/p99 of one scan, first on a store without promotions, then with them, and the difference.
Each scan works the promotions out again over the whole sale and writes the lines they changed.
Memory is settled before the first scan as the lane's app does (``gc.collect``, ``gc.freeze``).
``--clock cpu`` times the thread's CPU: what the scan computes, without the wait for the disk to
take the commit (which, on a machine other programs share, varies more than all the rest).
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from promotions import PRICES, SKUS, promotions  # noqa: E402

from pos_tui.demo import create_demo_store  # noqa: E402
from pos_tui.services.lane import Lane  # noqa: E402
from pos_tui.store import promotions as promotion_store  # noqa: E402
from pos_tui.store.catalog_csv import import_products  # noqa: E402
from pos_tui.store.db import close_database  # noqa: E402


def barcode(sku: str) -> str:
    """A valid EAN-13 for the benchmark's SKU (29, its last 10 digits, the check digit)."""
    body = "29" + sku[-10:]
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _groups_overlap(groups: tuple) -> bool:
    return sum(len(skus) for skus, _n in groups) != len(frozenset().union(*(skus for skus, _n in groups)))


def ring_up(folder: Path, with_promotions: bool, lines: int, sales: int, seed: int) -> list[float]:
    config = create_demo_store(folder)
    catalog = folder / "catalog.csv"
    catalog.write_text("sku,name,price,barcodes,tax,unit,stock\n" + "".join(
        f"{sku},item {sku},{PRICES[sku] // 100}.{PRICES[sku] % 100:02d},{barcode(sku)},A,each,\n" for sku in SKUS),
        encoding="utf-8")
    import_products(catalog, cur=config.currency, tax_codes=config.tax.rates, actor="bench")
    if with_promotions:
        # Without a member the member prices do not run; a mix-and-match whose groups share a SKU is
        # one no promotions file can hold.
        promos = [p for p in promotions(random.Random(seed))
                  if p.kind != "member_price" and not (p.kind == "mix_match" and _groups_overlap(p.groups))]
        promotion_store.replace_promotions(promos, config.currency, source="bench", actor="bench",
                                           now=__import__("datetime").datetime.now())
    lane = Lane(config)
    lane.people.sign_in("cashier", "1234")
    gc.collect()
    gc.freeze()
    rng = random.Random(seed)
    timings = []
    for _ in range(sales):
        for _ in range(lines):
            code = barcode(rng.choice(SKUS[:250]))
            start = CLOCK()
            lane.items.enter(code)
            timings.append((CLOCK() - start) / 1e6)
        lane.payments.total()
        lane.payments.tender_cash("")
        lane.receipts.finish_printing(lane.receipts.print_pending())
    close_database()
    return sorted(timings)


CLOCK = time.perf_counter_ns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100)
    parser.add_argument("--sales", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    args = parser.parse_args()
    global CLOCK
    CLOCK = time.thread_time_ns if args.clock == "cpu" else time.perf_counter_ns
    print(f"clock: {args.clock}")
    results = {}
    for with_promotions in (False, True):
        with tempfile.TemporaryDirectory() as tmp:
            timings = ring_up(Path(tmp), with_promotions, args.lines, args.sales, args.seed)
        p50, p99 = statistics.median(timings), timings[int(len(timings) * 0.99) - 1]
        results[with_promotions] = (p50, p99)
        label = "with promotions" if with_promotions else "no promotions"
        print(f"{args.lines}-line sales, {label:>13}: scan p50 {p50:.2f} ms  p99 {p99:.2f} ms")
    (a50, a99), (b50, b99) = results[False], results[True]
    print(f"promotions add: p50 {b50 - a50:+.2f} ms  p99 {b99 - a99:+.2f} ms per scan")


if __name__ == "__main__":
    main()
