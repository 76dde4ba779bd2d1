"""Issue #11 item 12: data at rest. Whatever the umask, the database, its WAL, backups, the
``.before-restore`` copy, the log and the key file are 0600 and the folders pos-tui makes 0700;
with ``[database] encryption = true`` the database and its backups are SQLCipher files keyed from
the key file."""

from __future__ import annotations

import os
import sqlite3
import stat
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pos_tui.cli import main


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def run(config_file, *args, input=None):
    return CliRunner().invoke(main, ["--config", str(config_file), *args], input=input)


def write_config(tmp_path, extra=""):
    config_file = tmp_path / "config.toml"
    config_file.write_text(f'[paths]\ndata_dir = "{tmp_path / "data"}"\n{extra}', encoding="utf-8")
    return config_file


def test_files_are_0600_and_folders_0700_whatever_the_umask(tmp_path, umask_022):
    from pos_tui.cli import _log_to_file
    from pos_tui.config import load_config

    config_file = write_config(tmp_path)
    assert run(config_file, "init", "--admin", "boss", "--pin-stdin", input="1234\n").exit_code == 0
    assert run(config_file, "backup", "--as", "boss", "--pin-stdin", input="1234\n").exit_code == 0
    copy = tmp_path / "elsewhere" / "copy.db"
    copy.parent.mkdir(mode=0o700)  # a backup names an existing folder (a missing one is refused)
    assert run(config_file, "backup", str(copy), "--as", "boss", "--pin-stdin", input="1234\n").exit_code == 0
    restored = run(config_file, "restore", str(copy), "--as", "boss", "--pin-stdin", input="1234\n")
    assert restored.exit_code == 0, restored.output
    data = tmp_path / "data"
    log = _log_to_file(load_config(config_file))
    files = [data / "pos.db", data / "pos.db.before-restore", data / "store.key", copy, copy.with_name("copy.db.head"),
             log, *sorted((data / "backups").iterdir())]
    with sqlite3.connect(data / "pos.db") as con:  # a connection open: the WAL and its index exist
        con.execute("SELECT count(*) FROM user").fetchone()
        files += [data / "pos.db-wal", data / "pos.db-shm"]
        assert {str(f.relative_to(tmp_path)): oct(mode(f)) for f in files} == {
            str(f.relative_to(tmp_path)): "0o600" for f in files}
    assert {oct(mode(folder)) for folder in (data, data / "backups", copy.parent)} == {"0o700"}


def test_an_existing_database_file_is_made_0600(tmp_path, umask_022):
    config_file = write_config(tmp_path)
    assert run(config_file, "init", "--admin", "boss", "--pin-stdin", input="1234\n").exit_code == 0
    os.chmod(tmp_path / "data" / "pos.db", 0o644)
    assert run(config_file, "users", "list").exit_code == 0
    assert mode(tmp_path / "data" / "pos.db") == 0o600


def test_encryption_at_rest_for_the_database_and_its_backups(tmp_path):
    pytest.importorskip("sqlcipher3")
    config_file = write_config(tmp_path, "[database]\nencryption = true\n")
    done = run(config_file, "init", "--admin", "boss", "--pin-stdin", input="1234\n")
    assert done.exit_code == 0, done.output
    db = tmp_path / "data" / "pos.db"
    for path in (db, tmp_path / "copy.db"):
        if path.name == "copy.db":
            made = run(config_file, "backup", str(path), "--as", "boss", "--pin-stdin", input="1234\n")
            assert made.exit_code == 0, made.output
        assert not path.read_bytes().startswith(b"SQLite format 3")
        with pytest.raises(sqlite3.DatabaseError, match="not a database"):
            with sqlite3.connect(path) as con:
                con.execute("SELECT * FROM user").fetchall()
    assert "boss" in run(config_file, "users", "list").output
    checked = run(config_file, "db", "check")
    assert checked.exit_code == 0, checked.output
    restored = run(config_file, "restore", str(tmp_path / "copy.db"), "--as", "boss", "--pin-stdin", input="1234\n")
    assert restored.exit_code == 0, restored.output
    plain = write_config(tmp_path)  # the same file opened without encryption: one clear line
    refused = run(plain, "users", "list")
    assert refused.exit_code == 1 and "encryption on for a plain database or off for an encrypted one" in refused.output


def test_encryption_without_the_package_is_one_clear_line(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "sqlcipher3", None)  # as if `pos-tui[encryption]` was not installed
    config_file = write_config(tmp_path, "[database]\nencryption = true\n")
    result = run(config_file, "init", "--admin", "boss", "--pin-stdin", input="1234\n")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: database encryption needs the sqlcipher3 package: pip install 'pos-tui[encryption]'"]
