import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pos_tui.cli import main

GOOD_ROWS = [
    "C1,可口可乐 330ml,3.50,6901234567892|12345,A,each,24",
    "F1,苹果,8.80,,A,kg,1.25",
]
HEADER = "sku,name,price,barcodes,tax,unit,stock"


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[paths]\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    return path


@pytest.fixture
def cli(config_file):
    runner = CliRunner()

    def run(*args, input=None):
        return runner.invoke(main, ["--config", str(config_file), *args], input=input, catch_exceptions=False)

    return run


@pytest.fixture
def initialised(cli):
    result = cli("init", "--admin", "boss", "--pin-stdin", input="1234\n")
    assert result.exit_code == 0, result.output
    return cli


def _csv(tmp_path, rows, name="c.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_init_creates_a_wal_database_with_an_admin(initialised, tmp_path):
    db = tmp_path / "data" / "pos.db"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT name, role FROM user").fetchall() == [("boss", "admin")]
    again = initialised("init", "--admin", "other", "--pin-stdin", input="1234\n")
    assert again.exit_code == 1 and "already has users" in again.stderr


def test_init_prompts_twice_without_pin_stdin(cli):
    result = cli("init", "--admin", "boss", input="1234\n1234\n")
    assert result.exit_code == 0, result.output
    assert "Repeat PIN" in result.output


def test_a_short_pin_is_one_clear_error(cli):
    result = cli("init", "--admin", "boss", "--pin-stdin", input="12\n")
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: PIN must be at least 4 digits"


def test_import_show_and_export(initialised, tmp_path):
    result = initialised("products", "import", str(_csv(tmp_path, GOOD_ROWS)), "--as", "boss", "--pin-stdin",
                         input="1234\n")
    assert result.exit_code == 0, result.output
    assert "imported 2 products" in result.stdout
    shown = initialised("products", "show", "6901234567892")
    assert shown.exit_code == 0
    assert "可口可乐 330ml" in shown.stdout and "¥3.50" in shown.stdout and "Tax rate  A (13%)" in shown.stdout
    assert "Stock     1.25 kg" in initialised("products", "show", "F1").stdout
    missing = initialised("products", "show", "000")
    assert missing.exit_code == 1 and "no product with barcode or SKU '000'" in missing.stderr
    out = tmp_path / "out.csv"
    assert initialised("products", "export", str(out)).exit_code == 0
    assert out.read_text(encoding="utf-8").splitlines()[1:] == [
        "C1,可口可乐 330ml,3.50,6901234567892|12345,A,each,24,", "F1,苹果,8.80,,A,kg,1.25,",
    ]


def test_three_bad_rows_print_three_errors_and_import_nothing(initialised, tmp_path):
    rows = GOOD_ROWS + ["X1,Bad price,1.234,,A,each,", "X2,Bad code,1.00,6901234567893,A,each,",
                        "X3,Bad tax,1.00,,Q,each,"]
    result = initialised("products", "import", str(_csv(tmp_path, rows)), "--as", "boss", "--pin-stdin",
                         input="1234\n")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert [line.split(",")[0] for line in lines[:3]] == ["line 4", "line 5", "line 6"]
    assert "3 errors, nothing imported" in lines[3]
    assert initialised("products", "show", "C1").exit_code == 1


def test_a_large_import_shows_progress_on_stderr(initialised, tmp_path):
    rows = [f"P{i},Item {i},1.00,,A,each," for i in range(1500)]
    result = initialised("products", "import", str(_csv(tmp_path, rows)), "--as", "boss", "--pin-stdin",
                         input="1234\n")
    assert result.exit_code == 0
    assert "Importing" in result.stderr and "Importing" not in result.stdout


def test_users_commands(initialised):
    refused = initialised("users", "add", "amy", "--role", "cashier", "--pin-stdin", input="5555\n")
    assert refused.exit_code == 2 and "--as NAME" in refused.stderr  # SSH alone is not enough
    assert initialised("users", "add", "amy", "--role", "cashier", "--as", "boss", "--pin-stdin",
                       input="1234\n5555\n").exit_code == 0
    listed = initialised("users", "list").stdout
    assert "amy" in listed and "cashier" in listed and "active" in listed
    assert initialised("users", "passwd", "amy", "--as", "boss", "--pin-stdin", input="1234\n6666\n").exit_code == 0
    assert initialised("users", "disable", "amy", "--as", "boss", "--pin-stdin", input="1234\n").exit_code == 0
    assert "disabled" in initialised("users", "list").stdout
    assert initialised("users", "unlock", "amy", "--as", "boss", "--pin-stdin", input="1234\n").exit_code == 0
    last_admin = initialised("users", "disable", "boss", "--as", "boss", "--pin-stdin", input="1234\n")
    assert last_admin.exit_code == 1 and "last enabled admin" in last_admin.stderr
    bad_role = initialised("users", "add", "x", "--role", "owner", "--as", "boss", "--pin-stdin", input="1234\n5555\n")
    assert bad_role.exit_code == 2


def test_journal_verify_names_a_row_edited_with_sqlite3(initialised, tmp_path):
    initialised("products", "import", str(_csv(tmp_path, GOOD_ROWS)), "--as", "boss", "--pin-stdin", input="1234\n")
    ok = initialised("journal", "verify")
    assert ok.exit_code == 0 and "3 rows" in ok.stdout  # user.add, the --as sign-in, catalog.import
    with sqlite3.connect(tmp_path / "data" / "pos.db") as conn:
        conn.execute("UPDATE journal_entry SET payload = replace(payload, '2', '3') WHERE seq = 3")
    broken = initialised("journal", "verify")
    assert broken.exit_code == 1
    assert "journal broken at row 3" in broken.stderr
    check = initialised("db", "check")
    assert check.exit_code == 1 and "row 3" in check.stderr


def test_backup_and_restore_round_trip(initialised, tmp_path):
    initialised("products", "import", str(_csv(tmp_path, GOOD_ROWS)), "--as", "boss", "--pin-stdin", input="1234\n")
    done = initialised("backup", str(tmp_path / "b.db"), "--as", "boss", "--pin-stdin", input="1234\n")
    assert done.exit_code == 0 and "b.db" in done.stdout
    default = initialised("backup", "--as", "boss", "--pin-stdin", input="1234\n")
    assert default.exit_code == 0 and str(tmp_path / "data" / "backups") in default.stdout
    initialised("products", "import", str(_csv(tmp_path, ["C1,Changed,1.00,,A,each,"], name="d.csv")),
                "--as", "boss", "--pin-stdin", input="1234\n")
    restored = initialised("restore", str(tmp_path / "b.db"), "--as", "boss", "--pin-stdin", input="1234\n")
    assert restored.exit_code == 0, restored.output
    assert "可口可乐 330ml" in initialised("products", "show", "C1").stdout
    assert initialised("db", "check").exit_code == 0


def test_the_daily_backup_runs_once_a_day_and_only_when_asked(initialised, tmp_path):
    first = initialised("backup", "--daily")
    assert first.exit_code == 0 and str(tmp_path / "data" / "backups") in first.stdout
    again = initialised("backup", "--daily")
    assert again.exit_code == 0 and again.stdout.startswith("already backed up today in ")
    assert len(list((tmp_path / "data" / "backups").glob("pos-*.db"))) == 1
    refused = initialised("backup", "--daily", str(tmp_path / "x.db"))
    assert refused.exit_code == 2 and "--daily writes to the backup folder" in refused.output


def test_the_daily_backup_is_off_when_the_config_says_so(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f'[paths]\ndata_dir = "{tmp_path / "data"}"\n\n[backup]\ndaily = false\n', encoding="utf-8")
    runner = CliRunner()
    made = runner.invoke(main, ["--config", str(config), "init", "--admin", "boss", "--pin-stdin"], input="1234\n")
    assert made.exit_code == 0, made.output
    off = runner.invoke(main, ["--config", str(config), "backup", "--daily"])
    assert off.exit_code == 0 and "daily backups are off" in off.stdout
    assert not (tmp_path / "data" / "backups").exists()


def test_config_errors_exit_2_with_the_key_named(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[payments.card]\nfee_rate = "6"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(bad), "users", "list"])
    assert result.exit_code == 2
    assert "payments.card.fee_rate" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_an_unsupported_database_url_exits_2(tmp_path):
    cfg = tmp_path / "pg.toml"
    cfg.write_text('[database]\nurl = "postgresql://pos@localhost/pos"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(cfg), "users", "list"])
    assert result.exit_code == 2 and "not supported yet" in result.stderr


def test_usage_errors_exit_2(cli):
    assert cli("products", "frobnicate").exit_code == 2
    assert cli("init").exit_code == 2


def test_help_does_not_load_the_store():
    code = "import sys; from pos_tui.cli import main; print('peewee' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_lanes_commands_are_parsed_without_building_the_others():
    """`pos-tui run` (and demo) parse with the lane's two commands only; asking for any other command,
    or for the list of all, loads the rest (cli_operator)."""
    code = ("import sys; from pos_tui.cli import main\n"
            "def parse(name):\n"
            "    assert main.get_command(main.make_context('pos-tui', [name]), name) is not None\n"
            "    return 'pos_tui.cli_operator' in sys.modules\n"
            "print(parse('run'), parse('demo'), parse('backup'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "True"]


def test_the_list_of_commands_holds_the_lanes_and_the_operators(cli):
    listed = cli("--help").output.split("Commands:")[1]
    names = {line.split()[0] for line in listed.splitlines() if line.strip()}
    assert {"run", "demo", "init", "products", "backup", "server", "admin", "sim", "devices"} <= names


@pytest.mark.slow
def test_python_dash_m_runs_for_real(tmp_path, config_file):
    env = {**os.environ, "POS_TUI_CONFIG": str(config_file)}
    root = Path(__file__).resolve().parents[2]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))

    def run(*args, stdin=""):
        return subprocess.run([sys.executable, "-m", "pos_tui", *args], input=stdin, capture_output=True,
                              text=True, env=env, cwd=tmp_path)

    assert run("init", "--admin", "boss", "--pin-stdin", stdin="1234\n").returncode == 0
    assert run("products", "import", str(_csv(tmp_path, GOOD_ROWS)), "--as", "boss", "--pin-stdin",
               stdin="1234\n").returncode == 0
    shown = run("products", "show", "12345")
    assert shown.returncode == 0 and "可口可乐 330ml" in shown.stdout
    failed = run("products", "show", "nope")
    assert failed.returncode == 1 and failed.stderr.count("\n") == 1


def test_a_local_price_edit_needs_an_admin_and_is_journaled_with_them(initialised, tmp_path):
    initialised("products", "import", str(_csv(tmp_path, GOOD_ROWS)), "--as", "boss", "--pin-stdin", input="1234\n")
    assert initialised("users", "add", "cara", "--role", "cashier", "--as", "boss", "--pin-stdin",
                       input="1234\n5678\n").exit_code == 0
    refused = initialised("products", "edit", "C1", "--price", "3.99", "--as", "cara", "--pin-stdin", input="5678\n")
    assert refused.exit_code == 1 and "changing the catalog needs an admin" in refused.stderr
    assert "¥3.50" in initialised("products", "show", "C1").stdout
    nobody = initialised("products", "edit", "C1", "--price", "3.99")
    assert nobody.exit_code == 2 and "--as NAME" in nobody.stderr
    done = initialised("products", "edit", "C1", "--price", "3.99", "--as", "boss", "--pin-stdin", input="1234\n")
    assert done.exit_code == 0 and "¥3.99" in done.stdout
    import sqlite3

    with sqlite3.connect(tmp_path / "data" / "pos.db") as conn:
        kind, actor = conn.execute("SELECT kind, actor FROM journal_entry ORDER BY seq DESC LIMIT 1").fetchone()
    assert kind.startswith("catalog.") and actor.startswith("boss (cli")
