"""A lane in a child process that runs scripted steps on a demo store, for kill -9 tests.

argv: data_dir steps... ; prints "done <step>" after each committed step, then waits to be killed.
"""

import sys
import time
from pathlib import Path

from pos_tui.demo import demo_config
from pos_tui.services.lane import Lane
from pos_tui.store.keys import open_store


def main() -> None:
    data_dir, steps = Path(sys.argv[1]), sys.argv[2:]
    config = demo_config(data_dir)
    open_store(config)
    lane = Lane(config)
    lane.people.sign_in("cashier", "1234")
    for step in steps:
        verb, _, arg = step.partition(":")
        if verb == "scan":
            lane.items.enter(arg)
        elif verb == "void":
            lane.items.void_line(int(arg))
        elif verb == "total":
            lane.payments.total()
        elif verb == "cash":
            lane.payments.tender_cash(arg)
        print(f"done {step}", flush=True)
    time.sleep(60)


if __name__ == "__main__":
    main()
