"""What the lane's and the back office's blocking work answers with, as typed Textual messages.

Each blocking call runs in a ``@work(thread=True)`` method of the app, which posts one of these
with its result (posting is thread-safe and never waits); the app handles it on the UI thread in
``on_<message name>``. The receipt queue runs on the lane's event bus: its ``ReceiptsPrinted``
event comes back as ``PrintingEnded``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from pos_tui.services.lane import PrintResult
    from pos_tui.services.views import DeviceReport, DeviceState
    from pos_tui.tui.payment_run import PaymentRun


class TerminalProgress(Message):
    """What the terminal is doing ("follow the terminal: the customer presents the card"); posted
    from the payment worker's thread, handled on the UI thread."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class PaymentEnded(Message):
    """The terminal's or the wallet's answer to ``run`` (a payment or a refund), still to commit."""

    def __init__(self, run: PaymentRun, outcome: object) -> None:
        super().__init__()
        self.run = run
        self.outcome = outcome


class CardAbortFailed(Message):
    """The terminal did not take the lane's cancel: the cashier presses Cancel on it."""

    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class PrintingEnded(Message):
    """The receipt queue's turn ended: what it printed, or why not."""

    def __init__(self, result: PrintResult) -> None:
        super().__init__()
        self.result = result


class DrawerOpened(Message):
    """The drawer kick of a paid-in, paid-out or no-sale: done, or why not."""

    def __init__(self, result: PrintResult) -> None:
        super().__init__()
        self.result = result


class ReportPrinted(Message):
    """An X or Z report sent to the printer: printed, or why not."""

    def __init__(self, result: PrintResult) -> None:
        super().__init__()
        self.result = result


class BackupTaken(Message):
    """A backup: the checked copy's ``path``, or the ``error`` that stopped it."""

    def __init__(self, path: Path | None, error: str | None = None) -> None:
        super().__init__()
        self.path = path
        self.error = error


class PaymentStatesRead(Message):
    """The open sale's payments as the database has them (read in a worker while the lane waits at
    payment): the UI thread compares them with what it shows."""

    def __init__(self, sale_id: int, states: tuple) -> None:
        super().__init__()
        self.sale_id = sale_id
        self.states = states


class DevicesChecked(Message):
    """What the lane's last background check found, one state per device checked."""

    def __init__(self, states: Sequence[DeviceState]) -> None:
        super().__init__()
        self.states = tuple(states)


class DevicesReported(Message):
    """The back office's check of each configured device, or the ``error`` that refused it."""

    def __init__(self, reports: Sequence[DeviceReport], error: str | None = None) -> None:
        super().__init__()
        self.reports = tuple(reports)
        self.error = error
