import sqlite3

import pytest

from pos_tui.store.db import (
    DatabaseUrlError, close_database, open_database, sqlite_path_from_url, write_transaction,
)
from pos_tui.store.migrations import LATEST_VERSION, MIGRATIONS, SchemaTooNew, schema_version


def _schema(path):
    with sqlite3.connect(path) as conn:
        return sorted(conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall(), key=str)


def test_pragmas_are_applied(store_db):
    assert store_db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store_db.execute_sql("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert store_db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store_db.execute_sql("PRAGMA busy_timeout").fetchone()[0] == 5000


def test_wal_mode_is_stored_in_the_file(store_db, tmp_path):
    close_database()
    with sqlite3.connect(tmp_path / "pos.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_no_column_anywhere_has_real_numeric_or_decimal_affinity(store_db, tmp_path):
    conn = sqlite3.connect(tmp_path / "pos.db")
    tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    assert {"product", "barcode", "user", "journal_entry", "schema_version"} <= set(tables)
    for table in tables:
        for _, column, declared, *_ in conn.execute(f'PRAGMA table_info("{table}")'):
            upper = declared.upper()
            assert not any(word in upper for word in ("REAL", "FLOA", "DOUB", "NUMERIC", "DECIMAL")), (
                f"{table}.{column} is {declared}"
            )
    money_columns = {c[1]: c[2] for c in conn.execute("PRAGMA table_info(product)")}
    assert money_columns["price"] == "INTEGER" and money_columns["stock"] == "INTEGER"


def test_migrations_run_once_and_reopening_changes_nothing(db_url, tmp_path):
    open_database(db_url)
    close_database()
    before = _schema(tmp_path / "pos.db")
    db = open_database(db_url)
    assert schema_version(db) == LATEST_VERSION == len(MIGRATIONS)
    assert db.execute_sql("SELECT count(*) FROM schema_version").fetchone()[0] == LATEST_VERSION
    close_database()
    assert _schema(tmp_path / "pos.db") == before


def test_a_newer_schema_is_refused_with_a_clear_message(db_url, tmp_path):
    open_database(db_url)
    close_database()
    with sqlite3.connect(tmp_path / "pos.db") as conn:
        conn.execute("INSERT INTO schema_version VALUES (?, '2030-01-01 00:00:00')", (LATEST_VERSION + 1,))
    with pytest.raises(SchemaTooNew, match=f"version {LATEST_VERSION + 1}.*upgrade pos-tui"):
        open_database(db_url)


@pytest.mark.parametrize("url", ["postgresql://pos@localhost/pos", "mysql://x", "pos.db", "sqlite:///"])
def test_unsupported_urls_are_refused(url):
    with pytest.raises(DatabaseUrlError):
        open_database(url)


def test_sqlite_urls_follow_the_usual_slash_rule():
    assert sqlite_path_from_url("sqlite:////var/pos/pos.db") == "/var/pos/pos.db"
    assert sqlite_path_from_url("sqlite:///pos.db") == "pos.db"


def test_write_transaction_takes_the_write_lock_at_begin(store_db, tmp_path):
    other = sqlite3.connect(tmp_path / "pos.db", timeout=0, isolation_level=None)
    with write_transaction():
        # Nothing written yet, but IMMEDIATE already holds the lock another writer needs.
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    other.close()


def test_a_write_waits_out_another_processs_lock_as_long_as_its_wait_and_no_longer(store_db, tmp_path):
    """While another process writes often, its write lock is tried for again and again (not under
    SQLite's busy handler) for the connection's wait, lock_wait's while one runs; after it,
    StoreBusy with nothing written, and the connection's busy_timeout is what it was."""
    import threading

    from pos_tui.store.db import StoreBusy, another_writer, lock_wait

    store_db.execute_sql("CREATE TABLE t (x)")
    other = sqlite3.connect(tmp_path / "pos.db", timeout=0, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    with another_writer(), lock_wait(0.05):
        with pytest.raises(StoreBusy):
            with write_transaction():
                store_db.execute_sql("INSERT INTO t VALUES (1)")
        assert store_db.execute_sql("PRAGMA busy_timeout").fetchone()[0] == 50
    release = threading.Timer(0.2, lambda: other.execute("ROLLBACK"))
    release.start()
    with another_writer(), lock_wait(5):
        with write_transaction():
            store_db.execute_sql("INSERT INTO t VALUES (2)")
    release.join()
    other.close()
    assert store_db.execute_sql("SELECT x FROM t").fetchall() == [(2,)]
    assert store_db.execute_sql("PRAGMA busy_timeout").fetchone()[0] == 5000


def test_migration_5_gives_existing_shifts_the_business_day_of_their_opening(db_url, tmp_path):
    import peewee

    from pos_tui.store.migrations import _schema_version_table

    old = peewee.SqliteDatabase(str(tmp_path / "pos.db"))
    table = _schema_version_table(old)
    old.create_tables([table])
    for number, migration in enumerate(MIGRATIONS[:4], start=1):
        migration(old)
        table.create(version=number, applied_at="2026-12-31 00:00:00")
    old.execute_sql("INSERT INTO shift (lane, status, opened_by, opened_at, opening_float, float_detail, training, "
                    "count_detail) VALUES (1, 'closed', 'ann', '2026-12-31 23:50:00', 0, '', 0, '')")
    old.close()
    db = open_database(db_url)
    assert schema_version(db) == LATEST_VERSION >= 5
    assert db.execute_sql("SELECT business_day FROM shift").fetchall() == [("2026-12-31",)]


def test_a_thread_waiting_to_write_queues_for_the_writer_before_it_instead_of_polling(store_db):
    """Writers of one process queue on a lock instead of SQLite's busy handler, whose sleeps grow
    (1, 2, 5, 10 ... ms): a scan waits for the transaction in progress, not for its next poll."""
    import threading
    import time

    from pos_tui.store.db import current_database, feed_durability, lock_wait

    inside, waited = threading.Event(), []

    def background() -> None:
        feed_durability()  # this thread's connection only
        assert current_database().execute_sql("PRAGMA synchronous").fetchone()[0] == 1
        with write_transaction():
            inside.set()
            time.sleep(0.2)
        current_database().close()

    thread = threading.Thread(target=background)
    thread.start()
    inside.wait(5)
    with lock_wait(0):  # no busy handler at all: only the queue can make this wait instead of failing
        with write_transaction():
            waited.append(True)
    thread.join()
    assert waited == [True]
    assert store_db.execute_sql("PRAGMA synchronous").fetchone()[0] == 2  # FULL stays on the lane's own


def test_background_work_waits_for_a_pause_in_the_lanes_writes_but_not_for_ever(store_db):
    """The sync worker's exchange waits while the lane writes (scans, payments), starts in the first
    pause long enough, and goes ahead after its longest wait when the lane never pauses; the lane's
    own thread never waits for itself, and a background thread's writes are not the lane's."""
    import threading
    import time

    from pos_tui.store.db import current_database, feed_durability, wait_for_lane_quiet

    def sell_once() -> None:
        with write_transaction():
            store_db.execute_sql("CREATE TABLE IF NOT EXISTS t (x)")

    sell_once()
    assert wait_for_lane_quiet(5.0, 5.0) == 0.0  # on the lane's own thread
    waited: dict[str, float] = {}
    selling = threading.Event()

    def background() -> None:
        feed_durability()
        with write_transaction():  # its own write does not make the lane busy
            current_database().execute_sql("CREATE TABLE IF NOT EXISTS u (x)")
        waited["after a scan"] = wait_for_lane_quiet(0.3, 5.0)
        selling.set()
        waited["lane never pausing"] = wait_for_lane_quiet(5.0, 0.5)
        current_database().close()

    sell_once()
    thread = threading.Thread(target=background)
    thread.start()
    selling.wait(10)
    while thread.is_alive():
        sell_once()
        time.sleep(0.01)
    assert 0.1 < waited["after a scan"] < 5.0
    assert 0.5 <= waited["lane never pausing"] < 5.0


def test_the_writer_lock_is_released_when_a_transaction_fails(store_db):
    import threading

    with pytest.raises(RuntimeError):
        with write_transaction():
            raise RuntimeError("boom")
    done = []

    def other() -> None:
        with write_transaction():
            done.append(True)

    thread = threading.Thread(target=other)
    thread.start()
    thread.join(3)
    assert done == [True]
