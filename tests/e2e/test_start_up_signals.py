"""`pos-tui run --kiosk` in its own process on a pseudo-terminal: Ctrl+C, Ctrl+\\ and Ctrl+Z from the
first moments on (signals until Textual puts the terminal in raw mode, keys after), and the same
signals from another process, leave the kiosk running and signing in."""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from pos_tui.demo import create_demo_store
from pos_tui.store.db import close_database

STOP_SIGNALS = (signal.SIGINT, signal.SIGQUIT, signal.SIGTSTP)


def ignored_signals(pid: int) -> set[int]:
    status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    mask = int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigIgn:")), 16)
    return {number for number in range(1, 65) if mask & (1 << (number - 1))}


def process_state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()[0]


class Screen:
    """What the child drew on the pty, read as it comes."""

    def __init__(self, master: int) -> None:
        self.master = master
        self.seen = b""

    def read(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    self.seen += os.read(self.master, 65536)
                except OSError:
                    return

    def wait_for(self, text: str, child: subprocess.Popen, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while text.encode() not in self.seen:
            assert child.poll() is None, f"the lane exited ({child.returncode}): {self.seen[-600:]!r}"
            assert time.monotonic() < deadline, f"{text!r} never drawn: {self.seen[-600:]!r}"
            self.read(0.05)


@pytest.fixture
def kiosk(tmp_path):
    create_demo_store(tmp_path)
    close_database()
    config = tmp_path / "config.toml"
    config.write_text(f'[paths]\ndata_dir = "{tmp_path}"\n[store]\nname = "Demo Mart"\n[kiosk]\nenabled = true\n',
                      encoding="utf-8")
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {name: value for name, value in os.environ.items() if name not in ("COLUMNS", "LINES")}
    env["TERM"] = "xterm-256color"
    child = subprocess.Popen([sys.executable, "-m", "pos_tui", "--config", str(config), "run", "--kiosk"],
                             stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
                             cwd=tmp_path)
    os.close(slave)
    yield child, master
    if child.poll() is None:
        os.kill(child.pid, signal.SIGCONT)
        child.terminate()
    child.wait(timeout=20)
    os.close(master)


def test_ctrl_c_and_ctrl_backslash_at_start_up_leave_the_kiosk_running(kiosk):
    child, master = kiosk
    screen = Screen(master)
    deadline = time.monotonic() + 20
    # From its first instruction the lane ignores the signals these keys send before raw mode.
    while not set(STOP_SIGNALS) <= ignored_signals(child.pid):
        assert child.poll() is None and time.monotonic() < deadline, "the lane never ignored SIGINT/SIGQUIT/SIGTSTP"
        time.sleep(0.002)
    # The keys, through start-up and the first frame (signals first, keys once the terminal is raw) ...
    for _ in range(40):
        os.write(master, b"\x03\x1c")
        screen.read(0.02)
    screen.wait_for("User>", child)
    # ... and the signals from another process, once the lane is drawn.
    for number in STOP_SIGNALS:
        os.kill(child.pid, number)
        screen.read(0.2)
    assert child.poll() is None, f"the lane exited ({child.returncode}): {screen.seen[-600:]!r}"
    assert process_state(child.pid) != "T", "the lane was suspended"
    assert b"Traceback" not in screen.seen
    os.write(master, b"cashier\r1234\r")
    screen.wait_for("Signed in as cashier", child)
    os.write(master, b"\x03")
    screen.wait_for("Ctrl+Q leaves the lane with a supervisor PIN", child)


CRASHING_LANE = """
import contextlib, sys
from pos_tui.config import Config
from pos_tui.tui.app import run_lane

@contextlib.contextmanager
def opening():
    yield object()  # not a lane: the app fails on it, in a handler, once the first frame is drawn

failure = run_lane(Config(), opening(), kiosk=True)
print("FAILURE:", failure, flush=True)
sys.exit(1 if failure else 0)
"""


def test_a_lane_that_crashes_exits_non_zero(tmp_path):
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    child = subprocess.Popen([sys.executable, "-c", CRASHING_LANE], stdin=slave, stdout=slave, stderr=slave,
                             env={**os.environ, "TERM": "xterm-256color"}, start_new_session=True, cwd=tmp_path)
    os.close(slave)
    screen = Screen(master)
    try:
        deadline = time.monotonic() + 30
        while child.poll() is None and time.monotonic() < deadline:
            screen.read(0.05)
        screen.read(0.2)
    finally:
        if child.poll() is None:
            child.kill()
        os.close(master)
    assert child.wait(10) == 1
    assert b"FAILURE: the lane stopped on an unexpected error" in screen.seen
