"""Issue #11, restore: never under a running lane or back office, never an older copy than the
last Z without an admin's PIN, and never a Z or receipt number issued twice."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from pos_tui.cli import main


AS, PIN = ("--as", "boss", "--pin-stdin"), "1234\n"  # the admin that privileged commands need


def run(config: Path, *args: str, input: str | None = None):
    return CliRunner().invoke(main, ["--config", str(config), *args], input=input, catch_exceptions=False)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(f'[paths]\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    assert run(config, "init", "--admin", "boss", "--pin-stdin", input="1234\n").exit_code == 0
    assert run(config, "users", "add", "sue", "--role", "supervisor", "--as", "boss", "--pin-stdin", input="1234\n5678\n").exit_code == 0
    return config


def db_of(store: Path) -> Path:
    return store.parent / "data" / "pos.db"


def query(store: Path, sql: str):
    with sqlite3.connect(db_of(store)) as con:
        return con.execute(sql).fetchall()


@pytest.fixture
def copy(store, tmp_path) -> Path:
    dest = tmp_path / "copy.db"
    assert run(store, "backup", str(dest), *AS, input=PIN).exit_code == 0
    return dest


@pytest.mark.parametrize("holder, named", [
    ("from pos_tui.store.lane_lock import holding_lane, sharing_store\n"
     "lane = holding_lane(URL, 1); lane.__enter__(); store = sharing_store(URL); store.__enter__()", "lane 01"),
    ("from pos_tui.store.lane_lock import sharing_store\nstore = sharing_store(URL); store.__enter__()",
     "the back office"),
])
def test_restore_is_refused_while_a_lane_or_back_office_runs(store, copy, held_by_another_process, holder, named):
    url = f"sqlite:///{db_of(store)}"
    before = query(store, "SELECT count(*) FROM journal_entry")
    with held_by_another_process(f"URL = {url!r}\n{holder}"):
        result = run(store, "restore", str(copy), *AS, input=PIN)
    assert result.exit_code == 1 and f"the store is open in {named}" in result.output
    assert query(store, "SELECT count(*) FROM journal_entry") == before
    assert not (db_of(store).parent / "pos.db.before-restore").exists()
    assert run(store, "restore", str(copy), *AS, input=PIN).exit_code == 0  # once it is closed


def test_a_lane_cannot_open_while_a_restore_has_the_store(store):
    from pos_tui.store.lane_lock import StoreInUse, holding_store_alone, sharing_store

    url = f"sqlite:///{db_of(store)}"
    with holding_store_alone(url):
        with pytest.raises(StoreInUse, match="being restored"):
            with sharing_store(url):
                pass


def test_a_copy_older_than_the_last_z_needs_an_admin_and_keeps_the_numbers(store, copy):
    assert run(store, "report", "z", *AS, input=PIN).exit_code == 0
    z_before = query(store, "SELECT lane, number, business_day, content FROM z_report")
    with sqlite3.connect(db_of(store)) as con:  # receipts issued after the copy was made
        con.execute("INSERT INTO receipt_counter (lane, day, last) VALUES (1, '20991231', 41)")

    refused = run(store, "restore", str(copy), *AS, input=PIN)
    assert refused.exit_code == 1 and "older than Z report 0001 of lane 01" in refused.output
    assert run(store, "restore", str(copy), "--older-than-last-z").exit_code == 2
    wrong = run(store, "restore", str(copy), "--older-than-last-z", "--as", "boss", "--pin-stdin", input="9999\n")
    assert wrong.exit_code == 1 and "wrong name or PIN" in wrong.output
    not_admin = run(store, "restore", str(copy), "--older-than-last-z", "--as", "sue", "--pin-stdin", input="5678\n")
    assert not_admin.exit_code == 1 and "needs an admin" in not_admin.output
    assert not (db_of(store).parent / "pos.db.before-restore").exists()

    done = run(store, "restore", str(copy), "--older-than-last-z", "--as", "boss", "--pin-stdin", input="1234\n")
    assert done.exit_code == 0, done.output
    assert query(store, "SELECT lane, number, business_day, content FROM z_report") == z_before
    assert query(store, "SELECT last FROM receipt_counter WHERE day = '20991231'") == [(41,)]
    again = run(store, "report", "z", *AS, input=PIN)
    assert again.exit_code == 1 and "already closed" in again.output  # no second Z REPORT 0001
    (payload,), = query(store, "SELECT payload FROM journal_entry WHERE kind = 'restore'")
    detail = json.loads(payload)
    assert detail["confirmed_by"].startswith("boss (cli:") and detail["z_reports_kept"] == [[1, 1]]
    assert run(store, "journal", "verify").exit_code == 0


def test_a_copy_with_every_z_restores_without_asking_and_keeps_receipt_numbers(store, tmp_path):
    assert run(store, "report", "z", *AS, input=PIN).exit_code == 0
    dest = tmp_path / "after-z.db"
    assert run(store, "backup", str(dest), *AS, input=PIN).exit_code == 0
    with sqlite3.connect(db_of(store)) as con:
        con.execute("INSERT INTO receipt_counter (lane, day, last) VALUES (1, '20991231', 7)")
    assert run(store, "restore", str(dest), *AS, input=PIN).exit_code == 0
    assert query(store, "SELECT last FROM receipt_counter WHERE day = '20991231'") == [(7,)]
