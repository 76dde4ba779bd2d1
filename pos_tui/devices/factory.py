"""The lane's devices built from its config: the receipt printer and the card terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pos_tui.config import PrinterConfig, TerminalConfig

if TYPE_CHECKING:  # the drivers (and pyserial) are imported for a lane that has the device
    from pos_tui.devices.printer import ReceiptPrinter
    from pos_tui.devices.terminal.base import PaymentTerminal


def printer_from_config(cfg: PrinterConfig) -> ReceiptPrinter | None:
    """The configured ESC/POS printer, or None when the lane has none (receipts are skipped)."""
    if cfg.driver == "none":
        return None
    from pos_tui.devices.printer import ReceiptPrinter

    return ReceiptPrinter(
        cfg.port, connection=cfg.connection, baudrate=cfg.baudrate, width=cfg.width, encoding=cfg.encoding,
        chinese_mode=cfg.chinese_mode, cut=cfg.cut, drawer_pin=cfg.drawer_pin,
    )


def terminal_from_config(cfg: TerminalConfig, lane_number: int, simulator_port: str | None = None
                         ) -> PaymentTerminal | None:
    """The Concert E+ driver on the configured port, or on a simulator's pty; None without a terminal."""
    if cfg.driver == "none":
        return None
    from pos_tui.devices.terminal.concert import ConcertTerminal

    # A pty takes only 8N1 (Linux refuses a reopen with 7E1), so the simulator's link is 8N1.
    line = dict(bytesize=8, parity="N") if simulator_port else dict(bytesize=cfg.bytesize, parity=cfg.parity)
    return ConcertTerminal(
        simulator_port or cfg.port, pos_number=lane_number, baudrate=cfg.baudrate, stopbits=cfg.stopbits,
        step_timeout=cfg.step_timeout, answer_timeout=cfg.answer_timeout, **line,
    )
