"""`pos-tui sim display|scale|scanner`: each prints the path the lane opens, then takes commands on
its console (the display prints the screens it is sent)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pos_tui.devices.display import CustomerDisplay, DisplayScreen
from pos_tui.devices.scale import Scale
from pos_tui.devices.scanner import SerialScanner

REPO = Path(__file__).resolve().parents[2]


def start(tmp_path: Path, *args: str) -> tuple[subprocess.Popen, str]:
    child = subprocess.Popen([sys.executable, "-m", "pos_tui", "sim", *args], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, cwd=REPO, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    path = child.stdout.readline().strip()
    assert path == str(tmp_path / "dev"), path
    return child, path


def command(child: subprocess.Popen, line: str) -> str:
    child.stdin.write(line + "\n")
    child.stdin.flush()
    return child.stdout.readline().strip()


@pytest.fixture
def children():
    running: list[subprocess.Popen] = []
    yield running
    for child in running:
        child.terminate()
        child.wait(10)


def test_sim_scale_answers_what_its_console_sets(tmp_path, children):
    child, path = start(tmp_path, "scale", "--protocol", "continuous", "--weight", "0.850", "--link",
                        str(tmp_path / "dev"))
    children.append(child)
    scale = Scale(path, protocol="continuous")
    assert scale.read_stable().weight_milli == 850
    assert command(child, "1.250") == "now stable, 1.250 kg"
    assert scale.read_stable().weight_milli == 1250
    assert command(child, "unplug") == "unplugged"
    scale.close()


def test_sim_display_prints_each_screen(tmp_path, children):
    child, path = start(tmp_path, "display", "--link", str(tmp_path / "dev"))
    children.append(child)
    display = CustomerDisplay(path).start()
    display.show(DisplayScreen("Bread          12.00", "Total          12.00"))
    shown = [child.stdout.readline().rstrip("\n") for _ in range(4)]
    display.stop()
    assert shown == ["+--------------------+", "|Bread          12.00|", "|Total          12.00|",
                     "+--------------------+"]


def test_sim_scanner_sends_each_line_typed_as_a_code(tmp_path, children):
    child, path = start(tmp_path, "scanner", "--suffix", "crlf", "--link", str(tmp_path / "dev"))
    children.append(child)
    got = []
    reader = SerialScanner(path, suffix="crlf", on_code=got.append).start()
    try:
        time.sleep(0.3)
        assert command(child, "6901234567892") == "scanned 6901234567892"
        deadline = time.monotonic() + 5
        while not got and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        reader.stop()
    assert got == ["6901234567892"]


@pytest.mark.parametrize(("args", "said"), [
    (["terminal", "--script", "approve,explode"], "--script: unknown terminal script word 'explode'"),
    (["scale", "--weight", "heavy"], "--weight: type a weight in kg (1.250)"),
])
def test_a_setting_a_simulator_cannot_take_is_one_line_and_starts_nothing(args, said):
    result = subprocess.run([sys.executable, "-m", "pos_tui", "sim", *args], capture_output=True, text=True,
                            cwd=REPO, timeout=60, stdin=subprocess.DEVNULL, check=False)
    assert result.returncode == 2, result.stderr
    assert result.stdout == "" and said in result.stderr and len(result.stderr.strip().splitlines()) == 1
