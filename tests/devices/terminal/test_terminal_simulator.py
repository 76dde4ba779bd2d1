"""The simulated terminal's script language and its command-line runner."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading

import pytest

from pos_tui.devices.terminal.concert import ConcertTerminal
from pos_tui.devices.terminal.simulator import (
    ScriptError,
    Step,
    TerminalSimulator,
    parse_step,
    step_for_amount,
)


@pytest.mark.parametrize("word, step", [
    ("approve", Step("approve")),
    ("  Decline ", Step("decline")),
    ("slow", Step("slow", 5.0)),
    ("slow:2.5", Step("slow", 2.5)),
    ("timeout", Step("never_answer")),
    ("bad-lrc", Step("bad_lrc", 1)),
    ("bad_lrc:4", Step("bad_lrc", 4)),
    ("nak_first", Step("nak", 1)),
    ("nak:4", Step("nak", 4)),
    ("wrong-private", Step("wrong_private")),
])
def test_script_words(word, step):
    assert parse_step(word) == step


@pytest.mark.parametrize("word, words", [
    ("explode", "unknown terminal script word 'explode'"),
    ("approve:3", "takes no argument"),
    ("slow:soon", "not a number"),
    ("bad_lrc:1.5", "count"),
    ("slow:-1", "seconds"),
])
def test_bad_script_words_are_named(word, words):
    with pytest.raises(ScriptError, match=words):
        parse_step(word)


def test_a_bad_word_is_refused_before_the_simulator_starts():
    with pytest.raises(ScriptError, match="fly"):
        TerminalSimulator(["approve", "fly"])


@pytest.mark.parametrize("amount, action", [
    (1001, "decline"), (1002, "never_answer"), (1003, "cancel"), (1009, "not_verified"), (1000, "approve"),
    (1250, "approve"),
])
def test_demo_rule_by_the_last_two_digits(amount, action):
    assert step_for_amount(amount).action == action


def test_stopping_during_a_slow_answer_drops_the_link_for_the_driver():
    simulator = TerminalSimulator(["slow:30"], step_timeout=0.5).start()
    driver = ConcertTerminal(simulator.port, pos_number=1, step_timeout=0.5, answer_timeout=60, poll_interval=0.02)
    outcomes = []
    worker = threading.Thread(target=lambda: outcomes.append(driver.pay(1250, "156", "ATTEMPT001")))
    worker.start()
    while not simulator.requests:
        worker.join(0.01)
    simulator.stop()
    worker.join()
    driver.close()
    assert outcomes[0].status == "unknown" and "link to the terminal lost" in outcomes[0].reason


def test_run_terminal_simulator_prints_its_port_then_serves_until_ctrl_c():
    process = subprocess.Popen(
        [sys.executable, "-c",
         "from pos_tui.devices.terminal.simulator import run_terminal_simulator; "
         "run_terminal_simulator(['decline'], think_seconds=0)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        port = process.stdout.readline().strip()
        assert port.startswith("/dev/")
        driver = ConcertTerminal(port, pos_number=1, step_timeout=1.0, answer_timeout=5)
        assert driver.pay(1250, "156", "ATTEMPT001").status == "declined"
        assert driver.pay(1250, "156", "ATTEMPT002").approved
        driver.close()
        assert process.stdout.readline().strip() == "decline 1250 ref ATTEMPT001"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
        assert process.stdout.read().strip() == "approve 1250 ref ATTEMPT002"
    finally:
        process.kill()
        process.wait()


def test_run_terminal_simulator_ends_when_the_script_drops_the_link():
    process = subprocess.Popen(
        [sys.executable, "-c",
         "from pos_tui.devices.terminal.simulator import run_terminal_simulator; "
         "run_terminal_simulator(['drop'], think_seconds=0)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        port = process.stdout.readline().strip()
        driver = ConcertTerminal(port, pos_number=1, step_timeout=1.0, answer_timeout=5)
        assert driver.pay(1250, "156", "ATTEMPT001").status == "unknown"
        driver.close()
        assert process.wait(timeout=10) == 0
        assert process.stdout.read().splitlines()[-1] == "link dropped: simulator stopped"
    finally:
        process.kill()
        process.wait()
