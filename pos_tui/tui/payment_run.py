"""The one card or wallet payment (or refund) the lane app waits for."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pos_tui.services.views import PaymentRecord


@dataclass
class PaymentRun:
    """The one card or wallet attempt the app waits for. ``cancel`` tells the driver to stop
    waiting; ``cancel_explained`` is set once Esc has told the cashier how to cancel."""

    attempt: PaymentRecord
    progress: str
    started: float = field(default_factory=time.monotonic)
    cancel: threading.Event = field(default_factory=threading.Event)
    cancel_explained: bool = False

    @property
    def is_card(self) -> bool:
        return self.attempt.method == "card"

    def waited(self) -> float:
        return time.monotonic() - self.started


class RefundRun(PaymentRun):
    """A card or wallet refund the app waits for (``attempt`` is the lane's ``RefundAttempt``)."""
