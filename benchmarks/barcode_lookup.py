"""Barcode lookup and name search among 1,000,000 products, with a raw-sqlite floor beside them.

    python benchmarks/barcode_lookup.py [--products 1000000] [--db PATH]

Builds the catalog once with raw executemany (reused when --db names an existing file), then
prints p50/p99 of catalog.find_by_code against a bare sqlite3 SELECT, and of search_by_name.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _catalog_data import ean13, product_row  # noqa: E402

from pos_tui.store import catalog  # noqa: E402
from pos_tui.store.db import close_database, open_database  # noqa: E402


def build(path: Path, count: int) -> float:
    open_database(f"sqlite:///{path}")
    close_database()
    rng = random.Random(42)
    started = time.perf_counter()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=wal")
    conn.execute("BEGIN")
    batch = 50_000
    for start in range(1, count + 1, batch):
        rows = [product_row(n, rng) for n in range(start, min(start + batch, count + 1))]
        conn.executemany(
            "INSERT INTO product (id, sku, name, price, tax, unit, stock, active, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 1, '2025-01-01 00:00:00')",
            [(int(r[0][3:]),) + r[:6] for r in rows],
        )
        conn.executemany("INSERT INTO barcode (code, product_id) VALUES (?, ?)", [(r[6], int(r[0][3:])) for r in rows])
    conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - started


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def timed(fn, args_list) -> list[float]:
    samples = []
    for args in args_list:
        started = time.perf_counter_ns()
        fn(*args)
        samples.append((time.perf_counter_ns() - started) / 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, help="keep the catalog here (reused if it exists)")
    parser.add_argument("--lookups", type=int, default=5000)
    args = parser.parse_args()
    workdir = tempfile.TemporaryDirectory()
    path = args.db or Path(workdir.name) / "bench.db"
    if not path.exists():
        seconds = build(path, args.products)
        print(f"built {args.products:,} products in {seconds:.1f} s (raw executemany, FTS triggers on)")

    rng = random.Random(7)
    codes = [(ean13(rng.randrange(1, args.products + 1)),) for _ in range(args.lookups)]
    skus = [(f"SKU{rng.randrange(1, args.products + 1):07d}",) for _ in range(args.lookups // 5)]
    misses = [(ean13(args.products + 10 + i),) for i in range(args.lookups // 5)]

    raw = sqlite3.connect(path)
    floor_sql = ("SELECT p.id, p.sku, p.name, p.price, p.tax, p.unit, p.stock, p.active FROM barcode b "
                 "JOIN product p ON p.id = b.product_id WHERE b.code = ?")
    def floor(code: str) -> list:
        return raw.execute(floor_sql, (code,)).fetchall()

    timed(floor, codes)  # first pass pulls the pages into the cache; measure the second
    raw_samples = timed(floor, codes)

    open_database(f"sqlite:///{path}")
    assert catalog.find_by_code(codes[0][0]) is not None
    timed(catalog.find_by_code, codes)  # warm the same way as the floor
    rows = [
        ("raw sqlite3 SELECT (floor)", raw_samples),
        ("find_by_code, barcode", timed(catalog.find_by_code, codes)),
        ("find_by_code, SKU", timed(catalog.find_by_code, skus)),
        ("find_by_code, unknown", timed(catalog.find_by_code, misses)),
    ]
    queries = {
        "1 char (可)": [("可",)] * 50,
        "2 chars (牛奶)": [("牛奶",)] * 50,
        "3+ chars CJK (矿泉水)": [("矿泉水",)] * 50,
        "3+ chars Latin (green tea)": [("green tea",)] * 50,
        "rare (#123457)": [(f"#{rng.randrange(100_000, args.products)}",) for _ in range(50)],
        "no match, 3+ chars (xyzzy)": [("xyzzy",)] * 50,
        "no match, 2 chars (zq, full scan)": [("zq",)] * 20,
    }
    for label, texts in queries.items():
        rows.append((f"search_by_name, {label}", timed(catalog.search_by_name, texts)))
    close_database()

    floor_p50 = percentiles(raw_samples)[0]
    print(f"{'lookup among ' + format(args.products, ',') + ' products':<50} {'p50 µs':>9} {'p99 µs':>9} {'x floor':>8}")
    for label, samples in rows:
        p50, p99 = percentiles(samples)
        print(f"{label:<50} {p50:>9.1f} {p99:>9.1f} {p50 / floor_p50:>8.1f}")


if __name__ == "__main__":
    main()
