"""What the lane asks of a wallet acquirer (Alipay, WeChat Pay): pay by the customer's code.

Every call is idempotent by ``out_trade_no`` (the payment attempt's unique reference): paying
twice with the same number never charges twice, it reports the first trade. Gateways never
raise for what the network or the acquirer does (that is an outcome: unknown when nobody can
tell whether money moved); they raise ``WalletError`` only for a request they refuse to send.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable

from pos_tui.domain.payment import FINAL, Outcome, PaymentStatus
from pos_tui.i18n import _


class WalletError(Exception):
    """A wallet request that will not be sent; the message says what was wrong."""


class WalletGateway(ABC):
    """One wallet acquirer. Calls block (network); run them in a worker thread.

    pay/query answer approved, declined, pending (the customer is still confirming) or unknown;
    reverse: reversed (the trade is closed; any money taken goes back), declined or unknown;
    refund: refunded, declined or unknown. ``transaction_id`` is the acquirer's trade (or refund)
    number.
    """

    name: str = "wallet"
    routes_any_code: bool = False
    """An aggregator (Shouqianba) that takes any wallet's payment code and routes it itself."""

    @abstractmethod
    def pay(self, code: str, amount: int, currency: str, out_trade_no: str) -> Outcome:
        """Charge ``amount`` minor units of ``currency`` (ISO code) to the scanned payment code."""

    @abstractmethod
    def query(self, out_trade_no: str) -> Outcome:
        """The trade's current state: approved, declined, pending, or unknown if not found."""

    @abstractmethod
    def reverse(self, out_trade_no: str) -> Outcome:
        """Close the trade whatever its state; money already taken goes back."""

    @abstractmethod
    def refund(self, out_trade_no: str, amount: int, refund_no: str) -> Outcome:
        """Give back ``amount`` of an approved trade; idempotent by ``refund_no``."""


def settle_wallet_payment(
    gateway: WalletGateway,
    code: str,
    amount: int,
    currency: str,
    out_trade_no: str,
    poll_interval: float,
    max_wait: float,
    sleep: Callable[[float], None],
    on_progress: Callable[[str], None] | None = None,
) -> Outcome:
    """Pay, poll until the trade is final, reverse it when it never becomes final.

    Returns approved or declined, or unknown when the reversal itself failed (money may have
    moved: a supervisor resolves it; the last query's answer is kept in the reason as evidence).
    ``max_wait`` counts the poll intervals slept; ``on_progress`` hears "customer confirming on
    the phone (N s)" while the trade is pending.
    """
    if poll_interval <= 0 or max_wait < 0:
        raise WalletError("poll_interval must be positive and max_wait not negative")
    outcome = gateway.pay(code, amount, currency, out_trade_no)
    waited = 0.0
    while outcome.status not in FINAL and waited < max_wait:
        if on_progress is not None:
            on_progress(_("customer confirming on the phone ({seconds} s)").format(seconds=f"{waited:.0f}")
                        if outcome.status == PaymentStatus.PENDING else
                        _("asking the acquirer what happened ({seconds} s)").format(seconds=f"{waited:.0f}"))
        sleep(poll_interval)
        waited += poll_interval
        outcome = gateway.query(out_trade_no)
    if outcome.status in FINAL:
        return outcome
    reversal = gateway.reverse(out_trade_no)
    if reversal.status == PaymentStatus.REVERSED:
        reason = _("not confirmed within {seconds} s; the payment was reversed").format(seconds=f"{max_wait:g}")
        if reversal.reason:  # e.g. the pay answer that failed its signature check
            reason += "; " + reversal.reason
        return Outcome(PaymentStatus.DECLINED, reason, transaction_id=outcome.transaction_id)
    reason = _("not confirmed within {seconds} s and the reversal failed: {reason}").format(
        seconds=f"{max_wait:g}", reason=reversal.reason)
    if outcome.status == PaymentStatus.UNKNOWN and outcome.reason:
        reason += "; " + _("last query: {evidence}").format(evidence=outcome.reason)
    return Outcome(PaymentStatus.UNKNOWN, reason, transaction_id=outcome.transaction_id)
