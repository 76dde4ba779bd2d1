"""Issue #11, config and command line: every bad setting or path is one plain line, exit 2 (config)
or 1, and nothing changed."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from pos_tui.cli import main


AS, PIN = ("--as", "boss", "--pin-stdin"), "1234\n"  # the admin that privileged commands need


def run(config: Path, *args: str, input: str | None = None):
    return CliRunner().invoke(main, ["--config", str(config), *args], input=input, catch_exceptions=False)


def one_line(result) -> str:
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


@pytest.fixture
def store(tmp_path: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(f'[paths]\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    assert run(config, "init", "--admin", "boss", "--pin-stdin", input="1234\n").exit_code == 0
    return config


def test_a_data_dir_that_is_a_file_is_a_config_error(tmp_path):
    (tmp_path / "afile").write_text("")
    config = tmp_path / "config.toml"
    config.write_text(f'[paths]\ndata_dir = "{tmp_path / "afile"}"\n', encoding="utf-8")
    result = run(config, "init", "--admin", "boss", "--pin-stdin", input="1234\n")
    assert result.exit_code == 2 and "paths.data_dir" in one_line(result) and "is a file" in result.output


def test_a_database_under_a_file_is_one_line(tmp_path):
    from pos_tui.store.keys import create_key_file

    (tmp_path / "afile").write_text("")
    create_key_file(tmp_path / "store.key")
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "afile" / "pos.db"}"\n'
                      f'[security]\nkey_file = "{tmp_path / "store.key"}"\n', encoding="utf-8")
    result = run(config, "users", "list")
    assert result.exit_code == 1 and "cannot open database" in one_line(result)


@pytest.mark.parametrize("setting, key", [
    ("[devices.terminal]\nanswer_timeout = nan", "devices.terminal.answer_timeout"),
    ("[devices.terminal]\nanswer_timeout = inf", "devices.terminal.answer_timeout"),
    ('[security]\nsupervisor_required_for = ["fly"]', "security.supervisor_required_for[0]"),
    ('[departments.A]\nname = "Services"\nkey = "ctrl+d"\n[departments.B]\nname = "Deli"\nkey = "ctrl+d"',
     "departments.B.key"),
])
def test_bad_settings_are_config_errors_naming_the_key(store, setting, key):
    store.write_text(store.read_text() + setting + "\n", encoding="utf-8")
    result = run(store, "users", "list")
    assert result.exit_code == 2 and key in one_line(result)


def test_a_department_on_a_lane_key_is_refused_before_the_lane_opens(tmp_path):
    from pos_tui.config import ConfigError, parse_config
    from pos_tui.tui.app import PosApp

    config = parse_config({"departments": {"SVC": {"name": "Services", "key": "f2"}}}, tmp_path)
    with pytest.raises(ConfigError, match="departments.SVC.key.*items.find"):
        PosApp(config=config, opening=object())


def test_export_to_a_missing_folder_is_one_line(store, tmp_path):
    result = run(store, "products", "export", str(tmp_path / "missing" / "dir" / "x.csv"))
    assert result.exit_code == 1 and "cannot write" in one_line(result)
    assert not (tmp_path / "missing").exists()


def test_backup_to_a_missing_folder_creates_nothing(store, tmp_path):
    result = run(store, "backup", str(tmp_path / "nonexistent" / "dir" / "x.db"), *AS, input=PIN)
    assert result.exit_code == 1 and "does not exist" in one_line(result)
    assert not (tmp_path / "nonexistent").exists()


@pytest.mark.slow
def test_backups_leave_no_wal_files_and_pruning_takes_their_companions(store, tmp_path):
    store.write_text(store.read_text() + "[backup]\nkeep = 1\n", encoding="utf-8")
    assert run(store, "backup", *AS, input=PIN).exit_code == 0
    folder = tmp_path / "data" / "backups"
    first, = folder.glob("*.db")  # with its journal head beside it (first.db.head)
    with sqlite3.connect(f"{first.as_uri()}?mode=ro", uri=True) as con:  # as restore's check reads it
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()
    con.close()
    assert sorted(p.name for p in folder.iterdir()) == [first.name, first.name + ".head"]
    (folder / (first.name + "-wal")).write_bytes(b"")  # left by an older version
    (folder / (first.name + "-shm")).write_bytes(b"")
    time.sleep(1.1)  # the next copy gets a later name
    assert run(store, "backup", *AS, input=PIN).exit_code == 0
    second, = folder.glob("*.db")
    assert second != first
