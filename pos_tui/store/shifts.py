"""Shifts on a lane: open with a counted float, paid-in / paid-out / no-sale, training mode, and
the blind close (the count is stored before the expected amount is worked out and shown).

One open shift per lane (a partial unique index holds it even against a second process). Every
function is one write transaction with its journal row, or a read.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

import peewee

from pos_tui.domain.business_day import day_to_open
from pos_tui.domain.money import Currency, format_amount
from pos_tui.domain.payment import SETTLED, method_name
from pos_tui.i18n import _, ngettext
from pos_tui.store import journal, outbox
from pos_tui.store.db import StoreError, write_transaction
from pos_tui.store.models import CashMovement, Payment, Sale, Shift, ZReport
from pos_tui.domain.frozen_records import FrozenRecord, frozen_record

if TYPE_CHECKING:  # the reports' module is imported when drawer figures are first needed, not at open
    from pos_tui.domain.report import CashSummary

log = logging.getLogger(__name__)
OPEN, CLOSED = "open", "closed"


class ShiftError(StoreError):
    """A shift operation the data does not allow (none open, one open already, blocked close)."""


@frozen_record
class ShiftRecord(FrozenRecord):
    id: int
    lane: int
    status: str
    opened_by: str
    opened_at: dt.datetime
    opening_float: int
    training: bool
    closed_by: str | None
    closed_at: dt.datetime | None
    counted: int | None
    expected: int | None
    left_in_drawer: int | None
    z_report: int | None
    business_day: dt.date | None = None  # the day it opened in, whatever the clock says later

    @property
    def over_short(self) -> int | None:
        """Counted less expected once closed: negative when the drawer was short."""
        if self.counted is None or self.expected is None:
            return None
        return self.counted - self.expected


@frozen_record
class MovementRecord(FrozenRecord):
    id: int
    shift_id: int
    kind: str
    amount: int
    reason: str
    actor: str
    approved_by: str | None
    at: dt.datetime
    training: bool


def _record(shift: Shift) -> ShiftRecord:
    return ShiftRecord(
        shift.id, shift.lane, shift.status, shift.opened_by, shift.opened_at, shift.opening_float,
        bool(shift.training), shift.closed_by, shift.closed_at, shift.counted, shift.expected,
        shift.left_in_drawer, shift.z_report,
        dt.date.fromisoformat(shift.business_day) if shift.business_day else None,
    )


def _movement(m: CashMovement) -> MovementRecord:
    return MovementRecord(m.id, m.shift_id, m.kind, m.amount, m.reason, m.actor, m.approved_by, m.at,
                          bool(m.training))


def _open_row(lane: int) -> Shift:
    shift = Shift.get_or_none((Shift.lane == lane) & (Shift.status == OPEN))
    if shift is None:
        raise ShiftError(_("no shift is open on lane {lane}: open one by counting the float").format(lane=lane))
    return shift


def open_shift_on_lane(lane: int) -> ShiftRecord | None:
    shift = Shift.get_or_none((Shift.lane == lane) & (Shift.status == OPEN))
    return _record(shift) if shift else None


def get_shift(shift_id: int) -> ShiftRecord:
    shift = Shift.get_or_none(Shift.id == shift_id)
    if shift is None:
        raise ShiftError(_("shift {shift} does not exist").format(shift=shift_id))
    return _record(shift)


def last_closed_shift(lane: int) -> ShiftRecord | None:
    """The lane's latest shift by its sequence (never by its clock time, which may have jumped)."""
    shift = Shift.select().where((Shift.lane == lane) & (Shift.status == CLOSED)).order_by(Shift.id.desc()).first()
    return _record(shift) if shift else None


def suggested_float(lane: int, default_float: int) -> int:
    """What the drawer should hold at opening: what the last shift left in it, else the default."""
    last = last_closed_shift(lane)
    if last is not None and last.left_in_drawer is not None:
        return last.left_in_drawer
    return default_float


def shifts_of_lane(lane: int, *, day: dt.date | None = None, up_to: dt.date | None = None,
                   unreported: bool = False) -> list[ShiftRecord]:
    """The lane's shifts in the order they were opened: those of one business day (or of every day
    up to one), or those no Z report covers yet."""
    query = Shift.select().where(Shift.lane == lane).order_by(Shift.id)
    if day is not None:
        query = query.where(Shift.business_day == day.isoformat())
    if up_to is not None:
        query = query.where(Shift.business_day <= up_to.isoformat())
    if unreported:
        query = query.where(Shift.z_report.is_null())
    return [_record(shift) for shift in query]


def last_closed_day(lane: int) -> dt.date | None:
    """The latest business day a Z report closed on the lane."""
    day = ZReport.select(peewee.fn.MAX(ZReport.business_day)).where(ZReport.lane == lane).scalar()
    return dt.date.fromisoformat(day) if day else None


def open_shift(lane: int, counted_float: int, *, actor: str, now: dt.datetime, suggested: int,
               denominations: Mapping[int, int] | None = None, clock_day: dt.date | None = None) -> ShiftRecord:
    """Open the lane's shift with the float the cashier counted (``suggested`` is what the drawer
    should have held; a difference is journaled). It belongs to ``clock_day`` (the business day by
    the clock; default the date of ``now``) unless a Z report closed that day already: then to the
    day after the last one closed."""
    if counted_float < 0:
        raise ShiftError(_("the float cannot be negative"))
    clock_day = clock_day or now.date()
    with write_transaction():
        if Shift.select().where((Shift.lane == lane) & (Shift.status == OPEN)).exists():
            raise ShiftError(_("lane {lane} already has an open shift").format(lane=lane))
        day = day_to_open(clock_day, last_closed_day(lane))
        shift = Shift.create(
            lane=lane, status=OPEN, opened_by=actor, opened_at=now, opening_float=counted_float,
            float_detail=json.dumps(_detail(denominations)) if denominations else "", business_day=day.isoformat(),
        )
        payload = {"shift": shift.id, "lane": lane, "float": counted_float, "suggested": suggested,
                   "day": day.isoformat()}
        if day != clock_day:
            payload["clock_day"] = clock_day.isoformat()
            log.warning("lane %s: the clock says business day %s, which a Z report has closed; shift %s "
                        "belongs to %s", lane, clock_day, shift.id, day)
        journal.append("shift.open", payload, actor)
        outbox.add_shift(shift.id, "shift.open")
    return _record(Shift.get_by_id(shift.id))


def _detail(denominations: Mapping[int, int]) -> dict[str, int]:
    return {str(value): count for value, count in sorted(denominations.items())}


def record_movement(lane: int, kind: str, amount: int, reason: str, *, actor: str, approved_by: str | None,
                    now: dt.datetime) -> MovementRecord:
    """A paid-in, paid-out or no-sale drawer opening in the lane's open shift."""
    from pos_tui.domain.report import MOVEMENT_KINDS

    if kind not in MOVEMENT_KINDS:
        raise ShiftError(f"drawer movement must be one of {', '.join(MOVEMENT_KINDS)}, got {kind!r}")
    if kind == "no_sale" and amount:
        raise ShiftError(_("a no-sale moves no money"))
    if kind != "no_sale" and amount <= 0:
        raise ShiftError(_("a paid-in needs an amount above 0") if kind == "paid_in" else
                         _("a paid-out needs an amount above 0"))
    if not reason.strip():
        raise ShiftError(_("a paid-in needs a reason") if kind == "paid_in" else
                         _("a paid-out needs a reason") if kind == "paid_out" else _("a no-sale needs a reason"))
    with write_transaction():
        shift = _open_row(lane)
        if kind == "paid_out" and not shift.training and amount > cash_summary(shift.id).expected:
            raise ShiftError(_("the paid-out is more than the drawer should hold"))
        move = CashMovement.create(shift=shift.id, kind=kind, amount=amount, reason=reason.strip()[:200],
                                   actor=actor, approved_by=approved_by, at=now, training=shift.training)
        journal.append(f"drawer.{kind}", {"shift": shift.id, "amount": amount, "reason": move.reason,
                                          "approved_by": approved_by, "training": bool(shift.training)}, actor)
        outbox.add_movement(move.id)
    return _movement(move)


def movements_of(shift_id: int) -> list[MovementRecord]:
    query = CashMovement.select().where(CashMovement.shift == shift_id).order_by(CashMovement.id)
    return [_movement(m) for m in query]


def log_drawer_opened(lane: int, actor: str, ok: bool, detail: str = "") -> None:
    """The drawer kick itself, after the movement was committed (the printer may have failed)."""
    with write_transaction():
        journal.append("drawer.open", {"lane": lane, "ok": ok, "detail": detail[:200]}, actor)


def set_training(lane: int, on: bool, *, actor: str, approved_by: str | None) -> ShiftRecord:
    """Training mode on or off for the lane's open shift; never while a sale is open."""
    with write_transaction():
        shift = _open_row(lane)
        if Sale.select().where((Sale.lane == lane) & (Sale.status.in_(("open", "refunding")))).exists():
            raise ShiftError(_("finish the open sale before switching training mode"))
        Shift.update(training=on).where(Shift.id == shift.id).execute()
        journal.append("shift.training", {"shift": shift.id, "on": on, "approved_by": approved_by}, actor)
    return get_shift(shift.id)


def cash_summary(shift_id: int) -> CashSummary:
    """The drawer's figures for one shift (training excluded); ``counted`` once closed."""
    from pos_tui.domain.report import CashSummary

    shift = Shift.get_by_id(shift_id)
    cash = (Payment.select(Payment, Sale.kind).join(Sale)
            .where((Sale.shift == shift_id) & (Sale.status == "paid") & (Sale.training == False)
                   & (Payment.method == "cash") & (Payment.status.in_(SETTLED))))
    kept = refunds = 0
    for p in cash:
        if p.sale.kind == "return":
            refunds += p.amount
        else:
            kept += p.tendered - p.change if p.tendered else p.amount
    moves = CashMovement.select(CashMovement.kind, peewee.fn.SUM(CashMovement.amount).alias("total")).where(
        (CashMovement.shift == shift_id) & (CashMovement.training == False)
    ).group_by(CashMovement.kind)
    by_kind = {m.kind: m.total or 0 for m in moves}
    return CashSummary(shift.opening_float, kept, refunds, by_kind.get("paid_in", 0), by_kind.get("paid_out", 0),
                       shift.counted)


def closing_blockers(lane: int, cur: Currency) -> list[str]:
    """Why the lane's shift cannot close yet, one plain phrase each (empty: it can)."""
    from pos_tui.store import sales

    blockers = []
    open_sale = sales.open_sale_on_lane(lane)
    if open_sale is not None:
        blockers.append(_("sale #{sale} is still open").format(sale=open_sale.id))
    for record, items, total in sales.suspended_sales(lane):
        blockers.append(ngettext("suspended sale #{sale} ({count} item, {amount})",
                                 "suspended sale #{sale} ({count} items, {amount})", items).format(
            sale=record.id, count=items, amount=format_amount(total, cur, symbol=True)))
    for p in sales.unresolved_payments(lane):
        sale = sales.get_sale(p.sale_id)
        blockers.append(_("the {method} payment of sale #{sale} (ref {reference}) has an unknown outcome").format(
            method=method_name(p.method), sale=sale.id, reference=p.reference))
    for ret in Sale.select().where((Sale.lane == lane) & (Sale.status == "refunding")).order_by(Sale.id):
        blockers.append(_("return #{sale} is not refunded yet").format(sale=ret.id))
    return blockers


def close_shift(lane: int, counted: int, *, cur: Currency, actor: str, now: dt.datetime,
                denominations: Mapping[int, int] | None = None, left_in_drawer: int | None = None) -> ShiftRecord:
    """Close the lane's shift with the cashier's blind count; the expected amount is worked out
    and stored in the same transaction, so the count was fixed before anyone saw it."""
    if counted < 0:
        raise ShiftError(_("the counted cash cannot be negative"))
    keep = counted if left_in_drawer is None else left_in_drawer
    if not 0 <= keep <= counted:
        raise ShiftError(_("what stays in the drawer must be between 0 and the counted cash"))
    with write_transaction():
        shift = _open_row(lane)
        blockers = closing_blockers(lane, cur)
        if blockers:
            raise ShiftError(_("the shift cannot close: {blockers}").format(blockers=_("; ").join(blockers)))
        expected = cash_summary(shift.id).expected
        Shift.update(status=CLOSED, closed_by=actor, closed_at=now, counted=counted, expected=expected,
                     left_in_drawer=keep, count_detail=json.dumps(_detail(denominations)) if denominations else "",
                     ).where(Shift.id == shift.id).execute()
        journal.append("shift.close", {"shift": shift.id, "lane": lane, "counted": counted, "expected": expected,
                                       "over_short": counted - expected, "left_in_drawer": keep}, actor)
        outbox.add_shift(shift.id, "shift.close")
    return get_shift(shift.id)
