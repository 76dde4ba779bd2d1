"""``pos-tui devices check``: open each configured device once and say how it is, in plain words.

Every check does blocking I/O bounded by the device's own timeouts (the printer's status reads,
the terminal's step timeout), so a dead device costs seconds, never a hang.
"""

from __future__ import annotations

from dataclasses import dataclass

from pos_tui.config import Config, DisplayConfig, PrinterConfig, ScaleConfig, ScannerConfig, TerminalConfig
from pos_tui.devices.factory import printer_from_config, terminal_from_config
from pos_tui.devices.ports import DeviceError, open_serial
from pos_tui.devices.printer import PrinterStatus
from pos_tui.devices.terminal.base import TerminalError
from pos_tui.i18n import N_, _

_PAPER_WORDS = {
    "ok": N_("paper ok"),
    "near_end": N_("paper near end"),
    "out": N_("paper out"),
    "unknown": N_("paper sensor not answering"),
}


@dataclass(frozen=True)
class DeviceReport:
    """One device: ``ok`` is False only for a configured device that failed its check."""

    name: str
    ok: bool
    words: str
    configured: bool = True


def check_devices(config: Config) -> list[DeviceReport]:
    """Printer, card terminal, scanner, display and scale, in that order (unconfigured ones say so)."""
    devices = config.devices
    return [
        check_printer(devices.printer),
        check_terminal(devices.terminal, config.store.lane),
        check_scanner(devices.scanner),
        check_display(devices.display),
        check_scale(devices.scale),
    ]


def check_printer(cfg: PrinterConfig) -> DeviceReport:
    """Ask the printer for its status (DLE EOT): online, paper, cover; silence is a failure."""
    name = "printer"
    if cfg.driver == "none":
        return DeviceReport(name, True, _("not configured"), configured=False)
    try:
        printer = printer_from_config(cfg)
        status = printer.status()
    except DeviceError as exc:
        return DeviceReport(name, False, str(exc))
    if cfg.connection == "file":
        return DeviceReport(name, True, _("writes to the file {port} (a file cannot report paper or cover)").format(
            port=cfg.port))
    return _printer_report(name, status, cfg.port)


def _printer_report(name: str, status: PrinterStatus, port: str) -> DeviceReport:
    if status.cover_open:
        return DeviceReport(name, False, _("offline, cover open ({port})").format(port=port))
    if not status.online and status.paper == "unknown":
        # No status byte came back at all, or garbage did: the printer's own message says which.
        return DeviceReport(name, False, f"{status.message.removeprefix('printer ')} ({port})")
    words = _("online, {paper} ({port})") if status.online else _("offline, {paper} ({port})")
    ok = status.online and status.paper != "out"
    return DeviceReport(name, ok, words.format(paper=_(_PAPER_WORDS[status.paper]), port=port))


def check_terminal(cfg: TerminalConfig, lane_number: int) -> DeviceReport:
    """Call the card terminal (ENQ, expecting ACK, then EOT); nothing is charged."""
    name = "card terminal"
    if cfg.driver == "none":
        return DeviceReport(name, True, _("not configured"), configured=False)
    if cfg.driver == "simulator":
        return DeviceReport(name, True, _("simulated (the lane starts its own on a pseudo-terminal)"))
    try:
        terminal = terminal_from_config(cfg, lane_number)
    except TerminalError as exc:
        return DeviceReport(name, False, str(exc))
    try:
        reachable = terminal.reachable()
    finally:
        terminal.close()
    if reachable:
        return DeviceReport(name, True, _("answers ({port})").format(port=cfg.port))
    return DeviceReport(name, False, _why_unreachable(cfg))


def _why_unreachable(cfg: TerminalConfig) -> str:
    """Tell a port that does not open from a terminal that does not answer on an open port.

    Opened only after a failed call, so a working terminal's port is opened once per check.
    """
    try:
        open_serial(cfg.port, cfg.baudrate, cfg.bytesize, cfg.parity, cfg.stopbits, timeout=0,
                    device=N_("card terminal")).close()
    except DeviceError as exc:
        return str(exc)
    return _("not answering ({port} opens: is the terminal on, cabled, and in cash-register mode?)").format(port=cfg.port)


def check_scanner(cfg: ScannerConfig) -> DeviceReport:
    name = N_("scanner")
    if cfg.driver == "keyboard":
        return DeviceReport(name, True, _("types like a keyboard (no port to open)"))
    return _port_opens(name, cfg.port, cfg.baudrate)


def check_display(cfg: DisplayConfig) -> DeviceReport:
    name = N_("display")
    if cfg.driver == "none":
        return DeviceReport(name, True, _("not configured"), configured=False)
    return _port_opens(name, cfg.port, cfg.baudrate)


def check_scale(cfg: ScaleConfig) -> DeviceReport:
    """Ask the scale for a weight (nothing is sold): what it answers, or why it does not."""
    name = N_("scale")
    if cfg.driver == "none":
        return DeviceReport(name, True, _("not configured"))
    from pos_tui.devices.scale import ScaleError, scale_from_config

    scale = scale_from_config(cfg)
    try:
        words = scale.check()
    except DeviceError as exc:  # a port that would not open names itself; a scale's answer does not
        return DeviceReport(name, False, f"{exc} ({cfg.port})" if isinstance(exc, ScaleError) else str(exc))
    finally:
        scale.close()
    return DeviceReport(name, True, f"{words} ({cfg.port})")


def _port_opens(name: str, port: str, baudrate: int) -> DeviceReport:
    """Scanner and pole display only listen or only talk: a port that opens is all that can be checked."""
    try:
        open_serial(port, baudrate, timeout=0, device=name).close()
    except DeviceError as exc:
        return DeviceReport(name, False, str(exc))
    return DeviceReport(name, True, _("port opens ({port})").format(port=port))
