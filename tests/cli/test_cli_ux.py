"""Issue #12 on the command line: the Z report's backup, users brought back, a folder with no store,
`run --config`, the demo's language, devices check wording."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pos_tui.cli import main


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


def test_report_z_from_the_command_line_backs_the_store_up(initialised, tmp_path):
    closed = initialised("report", "z", "--format", "json", "--as", "boss", "--pin-stdin", input="1234\n")
    assert closed.exit_code == 0, closed.output
    (copy,) = (tmp_path / "data" / "backups").glob("pos-*.db")
    assert f"backup written to {copy}" in closed.stderr
    assert closed.stdout.lstrip().startswith("{")  # the JSON alone on stdout


def test_report_z_makes_no_backup_when_the_config_says_not_to(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f'[paths]\ndata_dir = "{tmp_path / "data"}"\n\n[backup]\nafter_z_report = false\n',
                      encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(main, ["--config", str(config), "init", "--admin", "boss", "--pin-stdin"],
                         input="1234\n").exit_code == 0
    closed = runner.invoke(main, ["--config", str(config), "report", "z", "--as", "boss", "--pin-stdin"],
                           input="1234\n")
    assert closed.exit_code == 0, closed.output
    assert not (tmp_path / "data" / "backups").exists()


def test_a_disabled_user_is_named_as_such_by_add_and_passwd_and_comes_back_with_enable(initialised):
    assert initialised("users", "add", "alice", "--role", "cashier", "--as", "boss", "--pin-stdin",
                       input="1234\n5678\n").exit_code == 0
    assert initialised("users", "disable", "alice", "--as", "boss", "--pin-stdin", input="1234\n").exit_code == 0
    again = initialised("users", "add", "alice", "--role", "cashier", "--as", "boss", "--pin-stdin",
                        input="1234\n5678\n")
    assert again.exit_code == 1 and "disabled: `pos-tui users enable alice`" in again.stderr
    passwd = initialised("users", "passwd", "alice", "--as", "boss", "--pin-stdin", input="1234\n8765\n")
    assert passwd.exit_code == 0
    assert "alice is still disabled: `pos-tui users enable alice` lets them sign in" in passwd.stdout
    assert "disabled" in initialised("users", "list").stdout
    enabled = initialised("users", "enable", "alice", "--as", "boss", "--pin-stdin", input="1234\n")
    assert enabled.exit_code == 0 and "enabled alice" in enabled.stdout
    listed = initialised("users", "list").stdout
    assert "alice" in listed and "disabled" not in listed


def test_users_list_on_a_folder_with_no_store_says_to_run_init(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f'[paths]\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "store.key").write_bytes(b"")  # a key file alone is no store
    result = CliRunner().invoke(main, ["--config", str(config), "users", "list"])
    assert result.exit_code == 1
    assert "no store at" in result.stderr and "pos-tui init --admin NAME" in result.stderr
    assert not (tmp_path / "data" / "pos.db").exists()


def test_config_is_taken_after_the_command_too(initialised, config_file):
    runner = CliRunner()
    listed = runner.invoke(main, ["users", "list", "--config", str(config_file)])
    assert listed.exit_code == 0 and "boss" in listed.stdout
    bad = config_file.parent / "bad.toml"
    bad.write_text("[store]\nlane = 300\n", encoding="utf-8")
    refused = runner.invoke(main, ["run", "--config", str(bad)])
    assert refused.exit_code == 2 and "store.lane" in refused.stderr


@pytest.mark.parametrize("before", [True, False])
def test_the_demo_takes_a_language_and_a_config_file(tmp_path, monkeypatch, before):
    import pos_tui.tui.app as app_module

    seen = []
    monkeypatch.setattr(app_module, "run_lane", lambda config, opening, kiosk: seen.append(config))
    extra = tmp_path / "extra.toml"
    extra.write_text('[store]\nname = "Corner Shop"\n[paths]\ndata_dir = "/nowhere"\n', encoding="utf-8")
    config_args = ["--config", str(extra)]
    args = [*config_args, "demo"] if before else ["demo", *config_args]
    result = CliRunner().invoke(main, [*args, "--data-dir", str(tmp_path / "demo"), "--language", "zh_CN"])
    assert result.exit_code == 0, result.output
    (config,) = seen
    assert config.store.language == "zh_CN" and config.store.name == "Corner Shop"
    assert config.data_dir == tmp_path / "demo"
    assert result.stdout.startswith("演示门店：")


def test_devices_check_says_not_configured_without_ok(cli):
    result = cli("devices", "check")
    printer = next(line for line in result.stdout.splitlines() if line.startswith("printer"))
    assert printer.split() == ["printer", "not", "configured"]
