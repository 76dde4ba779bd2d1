"""Catalog import of 100,000 CSV rows through catalog_csv, beside a raw-sqlite executemany floor.

    python benchmarks/catalog_import.py [--rows 100000] [--csv FILE] [--skip-cli] [--runs N]

Each run starts from a fresh database file (schema, indexes and search triggers in place). The
floor reads the same CSV with the csv module and inserts it with bare executemany: no checks,
no upsert, no journal. ``catalog_csv.import_products`` runs in a fresh interpreter of its own, so
its peak RSS (VmHWM) is its own (plus the peak of any process it starts, from
getrusage(RUSAGE_CHILDREN), added as if both peaked at once), with the peak while the file is read
and staged and while it is published; it also reports the longest time one of its write transactions
held the store's write lock; the floor's and the import's CPU seconds are printed beside their wall
times. A last line times the whole `pos-tui products import` command with its peak RSS (``ru_maxrss``
of that one child from ``os.wait4`` in a small launcher process: a child's ``ru_maxrss`` starts from
the peak of the process that spawned it). ``--csv`` imports a file made earlier (one
written by this script with the same ``--rows``) instead of writing it again; ``--runs`` repeats
the floor, the import and the command in turn, so a load that comes and goes shows in each ratio.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _catalog_data import product_row  # noqa: E402

from pos_tui.domain.money import currency, format_amount  # noqa: E402
from pos_tui.store.catalog_csv import COLUMNS, format_stock, import_products  # noqa: E402
from pos_tui.store.db import close_database, open_database  # noqa: E402

TAXES = {"A", "B", "Z"}


def write_catalog(path: Path, rows: int) -> None:
    rng = random.Random(1)
    cny = currency("CNY")
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS[:7])  # no department: the optional column left out
        for n in range(1, rows + 1):
            sku, name, price, tax, unit, stock, barcode = product_row(n, rng)
            writer.writerow([sku, name, format_amount(price, cny, grouping=False), barcode, tax, unit,
                             format_stock(stock)])


class RssByStage:
    """The process's RSS sampled every 20 ms, its peak kept for each stage of the import the
    progress callback says it is in (reading and staging the file: the first half; publishing)."""

    def __init__(self) -> None:
        self.stage = "opening"
        self.peaks: dict[str, int] = {}
        self.began: dict[str, float] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def progress(self, done: int, total: int) -> None:
        stage = "reading and staging" if done < total // 2 else "publishing"
        if stage != self.stage:
            self.began[stage] = time.perf_counter()
        self.stage = stage

    def seconds(self, started: float, ended: float) -> dict[str, float]:
        """Seconds spent in each stage, until the progress callback first named the next one (the
        first from ``started``: the file's first rows are read before it is called)."""
        marks = sorted((at, stage) for stage, at in self.began.items())
        starts = [started] + [at for at, _ in marks[1:]]
        return {stage: end - start for (_, stage), start, end in zip(marks, starts, starts[1:] + [ended])}

    def _sample(self) -> None:
        while not self._done.wait(0.02):
            self.peaks[self.stage] = max(self.peaks.get(self.stage, 0), status_kib("VmRSS"))

    def stop(self) -> dict[str, int]:
        self._done.set()
        self._thread.join()
        return self.peaks


def store_import_child(csv_path: Path, db_path: Path) -> None:
    """In a fresh interpreter: the import alone; prints seconds, longest lock hold, peak RSS KiB."""
    rss = RssByStage()
    open_database(f"sqlite:///{db_path}")
    started, cpu_started = time.perf_counter(), time.process_time()
    result = import_products(csv_path, cur=currency("CNY"), tax_codes=TAXES, default_tax="A", progress=rss.progress)
    ended, cpu = time.perf_counter(), time.process_time() - cpu_started
    seconds = ended - started
    close_database()
    stages = rss.stop()
    assert result.created > 0
    holds = sorted(result.lock_holds)
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "longest_lock": result.longest_lock,
                      "longest_in": result.longest_lock_in,
                      "steps": len(holds), "over_100ms": sum(h > 0.1 for h in holds),
                      "p99_lock": holds[int(len(holds) * 0.99)] if holds else 0.0, "peak_rss_kib": status_kib("VmHWM"),
                      # Any process the import started and waited for: the largest one's peak. Added
                      # to the importer's own, as if both peaked at once (a bound, never less).
                      "children_rss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                      "stage_rss_kib": stages, "stage_seconds": rss.seconds(started, ended)}))


def status_kib(field: str) -> int:
    """A figure of /proc/self/status in KiB (VmHWM, the peak RSS: ru_maxrss would inherit a parent's)."""
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))


def time_store_import(csv_path: Path, db_path: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child-import", str(csv_path), str(db_path)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def time_raw_floor(csv_path: Path, db_path: Path) -> tuple[float, float]:
    """(seconds, CPU seconds of this process)."""
    open_database(f"sqlite:///{db_path}")
    close_database()
    started, cpu_started = time.perf_counter(), time.process_time()
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA synchronous=FULL")
    with open(csv_path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        rows = list(reader)
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT INTO product (id, sku, name, price, tax, unit, stock, active, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, 1, '2025-01-01 00:00:00')",
        [(i, r[0], r[1], int(r[2].replace(".", "")), r[4], r[5], r[6] or None) for i, r in enumerate(rows, 1)],
    )
    conn.executemany("INSERT INTO barcode (code, product_id) VALUES (?, ?)", [(r[3], i) for i, r in enumerate(rows, 1)])
    conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - started, time.process_time() - cpu_started


def time_cli_import(csv_path: Path, workdir: Path) -> tuple[float, int]:
    """The whole command on a fresh store: (seconds, its peak RSS in KiB)."""
    config = workdir / "config.toml"
    data = workdir / "cli-data"
    shutil.rmtree(data, ignore_errors=True)
    config.write_text(f'[paths]\ndata_dir = "{data}"\n', encoding="utf-8")
    env = {**os.environ, "POS_TUI_CONFIG": str(config), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "pos_tui"]
    subprocess.run([*command, "init", "--admin", "boss", "--pin-stdin"], input="1234\n", text=True,
                   env=env, check=True, capture_output=True)
    with tempfile.TemporaryFile() as out:
        # Started from a small launcher, not from here: a child's ru_maxrss starts from the RSS of
        # the process it was spawned from (this one holds the floor's rows), the launcher's is ~10 MB.
        launched = subprocess.run([sys.executable, "-c", LAUNCHER, *command, "products", "import", str(csv_path),
                                   "--as", "boss", "--pin-stdin"], input=b"1234\n", stdout=out,
                                  stderr=subprocess.STDOUT, env=env, check=False)
        out.seek(0)
        output = out.read().decode()
        if launched.returncode != 0:
            raise SystemExit(f"pos-tui products import failed ({launched.returncode}):\n{output}")
    seconds, maxrss_kib = json.loads(output.strip().splitlines()[-1])
    return seconds, maxrss_kib


# Runs argv[1:] (stdin passed on), then prints [seconds, its ru_maxrss in KiB] from wait4 of that one
# child; exits with its status.
LAUNCHER = """
import json, os, subprocess, sys, time
started = time.perf_counter()
child = subprocess.Popen(sys.argv[1:])
_pid, status, usage = os.wait4(child.pid, 0)
seconds = time.perf_counter() - started
code = os.waitstatus_to_exitcode(status)
if code == 0:
    print(json.dumps([seconds, usage.ru_maxrss]), flush=True)
sys.exit(code)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--csv", type=Path, help="import this file (written by an earlier run) instead of a new one")
    parser.add_argument("--skip-cli", action="store_true", help="leave out the whole-command run")
    parser.add_argument("--runs", type=int, default=1, help="floor, import and command this many times in turn")
    parser.add_argument("--child-import", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_import:
        store_import_child(*args.child_import)
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        csv_path = args.csv or work / "catalog.csv"
        if args.csv is None:
            write_catalog(csv_path, args.rows)
        else:
            with open(csv_path, "rb") as f:
                args.rows = sum(1 for _ in f) - 1
        print(f"catalog import, {args.rows:,} rows ({csv_path.name}, CJK + Latin names, one EAN-13 each)", flush=True)
        for run in range(1, args.runs + 1):
            if args.runs > 1:
                print(f"run {run} of {args.runs}")
            for name in ("floor.db", "store.db"):
                for suffix in ("", "-wal", "-shm"):
                    (work / (name + suffix)).unlink(missing_ok=True)
            floor = time_raw_floor(csv_path, work / "floor.db")
            store = time_store_import(csv_path, work / "store.db")
            cli = None if args.skip_cli else time_cli_import(csv_path, work)
            report(floor, store, cli)


def report(floor_times: tuple[float, float], store: dict, cli: tuple[float, int] | None) -> None:
    floor, floor_cpu = floor_times
    seconds = store["seconds"]
    print(f"{'raw sqlite3 executemany (floor)':<40} {floor:7.2f} s   1.0x    (CPU {floor_cpu:.1f} s)")
    print(f"{'catalog_csv.import_products':<40} {seconds:7.2f} s  {seconds / floor:4.2f}x   (target <= 2.0x; CPU "
          f"{store['cpu_seconds']:.1f} s, {store['cpu_seconds'] / floor_cpu:.2f}x the floor's)")
    peak = store["peak_rss_kib"] + store["children_rss_kib"]
    print(f"{'  peak RSS, importer + its children':<40} {peak / 1024:7.1f} MB   (target <= 150 MB; the importer "
          f"{store['peak_rss_kib'] / 1024:.1f} MB, children {store['children_rss_kib'] / 1024:.1f} MB)")
    print(f"{'  peak RSS by stage':<40} " + ", ".join(f"{stage} {kib / 1024:.1f} MB"
                                                      for stage, kib in store["stage_rss_kib"].items()))
    print(f"{'  seconds by stage':<40} " + ", ".join(f"{stage} {took:.1f} s"
                                                    for stage, took in store["stage_seconds"].items()))
    print(f"{'  longest write-lock hold':<40} {store['longest_lock'] * 1000:7.1f} ms   (target ~100 ms; "
          f"in the {store['longest_in']} phase)")
    print(f"{'  write transactions (steps)':<40} {store['steps']:7,}      p99 {store['p99_lock'] * 1000:.1f} ms, "
          f"{store['over_100ms']} over 100 ms")
    if cli is not None:
        cli_seconds, cli_kib = cli
        print(f"{'pos-tui products import (whole command)':<40} {cli_seconds:7.2f} s  {cli_seconds / floor:4.2f}x")
        print(f"{'  peak RSS of the command':<40} {cli_kib / 1024:7.1f} MB   (target <= 150 MB)", flush=True)


if __name__ == "__main__":
    main()
