"""What the lane asks of a card payment terminal, whatever protocol it speaks.

A driver turns one payment or refund into an ``Outcome``. Drivers never raise for anything the
terminal or the link does (that is an outcome: declined before anything reached the card,
unknown once money may have moved); they raise ``TerminalError`` only for a request they refuse
to send (bad amount, reference or currency, a payment already running).
"""

from __future__ import annotations

import hashlib
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable

from pos_tui.domain.payment import Outcome

REFERENCE_LENGTH = 10
_REFERENCE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

ProgressCallback = Callable[[str], None]


class TerminalError(Exception):
    """A request the driver will not send; the message says what was wrong."""


class NotSupported(TerminalError):
    """The terminal's protocol has no such operation (e.g. abort on Concert E+)."""


MASK_CHARS = "Xx*"


def mask_pan(pan: str) -> str:
    """First 6 and last 4 digits of a card number, the rest masked; "" if it is not one.

    A terminal may send the number masked already (``4970XXXXXXXX1234``, ``497010******1234``):
    it is kept as received, its own mask character included, except that no digit beyond the
    first 6 and last 4 is ever kept. The digits in between are not kept anywhere: only this
    masked form leaves a driver.
    """
    text = pan.strip()
    if not (text.isascii() and 12 <= len(text) <= 19 and text[:1].isdigit() and text[-1:].isdigit()
            and all(ch.isdigit() or ch in MASK_CHARS for ch in text)):
        return ""
    mask = next((ch for ch in text if ch in MASK_CHARS), "*")
    return "".join(ch if (i < 6 or i >= len(text) - 4) else (ch if ch in MASK_CHARS else mask)
                   for i, ch in enumerate(text))


def derive_reference(attempt_id: str, length: int = REFERENCE_LENGTH) -> str:
    """A short reference for a payment attempt, e.g. Concert's 10-char private field.

    Derived from the attempt's own unique id (any length) as the first ``length`` base-36 digits
    of its SHA-256: the same id always gives the same reference (a restart re-derives it), and
    different ids collide with odds near 36**-10. Store it with the attempt before sending.
    """
    if not attempt_id:
        raise TerminalError("a payment attempt id is needed to derive its reference")
    number = int.from_bytes(hashlib.sha256(attempt_id.encode("utf-8")).digest(), "big")
    chars = []
    for _ in range(length):
        number, digit = divmod(number, len(_REFERENCE_ALPHABET))
        chars.append(_REFERENCE_ALPHABET[digit])
    return "".join(chars)


class PaymentTerminal(ABC):
    """One card terminal on one link. Calls block; run them in a worker thread.

    ``on_progress`` receives short plain-words messages ("waiting for the card") as the
    dialogue goes; ``cancel`` set from another thread stops waiting (the outcome is then
    cancelled if nothing was sent yet, unknown otherwise).
    """

    can_abort: bool = False

    @abstractmethod
    def pay(
        self,
        amount: int,
        currency_numeric: str,
        reference: str,
        on_progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> Outcome:
        """Charge ``amount`` minor units; ``reference`` is the attempt's unique reference."""

    @abstractmethod
    def refund(
        self,
        amount: int,
        currency_numeric: str,
        reference: str,
        on_progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> Outcome:
        """Credit ``amount`` minor units back to a card."""

    def close(self) -> None:
        """Release the link (a driver may keep its port open between payments)."""

    def abort(self) -> None:
        """Ask the terminal to stop the running transaction (only when ``can_abort``)."""
        raise NotSupported(f"{type(self).__name__}: cancel the payment on the terminal itself")
