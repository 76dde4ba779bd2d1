"""Lanes in child processes, each on its own SQLite file, and one store server: every document
arrives exactly once, through a server stopped mid-trading and through lanes killed with SIGKILL
at random points of their upload."""

from __future__ import annotations

import json
import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import make_lane_store

CHILD = Path(__file__).with_name("sync_lane.py")
ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


class Child:
    def __init__(self, spec_file: Path, mode: str) -> None:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        self.process = subprocess.Popen([sys.executable, str(CHILD), str(spec_file), mode], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self.buffer = b""

    def reply(self, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.process.stdout], [], [], left)[0]:
                raise AssertionError(f"the lane said nothing for {timeout:g} s")
            chunk = os.read(self.process.stdout.fileno(), 4096)
            if not chunk:
                self.process.wait(5)
                raise AssertionError(f"the lane died:\n{self.process.stderr.read().decode()}")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.decode()

    def send(self, command: str) -> None:
        self.process.stdin.write(command.encode() + b"\n")
        self.process.stdin.flush()

    def ask(self, command: str, timeout: float = 60.0) -> str:
        self.send(command)
        return self.reply(timeout)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)


def lane_spec(store_server, tmp_path: Path, lane: int, **extra) -> Path:
    config = store_server.lane_config(make_lane_store(tmp_path / f"lane{lane}", lane), lane)
    spec = tmp_path / f"lane{lane}.json"
    spec.write_text(json.dumps({"data_dir": str(config.data_dir), "lane": lane, "url": config.server.url,
                                "credentials": config.server.credentials, **extra}))
    return spec


def lane_db(tmp_path: Path, lane: int) -> sqlite3.Connection:
    return sqlite3.connect(tmp_path / f"lane{lane}" / "pos.db")


def check_exactly_once(store_server, tmp_path: Path, lane: int) -> int:
    """The server holds each of the lane's documents once, in its order, totals equal; returns the
    number of paid sales."""
    with lane_db(tmp_path, lane) as db:
        local = db.execute("SELECT seq, uuid, kind, status FROM outbox WHERE lane = ? ORDER BY seq", (lane,)).fetchall()
        paid = db.execute("SELECT count(*), COALESCE(sum(total), 0) FROM sale WHERE status = 'paid' "
                          "AND kind = 'sale'").fetchone()
        journal_rows = db.execute("SELECT count(*) FROM journal_entry").fetchone()[0]
    assert [row[3] for row in local] == ["sent"] * len(local)
    remote = store_server.query("SELECT lane_seq, uuid, kind FROM documents WHERE lane = %s ORDER BY id", lane)
    assert remote == [row[:3] for row in local], "documents lost, doubled or out of order"
    totals = store_server.query("SELECT count(*), COALESCE(sum(total), 0) FROM documents WHERE lane = %s "
                                "AND kind = 'sale.paid'", lane)
    assert totals == [paid]
    (status,) = store_server.query("SELECT acked_seq, gap_from, chain_break FROM lane_sync WHERE lane = %s", lane)
    assert status == (len(local), None, None)
    assert store_server.query("SELECT count(*) FROM journal WHERE lane = %s", lane)[0][0] <= journal_rows
    return paid[0]


def test_two_lanes_in_two_processes_every_sale_arrives_once_and_totals_agree(store_server, tmp_path):
    children = [Child(lane_spec(store_server, tmp_path, lane), "sell") for lane in (1, 2)]
    try:
        for child in children:
            assert child.reply() == "ready"
        for child in children:
            child.send("sell 40")
        for child in children:
            assert child.reply() == "sold 40"
        for child in children:
            assert child.ask("drain") == "drained"
            child.send("stop")
    finally:
        for child in children:
            child.close()
    assert [check_exactly_once(store_server, tmp_path, lane) for lane in (1, 2)] == [40, 40]
    with lane_db(tmp_path, 1) as one, lane_db(tmp_path, 2) as two:
        lanes_total = sum(db.execute("SELECT sum(total) FROM sale WHERE status = 'paid'").fetchone()[0]
                          for db in (one, two))
    assert store_server.query("SELECT sum(total) FROM documents WHERE kind = 'sale.paid'") == [(lanes_total,)]


def test_server_stopped_while_two_lanes_sell_500_sales_all_arrive_once_in_order(store_server, tmp_path):
    cluster = store_server.cluster
    children = [Child(lane_spec(store_server, tmp_path, lane), "sell") for lane in (1, 2)]
    try:
        for child in children:
            assert child.reply() == "ready"
        time.sleep(0.5)  # both connected and idle
        cluster.stop_immediately()
        try:
            for child in children:
                child.send("sell 250")
            for child in children:
                assert child.reply(120) == "sell 250".replace("sell", "sold")
        finally:
            cluster.start()
        for child in children:
            assert child.ask("drain", 60) == "drained"
            child.send("stop")
    finally:
        for child in children:
            child.close()
    assert [check_exactly_once(store_server, tmp_path, lane) for lane in (1, 2)] == [250, 250]


def test_a_lane_killed_at_100_random_points_of_its_upload_loses_and_doubles_nothing(store_server, tmp_path):
    spec = lane_spec(store_server, tmp_path, 1, batch=5)
    zygote = Child(spec, "zygote")
    rng = random.Random(13)
    try:
        assert zygote.reply() == "ready"
        for round_no in range(100):
            zygote.send(f"run {round_no}")
            # "pid N" from the zygote and "selling" from the lane once its first sale is in: each
            # lane sells before it is killed, however loaded the machine is.
            said = [zygote.reply(), zygote.reply()]
            pid = int(next(line for line in said if line.startswith("pid ")).split()[1])
            time.sleep(rng.uniform(0.02, 0.3))
            os.kill(pid, signal.SIGKILL)
        assert zygote.ask("drain", 120) == "drained"
    finally:
        zygote.close()
    sales = check_exactly_once(store_server, tmp_path, 1)
    assert sales >= 100  # one at least before each kill
    (journal_status,) = store_server.query("SELECT chain_break FROM lane_sync")
    assert journal_status == (None,)
