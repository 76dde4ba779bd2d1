"""A scripted wallet acquirer in memory, for the demo and for tests.

One script word per new trade, in order:

  approve             the payment goes through at once
  decline             refused at once (e.g. insufficient balance)
  user_paying[:N]     pending ("the customer is entering the password"); approved on the N-th
                      query (default 2)
  user_cancels[:N]    pending, then declined on the N-th query (default 2)
  timeout             the pay call gets no answer (unknown) and the customer never confirms:
                      queries stay pending, only a reversal ends it
  lost_reply          the pay call gets no answer (unknown) but the money was taken: the first
                      query says approved

Words are case-insensitive and "-" equals "_". Once the script is used up the amount decides
(for the demo): amounts ending in .01 decline, .02 are user_paying, .03 time out; everything
else is approved.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from pos_tui.devices.wallet.base import WalletError, WalletGateway
from pos_tui.domain.payment import Outcome, PaymentStatus
from pos_tui.i18n import _

_DEFAULT_POLLS = {"user_paying": 2, "user_cancels": 2}
_WORDS = {"approve", "decline", "timeout", "lost_reply"} | set(_DEFAULT_POLLS)
_BY_CENTS = {1: "decline", 2: "user_paying", 3: "timeout"}


class WalletScriptError(ValueError):
    """A wallet script word the simulator does not know; the message names it."""


@dataclass(frozen=True)
class WalletStep:
    action: str
    polls: int = 0


def parse_wallet_step(word: str) -> WalletStep:
    """A script word ("approve", "user_paying:3") as a WalletStep; WalletScriptError if unknown."""
    name, _colon, argument = word.strip().lower().partition(":")
    name = name.replace("-", "_")
    if name not in _WORDS:
        raise WalletScriptError(f"unknown wallet script word {word!r} (known: {', '.join(sorted(_WORDS))})")
    if not argument:
        return WalletStep(name, _DEFAULT_POLLS.get(name, 0))
    if name not in _DEFAULT_POLLS or not argument.isdigit() or int(argument) < 1:
        raise WalletScriptError(f"wallet script word {word!r}: only user_paying/user_cancels take a count (1 or more)")
    return WalletStep(name, int(argument))


@dataclass
class Trade:
    """One out_trade_no as the simulated acquirer keeps it."""

    code: str
    amount: int
    currency: str
    transaction_id: str
    status: PaymentStatus
    step: WalletStep
    queries: int = 0
    refunds: dict[str, int] = field(default_factory=dict)


class SimulatedWallet(WalletGateway):
    """An in-memory acquirer named ``name`` ("alipay", "wechat") following a script."""

    def __init__(self, name: str = "alipay", script: Iterable[str] = ()) -> None:
        self.name = name
        self._script = deque(parse_wallet_step(word) for word in script)
        self._trades: dict[str, Trade] = {}
        self._closed: set[str] = set()
        self._lock = threading.Lock()
        self._serial = 0
        self.calls: list[tuple[str, str]] = []

    def queue(self, *words: str) -> None:
        steps = [parse_wallet_step(word) for word in words]
        with self._lock:
            self._script.extend(steps)

    def pay(self, code: str, amount: int, currency: str, out_trade_no: str) -> Outcome:
        _check_request(amount, out_trade_no)
        with self._lock:
            self.calls.append(("pay", out_trade_no))
            trade = self._trades.get(out_trade_no)
            if trade is not None:
                if (trade.code, trade.amount, trade.currency) != (code, amount, currency):
                    raise WalletError(f"out_trade_no {out_trade_no} was already used for another payment")
                return self._state(trade)
            if out_trade_no in self._closed:
                return Outcome(PaymentStatus.DECLINED, _("trade {number} was closed").format(number=out_trade_no))
            if not (code.isascii() and code.isdigit()):
                return Outcome(PaymentStatus.DECLINED, _("not a payment code"))
            step = self._script.popleft() if self._script else WalletStep(_BY_CENTS.get(amount % 100, "approve"), 2)
            self._serial += 1
            transaction_id = f"{self.name.upper()[:3]}{self._serial:012d}"
            status = {"approve": PaymentStatus.APPROVED, "decline": PaymentStatus.DECLINED,
                      "lost_reply": PaymentStatus.APPROVED}.get(step.action, PaymentStatus.PENDING)
            trade = Trade(code, amount, currency, transaction_id, status, step)
            self._trades[out_trade_no] = trade
            if step.action in ("timeout", "lost_reply"):
                return Outcome(PaymentStatus.UNKNOWN, _("no answer from the wallet acquirer"))
            return self._state(trade)

    def query(self, out_trade_no: str) -> Outcome:
        with self._lock:
            self.calls.append(("query", out_trade_no))
            trade = self._trades.get(out_trade_no)
            if trade is None:
                return Outcome(PaymentStatus.UNKNOWN, _("no trade {number}").format(number=out_trade_no))
            if trade.status == PaymentStatus.PENDING:
                trade.queries += 1
                if trade.step.action in _DEFAULT_POLLS and trade.queries >= trade.step.polls:
                    paid = trade.step.action == "user_paying"
                    trade.status = PaymentStatus.APPROVED if paid else PaymentStatus.DECLINED
            return self._state(trade)

    def reverse(self, out_trade_no: str) -> Outcome:
        with self._lock:
            self.calls.append(("reverse", out_trade_no))
            trade = self._trades.get(out_trade_no)
            self._closed.add(out_trade_no)
            if trade is not None and trade.status in (PaymentStatus.APPROVED, PaymentStatus.PENDING):
                trade.status = PaymentStatus.REVERSED
            return Outcome(PaymentStatus.REVERSED, transaction_id=trade.transaction_id if trade else "")

    def refund(self, out_trade_no: str, amount: int, refund_no: str) -> Outcome:
        _check_request(amount, out_trade_no)
        with self._lock:
            self.calls.append(("refund", out_trade_no))
            trade = self._trades.get(out_trade_no)
            if trade is None or trade.status != PaymentStatus.APPROVED:
                not_paid = _("trade {number} is not a completed payment")
                return Outcome(PaymentStatus.DECLINED, not_paid.format(number=out_trade_no))
            if refund_no in trade.refunds:
                if trade.refunds[refund_no] != amount:
                    raise WalletError(f"refund_no {refund_no} was already used for another amount")
                return Outcome(PaymentStatus.REFUNDED, transaction_id=f"{trade.transaction_id}-{refund_no}")
            refunded = sum(trade.refunds.values())
            if refunded + amount > trade.amount:
                too_much = _("refund of {amount} exceeds what is left of the payment ({left})")
                return Outcome(PaymentStatus.DECLINED, too_much.format(amount=amount, left=trade.amount - refunded))
            trade.refunds[refund_no] = amount
            return Outcome(PaymentStatus.REFUNDED, transaction_id=f"{trade.transaction_id}-{refund_no}")

    def charged(self) -> dict[str, int]:
        """out_trade_no -> amount of every trade that holds the customer's money now."""
        with self._lock:
            return {
                number: trade.amount - sum(trade.refunds.values())
                for number, trade in self._trades.items()
                if trade.status == PaymentStatus.APPROVED
            }

    @staticmethod
    def _state(trade: Trade) -> Outcome:
        if trade.status == PaymentStatus.APPROVED:
            return Outcome(PaymentStatus.APPROVED, transaction_id=trade.transaction_id)
        if trade.status == PaymentStatus.DECLINED:
            return Outcome(PaymentStatus.DECLINED, _("refused by the wallet"), transaction_id=trade.transaction_id)
        if trade.status == PaymentStatus.REVERSED:
            return Outcome(PaymentStatus.DECLINED, _("the trade was reversed"), transaction_id=trade.transaction_id)
        return Outcome(PaymentStatus.PENDING, _("the customer is confirming on the phone"),
                       transaction_id=trade.transaction_id)


def _check_request(amount: int, out_trade_no: str) -> None:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise WalletError(f"wallet amount must be a positive int of minor units, got {amount!r}")
    if not out_trade_no:
        raise WalletError("a wallet call needs the attempt's out_trade_no")
