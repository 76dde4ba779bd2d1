import datetime as dt
import sqlite3

import pytest

from pos_tui.store import backup, catalog, journal
from pos_tui.store.backup import BackupError
from pos_tui.store.catalog import ProductData
from pos_tui.store.db import write_transaction
from pos_tui.store.migrations import LATEST_VERSION, SchemaTooNew


def _catalog_rows():
    return [(p.sku, p.name, p.price, p.barcodes) for p in catalog.iter_products()]


@pytest.fixture
def stocked(store_db):
    with write_transaction():
        catalog.upsert_products([
            ProductData("C1", "可口可乐", 350, "A", barcodes=("6901234567892",)),
            ProductData("B1", "Bread", 1200, "B", stock=5000),
        ])
        journal.append("catalog.import", {"rows": 2})
    return store_db


def test_backups_into_the_folder_keep_the_newest_and_touch_nothing_else(stocked, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    for name in ("pos-20260101-080000.db", "pos-20260102-080000.db", "pos-20260103-080000.db", "notes.txt"):
        (folder / name).write_text("old", encoding="utf-8")
    first = backup.backup_into(folder, keep=2)
    second = backup.backup_into(folder, keep=2)  # the same second: a second name, not a refusal
    assert first != second and first.parent == second.parent == folder
    assert backup.dated_backups(folder) == [first, second]
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "old"
    assert backup.backed_up_on(folder, dt.date.today())
    assert not backup.backed_up_on(folder, dt.date(2026, 1, 1))
    with pytest.raises(backup.BackupError, match="keep at least one backup"):
        backup.backup_into(folder, keep=0)


def test_backup_then_restore_gives_the_same_catalog(stocked, tmp_path):
    before = _catalog_rows()
    (tmp_path / "backups").mkdir()
    copy = backup.backup_to(tmp_path / "backups")
    assert copy.parent == tmp_path / "backups" and copy.name.startswith("pos-")
    assert journal.entries()[-1].kind == "backup"
    with write_transaction():
        catalog.upsert_products([ProductData("C1", "changed", 1, "A"), ProductData("N1", "new", 1, "A")])
    assert _catalog_rows() != before
    kept = backup.restore_from(copy)
    assert _catalog_rows() == before
    assert kept == tmp_path / "pos.db.before-restore"
    with sqlite3.connect(kept) as old:
        assert old.execute("SELECT count(*) FROM product").fetchone()[0] == 3
    assert journal.entries()[-1].kind == "restore"
    assert journal.verify().ok
    assert stocked.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_backup_refuses_to_overwrite(stocked, tmp_path):
    target = tmp_path / "copy.db"
    assert backup.backup_to(target) == target
    with pytest.raises(BackupError, match="already exists"):
        backup.backup_to(target)


def test_restore_refuses_a_damaged_file_and_changes_nothing(stocked, tmp_path):
    copy = backup.backup_to(tmp_path / "copy.db")
    with sqlite3.connect(copy) as conn:
        (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'product'").fetchone()
    data = bytearray(copy.read_bytes())
    data[(root - 1) * 4096:(root - 1) * 4096 + 64] = b"\xff" * 64  # scribble over the table's page header
    copy.write_bytes(bytes(data))
    before = _catalog_rows()
    with pytest.raises(BackupError, match="copy.db"):
        backup.restore_from(copy)
    assert _catalog_rows() == before
    assert not (tmp_path / "pos.db.before-restore").exists()


def test_restore_refuses_something_that_is_not_a_database(stocked, tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_text("hello")
    with pytest.raises(BackupError, match="not a pos-tui database"):
        backup.restore_from(junk)


def test_restore_refuses_a_broken_journal(stocked, tmp_path):
    copy = backup.backup_to(tmp_path / "copy.db")
    with sqlite3.connect(copy) as conn:
        conn.execute("UPDATE journal_entry SET payload = '{\"rows\":99}' WHERE seq = 1")
    with pytest.raises(BackupError, match="broken journal: journal broken at row 1"):
        backup.restore_from(copy)


def test_restore_refuses_a_newer_schema(stocked, tmp_path):
    copy = backup.backup_to(tmp_path / "copy.db")
    with sqlite3.connect(copy) as conn:
        conn.execute("INSERT INTO schema_version VALUES (?, '2030-01-01 00:00:00')", (LATEST_VERSION + 1,))
    with pytest.raises(SchemaTooNew):
        backup.restore_from(copy)


def test_db_check_reports_integrity_and_journal(stocked, tmp_path):
    result = backup.db_check()
    assert result.ok and result.integrity == "ok" and result.journal.rows_checked == 1
    with sqlite3.connect(tmp_path / "pos.db") as conn:
        conn.execute("UPDATE journal_entry SET kind = 'x' WHERE seq = 1")
    result = backup.db_check()
    assert not result.ok and result.journal.first_bad_seq == 1


def test_a_copy_made_while_the_clock_is_behind_is_kept_and_pruning_goes_by_each_copys_own_record(stocked, tmp_path):
    folder = tmp_path / "backups"
    early = backup.backup_into(folder, keep=2, now=dt.datetime(2026, 12, 30, 22, 0))
    late = backup.backup_into(folder, keep=2, now=dt.datetime(2026, 12, 31, 22, 0))
    behind = backup.backup_into(folder, keep=2, now=dt.datetime(2000, 1, 1, 0, 5))  # the clock went back
    assert behind.name == "pos-20000101-000500.db" and behind.is_file()
    assert backup.dated_backups(folder) == [late, behind]  # the oldest copy went, not the newest
    assert not early.exists()
    again = backup.backup_into(folder, keep=1, now=dt.datetime(2000, 1, 1, 0, 6))
    assert backup.dated_backups(folder) == [again]


def test_the_copy_just_made_is_never_pruned(stocked, tmp_path):
    folder = tmp_path / "backups"
    made = backup.backup_into(folder, keep=1, now=dt.datetime(2026, 12, 31, 22, 0))
    # A copy that seems newer by what it holds (as after a restore from an older copy): the new
    # copy still stays.
    newer = folder / "pos-20261231-230000.db"
    with sqlite3.connect(made) as src, sqlite3.connect(newer) as dst:
        src.backup(dst)
        dst.execute("UPDATE journal_entry SET seq = seq + 1000")
    written = backup.backup_into(folder, keep=1, now=dt.datetime(2000, 1, 1, 0, 5))
    assert written.is_file()


def test_pruning_reads_the_copies_without_leaving_files_beside_them(stocked, tmp_path):
    folder = tmp_path / "backups"
    for hour in (20, 21, 22):
        backup.backup_into(folder, keep=2, now=dt.datetime(2026, 12, 31, hour, 0))
    assert sorted(path.name for path in folder.iterdir()) == [
        "pos-20261231-210000.db", "pos-20261231-210000.db.head", "pos-20261231-220000.db", "pos-20261231-220000.db.head"]
