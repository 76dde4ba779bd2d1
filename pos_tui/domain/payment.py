"""Payments as data: the one status enum, the one outcome a card terminal or a wallet acquirer
returns, and the registry of payment methods.

A payment method is one registry entry plus its driver or gateway. The entry says what kind of
method it is (cash, card through the terminal, wallet through an acquirer), which scanned payment
codes are its own (wallets), its name on screens, receipts and reports, its place in the reports,
whether a return gives money back to it before cash, and so which ``[payments.<name>]`` keys the
config reads for it. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum
from typing import Literal

from pos_tui.domain.errors import DomainError
from pos_tui.i18n import N_, _
from pos_tui.domain.frozen_records import FrozenRecord, frozen_record


class TenderError(DomainError):
    """A payment the rules refuse."""


# -- statuses ------------------------------------------------------------------------------------


class PaymentStatus(StrEnum):
    """Every state a payment row or a device's outcome can be in. The values are what the database
    stores (a payment row's ``status``), so they never change."""

    PLANNED = "planned"  # a refund written with its return, not sent yet
    PENDING = "pending"  # committed before anything is sent; a wallet: the customer is still confirming
    APPROVED = "approved"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"  # money may have moved: a supervisor resolves it
    REVERSED = "reversed"  # a wallet trade closed; any money taken goes back
    REFUNDED = "refunded"  # a wallet refund went through
    RESOLVED_APPROVED = "resolved_approved"  # unknown, then charged by the supervisor's word
    RESOLVED_NOT_CHARGED = "resolved_not_charged"  # unknown, then not charged by the supervisor's word


_S = PaymentStatus

SETTLED = (_S.APPROVED, _S.RESOLVED_APPROVED)
"""Payment rows whose money counts toward the sale (or the return)."""
UNRESOLVED = (_S.PENDING, _S.UNKNOWN)
"""Attempts nobody knows the outcome of yet: they block another electronic tender."""
OUTCOMES = (_S.APPROVED, _S.DECLINED, _S.CANCELLED, _S.UNKNOWN)
"""What a payment or refund row records as the device's answer."""
FINAL = (_S.APPROVED, _S.DECLINED)
"""A wallet trade with nothing left to wait for."""
REFUSED = (_S.DECLINED, _S.CANCELLED)
"""Nothing was charged (or given back)."""
OUTCOME_STATUSES = OUTCOMES + (_S.PENDING, _S.REVERSED, _S.REFUNDED)
"""What an ``Outcome`` can say: pay/query, reverse and refund of terminals and wallets."""
NEEDS_REASON = (_S.DECLINED, _S.CANCELLED, _S.PENDING, _S.UNKNOWN)

STATUS_NAMES = {
    _S.PLANNED: N_("planned"),
    _S.PENDING: N_("pending"),
    _S.APPROVED: N_("approved"),
    _S.DECLINED: N_("declined"),
    _S.CANCELLED: N_("cancelled"),
    _S.UNKNOWN: N_("unknown"),
    _S.REVERSED: N_("reversed"),
    _S.REFUNDED: N_("refunded"),
    _S.RESOLVED_APPROVED: N_("resolved approved"),
    _S.RESOLVED_NOT_CHARGED: N_("resolved not charged"),
}


def status_name(status: str) -> str:
    """A payment's status in words, in the lane's language ("pending", "resolved approved")."""
    return _(STATUS_NAMES[status]) if status in STATUS_NAMES else status.replace("_", " ")


@frozen_record
class Outcome(FrozenRecord):
    """How one call to a card terminal or a wallet acquirer ended.

    Terminal pay/refund: approved | declined | cancelled | unknown. Wallet pay/query: approved |
    declined | pending (the customer is still confirming) | unknown; reverse: reversed | declined |
    unknown; refund: refunded | declined | unknown. Declined, cancelled, pending and unknown carry a
    reason. ``masked_pan`` keeps a card's first 6 and last 4 digits only; ``transaction_id`` is the
    acquirer's trade (or refund) number.
    """

    status: PaymentStatus
    reason: str = ""
    masked_pan: str = ""
    auth_code: str = ""
    terminal_ref: str = ""
    transaction_id: str = ""

    def __post_init__(self) -> None:
        if self.status not in OUTCOME_STATUSES:
            raise ValueError(f"outcome status must be one of {', '.join(OUTCOME_STATUSES)}, got {self.status!r}")
        object.__setattr__(self, "status", PaymentStatus(self.status))
        if self.status in NEEDS_REASON and not self.reason:
            raise ValueError(f"a {self.status} outcome needs a reason")

    @property
    def approved(self) -> bool:
        return self.status is PaymentStatus.APPROVED


# -- the method registry -------------------------------------------------------------------------

MethodKind = Literal["cash", "card", "wallet", "points"]
KINDS: tuple[MethodKind, ...] = ("cash", "card", "wallet", "points")
LIMIT_AND_FEE_KEYS = ("enabled", "min", "max", "fee_rate", "fee_cap")
"""The ``[payments.<name>]`` keys of every method; a wallet's table also names its ``gateway``."""
WALLET_KEYS = ("gateway", "poll_interval", "max_wait", "timeout")
"""A wallet's own keys (its gateway's credentials come on top: see ``acquirer_config``)."""
_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")


@frozen_record
class WalletCode(FrozenRecord):
    """A wallet's payment codes: digits only, starting with one of ``prefixes``, one of ``lengths`` long."""

    prefixes: tuple[str, ...]
    lengths: tuple[int, ...]

    def __call__(self, code: str) -> bool:
        return (code.isascii() and code.isdigit() and len(code) in self.lengths
                and code.startswith(self.prefixes))


@frozen_record
class PaymentMethodEntry(FrozenRecord):
    """One payment method as the lane knows it.

    ``name`` is the key in the config (``[payments.<name>]``) and in the payment rows;
    ``display_name`` is an ``N_``-marked English name, shown through ``method_name``;
    ``matches_code`` (wallets only) says whether a scanned payment code is this wallet's;
    ``report_order`` places it among the reports' methods; ``refunds_first``: a return gives money
    back to it before it gives cash.
    """

    name: str
    kind: MethodKind
    display_name: str
    report_order: int
    matches_code: Callable[[str], bool] | None = None
    refunds_first: bool = True

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ValueError(f"a payment method name is a lower-case word (a-z, 0-9, _), got {self.name!r}")
        if self.kind not in KINDS:
            raise ValueError(f"payment method kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if (self.kind == "wallet") != (self.matches_code is not None):
            raise ValueError(f"payment method {self.name!r}: a wallet (and only a wallet) needs a code matcher")

    @property
    def is_wallet(self) -> bool:
        return self.kind == "wallet"

    @property
    def config_keys(self) -> tuple[str, ...]:
        """The keys its ``[payments.<name>]`` table may hold."""
        return LIMIT_AND_FEE_KEYS + (WALLET_KEYS if self.is_wallet else ())


METHODS: dict[str, PaymentMethodEntry] = {}
"""Every payment method, by name, in the order they were registered."""


def register_method(name: str, kind: MethodKind, display_name: str, *,
                    matches_code: Callable[[str], bool] | None = None, report_order: int | None = None,
                    refunds_first: bool | None = None) -> PaymentMethodEntry:
    """Add a payment method (before the config is read). ``report_order`` defaults to after every
    method registered so far; ``refunds_first`` to True for cards and wallets, False for cash."""
    if name in METHODS:
        raise ValueError(f"payment method {name!r} is registered already")
    entry = PaymentMethodEntry(
        name, kind, display_name,
        report_order=report_order if report_order is not None else max(
            (m.report_order for m in METHODS.values()), default=0) + 10,
        matches_code=matches_code,
        refunds_first=refunds_first if refunds_first is not None else kind != "cash",
    )
    METHODS[name] = entry
    return entry


def unregister_method(name: str) -> None:
    """Take a method out of the registry again (a test that added one)."""
    METHODS.pop(name, None)


def method(name: str) -> PaymentMethodEntry:
    """The registry entry of ``name``; KeyError when no such method is registered."""
    try:
        return METHODS[name]
    except KeyError:
        raise KeyError(f"no payment method {name!r}") from None


def method_name(name: str) -> str:
    """How the cashier reads a payment method: "card", "Alipay", "WeChat Pay" (in the lane's language)."""
    entry = METHODS.get(name)
    return _(entry.display_name) if entry else name


def method_label(name: str) -> str:
    """A method's name at the start of a line: "Card", "Cash", "Alipay"."""
    text = method_name(name)
    return text[:1].upper() + text[1:]


def is_wallet(name: str) -> bool:
    entry = METHODS.get(name)
    return bool(entry and entry.is_wallet)


def kind_of(name: str) -> MethodKind | None:
    entry = METHODS.get(name)
    return entry.kind if entry else None


def refunds_first(name: str) -> bool:
    """Whether a return gives money back to this method before it gives cash."""
    entry = METHODS.get(name)
    return bool(entry and entry.refunds_first)


def wallet_methods() -> tuple[PaymentMethodEntry, ...]:
    return tuple(m for m in METHODS.values() if m.is_wallet)


def methods_in_report_order() -> tuple[PaymentMethodEntry, ...]:
    return tuple(sorted(METHODS.values(), key=lambda m: (m.report_order, m.name)))


def wallet_for_code(code: str) -> str:
    """The wallet (e.g. "alipay", "wechat") whose payment codes ``code`` looks like."""
    digits = code.strip()
    for entry in wallet_methods():
        if entry.matches_code(digits):
            return entry.name
    raise TenderError(_("{code} is not an Alipay or WeChat Pay payment code").format(code=repr(code)))


register_method("cash", "cash", N_("cash"))
register_method("card", "card", N_("card"))
register_method("alipay", "wallet", N_("Alipay"),
                matches_code=WalletCode(tuple(str(p) for p in range(25, 31)), tuple(range(16, 25))))
register_method("wechat", "wallet", N_("WeChat Pay"),
                matches_code=WalletCode(tuple(str(p) for p in range(10, 16)), (18,)))
register_method("points", "points", N_("points"))  # a member's points (domain.members), settled on the lane
