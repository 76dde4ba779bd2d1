"""The store server in one process: set-up commands, row-level security, parking, prices and staff
coming down, bootstrap of a new lane, store-wide reports, and a lane that keeps selling offline."""

from __future__ import annotations

import datetime as dt
import json
import random
import stat
import sys
import time
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from conftest import import_demo_catalog, make_lane_store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from lane_seller import sell  # noqa: E402

from pos_tui.cli import main  # noqa: E402
from pos_tui.config import ConfigError, ServerConfig, load_config  # noqa: E402
from pos_tui.server import catalog  # noqa: E402
from pos_tui.server.schema import LATEST_VERSION  # noqa: E402
from pos_tui.services.lane import Lane  # noqa: E402
from pos_tui.services.sync import SyncWorker  # noqa: E402
from pos_tui.store import outbox, shifts  # noqa: E402
from pos_tui.store.db import close_database, open_database  # noqa: E402

COLA = "6901234567892"


@pytest.fixture
def lane_one(store_server, tmp_path):
    """Lane 1 of the store, its database open in this process, signed in, syncing on demand."""
    config = store_server.lane_config(make_lane_store(tmp_path / "lane1", 1), 1, sync_seconds=0.1)
    open_database(config.database.url)
    lane = Lane(config)
    lane.people.sign_in("cashier", "1234")
    yield config, lane
    close_database()


def write_config(path: Path, url: str, credentials: Path, data_dir: Path) -> Path:
    path.write_text(f'[paths]\ndata_dir = "{data_dir}"\n[server]\nurl = "{url}"\ncredentials = "{credentials}"\n')
    return path


def test_server_init_add_lane_and_status_from_the_command_line(pg_cluster, tmp_path):
    url = pg_cluster.create_database("cli_store")
    config = write_config(tmp_path / "config.toml", url, pg_cluster.passfile, tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, ["--config", str(config), "server", "init", "--store", "shop7", "--admin", "boss",
                                  "--pin-stdin"], input="2468\n")
    assert result.exit_code == 0, result.output
    assert f"store shop7, schema version {LATEST_VERSION}" in result.output
    creds = tmp_path / "lane-03.pgpass"
    result = runner.invoke(main, ["--config", str(config), "server", "add-lane", "3", "--credentials", str(creds)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(creds.stat().st_mode) == 0o600 and "pos_shop7_lane03" in creds.read_text()
    result = runner.invoke(main, ["--config", str(config), "server", "status", "--format", "json"])
    assert result.exit_code == 0, result.output
    status = json.loads(result.output)
    assert status["store"] == "shop7" and [lane["lane"] for lane in status["lanes"]] == [3]
    assert status["lanes"][0]["last_seen"] is None
    # Run again it only migrates: the store and its admin stay.
    result = runner.invoke(main, ["--config", str(config), "server", "init", "--store", "shop7", "--admin", "x",
                                  "--pin-stdin"], input="2468\n")
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["--config", str(config), "users", "list"])
    assert "boss" in result.output and "x " not in result.output


def test_a_password_in_the_server_url_is_refused(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[server]\nurl = "postgresql://lane01:secret@db/pos"\n')
    with pytest.raises(ConfigError, match="server.url: a password does not belong"):
        load_config(path, data_dir=tmp_path)


def test_a_credentials_file_readable_by_others_is_refused(store_server, tmp_path):
    from pos_tui.server.connect import ServerError, connect

    loose = tmp_path / "loose.pgpass"
    loose.write_text(store_server.passfile.read_text())
    loose.chmod(0o644)
    with pytest.raises(ServerError, match="readable by others"):
        connect(store_server.url, str(loose))


def test_lane_two_cannot_write_lane_one_documents_nor_change_a_price(store_server, tmp_path):
    base = make_lane_store(tmp_path / "base", 1)
    one = store_server.lane_config(base, 1)
    two = store_server.lane_config(base, 2)
    import_demo_catalog(store_server, base)
    insert = ("INSERT INTO documents (store, lane, lane_seq, uuid, kind, business_day, created_at, payload) "
              "VALUES (%s, %s, %s, %s, %s, '2026-01-01', now(), %s)")
    with psycopg.connect(two.server.url, passfile=two.server.credentials) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute(insert, (store_server.store, 1, 1, "forged", "shift.open", "{}"))
        conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE products SET price = 1 WHERE sku = 'COKE330'")
        conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO products (sku, name, price, tax) VALUES ('X', 'x', 1, 'A')")
        conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE users SET role = 'admin'")
        conn.rollback()
        conn.execute(insert, (store_server.store, 2, 1, "own", "shift.open", "{}"))  # its own: allowed
        conn.commit()
        assert conn.execute("SELECT price FROM products WHERE sku = 'COKE330'").fetchone() == (350,)
    with psycopg.connect(one.server.url, passfile=one.server.credentials) as conn:
        conn.execute(insert, (store_server.store, 1, 1, "lane1", "shift.open", "{}"))
        conn.commit()
    with psycopg.connect(two.server.url, passfile=two.server.credentials) as conn:
        assert conn.execute("SELECT lane, uuid FROM documents").fetchall() == [(2, "own")]
    assert store_server.query("SELECT count(*) FROM documents") == [(2,)]


def test_every_document_arrives_once_and_acknowledged(lane_one, store_server):
    config, lane = lane_one
    rng = random.Random(3)
    for _ in range(7):
        sell(lane, rng)
    shifts.record_movement(1, "paid_in", 2000, "change from the bank", actor="super", approved_by=None,
                           now=dt.datetime.now())
    worker = SyncWorker(config, batch=3)
    while worker.run_once():
        pass
    worker.run_once()  # sending twice changes nothing
    local = outbox.OutboxRow.select().order_by(outbox.OutboxRow.seq)
    rows = store_server.query("SELECT lane_seq, uuid, kind, total FROM documents ORDER BY lane_seq")
    assert [(r.seq, r.uuid, r.kind) for r in local] == [row[:3] for row in rows]
    assert all(r.status == "sent" for r in local)
    assert store_server.query("SELECT acked_seq, gap_from, chain_break FROM lane_sync") == [(len(rows), None, None)]
    (journal_rows,) = store_server.query("SELECT count(*), max(seq) FROM journal")
    assert journal_rows[0] == journal_rows[1] > 7
    paid = [row for row in rows if row[2] == "sale.paid"]
    assert len(paid) == 7 and all(isinstance(row[3], int) for row in paid)


def test_a_refused_document_is_parked_and_those_after_it_arrive(lane_one, store_server):
    from pos_tui.store.db import write_transaction

    config, lane = lane_one
    rng = random.Random(4)
    sell(lane, rng)
    with write_transaction():  # money with a fraction: the server refuses it
        bad = outbox.add("sale.paid", {"business_day": "2026-01-01", "total": 12.5}, lane=1)
    sell(lane, rng)
    sell(lane, rng)
    worker = SyncWorker(config, batch=10)
    worker.run_once()
    status = worker.status()
    assert status.parked == 1 and status.waiting == 0 and status.words() == ("online, 1 parked", False)
    parked = outbox.parked()
    assert [p.seq for p in parked] == [bad] and "12.5" in parked[0].reason
    docs = store_server.query("SELECT lane_seq FROM documents WHERE kind = 'sale.paid' ORDER BY lane_seq")
    assert [d[0] for d in docs] == [bad - 1, bad + 1, bad + 2]
    assert store_server.query("SELECT acked_seq, gap_from FROM lane_sync") == [(bad + 2, None)]
    runner = CliRunner()
    admin_config = write_config(Path(config.data_dir) / "admin.toml", store_server.url, store_server.passfile,
                                Path(config.data_dir))
    result = runner.invoke(main, ["--config", str(admin_config), "server", "status"])
    assert result.exit_code == 0, result.output
    assert f"parked: lane 1 document {bad} (sale.paid)" in result.output and "12.5" in result.output


def test_an_exchange_acknowledges_its_documents_parked_ones_and_journal_in_one_transaction(lane_one, store_server):
    """What the server took is marked on the lane in one short write (one turn of the writer lock a
    scan may be waiting for), whatever the exchange carried."""
    from pos_tui.store.db import commits_on_this_thread, write_transaction

    config, lane = lane_one
    rng = random.Random(5)
    worker = SyncWorker(config, batch=10, poll_seconds=3600)
    worker.run_once()  # the first exchange also takes the feeds; the next one is not due for an hour
    sell(lane, rng)
    with write_transaction():
        bad = outbox.add("sale.paid", {"business_day": "2026-01-01", "total": 12.5}, lane=1)
    sell(lane, rng)
    journal_before = int(outbox.get_state("journal.sent", "0"))
    commits = commits_on_this_thread()
    worker.run_once()
    assert commits_on_this_thread() - commits == 1
    assert [r.status for r in outbox.OutboxRow.select().where(outbox.OutboxRow.seq >= bad - 1)
            .order_by(outbox.OutboxRow.seq)] == ["sent", "parked", "sent"]
    (newest,) = store_server.query("SELECT max(seq) FROM journal")
    assert int(outbox.get_state("journal.sent", "0")) == newest[0] > journal_before


def test_a_price_changed_on_the_server_reaches_a_running_lane_at_its_next_scan(lane_one, store_server):
    config, lane = lane_one
    import_demo_catalog(store_server, config)
    worker = SyncWorker(config, poll_seconds=0.1).start()
    lane.sync = worker
    try:
        view = lane.items.enter(COLA)
        assert view.lines[-1].unit_price == 350
        with store_server.admin() as conn:
            catalog.set_price(conn, "COKE330", 399, actor="test")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            from pos_tui.store.catalog import find_by_code

            if find_by_code(COLA).price == 399:
                break
            time.sleep(0.05)
        view = lane.items.enter(COLA)
        assert [line.unit_price for line in view.lines] == [350, 399]  # the line already rung up keeps its price
        assert worker.status().online
    finally:
        worker.stop()


def test_a_chinese_name_from_the_server_is_found_by_its_pinyin_on_the_lane(lane_one, store_server):
    from pos_tui.server.catalog import upsert_products
    from pos_tui.store.catalog import search_by_name
    from pos_tui.store.catalog import ProductData

    config, lane = lane_one
    with store_server.admin() as conn:
        upsert_products(conn, [ProductData("TEA500", "乌龙茶 500ml", 300, "A", "each", None, ("6900000000017",))],
                        actor="test")
    worker = SyncWorker(config, poll_seconds=0)  # every run_once asks for the feeds
    worker.run_once()
    assert [p.sku for p in search_by_name("wulong")] == ["TEA500"]
    with store_server.admin() as conn:
        catalog.set_price(conn, "TEA500", 320, actor="test")
    worker.run_once()
    assert [(p.sku, p.price) for p in search_by_name("wulong")] == [("TEA500", 320)]  # the key kept
    with store_server.admin() as conn:
        upsert_products(conn, [ProductData("TEA500", "菊花茶 500ml", 320, "A", "each", None, ("6900000000017",))],
                        actor="test")
    worker.run_once()  # a new name gets its own key
    assert [p.sku for p in search_by_name("juhua")] == ["TEA500"] and search_by_name("wulong") == []


def test_a_product_department_set_on_the_server_reaches_the_lane(lane_one, store_server):
    from pos_tui.server.catalog import upsert_products
    from pos_tui.store.catalog import ProductData, get_by_sku

    config, lane = lane_one
    juice = ProductData("JUICE1L", "橙汁 1L", 600, "A", "each", None, ("6900000000021",), "DRINKS")
    with store_server.admin() as conn:
        upsert_products(conn, [juice], actor="test")
        assert catalog.product(conn, "JUICE1L").department == "DRINKS"
    worker = SyncWorker(config, poll_seconds=0)
    worker.run_once()
    assert get_by_sku("JUICE1L").department == "DRINKS"
    with store_server.admin() as conn:  # moved out of its department
        upsert_products(conn, [ProductData("JUICE1L", "橙汁 1L", 600, "A", "each", None, ("6900000000021",))],
                        actor="test")
    worker.run_once()
    assert get_by_sku("JUICE1L").department is None


def test_staff_changes_on_the_server_reach_the_lane(lane_one, store_server):
    from pos_tui.domain.pins import hash_pin
    from pos_tui.store import users

    config, lane = lane_one
    with store_server.admin() as conn:
        catalog.add_user(conn, "carol", "cashier", hash_pin("5555"), actor="test")
        catalog.add_user(conn, "dave", "supervisor", hash_pin("6666"), actor="test")
        catalog.update_user(conn, "dave", actor="test", kind="disabled", disabled=True)
    SyncWorker(config).run_once()
    assert users.get_user("carol").role == "cashier" and users.get_user("dave").disabled
    assert users.get_user("boss").role == "admin"
    carol = users.authenticate("carol", "5555", dt.datetime.now(), 5, 15)
    assert carol.name == "carol"


def test_a_new_lane_with_an_empty_database_bootstraps_from_the_server(store_server, tmp_path):
    from pos_tui.demo import demo_config
    from pos_tui.services.opening import opened_lane
    from pos_tui.store.keys import create_key_file

    import_demo_catalog(store_server, demo_config(tmp_path))
    config = store_server.lane_config(demo_config(tmp_path / "new"), 4)
    create_key_file(config.key_path)  # `pos-tui init` on the new lane makes it; the catalog and staff come down
    with opened_lane(config) as lane:
        lane.people.sign_in("boss", "4321")
        assert lane.sync is not None
        from pos_tui.store.catalog import find_by_code

        assert find_by_code(COLA).name.startswith("可口可乐")


def test_a_lane_sells_while_the_server_is_unreachable(tmp_path):
    config = make_lane_store(tmp_path / "lane", 1)
    config = replace(config, server=ServerConfig(url=f"postgresql://nobody@/pos?host={tmp_path}/nowhere"))
    open_database(config.database.url)
    try:
        lane = Lane(config)
        lane.people.sign_in("cashier", "1234")
        worker = SyncWorker(config, poll_seconds=0.05).start()
        rng = random.Random(5)
        started = time.perf_counter()
        for _ in range(3):
            sell(lane, rng)
        assert time.perf_counter() - started < 5
        deadline = time.monotonic() + 5
        while worker.status().waiting < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        status = worker.status()
        worker.stop()
        assert not status.online and status.waiting == 4  # the shift and three sales
        assert status.words() == ("offline, 4 waiting", False)
        assert "unreachable" in status.problem
    finally:
        close_database()


def test_store_wide_reports_from_the_server(lane_one, store_server, tmp_path):
    from pos_tui.server import reports as server_reports
    from pos_tui.store import reports
    from pos_tui.store.reports import context_of

    config, lane = lane_one
    rng = random.Random(8)
    for _ in range(4):
        sell(lane, rng)
    local = reports.x_report(context_of(config), dt.datetime.now(), actor="test")
    SyncWorker(config).run_once()
    admin_config = write_config(tmp_path / "admin.toml", store_server.url, store_server.passfile, tmp_path)
    result = CliRunner().invoke(main, ["--config", str(admin_config), "report", "x", "--store", "--format", "json"])
    assert result.exit_code == 0, result.output
    store_x = json.loads(result.output)
    assert (store_x["net"], store_x["sales_count"], store_x["tax_total"]) == (local.net, local.sales_count,
                                                                               local.tax_total)
    result = CliRunner().invoke(main, ["--config", str(admin_config), "report", "z", "--store", "--format", "json"])
    assert result.exit_code == 2 and "--as NAME" in result.output  # taking the store's Z needs someone who may
    result = CliRunner().invoke(main, ["--config", str(admin_config), "report", "z", "--store", "--format", "json",
                                       "--as", "boss", "--pin-stdin"], input="4321\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["number"] == 1
    result = CliRunner().invoke(main, ["--config", str(admin_config), "report", "z", "--store", "--as", "boss",
                                       "--pin-stdin"], input="4321\n")
    assert result.exit_code == 1 and "already closed" in result.output
    with store_server.admin() as conn:
        one = server_reports.x_report(conn, store_server.store, context_of(config), dt.date.today(), lane=1)
    assert one.net == local.net


def test_a_gap_in_the_sequence_and_a_broken_journal_chain_are_reported(lane_one, store_server, tmp_path):
    from pos_tui.store.db import current_database

    config, lane = lane_one
    rng = random.Random(9)
    sell(lane, rng)
    SyncWorker(config).run_once()
    sell(lane, rng)
    sell(lane, rng)
    db = current_database()
    (first_new,) = db.execute_sql("SELECT min(seq) FROM outbox WHERE status = 'waiting'").fetchone()
    db.execute_sql("UPDATE outbox SET status = 'lost' WHERE seq = ?", (first_new,))  # as if it never existed
    (last,) = db.execute_sql("SELECT max(seq) FROM journal_entry").fetchone()
    db.execute_sql("INSERT INTO journal_entry (seq, at, kind, actor, payload, prev_hash, hash) "
                   "VALUES (?, 'x', 'forged', NULL, '{}', 'not-the-hash-before', 'h')", (last + 1,))
    worker = SyncWorker(config)
    worker.run_once()
    assert store_server.query("SELECT acked_seq, gap_from, gap_to, chain_break FROM lane_sync") == [
        (first_new - 1, first_new, first_new, f"journal row {last + 1} does not link to row {last}")]
    admin_config = write_config(tmp_path / "admin.toml", store_server.url, store_server.passfile, tmp_path)
    result = CliRunner().invoke(main, ["--config", str(admin_config), "server", "status"])
    assert f"gap {first_new}-{first_new}" in result.output and "does not link" in result.output


def test_a_large_feed_applies_in_short_transactions_each_with_its_cursor(lane_one, store_server):
    from pos_tui.store import feed, journal
    from pos_tui.store.catalog import ProductData, find_by_code
    from pos_tui.store.models import JournalEntry

    config, lane = lane_one
    items = [ProductData(f"B{i:04d}", f"item {i}", 100 + i, "A", "each", None, (f"28{i:011d}",)) for i in range(600)]
    with store_server.admin() as conn:
        catalog.upsert_products(conn, items, actor="test")
    sizes = []
    apply = feed.APPLY["products"]
    feed.APPLY["products"] = lambda rows: sizes.append(len(rows)) or apply(rows)
    try:
        worker = SyncWorker(config, feed_batch=250, apply_batch=100, apply_pause=0)
        worker._connect()
        assert worker.pull() >= 600
    finally:
        feed.APPLY["products"] = apply
    assert max(sizes) == 100 and sum(sizes) == 600
    assert find_by_code("2800000000599").price == 699
    batches = JournalEntry.select().where(JournalEntry.kind == "sync.products").count()
    assert batches == len(sizes) and journal.verify().ok
    with store_server.admin() as conn:
        catalog.set_prices(conn, [(item.sku, item.price + 1) for item in items], actor="test")
    worker.pull()
    assert find_by_code("2800000000599").price == 700 and feed.cursor("products") == store_server.query(
        "SELECT max(change_seq) FROM products")[0][0]
