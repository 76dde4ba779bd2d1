"""CPU of each step of a cash sale through the lane service, on a real SQLite store.

    python benchmarks/sale_steps.py [--sales 200] [--items 3]

Rings up ``--sales`` sales of ``--items`` demo items each through ``Lane`` (no screen, no printer)
and prints the median and p99 of the thread's CPU milliseconds for one scan, the total key (F10),
the cash tender that pays the sale (payment, numbering, stock, journal, outbox document in one
transaction) and the receipt queue step. CPU, not wall time: what the step computes, without the
wait for the disk to take the commit. The first 20 sales warm up and are left out. On a lane held
to a third of a core, each CPU millisecond here is about three on the cashier's screen.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pos_tui.demo import create_demo_store  # noqa: E402
from pos_tui.services.lane import Lane  # noqa: E402
from pos_tui.store.db import close_database  # noqa: E402

ITEMS = ("6901234567892", "6901234567908", "4006381333931", "6900000000014", "69012341")
WARM_UP = 20


def ring_up(folder: Path, sales: int, items: int) -> dict[str, list[float]]:
    lane = Lane(create_demo_store(folder))
    lane.people.sign_in("cashier", "1234")
    gc.collect()
    gc.freeze()
    steps: dict[str, list[float]] = {"scan": [], "total": [], "cash tender": [], "receipt queue": []}

    def timed(step: str, call, *args) -> None:
        start = time.thread_time_ns()
        call(*args)
        if keep:
            steps[step].append((time.thread_time_ns() - start) / 1e6)

    for number in range(sales + WARM_UP):
        keep = number >= WARM_UP
        for index in range(items):
            timed("scan", lane.items.enter, ITEMS[index % len(ITEMS)])
        timed("total", lane.payments.total)
        timed("cash tender", lane.payments.tender_cash, "")
        timed("receipt queue", lambda: lane.receipts.finish_printing(lane.receipts.print_pending()))
    close_database()
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=200)
    parser.add_argument("--items", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        steps = ring_up(Path(tmp), args.sales, args.items)
    print(f"{args.sales} cash sales of {args.items} items, CPU ms per step (thread time):")
    for step, values in steps.items():
        values.sort()
        p99 = values[max(0, int(len(values) * 0.99) - 1)]
        print(f"  {step:<14} p50 {statistics.median(values):6.2f}  p99 {p99:6.2f}")


if __name__ == "__main__":
    main()
