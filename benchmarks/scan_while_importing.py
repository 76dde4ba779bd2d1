"""Scan-to-line latency of a lane while `pos-tui products import` writes 300,000 rows to its store.

    python benchmarks/scan_while_importing.py [--products 100000] [--import-rows 300000] [--basket 20]

Builds a store of ``--products`` products, then runs `pos-tui run` on an 80x24 pseudo-terminal as
scan_latency.py does (same Terminal, same clock: key bytes in -> the new line drawn). First a
baseline of ``--baseline`` scans with the store quiet; then `pos-tui products import` starts in
another process on a CSV of ``--import-rows`` new products, and the lane keeps scanning (paying
every ``--basket`` scans with F10 F2, not timed) until the import has finished. Prints p50/p99/max
of both runs, how many scans landed during the import, and the import's own time.
"""

from __future__ import annotations

import argparse
import compileall
import csv
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from _catalog_data import product_row  # noqa: E402
from barcode_lookup import build  # noqa: E402
from scan_latency import F2, F10, Terminal, percentile, prepare_store, sellable  # noqa: E402

from pos_tui.domain.money import currency, format_amount  # noqa: E402
from pos_tui.store.catalog_csv import COLUMNS, format_stock  # noqa: E402


def write_new_products(path: Path, first: int, rows: int) -> None:
    rng = random.Random(3)
    cny = currency("CNY")
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS[:7])  # no department: the optional column left out
        for n in range(first, first + rows):
            sku, name, price, tax, unit, stock, barcode = product_row(n, rng)
            writer.writerow([sku, name, format_amount(price, cny, grouping=False), barcode, tax, unit,
                             format_stock(stock)])


def summary(name: str, samples: list[float]) -> str:
    return (f"{name}: p50 {statistics.median(samples):.1f} ms, p99 {percentile(samples, 0.99):.1f} ms, "
            f"max {max(samples):.1f} ms, over 100 ms: {sum(s > 100 for s in samples)}")


def scan(lane: Terminal, code: str, name: str) -> float:
    started = time.perf_counter()
    lane.send(code.encode() + b"\r")
    return (lane.wait_for(name + " ", timeout=60) - started) * 1000


def pay(lane: Terminal) -> None:
    lane.send(F10)
    lane.wait_for("Balance", timeout=60)
    lane.send(F2)
    lane.wait_for("Ready for the next sale", timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--import-rows", type=int, default=300_000)
    parser.add_argument("--baseline", type=int, default=200)
    parser.add_argument("--basket", type=int, default=20)
    parser.add_argument("--term", default="xterm-256color")
    args = parser.parse_args()
    compileall.compile_dir(str(HERE.parent / "pos_tui"), quiet=1)
    with tempfile.TemporaryDirectory(prefix="pos-tui-scan-import-") as tmp:
        folder = Path(tmp)
        db = folder / "pos.db"
        print(f"building a store with {args.products:,} products and a CSV of {args.import_rows:,} new ones ...",
              flush=True)
        build(db, args.products)
        config = prepare_store(db, folder)
        items = sellable(db, args.products, 500)
        csv_path = folder / "new.csv"
        write_new_products(csv_path, args.products + 1, args.import_rows)
        lane = Terminal([sys.executable, "-m", "pos_tui", "--config", str(config), "run"], args.term)
        try:
            lane.wait_for("User>")
            lane.send(b"cashier\r")
            lane.wait_for("PIN")
            lane.send(b"1234\r")
            lane.wait_for("Ready for the next sale")
            quiet, during, moments, n = [], [], [], 0
            for n in range(args.baseline):
                if n and n % args.basket == 0:
                    pay(lane)
                code, name = items[n % len(items)]
                quiet.append(scan(lane, code, name))
            pay(lane)
            env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
            # Its output goes to a file: a pipe nobody reads while the scans run would fill and stop it.
            said = (Path(tmp) / "import-output.txt").open("w+", encoding="utf-8")
            started = time.perf_counter()
            importer = subprocess.Popen([sys.executable, "-m", "pos_tui", "--config", str(config), "products",
                                         "import", str(csv_path), "--as", "boss", "--pin-stdin"], env=env,
                                        stdin=subprocess.PIPE, stdout=said, stderr=subprocess.STDOUT, text=True)
            importer.stdin.write("1234\n")
            importer.stdin.close()
            n = 0
            while importer.poll() is None:
                if n and n % args.basket == 0:
                    pay(lane)
                code, name = items[n % len(items)]
                at = time.perf_counter() - started
                during.append(scan(lane, code, name))
                moments.append(at)
                n += 1
            import_seconds = time.perf_counter() - started
            said.seek(0)
            output = said.read().strip().splitlines()
            said.close()
            if importer.returncode != 0:
                raise RuntimeError(f"the import failed: {output[-3:]}")
            pay(lane)
        finally:
            lane.close()
    print(f"import of {args.import_rows:,} new products into {args.products:,}: {import_seconds:.1f} s "
          f"({output[-1] if output else ''})")
    worst = sorted(range(len(during)), key=during.__getitem__)[-5:]
    print("slowest scans during the import (seconds into it, ms):",
          [(round(moments[i], 1), round(during[i], 1)) for i in sorted(worst)])
    print(summary(f"lane scan-to-line, store quiet, {len(quiet)} scans", quiet))
    print(summary(f"lane scan-to-line while the import runs, {len(during)} scans", during)
          + " (target: max <= ~100 ms over the quiet figures)")


if __name__ == "__main__":
    main()
