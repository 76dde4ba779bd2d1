"""A lane in a child process that sells without pause on a demo store, for the concurrency test.

argv: data_dir. Prints "ready" once signed in, then sells cash sales of demo items back to back.
Between sales it takes one command per stdin line:
  scan CODE   the next sale starts with CODE; prints "price CODE <unit price in minor units>"
  stop        prints "sold <number of sales>" and exits
Any error (a "database is locked" among them) ends the process with a traceback and exit 1.
"""

import os
import random
import select
import sys
from pathlib import Path

from pos_tui.demo import demo_config
from pos_tui.services.lane import Lane
from pos_tui.store.keys import open_store

ITEMS = ["6901234567892", "6901234567908", "6900000000014", "6931234567806", "69012341"]


class Commands:
    """Lines from stdin without blocking: os.read, so nothing waits unseen in a Python buffer."""

    def __init__(self) -> None:
        self.pending = b""

    def next(self) -> str | None:
        if b"\n" not in self.pending and select.select([0], [], [], 0)[0]:
            self.pending += os.read(0, 4096) or b"stop\n"  # EOF: the test went away
        line, newline, rest = self.pending.partition(b"\n")
        if not newline:
            return None
        self.pending = rest
        return line.decode().strip()


def sell(lane: Lane, rng: random.Random, first: str | None = None) -> None:
    if first is not None:
        view = lane.items.enter(first)
        print(f"price {first} {view.lines[-1].unit_price}", flush=True)
    for _ in range(rng.randint(1, 3)):
        lane.items.enter(rng.choice(ITEMS))
    lane.payments.total()
    lane.payments.tender_cash("")
    lane.receipts.finish_printing(lane.receipts.print_pending())


def main() -> None:
    config = demo_config(Path(sys.argv[1]))
    open_store(config)
    lane = Lane(config)
    lane.people.sign_in("cashier", "1234")
    rng = random.Random(1)
    commands = Commands()
    sold = 0
    print("ready", flush=True)
    while True:
        command = commands.next()
        if command == "stop":
            print(f"sold {sold}", flush=True)
            return
        if command is not None and not command.startswith("scan "):
            raise SystemExit(f"unknown command {command!r}")
        sell(lane, rng, command.removeprefix("scan ") if command else None)
        sold += 1


if __name__ == "__main__":
    main()
