"""A scanned line commits without waiting for the disk and is synced right after, off the UI
thread; money (cash, the sale paid) still commits with synchronous=FULL. On a real SQLite file,
with the statements the lane's connection runs recorded by sqlite3's trace callback."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import threading

import pytest

from pos_tui.services.lane import Lane
from pos_tui.store import sales
from pos_tui.store.db import close_database, current_database
from pos_tui.store.wal_sync import WalSyncer, wal_syncer

COKE, BREAD = "6901234567892", "6901234567908"
NOT_SYNCED = "PRAGMA synchronous = NORMAL"


@pytest.fixture
def config(tmp_path, make_demo_store):
    cfg = make_demo_store(tmp_path)
    yield cfg
    close_database()


@pytest.fixture
def lane(config):
    lane = Lane(config)
    lane.people.sign_in("cashier", "1234")
    return lane


@pytest.fixture
def statements(lane):
    seen: list[str] = []
    connection = current_database().connection()
    connection.set_trace_callback(seen.append)
    yield seen
    connection.set_trace_callback(None)


def synchronous() -> int:
    return current_database().execute_sql("PRAGMA synchronous").fetchone()[0]


def test_a_scan_commits_without_the_disk_wait_and_its_log_is_synced_after(lane, config, statements):
    before = wal_syncer.synced
    lane.items.enter(COKE)
    lane.items.enter(COKE)  # the same item again: its line's quantity, the other write of a scan
    assert statements.count(NOT_SYNCED) == 2
    assert synchronous() == 2  # FULL again for whatever the connection commits next
    assert wal_syncer.flush(5)
    assert wal_syncer.synced > before
    with sqlite3.connect(config.database_path) as con:
        assert con.execute("SELECT qty_milli FROM sale_line").fetchall() == [(2000,)]


def test_money_waits_for_the_disk(lane, statements):
    lane.items.enter(BREAD)
    statements.clear()
    lane.payments.total()
    view = lane.payments.tender_cash("100")
    assert view.receipt_no is not None
    assert any(s.startswith("COMMIT") for s in statements)
    assert NOT_SYNCED not in statements
    assert synchronous() == 2


def test_a_line_refused_inside_its_transaction_asks_no_sync_and_leaves_full(lane, statements):
    lane.items.enter(BREAD)
    lane.payments.total()  # the sale is at payment: the store refuses lines from here on
    sale_id, line = lane.ctx.sale.id, lane.ctx.sale.cart.lines[0]
    statements.clear()
    requested = len(wal_syncer._pending) + wal_syncer.synced
    with pytest.raises(sales.SaleError, match="only be added while entering items"):
        sales.add_line(sale_id, 1, line, "cashier", dt.datetime.now())
    assert NOT_SYNCED in statements and any(s.startswith("ROLLBACK") for s in statements)
    assert synchronous() == 2
    assert wal_syncer.flush(5) and wal_syncer.synced == requested
    assert len(sales.load_cart(sale_id).lines) == 1


def test_the_syncer_syncs_every_requested_file_and_skips_one_that_is_gone(tmp_path):
    syncer = WalSyncer()
    present = tmp_path / "pos.db-wal"
    present.write_bytes(b"frames")
    syncer.request(str(present))
    syncer.request(str(tmp_path / "gone.db-wal"))
    assert syncer.flush(5)
    assert syncer.synced == 2
    assert not (tmp_path / "gone.db-wal").exists()


def test_requests_from_many_threads_are_all_synced(tmp_path):
    syncer = WalSyncer()
    paths = [tmp_path / f"{n}.db-wal" for n in range(8)]
    for path in paths:
        path.write_bytes(os.urandom(64))
    threads = [threading.Thread(target=syncer.request, args=(str(p),)) for p in paths]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert syncer.flush(5)
    assert syncer.synced >= len(paths)  # a path asked for twice before a pass may be synced once
    assert not syncer._pending
