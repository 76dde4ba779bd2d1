"""The lane's device status line: a word or two per device for the header ("printer paper out").

Unlike ``devices check`` this works on the lane's own printer and terminal objects, the ones that
print and take payments, so the caller must not run it while either is in use (see the lane
app's ``check_devices``). Each call blocks for at most the device's own timeouts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pos_tui.devices.printer import PrinterStatus

log = logging.getLogger(__name__)

PRINTER, TERMINAL = "printer", "terminal"


@dataclass(frozen=True)
class DeviceState:
    """What the header shows for one device: ``words`` in plain language, ``ok`` False for an alert."""

    device: str
    words: str
    ok: bool


def printer_words(status: PrinterStatus) -> DeviceState:
    """The printer's answer in the header's few words; paper near its end is still ok."""
    if status.cover_open:
        return DeviceState(PRINTER, "cover open", False)
    if status.paper == "out":
        return DeviceState(PRINTER, "paper out", False)
    if not status.online:
        return DeviceState(PRINTER, "offline" if status.paper != "unknown" else "no answer", False)
    if status.paper == "near_end":
        return DeviceState(PRINTER, "paper low", True)
    return DeviceState(PRINTER, "ok", True)


def printer_state(printer) -> DeviceState:
    """Ask the printer (its ``status()``); any failure is "error", never an exception."""
    try:
        return printer_words(printer.status())
    except Exception as exc:  # a status check must never take the lane down, whatever the port did
        log.warning("printer status check failed: %s", exc)
        return DeviceState(PRINTER, "error", False)


def terminal_state(terminal) -> DeviceState:
    """Call the card terminal (its ``reachable()``: ENQ, ACK, EOT; nothing is charged)."""
    try:
        reachable = terminal.reachable()
    except Exception as exc:  # as above: the header says so, the lane goes on
        log.warning("terminal status check failed: %s", exc)
        return DeviceState(TERMINAL, "error", False)
    return DeviceState(TERMINAL, "ok" if reachable else "no answer", reachable)


def poll_devices(printer=None, terminal=None) -> list[DeviceState]:
    """The state of each device given (None = skip it), printer first."""
    states = []
    if printer is not None:
        states.append(printer_state(printer))
    # A training stand-in has no line to call: only a real driver can say whether it answers.
    if terminal is not None and hasattr(terminal, "reachable"):
        states.append(terminal_state(terminal))
    return states
