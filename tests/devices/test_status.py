"""`pos-tui devices check` against a virtual printer and a simulated terminal on real ptys."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pos_tui.cli import main
from pos_tui.config import (
    Config, DevicesConfig, DisplayConfig, PrinterConfig, ScannerConfig, TerminalConfig,
)
from pos_tui.devices.status import DeviceReport, check_devices, check_printer, check_terminal
from pos_tui.devices.terminal.simulator import TerminalSimulator

MISSING_PORT = "/dev/pos-tui-no-such-port"


def printer_on(path: str, **overrides: object) -> PrinterConfig:
    return PrinterConfig(driver="escpos", connection="serial", port=path, **overrides)  # type: ignore[arg-type]


def terminal_on(path: str) -> TerminalConfig:
    # A pty takes 7E1 on its first open only, so the tests speak 8N1 (see devices/factory.py).
    return TerminalConfig(driver="concert", port=path, bytesize=8, parity="N", step_timeout=0.5)


@pytest.fixture
def simulator():
    with TerminalSimulator(step_timeout=1.0) as sim:
        yield sim


@pytest.mark.parametrize(
    "state, ok, words",
    [
        ("online", True, "online, paper ok"),
        ("near-end", True, "online, paper near end"),
        ("paper-out", False, "offline, paper out"),
        ("cover-open", False, "offline, cover open"),
        ("offline", False, "not answering"),
    ],
)
def test_printer_states_in_plain_words(virtual_printer, state, ok, words):
    sim = virtual_printer(state=state)
    report = check_printer(printer_on(sim.path))
    assert report == DeviceReport("printer", ok, f"{words} ({sim.path})")


def test_printer_port_missing_says_not_found():
    report = check_printer(printer_on(MISSING_PORT))
    assert report == DeviceReport("printer", False, f"printer port {MISSING_PORT} not found")


def test_printer_file_opens_but_cannot_report_paper(tmp_path):
    out = tmp_path / "receipts.bin"
    report = check_printer(PrinterConfig(driver="escpos", connection="file", port=str(out)))
    assert report.ok and "cannot report paper" in report.words
    assert out.exists()


def test_terminal_that_answers_the_call_is_reachable_and_nothing_is_charged(simulator):
    report = check_terminal(terminal_on(simulator.port), lane_number=1)
    assert report == DeviceReport("card terminal", True, f"answers ({simulator.port})")
    assert simulator.requests == [] and simulator.ledger == []


def test_terminal_that_does_not_answer_is_reported_with_its_open_port(simulator):
    simulator.queue("offline")
    report = check_terminal(terminal_on(simulator.port), lane_number=1)
    assert not report.ok
    assert report.words.startswith(f"not answering ({simulator.port} opens")


def test_terminal_port_missing_says_not_found():
    report = check_terminal(terminal_on(MISSING_PORT), lane_number=1)
    assert report == DeviceReport("card terminal", False, f"card terminal port {MISSING_PORT} not found")


def test_every_device_is_listed_and_unconfigured_ones_pass(silent_pty):
    _, path = silent_pty
    config = Config(devices=DevicesConfig(scanner=ScannerConfig(driver="serial", port=path),
                                          display=DisplayConfig(driver="serial", port=MISSING_PORT)))
    reports = check_devices(config)
    assert [(r.name, r.ok) for r in reports] == [
        ("printer", True), ("card terminal", True), ("scanner", True), ("display", False), ("scale", True)]
    assert reports[0].words == "not configured"
    assert reports[2].words == f"port opens ({path})"
    assert reports[3].words == f"display port {MISSING_PORT} not found"


# ---------------------------------------------------------------- the command


def write_config(tmp_path: Path, printer_port: str, terminal_port: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[paths]\ndata_dir = "{tmp_path / "data"}"\n'
        f'[devices.printer]\ndriver = "escpos"\nport = "{printer_port}"\n'
        f'[devices.terminal]\ndriver = "concert"\nport = "{terminal_port}"\n'
        'bytesize = 8\nparity = "N"\nstep_timeout = 0.5\n',
        encoding="utf-8",
    )
    return path


def run_check(config: Path):
    return CliRunner().invoke(main, ["--config", str(config), "devices", "check"], catch_exceptions=False)


def test_command_exits_0_when_every_configured_device_answers(tmp_path, virtual_printer, simulator):
    printer = virtual_printer()
    result = run_check(write_config(tmp_path, printer.path, simulator.port))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["printer", "ok", "online,", "paper", "ok", f"({printer.path})"]
    assert lines[1].split()[:4] == ["card", "terminal", "ok", "answers"]
    assert "scanner" in lines[2] and "display" in lines[3]


def test_command_exits_1_and_names_the_failed_device(tmp_path, virtual_printer, simulator):
    printer = virtual_printer(state="paper-out")
    result = run_check(write_config(tmp_path, printer.path, simulator.port))
    assert result.exit_code == 1
    assert "printer        FAILED  offline, paper out" in result.stdout
    assert "1 of the configured devices failed: printer" in result.stderr
