"""The lane header's device words: what each printer answer and terminal call becomes."""

from __future__ import annotations

import pytest

from pos_tui.devices.printer import PrinterError, PrinterStatus
from pos_tui.devices.status_line import DeviceState, poll_devices, printer_state, printer_words, terminal_state


@pytest.mark.parametrize(
    "status, words, ok",
    [
        (PrinterStatus(True, "ok", False, ""), "ok", True),
        (PrinterStatus(True, "near_end", False, ""), "paper low", True),
        (PrinterStatus(False, "out", False, ""), "paper out", False),
        (PrinterStatus(False, "ok", True, ""), "cover open", False),
        (PrinterStatus(False, "ok", False, ""), "offline", False),
        (PrinterStatus(False, "unknown", False, "printer not answering"), "no answer", False),
        (PrinterStatus(True, "unknown", False, "a file"), "ok", True),
    ],
)
def test_printer_answers_in_a_few_words(status, words, ok):
    assert printer_words(status) == DeviceState("printer", words, ok)


class Printer:
    def __init__(self, answer):
        self.answer = answer

    def status(self):
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


class Terminal:
    def __init__(self, answer):
        self.answer = answer
        self.calls = 0

    def reachable(self):
        self.calls += 1
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_a_failing_device_is_an_alert_never_an_exception():
    assert printer_state(Printer(PrinterError("printer port /dev/x not found"))) == DeviceState("printer", "error", False)
    assert printer_state(Printer(OSError("EIO"))) == DeviceState("printer", "error", False)
    assert terminal_state(Terminal(OSError("EIO"))) == DeviceState("terminal", "error", False)
    assert terminal_state(Terminal(False)) == DeviceState("terminal", "no answer", False)
    assert terminal_state(Terminal(True)) == DeviceState("terminal", "ok", True)


def test_only_the_devices_given_are_asked_and_a_stand_in_terminal_is_not():
    terminal = Terminal(True)
    assert poll_devices(None, terminal) == [DeviceState("terminal", "ok", True)]
    assert poll_devices(Printer(PrinterStatus(True, "ok", False, "")), None) == [DeviceState("printer", "ok", True)]
    assert poll_devices(None, object()) == []
    assert poll_devices() == []
    assert terminal.calls == 1
