"""Issue #11 item 11: the journal anchored. Eleven ways to tamper with a copied database, each
caught by `journal verify` / `db check` (with the head printed on the last report where the chain
alone cannot see it):

 1. a payload edited in the middle                        (chain: hash mismatch)
 2. a row deleted in the middle                           (chain: a sequence number missing)
 3. a row inserted in the middle, the rows after renumbered (chain: broken link)
 4. two rows in the middle swapped                        (chain: broken link)
 5. a row's actor changed (who did it)                    (chain: hash mismatch)
 6. the last row deleted                                  (--head: the printed row is gone)
 7. the last 25 rows deleted                              (--head)
 8. the last sale removed with its journal rows and its receipt counter (--head)
 9. a payload edited and the whole chain re-hashed        (keyed chain: HMAC under the key file)
10. a row deleted and the chain renumbered and re-hashed  (keyed chain)
11. a sale's total edited in its table                    (db check: sales against the journal)

6 to 11 passed both commands before the anchor.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3

import pytest
from click.testing import CliRunner

from pos_tui.cli import main
from pos_tui.domain.report import render_text
from pos_tui.store import journal
from pos_tui.store.db import close_database
from pos_tui.store.reports import context_of, x_report

COKE, BREAD, SOAP = "6901234567892", "6901234567908", "4006381333931"


@pytest.fixture
def store(tmp_path, make_demo_store):
    """A demo store with three cash sales (the last one has 9 lines), then an X report whose
    printed head anchors the journal."""
    from pos_tui.services.lane import Lane

    config = make_demo_store(tmp_path)
    lane = Lane(config)
    lane.people.sign_in("cashier", "1234")
    for codes in ([COKE], [BREAD, SOAP], [COKE, BREAD, SOAP] * 3):
        for code in codes:
            lane.items.enter(code)
        lane.payments.total()
        lane.payments.tender_cash("")
        lane.receipts.finish_printing(lane.receipts.print_pending())
    report = x_report(context_of(config), dt.datetime.now(), actor="super")
    assert journal.verify().ok
    close_database()
    config_file = tmp_path / "config.toml"
    config_file.write_text(f'[paths]\ndata_dir = "{tmp_path}"\n', encoding="utf-8")
    return config, config_file, report


def cli(config_file, *args):
    return CliRunner().invoke(main, ["--config", str(config_file), *args])


def sql(config, *statements):
    with sqlite3.connect(config.database_path) as con:
        for statement in statements:
            con.execute(*statement) if isinstance(statement, tuple) else con.execute(statement)


def last_seq(config):
    with sqlite3.connect(config.database_path) as con:
        return con.execute("SELECT max(seq) FROM journal_entry").fetchone()[0]


def rehash_with_sha256(config):
    """What someone with the database but not the key file can do: recompute the chain unkeyed."""
    with sqlite3.connect(config.database_path) as con:
        rows = con.execute("SELECT seq, at, kind, actor, payload FROM journal_entry ORDER BY seq").fetchall()
        prev = journal.GENESIS_HASH
        for new_seq, (seq, at, kind, actor, payload) in enumerate(rows, start=1):
            content = json.dumps({"seq": new_seq, "at": at, "kind": kind, "actor": actor, "payload": payload},
                                 sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            digest = hashlib.sha256((prev + content).encode()).hexdigest()
            con.execute("UPDATE journal_entry SET seq = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                        (new_seq, prev, digest, seq))
            prev = digest


def assert_caught(config_file, head=None, words=""):
    args = ["--head", head] if head else []
    verified = cli(config_file, "journal", "verify", *args)
    checked = cli(config_file, "db", "check", *args)
    assert verified.exit_code == 1, verified.output
    assert checked.exit_code == 1, checked.output
    assert words in verified.output and words in checked.output


def test_the_head_is_printed_on_the_report_and_an_untouched_store_passes(store):
    config, config_file, report = store
    assert report.journal_head == f"{last_seq(config)}:" + report.journal_head.split(":")[1]
    assert f"Journal head {report.journal_head}" in " ".join(render_text(report, 42).split())
    assert cli(config_file, "journal", "verify", "--head", report.journal_head).exit_code == 0
    checked = cli(config_file, "db", "check", "--head", report.journal_head)
    assert checked.exit_code == 0, checked.output


def test_1_edited_payload(store):
    config, config_file, _ = store
    sql(config, "UPDATE journal_entry SET payload = replace(payload, '1200', '120') WHERE kind = 'sale.line'")
    assert_caught(config_file, words="edited by hand")


def test_2_deleted_in_the_middle(store):
    config, config_file, _ = store
    sql(config, "DELETE FROM journal_entry WHERE seq = 10")
    assert_caught(config_file, words="row 10 is missing")


def test_3_inserted_in_the_middle(store):
    config, config_file, _ = store
    sql(config, "UPDATE journal_entry SET seq = -seq WHERE seq >= 10", "UPDATE journal_entry SET seq = 1 - seq WHERE seq < 0",
        ("INSERT INTO journal_entry (seq, at, kind, actor, payload, prev_hash, hash) "
         "SELECT 10, at, 'drawer.paid_out', actor, '{\"amount\":5000}', prev_hash, hash FROM journal_entry WHERE seq = 9",))
    assert_caught(config_file, words="broken at row")


def test_4_reordered(store):
    config, config_file, _ = store
    sql(config, "UPDATE journal_entry SET seq = -1 WHERE seq = 10", "UPDATE journal_entry SET seq = 10 WHERE seq = 11",
        "UPDATE journal_entry SET seq = 11 WHERE seq = -1")
    assert_caught(config_file, words="broken at row 10")


def test_5_actor_changed(store):
    config, config_file, _ = store
    sql(config, "UPDATE journal_entry SET actor = 'boss' WHERE seq = 10")
    assert_caught(config_file, words="broken at row 10")


def test_6_last_row_deleted(store):
    config, config_file, report = store
    sql(config, f"DELETE FROM journal_entry WHERE seq = {last_seq(config)}")
    assert cli(config_file, "journal", "verify").exit_code == 0  # what the chain alone says
    assert_caught(config_file, report.journal_head, "rows cut off the end")


def test_7_last_25_rows_deleted(store):
    config, config_file, report = store
    sql(config, f"DELETE FROM journal_entry WHERE seq > {last_seq(config) - 25}")
    assert cli(config_file, "journal", "verify").exit_code == 0  # (db check's cross-check sees a sale unpaid)
    assert_caught(config_file, report.journal_head, "rows cut off the end")


def test_8_last_sale_removed_with_its_rows_and_counter(store):
    config, config_file, report = store
    with sqlite3.connect(config.database_path) as con:
        sale_id, uuid, receipt = con.execute(
            "SELECT id, uuid, receipt_no FROM sale ORDER BY id DESC LIMIT 1").fetchone()
        first = con.execute("SELECT min(seq) FROM journal_entry WHERE payload LIKE ?", (f"%{uuid}%",)).fetchone()[0]
    sql(config, f"DELETE FROM journal_entry WHERE seq >= {first}", f"DELETE FROM sale_line WHERE sale_id = {sale_id}",
        f"DELETE FROM payment WHERE sale_id = {sale_id}", f"DELETE FROM print_job WHERE sale_id = {sale_id}",
        f"DELETE FROM sale WHERE id = {sale_id}", "UPDATE receipt_counter SET last = last - 1")
    assert cli(config_file, "db", "check").exit_code == 0  # consistent everywhere but the printed head
    assert_caught(config_file, report.journal_head, "rows cut off the end")


def test_9_payload_edited_and_chain_rehashed(store):
    config, config_file, _ = store
    sql(config, "UPDATE journal_entry SET payload = replace(payload, '1200', '120') WHERE kind = 'sale.line'")
    rehash_with_sha256(config)
    assert_caught(config_file, words="not signed with this store's key file")


def test_10_row_deleted_and_chain_rehashed(store):
    config, config_file, _ = store
    sql(config, "DELETE FROM journal_entry WHERE seq = 10")
    rehash_with_sha256(config)
    assert_caught(config_file, words="not signed with this store's key file")


def test_11_sale_total_edited_in_its_table(store):
    config, config_file, _ = store
    sql(config, "UPDATE sale SET total = total - 100 WHERE id = (SELECT max(id) FROM sale)")
    assert cli(config_file, "journal", "verify").exit_code == 0  # the journal itself is intact
    checked = cli(config_file, "db", "check")
    assert checked.exit_code == 1 and "edited by hand" in checked.output


def test_a_receipt_number_gap_is_found(store):
    config, config_file, _ = store
    sql(config, "UPDATE sale SET receipt_no = replace(receipt_no, '-0002', '-0009') WHERE receipt_no LIKE '%-0002'")
    checked = cli(config_file, "db", "check")
    assert checked.exit_code == 1 and "without a gap" in checked.output


def test_a_backup_carries_its_head_and_restore_holds_the_copy_to_it(store, tmp_path):
    from pos_tui.store.backup import BackupError, head_file, restore_from
    from pos_tui.store.keys import open_store

    config, config_file, report = store
    done = cli(config_file, "backup", str(tmp_path / "copy.db"), "--as", "super", "--pin-stdin")
    assert done.exit_code == 1  # a supervisor may not (backup is an admin's)
    from pos_tui.store import users

    open_store(config)
    users.add_user("boss", "admin", "4321", 4)
    close_database()
    done = CliRunner().invoke(main, ["--config", str(config_file), "backup", str(tmp_path / "copy.db"), "--as", "boss",
                                     "--pin-stdin"], input="4321\n")
    assert done.exit_code == 0, done.output
    head = head_file(tmp_path / "copy.db").read_text().strip()
    assert head.split(":")[0] == str(last_seq(config) - 1)  # the copy's last row: the backup row comes after
    assert cli(config_file, "db", "check", "--head", head).exit_code == 0
    with sqlite3.connect(tmp_path / "copy.db") as con:
        con.execute("DELETE FROM journal_entry WHERE seq = (SELECT max(seq) FROM journal_entry)")
    open_store(config)
    with pytest.raises(BackupError, match="cut off the end"):
        restore_from(tmp_path / "copy.db")
    close_database()
