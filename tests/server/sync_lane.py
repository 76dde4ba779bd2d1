"""A lane in a child process with its sync worker running, for the store-server tests.

argv: a JSON file {"data_dir", "lane", "url", "credentials", "batch"} and a mode:
  sell      the lane as `pos-tui run` has it, its sync worker in a process of its own: prints
            "ready" once signed in and syncing; then per stdin line "sell N" sells N cash sales and
            prints "sold N"; "drain" waits until nothing is left to send, prints "drained";
            "sync-pid" prints the sync process's pid; "stop" exits.
  zygote    imports once (the lane's PIN check is stubbed: only its upload is under test), then per
            stdin line "run SEED" forks a lane (its worker a thread: a process per round would cost
            a Python start-up each) that sells and syncs without
            pause (small batches) and prints "pid PID", the lane "selling" once its first sale is in
            (the test then kills it with SIGKILL); "drain"
            forks one that only sends what is left and prints "drained" when done.
"""

import json
import os
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from lane_seller import sell  # noqa: E402

from pos_tui.config import ServerConfig  # noqa: E402
from pos_tui.demo import demo_config  # noqa: E402
from pos_tui.services.lane import Lane  # noqa: E402
from pos_tui.services.sync import SyncWorker  # noqa: E402
from pos_tui.services.sync_process import SyncProcess  # noqa: E402
from pos_tui.store import outbox  # noqa: E402
from pos_tui.store.db import open_database  # noqa: E402


def lane_config(spec: dict):
    config = demo_config(Path(spec["data_dir"]))
    return replace(config, store=replace(config.store, lane=spec["lane"]),
                   server=ServerConfig(url=spec["url"], credentials=spec["credentials"], sync_seconds=0.2))


def drained(lane: int) -> bool:
    return outbox.counts(lane).waiting == 0


def serve(spec: dict) -> None:
    config = lane_config(spec)
    open_database(config.database.url)
    lane = Lane(config)
    lane.people.sign_in("cashier", "1234")
    worker = SyncProcess(config, batch=spec.get("batch", 100), poll_seconds=0.2, backoff_max=0.5).start()
    rng = random.Random(spec["lane"])
    print("ready", flush=True)
    for line in sys.stdin:
        words = line.split()
        if words[0] == "sell":
            for _ in range(int(words[1])):
                sell(lane, rng)
                worker.wake()
            print(f"sold {words[1]}", flush=True)
        elif words[0] == "drain":
            while not drained(config.store.lane) or not worker.status().online:
                worker.wake()
                time.sleep(0.05)
            print("drained", flush=True)
        elif words[0] == "sync-pid":
            print(worker.pid, flush=True)
        elif words[0] == "stop":
            break
    worker.stop()


def forked_lane(spec: dict, seed: int, sell_too: bool) -> None:
    config = lane_config(spec)
    open_database(config.database.url)
    worker = SyncWorker(config, batch=spec.get("batch", 5), journal_batch=7, poll_seconds=0.05, backoff_max=0.2)
    if not sell_too:
        while True:
            worker.run_once()
            if drained(config.store.lane):
                print("drained", flush=True)
                os._exit(0)
    worker.start()
    from pos_tui.domain.checkout import State
    from pos_tui.store import users

    users._pin_matches = lambda user, pin: True  # the PIN's slow hash is not what this test is about
    lane = Lane(config)
    lane.people.sign_in("cashier", "1234")
    if lane.state is State.CHOOSING_PAYMENT:  # killed at payment last time: finish that sale first
        lane.payments.tender_cash("")
    if lane.state is State.PRINTING:
        lane.receipts.finish_printing(lane.receipts.print_pending())
    rng = random.Random(seed)
    sell(lane, rng)
    worker.wake()
    print("selling", flush=True)
    while True:
        time.sleep(0.01)  # a busy lane's pace: the worker always has a batch to send, and the
        sell(lane, rng)   # other tests of the run keep their share of the machine
        worker.wake()


def zygote(spec: dict) -> None:
    # What each lane's sync worker imports once it connects (the PostgreSQL client, the upload's
    # protocol), imported here once: every forked lane starts with it loaded, as a lane that has
    # been running for a while has it.
    import psycopg  # noqa: F401

    from pos_tui.server import connect, ingest  # noqa: F401

    print("ready", flush=True)
    for line in sys.stdin:
        words = line.split()
        child = os.fork()
        if child == 0:
            sys.stdin.close()
            try:
                forked_lane(spec, int(words[1]) if len(words) > 1 else 0, words[0] == "run")
            except BaseException:
                import traceback

                traceback.print_exc()
            finally:
                os._exit(1)
        if words[0] == "run":
            print(f"pid {child}", flush=True)
        else:
            os.waitpid(child, 0)
            continue
        # reap earlier children as they are killed
        while True:
            try:
                pid, _status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break


if __name__ == "__main__":
    spec = json.loads(Path(sys.argv[1]).read_text())
    (serve if sys.argv[2] == "sell" else zygote)(spec)
