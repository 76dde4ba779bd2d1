"""The lane's devices built from its config: the receipt printer and the card terminal."""

from __future__ import annotations

from pos_tui.config import PrinterConfig, TerminalConfig
from pos_tui.devices.printer import ReceiptPrinter
from pos_tui.devices.terminal.base import PaymentTerminal


def printer_from_config(cfg: PrinterConfig) -> ReceiptPrinter | None:
    """The configured ESC/POS printer, or None when the lane has none (receipts are skipped)."""
    if cfg.driver == "none":
        return None
    return ReceiptPrinter(
        cfg.port, connection=cfg.connection, baudrate=cfg.baudrate, width=cfg.width, encoding=cfg.encoding,
        chinese_mode=cfg.chinese_mode, cut=cfg.cut, drawer_pin=cfg.drawer_pin,
    )


def terminal_from_config(cfg: TerminalConfig, lane_number: int, port: str | None = None) -> PaymentTerminal | None:
    """The Concert E+ driver on the configured port (or ``port``: the simulator's pty), or None."""
    if cfg.driver == "none":
        return None
    from pos_tui.devices.terminal.concert import ConcertTerminal

    return ConcertTerminal(
        port or cfg.port, pos_number=lane_number, baudrate=cfg.baudrate, bytesize=cfg.bytesize, parity=cfg.parity,
        stopbits=cfg.stopbits, step_timeout=cfg.step_timeout, answer_timeout=cfg.answer_timeout,
    )
