"""The kiosk units in deploy/: the keys the lane depends on, and `systemd-analyze verify`."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SYSTEM_UNITS = Path("/usr/lib/systemd/system")
LANE = "/opt/pos-tui/bin/pos-tui run --kiosk"

Unit = dict[str, dict[str, list[str]]]


def read_unit(path: Path) -> Unit:
    """A systemd unit file as section -> key -> every value given (systemd keys may repeat)."""
    sections: Unit = {}
    current: dict[str, list[str]] | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, equals, value = line.partition("=")
        if not equals or current is None:
            raise AssertionError(f"{path.name}:{number}: not a key=value line in a section: {raw!r}")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def one(unit: Unit, section: str, key: str) -> str:
    values = unit.get(section, {}).get(key, [])
    assert values, f"[{section}] {key} is missing"
    return values[-1]


def environment(unit: Unit) -> dict[str, str]:
    pairs = (item.split("=", 1) for value in unit["Service"].get("Environment", []) for item in value.split())
    return dict(pairs)


def check_kiosk_service(unit: Unit) -> None:
    """What every lane unit needs: tty1 as its terminal, restarts forever, its own user and config."""
    assert one(unit, "Service", "TTYPath") == "/dev/tty1"
    assert one(unit, "Service", "Restart") == "always"
    assert one(unit, "Unit", "StartLimitIntervalSec") == "0"
    assert one(unit, "Service", "User") not in ("", "root", "0")
    assert one(unit, "Service", "WorkingDirectory") == "/var/lib/pos-tui"
    assert "getty@tty1.service" in " ".join(unit["Unit"]["Conflicts"])
    env = environment(unit)
    assert env["POS_TUI_CONFIG"] == "/etc/pos-tui/config.toml"
    assert env["LANG"].endswith(".UTF-8")
    assert one(unit, "Service", "ExecStart").endswith(LANE)
    assert unit["Install"]["WantedBy"]


def test_plain_console_unit_gives_the_lane_tty1_on_all_three_streams():
    unit = read_unit(DEPLOY / "pos-tui.service")
    check_kiosk_service(unit)
    # Textual reads keys on stdin and draws on stderr: all three streams are the console.
    for stream in ("StandardInput", "StandardOutput", "StandardError"):
        assert one(unit, "Service", stream) == "tty", stream
    assert environment(unit)["TERM"] == "linux"
    assert one(unit, "Service", "ExecStart") == LANE


def test_cjk_unit_runs_the_lane_in_foot_inside_cage_with_a_cjk_font():
    unit = read_unit(DEPLOY / "pos-tui-cjk.service")
    check_kiosk_service(unit)
    command = one(unit, "Service", "ExecStart").split()
    assert command[0] == "/usr/bin/cage" and "-s" not in command[: command.index("--")]  # no VT switching
    assert "/usr/bin/foot" in command and "--config=/etc/pos-tui/foot.ini" in command
    assert one(unit, "Service", "StandardInput").startswith("tty")
    assert one(unit, "Service", "PAMName") == "pos-tui"
    assert "pos-tui.service" in " ".join(unit["Unit"]["Conflicts"])
    assert "pam_systemd.so" in (DEPLOY / "pam-pos-tui").read_text(encoding="utf-8")
    foot = read_unit(DEPLOY / "foot.ini")
    assert "CJK" in one(foot, "main", "font")


def test_getty_alternative_replaces_agetty_with_an_autologin_and_the_profile_starts_the_lane():
    dropin = read_unit(DEPLOY / "getty-autologin.conf")
    exec_lines = dropin["Service"]["ExecStart"]
    assert exec_lines[0] == "", "a drop-in must clear getty's ExecStart before setting its own"
    assert "--autologin pos" in exec_lines[1]
    profile = (DEPLOY / "kiosk-profile.sh").read_text(encoding="utf-8")
    assert 'if [ "$(tty)" = /dev/tty1 ]' in profile and f"exec {LANE}" in profile
    assert "TERM=linux" in profile and "LANG=C.UTF-8" in profile


def test_hardening_files_leave_no_spare_consoles_and_no_sysrq():
    logind = read_unit(DEPLOY / "logind-kiosk.conf")
    assert one(logind, "Login", "NAutoVTs") == "0"
    assert one(logind, "Login", "ReserveVT") == "0"
    sysctl = dict(line.replace(" ", "").split("=", 1) for line in
                  (DEPLOY / "sysctl-kiosk.conf").read_text(encoding="utf-8").splitlines()
                  if line and not line.startswith("#"))
    assert sysctl["kernel.sysrq"] == "0"
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    assert "systemctl mask ctrl-alt-del.target" in readme


def test_the_daily_backup_runs_as_the_lane_user_below_the_lane():
    service = read_unit(DEPLOY / "pos-tui-backup.service")
    lane = read_unit(DEPLOY / "pos-tui.service")
    assert one(service, "Service", "ExecStart") == "/opt/pos-tui/bin/pos-tui backup --daily"
    assert one(service, "Service", "Type") == "oneshot"
    for key in ("User", "Group", "WorkingDirectory", "StateDirectory"):
        assert one(service, "Service", key) == one(lane, "Service", key), key
    assert environment(service)["POS_TUI_CONFIG"] == environment(lane)["POS_TUI_CONFIG"]
    assert one(service, "Service", "IOSchedulingClass") == "idle"
    timer = read_unit(DEPLOY / "pos-tui-backup.timer")
    assert one(timer, "Timer", "Persistent") == "true"
    assert one(timer, "Timer", "OnCalendar").endswith("03:30:00")
    assert one(timer, "Install", "WantedBy") == "timers.target"
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    assert "systemctl enable --now pos-tui-backup.timer" in readme


def install_into(root: Path) -> None:
    """A root with the system's own units, our units installed, and stand-ins for the programs
    they start (verify insists every ExecStart program exists and is executable)."""
    shutil.copytree(SYSTEM_UNITS, root / SYSTEM_UNITS.relative_to("/"), symlinks=True)
    for program in ("opt/pos-tui/bin/pos-tui", "usr/bin/cage", "usr/bin/foot", "sbin/agetty"):
        path = root / program
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\n", encoding="ascii")
        path.chmod(0o755)
    etc = root / "etc/systemd/system"
    (etc / "getty@tty1.service.d").mkdir(parents=True)
    shutil.copy(DEPLOY / "pos-tui.service", etc)
    shutil.copy(DEPLOY / "pos-tui-cjk.service", etc)
    shutil.copy(DEPLOY / "pos-tui-backup.service", etc)
    shutil.copy(DEPLOY / "pos-tui-backup.timer", etc)
    shutil.copy(DEPLOY / "getty-autologin.conf", etc / "getty@tty1.service.d" / "autologin.conf")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None or not SYSTEM_UNITS.is_dir(),
                    reason="systemd-analyze or the system's unit directory is not on this machine")
def test_systemd_analyze_verify_finds_nothing_to_say(tmp_path):
    root = tmp_path / "root"
    install_into(root)
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", f"--root={root}",
         "pos-tui.service", "pos-tui-cjk.service", "pos-tui-backup.service", "pos-tui-backup.timer",
         "getty@tty1.service"],
        capture_output=True, text=True, timeout=60,
    )
    # Unknown keys and bad values are only warnings to systemd (exit 0): any line about our files fails.
    ours = [line for line in (result.stdout + result.stderr).splitlines()
            if "pos-tui" in line or "autologin.conf" in line]
    assert result.returncode == 0 and ours == [], result.stdout + result.stderr
