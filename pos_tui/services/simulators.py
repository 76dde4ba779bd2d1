"""The simulated devices `pos-tui sim ...` runs on pseudo-terminals, for trying the lane without
hardware. Each simulator's module loads only when that simulator starts."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


class SimulatorSettingError(ValueError):
    """A simulator's setting it cannot take; ``str()`` says which and why."""


def check_terminal_script(words: Iterable[str]) -> None:
    """SimulatorSettingError naming the first outcome of a card terminal script it does not know."""
    from pos_tui.devices.terminal.simulator import ScriptError, parse_step

    try:
        for word in words:
            parse_step(word)
    except ScriptError as exc:
        raise SimulatorSettingError(str(exc)) from None


def run_terminal(words: list[str], *, think_seconds: float) -> None:
    """A simulated Concert E+ card terminal answering ``words`` in order, until stopped."""
    from pos_tui.devices.terminal.simulator import run_terminal_simulator

    run_terminal_simulator(words, think_seconds=think_seconds)


def run_printer(out: Path | None, state: str, *, width: int) -> None:
    """A virtual ESC/POS printer answering status queries with ``state``, until stopped."""
    from pos_tui.devices.printer_sim import run_printer_simulator

    run_printer_simulator(out, state, width=width)


def run_display(*, protocol: str, baudrate: int, width: int, encoding: str, link: Path | None) -> None:
    from pos_tui.devices.display_sim import run_display_simulator

    run_display_simulator(protocol=protocol, baudrate=baudrate, width=width, encoding=encoding, link=link)


def scale_weight(text: str) -> int:
    """A weight in kg as the scale simulator takes it ("1.250"), in grams; SimulatorSettingError if
    it is not one."""
    from pos_tui.devices.scale_sim import SimulatorError, parse_command

    try:
        grams, _mode = parse_command(text)
    except SimulatorError as exc:
        raise SimulatorSettingError(str(exc)) from None
    return grams or 0


def run_scale(*, protocol: str, weight_milli: int, mode: str, link: Path | None) -> None:
    from pos_tui.devices.scale_sim import run_scale_simulator

    run_scale_simulator(protocol=protocol, weight_milli=weight_milli, mode=mode, link=link)


def run_scanner(*, suffix: str, link: Path | None) -> None:
    from pos_tui.devices.scanner_sim import run_scanner_simulator

    run_scanner_simulator(suffix=suffix, link=link)
