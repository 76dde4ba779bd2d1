"""`pos-tui promotions import FILE --as NAME` and `pos-tui promotions list` on a real store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.cli.test_cli import _csv, cli, config_file, initialised  # noqa: F401  the same store fixtures

GOOD = """[[promotion]]
id = "cola-3"
name = "可乐3瓶10元"
kind = "multi_buy"
skus = ["6901234567892"]
quantity = 3
price = "10.00"

[[promotion]]
id = "spend"
name = "满100减20"
kind = "spend_save"
tiers = [{ spend = "100.00", off = "20.00" }]
"""


def _file(tmp_path: Path, text: str, name: str = "p.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_needs_an_admin_keeps_products_by_sku_and_lists(initialised, tmp_path):
    imported = initialised("products", "import", str(_csv(tmp_path, ["C1,可口可乐 330ml,3.50,6901234567892,A,each,24"])),
                           "--as", "boss", "--pin-stdin", input="1234\n")
    assert imported.exit_code == 0, imported.output
    refused = initialised("promotions", "import", str(_file(tmp_path, GOOD)))
    assert refused.exit_code == 2 and "needs --as NAME" in refused.stderr
    wrong = initialised("promotions", "import", str(_file(tmp_path, GOOD)), "--as", "boss", "--pin-stdin",
                        input="0000\n")
    assert wrong.exit_code == 1
    result = initialised("promotions", "import", str(_file(tmp_path, GOOD)), "--as", "boss", "--pin-stdin",
                         input="1234\n")
    assert result.exit_code == 0, result.output
    assert "2 new, 0 changed, 0 unchanged, 0 stopped" in result.stdout
    listed = initialised("promotions", "list")
    assert listed.stdout.splitlines() == ["cola-3\tmulti_buy\trunning\t可乐3瓶10元\talways",
                                     "spend\tspend_save\trunning\t满100减20\talways"]
    with sqlite3.connect(tmp_path / "data" / "pos.db") as con:
        (definition,) = con.execute("SELECT definition FROM promotion WHERE code = 'cola-3'").fetchone()
        (actor,) = con.execute("SELECT actor FROM journal_entry WHERE kind = 'promotions.import'").fetchone()
    assert '"skus": ["C1"]' in definition and actor.startswith("boss (cli:")


def test_a_bad_file_lists_every_problem_and_takes_nothing(initialised, tmp_path):
    first = initialised("promotions", "import", str(_file(tmp_path, GOOD)), "--as", "boss", "--pin-stdin",
                        input="1234\n")
    assert first.exit_code == 0 and "warning: cola-3: 6901234567892 is not in the catalog" in first.stderr
    bad = "id,name,kind,skus,quantity,price\nx,坏,multi_buy,C1,1,10.00\ny,坏,multi_buy,C1,3,10.005\n"
    result = initialised("promotions", "import", str(_file(tmp_path, bad, "p.csv")), "--as", "boss", "--pin-stdin",
                         input="1234\n")
    assert result.exit_code == 1
    assert "line 2, quantity" in result.stderr and "line 3, price" in result.stderr
    assert "no promotion was taken" in result.stderr
    listed = initialised("promotions", "list").stdout.splitlines()
    assert [line.split("\t")[0] for line in listed] == ["cola-3", "spend"]


def test_a_promotion_is_stopped_and_run_again_by_an_admin_journaled(initialised, tmp_path):
    assert initialised("promotions", "import", str(_file(tmp_path, GOOD)), "--as", "boss", "--pin-stdin",
                       input="1234\n").exit_code == 0
    unknown = initialised("promotions", "disable", "nope", "--as", "boss", "--pin-stdin", input="")  # no PIN asked
    assert unknown.exit_code == 1 and "no promotion 'nope'" in unknown.stderr
    stopped = initialised("promotions", "disable", "spend", "--as", "boss", "--pin-stdin", input="1234\n")
    assert stopped.exit_code == 0 and "promotion spend stopped" in stopped.stdout
    assert [line.split("\t")[2] for line in initialised("promotions", "list").stdout.splitlines()] == [
        "running", "stopped"]
    again = initialised("promotions", "enable", "spend", "--as", "boss", "--pin-stdin", input="1234\n")
    assert again.exit_code == 0 and "promotion spend runs" in again.stdout
    with sqlite3.connect(tmp_path / "data" / "pos.db") as con:
        kinds = [k for (k,) in con.execute("SELECT kind FROM journal_entry WHERE kind LIKE 'promotions.%' ORDER BY seq")]
    assert kinds == ["promotions.import", "promotions.disable", "promotions.enable"]
