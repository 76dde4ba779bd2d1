"""The lane's sync worker in a process of its own (services.sync_process): it sends what the lane
sells and says so to the lane's header, runs at a lower priority than the lane, comes back when it
is killed, and does not outlive a lane killed with SIGKILL."""

from __future__ import annotations

import os
import random
import signal
import sys
import time
from pathlib import Path

import pytest

from conftest import make_lane_store
from test_sync_processes import Child, lane_spec

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from lane_seller import sell  # noqa: E402

from pos_tui.services import sync_process  # noqa: E402
from pos_tui.services.lane import Lane  # noqa: E402
from pos_tui.store.db import close_database, open_database  # noqa: E402

pytestmark = pytest.mark.slow


def wait_for(condition, what: str, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds:g} s")
        time.sleep(0.05)
    return value


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (its parent not yet reaping it) has exited too
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"


def test_the_sync_process_sends_the_lanes_sales_runs_below_the_lane_and_comes_back_when_killed(
        store_server, tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(sync_process, "RESTART_FIRST", 0.2)

    def paid_on_server() -> int:
        return store_server.query("SELECT count(*) FROM documents WHERE kind = 'sale.paid'")[0][0]

    config = store_server.lane_config(make_lane_store(tmp_path / "lane", 1), 1)
    open_database(config.database.url)
    sync = None
    try:
        lane = Lane(config)
        lane.people.sign_in("cashier", "1234")
        sync = sync_process.SyncProcess(config, poll_seconds=0.1).start()
        first = sync.pid
        assert os.getpriority(os.PRIO_PROCESS, first) == min(19, os.getpriority(os.PRIO_PROCESS, 0) + 10)
        rng = random.Random(7)
        for _ in range(3):
            sell(lane, rng)
            sync.wake()
        wait_for(lambda: paid_on_server() == 3, "the sales sent")
        wait_for(lambda: sync.status().waiting == 0, "the header told")
        assert sync.status().words() == ("online", True)

        os.kill(first, signal.SIGKILL)
        wait_for(lambda: sync.status().problem.startswith("sync process ended"), "the end seen")
        assert not sync.status().online
        wait_for(lambda: sync.pid != first and sync.status().online, "started again")
        sell(lane, rng)
        sync.wake()
        wait_for(lambda: paid_on_server() == 4, "the sale after the restart sent")
        second = sync.pid
        sync.stop()
        assert not alive(second)
    finally:
        if sync is not None:
            sync.stop()
        close_database()
    assert "sync process of lane 1 ended (exit status -9)" in caplog.text


def test_a_lane_killed_with_sigkill_leaves_no_sync_process_behind(store_server, tmp_path):
    lane = Child(lane_spec(store_server, tmp_path, 1), "sell")
    try:
        assert lane.reply() == "ready"
        pid = int(lane.ask("sync-pid"))
        assert alive(pid)
        kill_and_see_its_sync_process_gone(lane, pid)
    finally:
        lane.close()


def test_a_lane_killed_while_its_server_is_unreachable_leaves_no_sync_process_behind(store_server, tmp_path):
    # Offline, the process's status stays the same from one try to the next, so it writes nothing to
    # the lane (no broken pipe to notice): only its watch on the lane's pipe and pid can end it.
    unreachable = f"postgresql://nobody@/pos?host={tmp_path / 'no-server'}"
    lane = Child(lane_spec(store_server, tmp_path, 1, url=unreachable), "sell")
    try:
        assert lane.reply() == "ready"
        pid = int(lane.ask("sync-pid"))
        time.sleep(1.0)  # a few tries, offline
        assert alive(pid)
        kill_and_see_its_sync_process_gone(lane, pid)
    finally:
        lane.close()


def kill_and_see_its_sync_process_gone(lane: Child, pid: int) -> None:
    lane.process.kill()
    lane.process.wait(10)
    wait_for(lambda: not alive(pid), "the sync process gone", 5.0)
