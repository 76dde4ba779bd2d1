"""`pos-tui members add|list|show|import|edit|disable|adjust` on a real store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.cli.test_cli import cli, config_file, initialised  # noqa: F401  the same store fixtures


def _rows(tmp_path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(tmp_path / "data" / "pos.db") as con:
        return con.execute(sql).fetchall()


def _as(*args: str) -> tuple[str, ...]:
    return (*args, "--as", "boss", "--pin-stdin")


def test_add_needs_an_admin_refuses_bad_numbers_and_duplicates(initialised, tmp_path):
    refused = initialised("members", "add", "--phone", "13800138000")
    assert refused.exit_code == 2 and "needs --as NAME" in refused.stderr
    added = initialised(*_as("members", "add", "--card", "880001", "--phone", "138 0013 8000", "--name", "王芳",
                             "--points", "300"), input="1234\n")
    assert added.exit_code == 0, added.output
    assert "added member 880001 (300 points)" in added.stdout
    bad_phone = initialised(*_as("members", "add", "--phone", "12345"), input="1234\n")
    assert bad_phone.exit_code == 1 and "'12345' is not a phone number" in bad_phone.stderr
    twice = initialised(*_as("members", "add", "--card", "880002", "--phone", "13800138000"), input="1234\n")
    assert twice.exit_code == 1 and "phone 13800138000 is already member 880001's" in twice.stderr
    card_as_phone = initialised(*_as("members", "add", "--card", "13800138000"), input="1234\n")
    assert card_as_phone.exit_code == 1 and "already member 880001's" in card_as_phone.stderr
    assert _rows(tmp_path, "SELECT code, card, phone, name, points FROM member") == [
        ("880001", "880001", "13800138000", "王芳", 300)]
    (actor,) = _rows(tmp_path, "SELECT actor FROM journal_entry WHERE kind = 'member.add'")[0]
    assert actor.startswith("boss (cli:")
    listed = initialised("members", "list")
    assert listed.stdout.splitlines() == ["880001\t880001\t13800138000\t王芳\t300\tactive"]


def test_edit_disable_adjust_and_show(initialised, tmp_path):
    initialised(*_as("members", "add", "--phone", "13900139000", "--name", "Li"), input="1234\n")
    edited = initialised(*_as("members", "edit", "13900139000", "--card", "770001", "--name", "Li Lei"),
                         input="1234\n")
    assert edited.stdout.strip() == "13900139000\t770001\t13900139000\tLi Lei\t0\tactive"
    too_many = initialised(*_as("members", "adjust", "770001", "-5", "--reason", "oops"), input="1234\n")
    assert too_many.exit_code == 1 and "has 0 points" in too_many.stderr
    adjusted = initialised(*_as("members", "adjust", "770001", "120", "--reason", "goodwill"), input="1234\n")
    assert adjusted.exit_code == 0, adjusted.output
    taken = initialised(*_as("members", "adjust", "770001", "-20", "--reason", "correction"), input="1234\n")
    assert taken.stdout.strip().endswith("\t100\tactive")
    disabled = initialised(*_as("members", "disable", "13900139000"), input="1234\n")
    assert disabled.stdout.strip().endswith("\t100\tdisabled")
    shown = initialised("members", "show", "770001").stdout.splitlines()
    assert shown[0].endswith("\t100\tdisabled")
    assert [line.split("\t")[1:3] for line in shown[1:]] == [["adjust", "-20"], ["adjust", "+120"]]
    unknown = initialised("members", "show", "999999")
    assert unknown.exit_code == 1 and "no member has card or phone 999999" in unknown.stderr


def test_import_takes_the_whole_file_or_nothing(initialised, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("card,phone,name,points\n660001,,Ann,50\n,12345,Bob,\n660002,,Cat,x\n660001,,Dup,\n",
                   encoding="utf-8")
    result = initialised(*_as("members", "import", str(bad)), input="1234\n")
    assert result.exit_code == 1
    assert "line 3: '12345' is not a phone number" in result.stderr
    assert "line 4: points 'x' is not a whole number" in result.stderr
    assert "no member was taken" in result.stderr
    assert _rows(tmp_path, "SELECT COUNT(*) FROM member") == [(0,)]
    good = tmp_path / "good.csv"
    good.write_text("card,phone,name,points\n660001,,Ann,50\n,13700137000,Bob,\n", encoding="utf-8")
    ok = initialised(*_as("members", "import", str(good)), input="1234\n")
    assert ok.exit_code == 0, ok.output
    assert "2 new, 0 updated" in ok.stdout
    dup = tmp_path / "dup.csv"
    dup.write_text("card,phone,name,points\n660001,,Ann B,\n660003,,Eve,\n660003,,Eve2,\n", encoding="utf-8")
    again = initialised(*_as("members", "import", str(dup)), input="1234\n")
    assert again.exit_code == 1 and "line 4: 660003 is on line 3 too" in again.stderr
    assert _rows(tmp_path, "SELECT code, name, points FROM member ORDER BY code") == [
        ("13700137000", "Bob", 0), ("660001", "Ann", 50)]
