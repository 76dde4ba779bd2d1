"""What every network gateway shares: the checks before a request goes out, the lost-answer rules
(a timeout, a 5xx or an answer that does not verify -> query before anything else; a lost refund
answer -> refund query, then the same refund again, idempotent by its number), and the words the
cashier reads. An acquirer's own text never reaches the screen or a receipt (DESIGN.md invariant
9): its error codes are mapped to our messages, or shown as a code cut to safe characters.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from pos_tui.devices.wallet.base import WalletError, WalletGateway
from pos_tui.domain.payment import Outcome, PaymentStatus
from pos_tui.gateways.transport import NoAnswer
from pos_tui.i18n import N_, _

_S = PaymentStatus
_SAFE_ID = re.compile(r"[A-Za-z0-9_\-.*|@]{1,64}")
_YUAN = re.compile(r"(0|[1-9]\d{0,9})\.(\d{2})")


class Untrusted(Exception):
    """An answer that failed its signature check or does not match the request: never approved."""


class Busy(Exception):
    """The acquirer says it could not finish (system error): what happened must be queried."""


def yuan(amount: int) -> str:
    """Minor units (fen) as the yuan text the acquirers take: 1250 -> "12.50"."""
    return f"{amount // 100}.{amount % 100:02d}"


def parse_yuan(text: object) -> int:
    """"12.50" -> 1250; Untrusted for anything else (an answer's amount is outside input)."""
    match = _YUAN.fullmatch(str(text)) if isinstance(text, (str, int)) else None
    if not match:
        raise Untrusted("amount")
    return int(match.group(1)) * 100 + int(match.group(2))


def safe_id(value: object) -> str:
    """A trade number from an answer, fit to store and print; Untrusted when it is anything else."""
    if not isinstance(value, str) or not _SAFE_ID.fullmatch(value):
        raise Untrusted("trade number")
    return value


def safe_code(value: object) -> str:
    """An acquirer's error code cut to letters, digits and ``_.-`` (at most 40), for a reason line."""
    text = "".join(ch for ch in str(value or "") if ch.isascii() and (ch.isalnum() or ch in "_.-"))
    return text[:40] or "?"


@dataclass(frozen=True)
class Refusal:
    """A reason of our own for an acquirer's error code."""

    words: str

    def outcome(self) -> Outcome:
        return Outcome(_S.DECLINED, _(self.words))


def code_invalid() -> str:
    return _("the payment code is invalid or has expired: ask the customer to refresh it")


def no_balance() -> str:
    return _("insufficient balance: ask for another payment method")


def refused(acquirer: str, code: object) -> str:
    return _("refused by {acquirer} ({code})").format(acquirer=_(acquirer), code=safe_code(code))


def confirming() -> str:
    return _("the customer is confirming on the phone")


class AcquirerGateway(WalletGateway):
    """A wallet acquirer over the network. Subclasses implement the one-shot calls (``_pay``,
    ``_query``, ``_reverse``, ``_refund``, ``_refund_query``) and raise NoAnswer, Busy or Untrusted
    for what is not a final answer; the rules here turn those into outcomes."""

    acquirer = N_("wallet")  # the name the cashier reads in a reason ("Alipay"), translated where used
    currencies = ("CNY",)

    def __init__(self, *, timeout: float = 10.0, sleep: Callable[[float], None] = time.sleep) -> None:
        self.timeout = timeout
        self.sleep = sleep
        self.requested: dict[str, int] = {}  # out_trade_no -> amount asked, to check the answers
        self.doubts: dict[str, str] = {}  # out_trade_no -> why its pay answer could not be taken

    # -- the calls of the ABC

    def pay(self, code: str, amount: int, currency: str, out_trade_no: str) -> Outcome:
        self._check(amount, out_trade_no)
        if currency not in self.currencies:
            raise WalletError(f"{self.acquirer} takes {', '.join(self.currencies)}, not {currency}")
        code = code.strip()
        if not (code.isascii() and code.isdigit() and 10 <= len(code) <= 32):
            return Outcome(_S.DECLINED, code_invalid())
        self.requested[out_trade_no] = amount
        try:
            return self._pay(code, amount, currency, out_trade_no)
        except (NoAnswer, Busy, Untrusted) as exc:
            first = self.doubts[out_trade_no] = self._lost(exc)
        # The request may have been taken: ask what happened before anything else.
        found = self.query(out_trade_no)
        if found.status in (_S.APPROVED, _S.DECLINED, _S.PENDING):
            return found
        return Outcome(_S.UNKNOWN, f"{first}; {found.reason}")

    def query(self, out_trade_no: str) -> Outcome:
        try:
            return self._query(out_trade_no)
        except (NoAnswer, Busy, Untrusted) as exc:
            return Outcome(_S.UNKNOWN, _("query: {reason}").format(reason=self._lost(exc)))

    def reverse(self, out_trade_no: str) -> Outcome:
        last = ""
        for attempt in range(3):  # idempotent: the same trade closed again
            if attempt:
                self.sleep(1.0)
            try:
                outcome = self._reverse(out_trade_no)
                doubt = self.doubts.get(out_trade_no)
                if outcome.status == _S.REVERSED and doubt:
                    return Outcome(_S.REVERSED, _("first answer: {evidence}").format(evidence=doubt),
                                   transaction_id=outcome.transaction_id)
                return outcome
            except (NoAnswer, Busy, Untrusted) as exc:
                last = self._lost(exc)
        return Outcome(_S.UNKNOWN, _("cancel: {reason}").format(reason=last))

    def refund(self, out_trade_no: str, amount: int, refund_no: str) -> Outcome:
        self._check(amount, out_trade_no)
        if not refund_no:
            raise WalletError("a refund needs its own refund_no")
        last = ""
        for _attempt in range(2):  # a lost answer: ask; nothing found: the same refund again
            try:
                return self._refund(out_trade_no, amount, refund_no)
            except (NoAnswer, Busy, Untrusted) as exc:
                last = self._lost(exc)
            try:
                found = self._refund_query(out_trade_no, amount, refund_no)
            except (NoAnswer, Busy, Untrusted) as exc:
                return Outcome(_S.UNKNOWN, _("refund query: {reason}").format(reason=self._lost(exc)))
            if found is not None:
                return found
        return Outcome(_S.UNKNOWN, _("refund: {reason}").format(reason=last))

    # -- what subclasses implement

    def _pay(self, code: str, amount: int, currency: str, out_trade_no: str) -> Outcome:
        raise NotImplementedError

    def _query(self, out_trade_no: str) -> Outcome:
        raise NotImplementedError

    def _reverse(self, out_trade_no: str) -> Outcome:
        raise NotImplementedError

    def _refund(self, out_trade_no: str, amount: int, refund_no: str) -> Outcome:
        raise NotImplementedError

    def _refund_query(self, out_trade_no: str, amount: int, refund_no: str) -> Outcome | None:
        """The refund's state, or None when the acquirer has no such refund."""
        raise NotImplementedError

    # -- helpers

    def _lost(self, exc: Exception) -> str:
        if isinstance(exc, Untrusted):
            return _("{acquirer}'s answer failed its check ({what})").format(acquirer=_(self.acquirer),
                                                                           what=safe_code(str(exc)))
        if isinstance(exc, Busy):
            return _("{acquirer} is busy ({code})").format(acquirer=_(self.acquirer), code=safe_code(str(exc)))
        return _("no answer from {acquirer} ({what})").format(acquirer=_(self.acquirer), what=_(str(exc)))

    def _check_amount(self, out_trade_no: str, answered: int) -> None:
        asked = self.requested.get(out_trade_no)
        if asked is not None and asked != answered:
            raise Untrusted("amount")

    @staticmethod
    def _check(amount: int, out_trade_no: str) -> None:
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise WalletError(f"wallet amount must be a positive int of minor units, got {amount!r}")
        if not out_trade_no or not _SAFE_ID.fullmatch(out_trade_no) or len(out_trade_no) > 32:
            raise WalletError("a wallet call needs the attempt's reference as out_trade_no (1-32 letters/digits)")

    @staticmethod
    def _same(answered: object, asked: str, what: str) -> None:
        if answered != asked:
            raise Untrusted(what)


@dataclass(frozen=True)
class BillRow:
    """One line of an acquirer's bill: a payment (by out_trade_no) or a refund (by its number)."""

    kind: str  # "payment" | "refund"
    number: str
    amount: int
    trade_no: str = ""
