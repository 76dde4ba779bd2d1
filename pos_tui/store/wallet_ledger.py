"""The wallet payments and refunds of a day as the lane recorded them, to hold against the
acquirers' bills (``pos-tui wallets reconcile``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from pos_tui.domain.payment import SETTLED, UNRESOLVED
from pos_tui.store.models import Payment


@dataclass(frozen=True)
class LedgerRow:
    kind: str  # "payment" | "refund"
    method: str
    number: str  # the attempt's reference: out_trade_no of a payment, the refund's number of a refund
    amount: int
    status: str


def wallet_rows(day: dt.date, methods: Iterable[str]) -> list[LedgerRow]:
    """Every settled or unresolved payment and refund of ``methods`` started on ``day`` (lane time)."""
    start = dt.datetime.combine(day, dt.time())
    query = (Payment.select()
             .where(Payment.method.in_(list(methods)) & (Payment.created_at >= start)
                    & (Payment.created_at < start + dt.timedelta(days=1))
                    & Payment.status.in_(list(SETTLED + UNRESOLVED)))
             .order_by(Payment.id))
    return [LedgerRow("refund" if p.refund_of is not None else "payment", p.method, p.reference, p.amount, p.status)
            for p in query]
