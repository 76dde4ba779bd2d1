"""The lane on a low-spec machine: start-up and scans under a CPU cap, beside the bare Textual floors.

    python benchmarks/low_spec.py [--quota-us 3000] [--period-us 10000] [--products 1000000]
                                  [--db PATH] [--scans 300] [--basket 20] [--runs 9] [--scan-runs 3]
                                  [--term linux] [--scans-only] [--cpu N | --any-cpu]

Every measured child (the lane, and each floor) runs in a cgroup v1 ``cpu`` group with
``cpu.cfs_quota_us`` per ``cpu.cfs_period_us`` (default 3000 per 10000: 30 % of one core), joined
between fork and exec (see cpu_cap.py), and on one CPU (``--cpu``, default the last one): 30 % of one
core, as on a single-core machine, where the lane's threads (the UI, the terminal's input and
output) cannot run side by side on two CPUs within the quota. ``--any-cpu`` lets them use every CPU
(the figures of earlier runs). This script itself runs uncapped and on any CPU. Needs root and the v1
cpu controller; where the group cannot be made, it says why and skips the profile.

Measured the same way as lane_startup.py and scan_latency.py, all under the cap:
- launch-to-ready (first frame drawn, keys taken) of `pos-tui run`, of the bare app with the lane's
  layout and of the minimal app (Header, Static, Input, DataTable, Footer), alternated, ``--runs``
  each;
- scan-to-line p50/p99 and CPU ms per scan of the lane on the ``--products`` catalog, and of the
  bare echo app (stock Input appending to a Static) at Textual's default frame rate and the lane's.

The lane's scans run ``--scan-runs`` times (a fresh lane each time) and are pooled for the p99
compared with the target: the p99 of one run of 300 is its third-slowest scan, and which period of
the cap a scan's last millisecond falls into moves it by 10 ms from run to run. Each run's own
figures are printed too.
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from bare_app import BARE_ARGV, MINIMAL_ARGV, LaunchRun, measure_launch, summarize  # noqa: E402
from barcode_lookup import build  # noqa: E402
from cpu_cap import CapUnavailable, CpuCap  # noqa: E402
from lane_startup import print_ratios  # noqa: E402
from scan_latency import (LANE_FPS, ScanRun, bare_app_entries, lane_scans, percentile, prepare_store,  # noqa: E402
                          ratios, sellable, slowest, summary)

P99_TARGET_MS = 33.0


def throttled_since(cap: CpuCap, before: tuple[int, int]) -> str:
    periods, ns = cap.throttled()
    return f"throttled in {periods - before[0]} periods, {(ns - before[1]) / 1e9:.1f} s in all"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quota-us", type=int, default=3000, help="cpu.cfs_quota_us")
    parser.add_argument("--period-us", type=int, default=10000, help="cpu.cfs_period_us")
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, help="reuse (or build once) the catalog at this path")
    parser.add_argument("--scans", type=int, default=300)
    parser.add_argument("--basket", type=int, default=20, help="items per sale before it is paid")
    parser.add_argument("--runs", type=int, default=9, help="launches of each app")
    parser.add_argument("--term", default="xterm-256color")
    parser.add_argument("--cpu", type=int, default=(os.cpu_count() or 1) - 1, help="the one CPU of the capped children")
    parser.add_argument("--any-cpu", action="store_true", help="let the capped children run on every CPU")
    parser.add_argument("--scan-runs", type=int, default=3, help="lane runs of --scans scans, pooled")
    parser.add_argument("--scans-only", action="store_true", help="leave out the launches and the floors")
    args = parser.parse_args()
    try:
        cap = CpuCap.create(args.quota_us, args.period_us)
    except CapUnavailable as why:
        print(f"low-spec profile skipped: {why}")
        return
    cap.cpu = None if args.any_cpu else args.cpu
    with cap:
        where = "on any CPU" if cap.cpu is None else f"on CPU {cap.cpu} only"
        print(f"CPU cap: {cap.describe()}, {where}; this script runs uncapped", flush=True)
        compileall.compile_dir(str(HERE.parent / "pos_tui"), quiet=1)
        with tempfile.TemporaryDirectory(prefix="pos-tui-lowspec-") as tmp:
            db = args.db or Path(tmp) / "pos.db"
            if not db.exists():
                print(f"building a store with {args.products:,} products ...", flush=True)
                build(db, args.products)
            config = prepare_store(db, Path(tmp))
            items = sellable(db, args.products, args.scans)

            lane_argv = [sys.executable, "-m", "pos_tui", "--config", str(config), "run"]
            for argv in (lane_argv, BARE_ARGV, MINIMAL_ARGV):  # warm the page cache before timing
                if args.scans_only and argv is not lane_argv:
                    continue
                measure_launch(argv, 1, args.term, stages=2 if argv is lane_argv else 1, preexec_fn=cap.join)
            lane: list[LaunchRun] = []
            bare: list[LaunchRun] = []
            minimal: list[LaunchRun] = []
            before = cap.throttled()
            for _ in range(0 if args.scans_only else args.runs):
                lane += measure_launch(lane_argv, 1, args.term, stages=2, preexec_fn=cap.join)
                bare += measure_launch(BARE_ARGV, 1, args.term, preexec_fn=cap.join)
                minimal += measure_launch(MINIMAL_ARGV, 1, args.term, preexec_fn=cap.join)
            if lane:
                print(f"launches: {throttled_since(cap, before)}")
                print(summarize("capped lane (pos-tui run)", lane))
                opened = statistics.median(r.open_seconds for r in lane) * 1000
                print(f"capped lane store, devices and sale open: median {opened:.0f} ms")
                print(summarize("capped bare textual app, the lane's layout", bare))
                print(summarize("capped minimal textual app (Header, Static, Input, DataTable, Footer)", minimal))
                print_ratios(lane, bare, minimal)

            runs = []
            for run in range(args.scan_runs):
                before = cap.throttled()
                runs.append(lane_scans(config, items, args.basket, args.term, cap))
                print(f"lane scans, run {run + 1}: {throttled_since(cap, before)}; "
                      + summary("capped lane scan-to-line", runs[-1]), flush=True)
            scans = ScanRun([ms for r in runs for ms in r.samples],
                            statistics.mean(r.cpu_ms_per_scan for r in runs))
        floors = []
        if not args.scans_only:
            before = cap.throttled()
            floors = [("default", bare_app_entries(args.scans, args.term, cap=cap)),
                      (f"TEXTUAL_FPS={LANE_FPS}", bare_app_entries(args.scans, args.term, LANE_FPS, cap))]
            print(f"floor entries: {throttled_since(cap, before)}")
    for run in runs:
        print(slowest(run))
    p99 = percentile(scans.samples, 0.99)
    print(summary(f"capped lane scan-to-line, {args.scan_runs} runs of {args.scans} scans pooled, in baskets of {args.basket} on "
                  f"{args.products:,} products", scans)
          + f" (target p99 <= {P99_TARGET_MS:.0f} ms: {'met' if p99 <= P99_TARGET_MS else 'not met'})")
    for name, floor in floors:
        print(summary(f"capped bare Textual app, entry to its line, {name} frame rate (floor)", floor))
    if floors:
        print("\n".join(ratios(scans, floors)))


if __name__ == "__main__":
    main()
