"""Which command lines start the lane (and so ignore Ctrl+C, Ctrl+\\ and Ctrl+Z from the start)."""

from __future__ import annotations

import signal

import pytest

from pos_tui import lane_signals


@pytest.mark.parametrize("args, lane", [
    (["run"], True),
    (["run", "--kiosk"], True),
    (["--config", "run", "report", "x"], False),
    (["--config", "/etc/pos.toml", "demo", "--data-dir", "/tmp/d"], True),
    (["--config=/etc/pos.toml", "run"], True),
    (["report", "z"], False),
    (["backup"], False),
    (["--version"], False),
    ([], False),
])
def test_the_lane_commands_are_run_and_demo(args, lane):
    assert lane_signals.runs_the_lane(args) is lane


def test_only_the_pos_tui_program_is_shielded_at_import():
    before = signal.getsignal(signal.SIGINT)
    lane_signals.shield_if_lane(["/usr/bin/pytest", "run"])
    assert signal.getsignal(signal.SIGINT) is before


def test_ignoring_and_restoring_the_stop_signals():
    before = {number: signal.getsignal(number) for number in lane_signals.STOP_SIGNALS}
    lane_signals.ignore_stop_signals()
    try:
        assert all(signal.getsignal(number) is signal.SIG_IGN for number in lane_signals.STOP_SIGNALS)
        signal.signal(signal.SIGTSTP, signal.SIG_DFL)  # as Textual's driver does with its own handler
        lane_signals.keep_ignoring()
        assert signal.getsignal(signal.SIGTSTP) is signal.SIG_IGN
    finally:
        lane_signals.restore()
    assert {number: signal.getsignal(number) for number in lane_signals.STOP_SIGNALS} == before
    lane_signals.keep_ignoring()  # not shielded any more: nothing changes
    assert signal.getsignal(signal.SIGINT) is before[signal.SIGINT]
