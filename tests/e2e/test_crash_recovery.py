"""kill -9 the lane after each step of a sale (and in the middle of paying): restart, same sale."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pos_tui.demo import create_demo_store, demo_config
from pos_tui.domain.checkout import State
from pos_tui.services.lane import Lane
from pos_tui.store.db import close_database
from pos_tui.store.keys import open_store

CHILD = Path(__file__).with_name("lane_child.py")
ROOT = Path(__file__).resolve().parents[2]
STEPS = ["scan:6901234567892", "scan:3*6901234567908", "scan:1.25*4131", "void:1", "total", "cash:20",
         "cash:"]


@pytest.fixture
def store(tmp_path):
    create_demo_store(tmp_path)
    close_database()
    return tmp_path


def run_child(data_dir: Path, steps: list[str]) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, str(CHILD), str(data_dir), *steps], stdout=subprocess.PIPE,
                            text=True, env=env)


def kill_after(child: subprocess.Popen, last_step: str) -> None:
    for line in child.stdout:
        if line.strip() == f"done {last_step}":
            break
    child.send_signal(signal.SIGKILL)
    child.wait(10)


def reopen(data_dir: Path):
    config = demo_config(data_dir)
    open_store(config)
    try:
        lane = Lane(config)
        state_before_sign_in = lane.state
        view = lane.people.sign_in("cashier", "1234")
        return state_before_sign_in, view
    finally:
        close_database()


def test_a_killed_lane_reopens_the_same_sale_after_every_step(store):
    expected = [
        (State.ENTERING_ITEMS, [("COKE330", 1000, False)], 0),
        (State.ENTERING_ITEMS, [("COKE330", 1000, False), ("BREAD", 3000, False)], 0),
        (State.ENTERING_ITEMS, [("COKE330", 1000, False), ("BREAD", 3000, False), ("APPLE", 1250, False)], 0),
        (State.ENTERING_ITEMS, [("COKE330", 1000, True), ("BREAD", 3000, False), ("APPLE", 1250, False)], 0),
        (State.CHOOSING_PAYMENT, [("COKE330", 1000, True), ("BREAD", 3000, False), ("APPLE", 1250, False)], 0),
        (State.CHOOSING_PAYMENT, [("COKE330", 1000, True), ("BREAD", 3000, False), ("APPLE", 1250, False)], 2000),
    ]
    done: list[str] = []
    for step, (state, lines, paid) in zip(STEPS, expected):
        # Each child repeats nothing: it runs only the next step on top of what the last one left.
        child = run_child(store, [step])
        kill_after(child, step)
        done.append(step)
        locked_state, view = reopen(store)
        assert locked_state is State.LOCKED
        assert view.state is state, step
        assert [(l.sku, l.qty_milli, l.voided) for l in view.lines] == lines, step
        assert view.paid == paid, step
    child = run_child(store, ["cash:"])
    kill_after(child, "cash:")
    with sqlite3.connect(store / "pos.db") as con:
        assert con.execute("SELECT status, total FROM sale").fetchall() == [("paid", 1200 * 3 + 1100)]
    _, view = reopen(store)
    assert view.state is State.IDLE and not view.lines


def test_a_kill_during_the_paying_commit_leaves_all_or_nothing(store):
    rng = random.Random(20261127)
    child = run_child(store, STEPS[:5])
    kill_after(child, STEPS[4])
    paid = False
    for _ in range(12):
        child = run_child(store, ["cash:"])
        time.sleep(rng.uniform(0.15, 0.6))  # somewhere in start-up, sign-in or the paying transaction
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        paid = assert_all_or_nothing(store / "pos.db")
        if paid:
            break
    if not paid:  # no kill landed after the commit: the sale must still be payable, exactly once
        kill_after(run_child(store, ["cash:"]), "cash:")
        assert assert_all_or_nothing(store / "pos.db")


def assert_all_or_nothing(db: Path) -> bool:
    """The sale is either paid, numbered, stocked, queued and journaled, or none of those; True if paid."""
    with sqlite3.connect(db) as con:
        status, receipt_no = con.execute("SELECT status, receipt_no FROM sale").fetchone()
        payments = con.execute("SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM payment").fetchone()
        jobs = con.execute("SELECT COUNT(*) FROM print_job").fetchone()[0]
        stock = con.execute("SELECT stock FROM product WHERE sku='BREAD'").fetchone()[0]
        journal_paid = con.execute("SELECT COUNT(*) FROM journal_entry WHERE kind='sale.paid'").fetchone()[0]
    if status == "paid":
        assert receipt_no and payments == (1, 4700) and jobs == 1 and stock == 27000 and journal_paid == 1
        return True
    assert (status, receipt_no, payments, jobs, stock, journal_paid) == ("open", None, (0, 0), 0, 30000, 0)
    return False
