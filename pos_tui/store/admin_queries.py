"""Read-only questions the back office asks across lanes: sales by hour, payments left unknown."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pos_tui.domain.payment import UNRESOLVED, PaymentStatus
from pos_tui.domain.report import HourTotal
from pos_tui.store.models import Payment, Sale
from pos_tui.store.sales import PaymentRecord, SaleRecord, _payment_record, _record


@dataclass(frozen=True)
class UnknownPayment:
    """A card or wallet attempt nobody knows the outcome of, with the sale it belongs to."""

    payment: PaymentRecord
    sale: SaleRecord


def sales_by_hour(day: dt.date, lane: int | None = None) -> tuple[HourTotal, ...]:
    """Paid sales closed on ``day`` (training and returns left out), counted and summed per hour."""
    start = dt.datetime.combine(day, dt.time())
    query = (Sale.select(Sale.closed_at, Sale.total)
             .where((Sale.status == "paid") & (Sale.kind == "sale") & (Sale.training == False)  # noqa: E712
                    & (Sale.closed_at >= start) & (Sale.closed_at < start + dt.timedelta(days=1))))
    if lane is not None:
        query = query.where(Sale.lane == lane)
    hours: dict[int, tuple[int, int]] = {}
    for closed_at, total in query.tuples():
        count, amount = hours.get(closed_at.hour, (0, 0))
        hours[closed_at.hour] = (count + 1, amount + total)
    return tuple(HourTotal(hour, count, amount) for hour, (count, amount) in sorted(hours.items()))


def unknown_payments(lane: int | None = None) -> list[UnknownPayment]:
    """Every attempt still pending or unknown (of one lane, or all), oldest first."""
    query = (Payment.select(Payment, Sale).join(Sale).where(Payment.status.in_(UNRESOLVED))
             .order_by(Payment.id))
    if lane is not None:
        query = query.where(Sale.lane == lane)
    return [UnknownPayment(_payment_record(p), _record(p.sale)) for p in query]


def payments_in_progress() -> int:
    """Attempts committed as pending: a lane is talking to its terminal or wallet right now (or
    crashed while it did)."""
    return Payment.select().where(Payment.status == PaymentStatus.PENDING).count()
