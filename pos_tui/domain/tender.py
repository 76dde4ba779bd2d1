"""Payment rules: per-method limits, what is left to pay, cash rounding and change."""

from __future__ import annotations

from collections.abc import Iterable

from pos_tui.domain.money import Currency, format_amount, round_to_step
from pos_tui.domain.payment import TenderError, method_name
from pos_tui.i18n import _
from pos_tui.domain.frozen_records import FrozenRecord, frozen_record


def _money(minor: int, cur: Currency) -> str:
    return format_amount(minor, cur, symbol=True)


def check_limits(method: str, amount: int, min_amount: int, max_amount: int | None, cur: Currency) -> None:
    """Raise TenderError, naming the limit, for an amount outside the method's per-payment bounds."""
    name = method_name(method)
    if amount <= 0:
        raise TenderError(_("a {method} payment must be more than {amount}").format(method=name, amount=_money(0, cur)))
    if max_amount is not None and amount > max_amount:
        raise TenderError(_("{amount} exceeds the {method} limit of {limit}").format(
            amount=_money(amount, cur), method=name, limit=_money(max_amount, cur)))
    if amount < min_amount:
        raise TenderError(_("{amount} is below the {method} minimum of {minimum}").format(
            amount=_money(amount, cur), method=name, minimum=_money(min_amount, cur)))


@frozen_record
class Balance(FrozenRecord):
    """What the sale costs, what has been applied to it, and what is still to pay."""

    due: int
    paid: int

    @classmethod
    def of(cls, due: int, applied: Iterable[int]) -> Balance:
        return cls(due, sum(applied))

    @property
    def remaining(self) -> int:
        return self.due - self.paid

    @property
    def settled(self) -> bool:
        return self.remaining <= 0


def check_within_balance(method: str, amount: int, remaining: int, cur: Currency) -> None:
    """Only cash may be more than the balance (it gives change); other methods pay at most the balance."""
    if method != "cash" and amount > remaining:
        raise TenderError(_("{amount} by {method} is more than the balance of {balance}").format(
            amount=_money(amount, cur), method=method_name(method), balance=_money(remaining, cur)))


def cash_due(remaining: int, rounding_step: int) -> int:
    """The balance as cash settles it: rounded half-up to the cash step."""
    return round_to_step(remaining, rounding_step)


def cash_change(due: int, tendered: int, rounding_step: int) -> tuple[int, int]:
    """(rounded due, change) for cash that covers the rounded due; TenderError when it does not."""
    rounded = cash_due(due, rounding_step)
    if tendered < rounded:
        raise TenderError(_("the cash tendered does not cover the amount due"))
    return rounded, tendered - rounded


@frozen_record
class CashTender(FrozenRecord):
    """One cash payment: ``applied`` counts toward the balance, ``kept`` stays in the drawer."""

    tendered: int
    applied: int
    change: int
    rounding: int  # kept - applied: the cash-rounding adjustment on the settling payment

    @property
    def kept(self) -> int:
        return self.tendered - self.change


def cash_tender(remaining: int, tendered: int, rounding_step: int) -> CashTender:
    """Apply cash to the balance. Cash covering the balance rounded to the cash step settles it,
    with change and the rounding adjustment; less than the balance is a partial payment, applied
    as it is; anything between is refused."""
    if remaining <= 0:
        raise TenderError(_("nothing is left to pay"))
    if tendered < 0:
        raise TenderError(_("cash tendered cannot be negative"))
    rounded = cash_due(remaining, rounding_step)
    if tendered >= rounded:
        change = cash_change(remaining, tendered, rounding_step)[1]
        return CashTender(tendered, remaining, change, rounded - remaining)
    if tendered == 0:
        raise TenderError(_("no cash tendered"))
    if tendered < remaining:
        return CashTender(tendered, tendered, 0, 0)
    raise TenderError(_("the cash tendered does not cover the amount due"))

