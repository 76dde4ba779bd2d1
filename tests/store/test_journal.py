import json
import sqlite3

import pytest

from pos_tui.store import journal
from pos_tui.store.db import write_transaction


def _append(n):
    with write_transaction():
        for i in range(n):
            journal.append("test.event", {"i": i, "名": "可乐"}, actor="tester")


def _edit(tmp_path, sql, *params):
    with sqlite3.connect(tmp_path / "pos.db") as conn:
        conn.execute(sql, params)


def test_append_outside_a_transaction_is_refused(store_db):
    with pytest.raises(journal.JournalError, match="inside a write transaction"):
        journal.append("test.event", {})


def test_rows_are_chained_and_payload_is_canonical(store_db):
    _append(3)
    rows = journal.entries()
    assert [r.seq for r in rows] == [1, 2, 3]
    assert rows[0].prev_hash == journal.GENESIS_HASH
    assert rows[1].prev_hash == rows[0].hash and rows[2].prev_hash == rows[1].hash
    assert rows[0].payload == '{"i":0,"名":"可乐"}'
    assert json.loads(rows[2].payload) == {"i": 2, "名": "可乐"}
    assert journal.verify() == journal.VerifyResult(True, 3)


def test_a_rolled_back_operation_leaves_no_journal_row(store_db):
    with pytest.raises(RuntimeError):
        with write_transaction():
            journal.append("test.event", {})
            raise RuntimeError("boom")
    assert journal.entries() == []


def test_an_edited_payload_is_found(store_db, tmp_path):
    _append(4)
    _edit(tmp_path, "UPDATE journal_entry SET payload = ? WHERE seq = 3", '{"i":99,"名":"可乐"}')
    result = journal.verify()
    assert (result.ok, result.first_bad_seq, result.rows_checked) == (False, 3, 2)
    assert "edited" in result.reason


def test_an_edited_actor_is_found(store_db, tmp_path):
    _append(2)
    _edit(tmp_path, "UPDATE journal_entry SET actor = 'mallory' WHERE seq = 1")
    assert journal.verify().first_bad_seq == 1


def test_a_deleted_row_is_found(store_db, tmp_path):
    _append(4)
    _edit(tmp_path, "DELETE FROM journal_entry WHERE seq = 2")
    result = journal.verify()
    assert (result.ok, result.first_bad_seq) == (False, 2)
    assert "missing" in result.reason


def test_a_row_inserted_by_hand_is_found(store_db, tmp_path):
    _append(2)
    _edit(
        tmp_path,
        "INSERT INTO journal_entry (seq, at, kind, actor, payload, prev_hash, hash) VALUES (3, 'x', 'k', NULL, '{}', ?, ?)",
        journal.entries()[-1].hash, "0" * 64,
    )
    assert journal.verify().first_bad_seq == 3


def test_a_row_replaced_with_a_rehashed_one_breaks_the_next_link(store_db, tmp_path):
    _append(3)
    row = journal.entries()[1]
    forged = journal.entry_hash(row.prev_hash, 2, row.at, row.kind, row.actor, '{"i":7}')
    _edit(tmp_path, "UPDATE journal_entry SET payload='{\"i\":7}', hash=? WHERE seq=2", forged)
    result = journal.verify()
    assert (result.first_bad_seq, result.rows_checked) == (3, 2)
    assert "link" in result.reason


def test_appending_continues_the_chain_after_reopen(db_url):
    from pos_tui.store.db import close_database, open_database

    open_database(db_url)
    _append(2)
    close_database()
    open_database(db_url)
    _append(1)
    assert journal.verify().rows_checked == 3
    close_database()
