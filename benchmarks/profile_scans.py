"""Where the lane's CPU goes per scan: scan_latency.py's scans, under the low-spec CPU cap, profiled.

    python benchmarks/profile_scans.py [--db PATH] [--products 1000000] [--scans 300] [--basket 20]
                                       [--quota-us 3000] [--period-us 10000] [--no-cap] [--top 30]

Two runs of the same scans through a pty (see scan_latency.py), in the cap of low_spec.py unless
``--no-cap`` (or where it cannot be made):

1. unprofiled: the lane's CPU per scan, split by thread (/proc/<pid>/task/<tid>/schedstat, read as
   each basket's scans start and end; exited threads show as "other");
2. under cProfile: the lane runs inside this script (``--child``), which turns a profiler on for
   the main thread on SIGUSR1 (as a basket's scans start), off on SIGUSR2 (as they end, before the
   payment) and writes the stats so far. The profiler's clock is the wall clock, so the main
   thread's idle wait (the event loop's epoll) is left out of the total; under the cap the time the
   lane is held back is charged to whatever was running when the quota ran out, in proportion to
   CPU over many scans.

Prints each thread's CPU per scan, then the main thread's time by kind of code (a builtin's own
time goes to its caller's kind) and its top functions by own time: share of the profiled time and
that share of the unprofiled main-thread CPU per scan. cProfile slows call-heavy code more than the
rest, so read the milliseconds as estimates.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import signal
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

IDLE = {("~", 0, "<method 'poll' of 'select.epoll' objects>"),
        ("~", 0, "<method 'select' of 'select.epoll' objects>"),
        ("~", 0, "<built-in method select.select>")}
KINDS = [  # (kind, substrings of the file path), first match wins
    ("pos_tui.tui (lane screens, widgets)", ["/pos_tui/tui/"]),
    ("pos_tui.store + peewee + sqlite3", ["/pos_tui/store/", "/peewee.py", "/sqlite3/"]),
    ("pos_tui (lane, domain, devices)", ["/pos_tui/"]),
    ("textual compositor + strips", ["/textual/_compositor.py", "/textual/strip.py", "/textual/_segment_tools.py",
                                     "/textual/_spatial_map.py", "/textual/filter.py"]),
    ("textual render (widget render, styles cache, content)", ["/textual/_styles_cache.py", "/textual/content.py",
                                                              "/textual/visual.py", "/textual/_border.py",
                                                              "/textual/render.py", "/textual/color.py"]),
    ("textual css + layout", ["/textual/css/", "/textual/layouts/", "/textual/_arrange.py", "/textual/_layout.py",
                              "/textual/box_model.py", "/textual/geometry.py", "/textual/_resolve.py"]),
    ("textual messages, timers, driver", ["/textual/message_pump.py", "/textual/message.py", "/textual/timer.py",
                                          "/textual/_context.py", "/textual/events.py", "/textual/drivers/",
                                          "/textual/_xterm_parser.py", "/textual/_parser.py", "/textual/signal.py"]),
    ("textual other (app, screen, widget, dom, reactive)", ["/textual/"]),
    ("rich (segments, text, style)", ["/rich/"]),
    ("asyncio + python stdlib", ["/asyncio/", "/python3", "/lib/python"]),
]


# -- the child: the lane under a profiler switched by signals --------------------------------------

def run_child(out: Path, profile: bool, lane_args: list[str]) -> None:
    """Run the lane; with ``profile``, SIGUSR1 turns the profiler on and SIGUSR2 turns it off and
    writes the stats so far. Either way SIGUSR2 writes the names of the live threads."""
    profiler = cProfile.Profile()
    dumps = 0

    def start(signum: int, frame: object) -> None:
        if profile:
            profiler.enable()

    def stop_and_dump(signum: int, frame: object) -> None:
        nonlocal dumps
        dumps += 1
        if profile:
            profiler.disable()
            profiler.dump_stats(out / "main.prof.tmp")
            os.replace(out / "main.prof.tmp", out / "main.prof")
        threads = {str(t.native_id): t.name for t in __import__("threading").enumerate()}
        (out / "threads.json.tmp").write_text(json.dumps({"dumps": dumps, "threads": threads}))
        os.replace(out / "threads.json.tmp", out / "threads.json")

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop_and_dump)
    from pos_tui.cli import main

    main(lane_args, prog_name="pos-tui")


# -- the parent ------------------------------------------------------------------------------------

def thread_cpu_ns(pid: int) -> dict[int, int]:
    """Each live thread's CPU time so far (schedstat's first field, ns)."""
    used = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat", encoding="ascii") as stat:
                used[int(tid)] = int(stat.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return used


class ThreadSplit:
    """Per-thread CPU over the scan windows (lane_scans' ``window`` hook) and the lane's whole CPU."""

    def __init__(self) -> None:
        self.per_thread: dict[int, int] = defaultdict(int)
        self.total = 0
        self.pid = 0
        self._start: tuple[dict[int, int], int] | None = None

    def window(self, lane, scanning: bool) -> None:  # noqa: ANN001 - scan_latency.Terminal
        self.pid = lane.child.pid
        now = thread_cpu_ns(self.pid), lane.cpu_ns()
        if scanning:
            self._start = now
            return
        threads, total = self._start
        for tid, used in now[0].items():
            self.per_thread[tid] += used - threads.get(tid, 0)
        self.total += now[1] - total


class Signalled:
    """Tells the child (``--child``) as the scan windows start and end; waits for its last dump.
    With ``split``, takes the per-thread CPU first."""

    def __init__(self, out: Path, split: ThreadSplit | None = None) -> None:
        self.out = out
        self.split = split
        self.windows = 0
        (out / "threads.json").unlink(missing_ok=True)

    def window(self, lane, scanning: bool) -> None:  # noqa: ANN001 - scan_latency.Terminal
        if self.split is not None:
            self.split.window(lane, scanning)
        os.kill(lane.child.pid, signal.SIGUSR1 if scanning else signal.SIGUSR2)
        if not scanning:
            self.windows += 1

    def wait_for_dumps(self, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                state = json.loads((self.out / "threads.json").read_text())
                if state["dumps"] >= self.windows:
                    return state
            except (FileNotFoundError, json.JSONDecodeError):
                pass
            time.sleep(0.05)
        raise RuntimeError("the profiled lane did not write its stats")


def kind_of(func: tuple[str, int, str]) -> str | None:
    path = func[0]
    if path == "~":
        return None
    for kind, parts in KINDS:
        if any(part in path for part in parts):
            return kind
    return "other python"


EXECUTE = ("~", 0, "<method 'execute' of 'sqlite3.Cursor' objects>")


def without_commit_wait(stats: dict) -> tuple[dict, float]:
    """The stats with the time sqlite spends in COMMIT (peewee's ``commit`` calling execute: with
    synchronous=full that is the write-ahead log's fsync, a wait, not CPU) taken out of execute's own
    time and out of the cumulative time of every caller above it (split as cProfile split it).
    Returns them and the time taken out."""
    if EXECUTE not in stats:
        return stats, 0.0
    cc, nc, own, cumulative, callers = stats[EXECUTE]
    wait = {EXECUTE: sum(c[2] for caller, c in callers.items() if caller[2] == "commit")}
    pending = [(caller, c[2], frozenset({EXECUTE})) for caller, c in callers.items() if caller[2] == "commit"]
    while pending:  # up every path of callers, each share in proportion to its cumulative time below
        func, amount, below = pending.pop()
        wait[func] = wait.get(func, 0.0) + amount
        above = stats[func][4]
        spread = sum(c[3] for c in above.values())
        if spread > 0 and amount > 1e-7:
            pending += [(caller, amount * c[3] / spread, below | {func}) for caller, c in above.items()
                        if caller not in below and caller != func]
    adjusted = dict(stats)
    for func, amount in wait.items():
        cc, nc, own, cumulative, callers = stats[func]
        adjusted[func] = (cc, nc, own - amount if func == EXECUTE else own, cumulative - amount, callers)
    return adjusted, wait[EXECUTE]


def by_kind(stats: dict) -> tuple[dict[str, float], float]:
    """Own time per kind (a builtin's goes to its callers' kinds, split as cProfile split it)."""
    kinds: dict[str, float] = defaultdict(float)
    for func, (_, _, own, _, callers) in stats.items():
        if func in IDLE:
            continue
        kind = kind_of(func)
        if kind is not None:
            kinds[kind] += own
            continue
        split = sum(c[2] for c in callers.values())
        if not callers or split <= 0:
            kinds["builtins (no caller)"] += own
            continue
        for caller, (_, _, caller_own, _) in callers.items():
            kinds[kind_of(caller) or "builtins (no caller)"] += own * caller_own / split
    total = sum(kinds.values())
    return kinds, total


def label(func: tuple[str, int, str]) -> str:
    path, line, name = func
    if path == "~":
        return name
    for root in ("site-packages/", "wt-bench/", "lib/python3.11/"):
        if root in path:
            path = path.split(root, 1)[1]
    return f"{path}:{line}({name})"


def report(split: ThreadSplit, scans: int, names: dict[str, str], stats_file: Path, top: int) -> None:
    print(f"lane CPU over the scans, unprofiled: {split.total / 1e6 / scans:.2f} ms per scan")
    main_ms = split.per_thread.get(split.pid, 0) / 1e6 / scans
    for tid, used in sorted(split.per_thread.items(), key=lambda item: -item[1]):
        name = "main" if tid == split.pid else names.get(str(tid), "exited")
        print(f"  thread {name} ({tid}): {used / 1e6 / scans:.2f} ms per scan")
    other = max(split.total - sum(split.per_thread.values()), 0)  # /proc ticks without the cgroup: rounded
    print(f"  other (threads that exited): {other / 1e6 / scans:.2f} ms per scan")
    stats, commit_wait = without_commit_wait(pstats.Stats(str(stats_file)).stats)  # type: ignore[attr-defined]
    kinds, total = by_kind(stats)
    print(f"main thread, profiled: {(total + commit_wait) * 1000 / scans:.2f} ms per scan under the profiler "
          f"(idle wait left out), of which {commit_wait * 1000 / scans:.2f} ms in sqlite's COMMIT "
          f"(the WAL fsync, synchronous=full: a wait, not CPU; {stats[EXECUTE][1] / scans:.1f} statements "
          "per scan in all)")
    print(f"the rest by kind of code: share, and that share of the {main_ms:.2f} ms unprofiled main-thread CPU")
    for kind, own in sorted(kinds.items(), key=lambda item: -item[1]):
        print(f"  {100 * own / total:5.1f} %  {main_ms * own / total:5.2f} ms  {kind}")
    print(f"top {top} functions by own time (share, ms per scan unprofiled, calls per scan, cumulative share):")
    ranked = sorted(((f, s) for f, s in stats.items() if f not in IDLE), key=lambda item: -item[1][2])
    for func, (_, calls, own, cumulative, _) in ranked[:top]:
        print(f"  {100 * own / total:5.1f} %  {main_ms * own / total:5.2f} ms  {calls / scans:7.1f}  "
              f"cum {100 * cumulative / total:5.1f} %  {label(func)}")
    for where, part in (("the lane's code (pos_tui)", "/pos_tui/"), ("textual", "/textual/")):
        print(f"top {top // 2} functions of {where} by cumulative time, COMMIT wait left out (share, ms per "
              "scan unprofiled, calls per scan):")
        ranked = sorted(((f, s) for f, s in stats.items() if part in f[0]), key=lambda item: -item[1][3])
        for func, (_, calls, _, cumulative, _) in ranked[:top // 2]:
            print(f"  {100 * cumulative / total:5.1f} %  {main_ms * cumulative / total:5.2f} ms  "
                  f"{calls / scans:7.1f}  {label(func)}")


def main() -> None:
    if len(sys.argv) > 3 and sys.argv[1] == "--child":
        run_child(Path(sys.argv[2]), sys.argv[3] == "profile", sys.argv[4:])
        return
    from barcode_lookup import build
    from cpu_cap import CapUnavailable, CpuCap
    from scan_latency import lane_scans, percentile, prepare_store, sellable

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, help="reuse (or build once) the catalog at this path")
    parser.add_argument("--scans", type=int, default=300)
    parser.add_argument("--basket", type=int, default=20)
    parser.add_argument("--quota-us", type=int, default=3000)
    parser.add_argument("--period-us", type=int, default=10000)
    parser.add_argument("--no-cap", action="store_true", help="profile at full speed")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--term", default="xterm-256color")
    parser.add_argument("--keep", type=Path, help="also copy the main thread's stats (pstats) here")
    args = parser.parse_args()
    cap = None
    if not args.no_cap:
        try:
            cap = CpuCap.create(args.quota_us, args.period_us)
            print(f"CPU cap: {cap.describe()}")
        except CapUnavailable as why:
            print(f"no CPU cap ({why}): profiling at full speed")
    try:
        with tempfile.TemporaryDirectory(prefix="pos-tui-profile-") as tmp:
            db = args.db or Path(tmp) / "pos.db"
            if not db.exists():
                print(f"building a store with {args.products:,} products ...", flush=True)
                build(db, args.products)
            config = prepare_store(db, Path(tmp))
            items = sellable(db, args.products, args.scans)
            launcher = [sys.executable, str(Path(__file__).resolve()), "--child", tmp]
            split = ThreadSplit()
            signalled = Signalled(Path(tmp), split)
            plain = lane_scans(config, items, args.basket, args.term, cap, [*launcher, "plain"], signalled.window)
            names = signalled.wait_for_dumps()["threads"]
            signalled = Signalled(Path(tmp))
            timed = lane_scans(config, items, args.basket, args.term, cap, [*launcher, "profile"], signalled.window)
            signalled.wait_for_dumps()
            print(f"unprofiled: p50 {statistics.median(plain.samples):.1f} ms, "
                  f"p99 {percentile(plain.samples, 0.99):.1f} ms, CPU {plain.cpu_ms_per_scan:.2f} ms per scan; "
                  f"profiled: p50 {statistics.median(timed.samples):.1f} ms, "
                  f"CPU {timed.cpu_ms_per_scan:.2f} ms per scan")
            report(split, args.scans, names, Path(tmp) / "main.prof", args.top)
            if args.keep:
                args.keep.write_bytes((Path(tmp) / "main.prof").read_bytes())
    finally:
        if cap is not None:
            cap.close()


if __name__ == "__main__":
    main()
