"""X and Z reports from the store: gather the facts of a set of shifts and add them up with
``domain.report.build_report``. Training sales and training drawer movements never count.

A Z report closes one business day of a lane (the oldest one not closed yet, so it may be taken
after midnight): it covers the shifts opened in that day, is numbered consecutively per lane, is
taken once per day, and is stored exactly as printed (its JSON), so a reprint shows the same figures
whatever happens later. Facts are taken in the order they happened (shift and receipt sequence),
never in the order of the times the clock gave them; a clock that went back meanwhile is noted.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import peewee

from pos_tui.config import Config
from pos_tui.domain.business_day import business_day
from pos_tui.domain.money import Rate
from pos_tui.domain.payment import SETTLED
from pos_tui.domain.report import (
    ClockWentBack,
    LineFact,
    MovementFact,
    PaymentFact,
    PromotionFact,
    Report,
    ReportError,
    SaleFact,
    build_report,
    receipt_order,
    report_from_dict,
    report_to_dict,
)
from pos_tui.domain.tax import tax_breakdown
from pos_tui.i18n import N_, _
from pos_tui.store import journal, outbox
from pos_tui.store.catalog import departments_of
from pos_tui.store.db import StoreError, write_transaction
from pos_tui.store.models import CashMovement, Payment, Sale, Shift, ZReport
from pos_tui.store.members import sale_points_facts
from pos_tui.store.promotions import sale_promotions
from pos_tui.store.sales import load_cart
from pos_tui.store.shifts import ShiftRecord, last_closed_day, open_shift_on_lane, shifts_of_lane


class ReportRefused(StoreError):
    """A report that cannot be taken now (a second Z for the day, a shift still open, none stored)."""


@dataclass(frozen=True)
class ReportContext:
    """What a report needs from the config: the store, the lane, tax rates, department names."""

    store_name: str
    currency_code: str
    lane: int
    rates: Mapping[str, Rate]
    prices_include_tax: bool
    departments: Mapping[str, str] = field(default_factory=dict)  # sale-line SKU -> department name
    department_names: Mapping[str, str] = field(default_factory=dict)  # configured department code -> name
    day_starts_at: dt.time = dt.time(0, 0)  # the business day's cut-over ([store] day_starts_at)
    value_of_100_points: int = 100  # what earned points are worth ([members])

    def business_day(self, moment: dt.datetime) -> dt.date:
        return business_day(moment, self.day_starts_at)


def context_of(config: Config) -> ReportContext:
    """What the store's reports need from the config (department items are sold as DEPT-<code>)."""
    store = config.store
    return ReportContext(
        store_name=store.name, currency_code=config.currency.code, lane=store.lane, rates=config.tax.rates,
        prices_include_tax=config.tax.prices_include_tax,
        departments={f"DEPT-{d.code}": d.name for d in config.departments}, day_starts_at=store.day_starts_at,
        department_names={d.code: d.name for d in config.departments},
        value_of_100_points=config.members.value_of_100_points,
    )


def _sale_fact(sale: Sale, kind: str, ctx: ReportContext, known: dict[str, str | None]) -> SaleFact:
    """``known``: SKU -> the department name its lines count in, filled as sales need them (a
    catalog product by its department: the configured name, else the code; an open-price key by its
    department; None: neither)."""
    cart = load_cart(sale.id)
    totals = tax_breakdown(cart.lines, ctx.rates, ctx.prices_include_tax)
    missing = {line.sku for line in cart.lines if line.sku not in known}
    if missing:
        found = departments_of(sku for sku in missing if sku not in ctx.departments)
        for sku in missing:
            code = found.get(sku)
            known[sku] = ctx.departments.get(sku) or (ctx.department_names.get(code, code) if code else None)
    lines = tuple(
        LineFact(line.sku, line.name, line.qty_milli, line.amount, line.discount, line.voided, known[line.sku])
        for line in cart.lines
    )
    total = totals.total if kind == "voided" else sale.total
    promotions = tuple(PromotionFact(d.promotion_id, d.name, d.amount)
                       for d in sale_promotions(sale.id).discounts) if kind == "sale" else ()
    points = sale_points_facts(sale.uuid, ctx.value_of_100_points) if kind != "voided" else (0, 0, 0, 0)
    return SaleFact(kind, sale.receipt_no, sale.closed_at or sale.opened_at, total, totals.tax_by_rate, lines,
                    without_receipt=kind == "return" and sale.original is None, promotions=promotions,
                    points_earned=points[0], points_earned_value=points[1], points_redeemed=points[2],
                    points_redeemed_value=points[3])


def gather(shift_ids: list[int], ctx: ReportContext) -> tuple[list[SaleFact], list[PaymentFact], list[MovementFact]]:
    """The facts of the shifts: paid sales, completed returns and voided sales, their settled
    payments and refunds, and the drawer movements; training left out."""
    real = (Sale.shift.in_(shift_ids)) & (Sale.training == False)
    sales, payments = [], []
    query = Sale.select().where(real & Sale.status.in_(("paid", "voided"))).order_by(Sale.id)
    known: dict[str, str | None] = {}
    # In the order they were paid: by receipt number (its day, then its count), voided sales after.
    for sale in sorted(query, key=lambda sale: receipt_order(sale.receipt_no)):
        if sale.status == "voided":
            if sale.kind == "sale":
                sales.append(_sale_fact(sale, "voided", ctx, known))
            continue
        sales.append(_sale_fact(sale, sale.kind, ctx, known))
    paid = (Payment.select(Payment, Sale.kind).join(Sale)
            .where(real & (Sale.status == "paid") & Payment.status.in_(SETTLED)).order_by(Payment.id))
    for p in paid:
        refund = p.sale.kind == "return"
        kept = p.tendered - p.change if p.method == "cash" and p.tendered else p.amount
        # A cash refund's kept is what left the drawer (rounded to the cash step; older rows: 0).
        payments.append(PaymentFact(p.method, p.amount, p.fee, (p.tendered if p.tendered else 0) if refund else kept,
                                    refund))
    moves = (CashMovement.select().where(CashMovement.shift.in_(shift_ids) & (CashMovement.training == False))
             .order_by(CashMovement.id))
    return sales, payments, [MovementFact(m.kind, m.amount) for m in moves]


def build_for_shifts(kind: str, shifts: list[ShiftRecord], ctx: ReportContext, now: dt.datetime, *,
                     number: int | None = None, business_day: str | None = None) -> Report:
    """The report of ``shifts`` (in the order they were opened): from the first one's opening to the
    last one's close (or ``now`` while it is open), as the clock said then."""
    ids = [s.id for s in shifts]
    sales, payments, movements = gather(ids, ctx)
    closed = [s for s in shifts if s.counted is not None]
    counted = sum(s.counted for s in closed) if shifts and len(closed) == len(shifts) else None
    report = build_report(
        kind, currency_code=ctx.currency_code, store_name=ctx.store_name, lane=ctx.lane, sales=sales,
        payments=payments, movements=movements, opening_float=sum(s.opening_float for s in shifts),
        counted=counted, shifts=ids, number=number, business_day=business_day,
        period_start=shifts[0].opened_at if shifts else None,
        period_end=(shifts[-1].closed_at or now) if shifts else None,
    )
    jumps = journal.clock_jumps(*_journal_span(ids)) if ids else []
    if jumps:
        report = replace(report, clock_went_back=tuple(ClockWentBack(*jump.local_times()) for jump in jumps))
    return report


def _journal_span(shift_ids: list[int]) -> tuple[int | None, int | None]:
    """The journal rows from the first shift's opening to the last one's close (None: open ends)."""
    first, last = shift_ids[0], shift_ids[-1]
    start = end = None
    for row in journal.entries_of_kinds(("shift.open", "shift.close")):
        shift = json.loads(row.payload).get("shift")
        if row.kind == "shift.open" and shift == first and start is None:
            start = row.seq
        if row.kind == "shift.close" and shift == last:
            end = row.seq
    return start, end


def x_report(ctx: ReportContext, now: dt.datetime, *, day: dt.date | None = None, actor: str | None,
             approved_by: str | None = None) -> Report:
    """The lane's open shift so far (or its last shift when none is open); with ``day``, every
    shift of that business day. Journaled."""
    if day is not None:
        shifts = shifts_of_lane(ctx.lane, day=day)
    else:
        current = open_shift_on_lane(ctx.lane)
        shifts = [current] if current else shifts_of_lane(ctx.lane)[-1:]
    if not shifts:
        raise ReportRefused(_("lane {lane} has no shift in business day {day} to report").format(
            lane=ctx.lane, day=day.isoformat()) if day else _("lane {lane} has no shift to report").format(lane=ctx.lane))
    report_day = day or shifts[-1].business_day
    report = build_for_shifts("X", shifts, ctx, now, business_day=report_day.isoformat() if report_day else None)
    if shifts[-1].training and shifts[-1].status == "open":
        # stored as the English msgid: a report is shown in the language of whoever reads it
        report = replace(report, notes=(N_("Training mode is on: training sales are not counted"),) + report.notes)
    with write_transaction():
        entry = journal.append("report.x", {"lane": ctx.lane, "shifts": list(report.shifts), "net": report.net,
                                            "sales": report.sales_count, "approved_by": approved_by}, actor)
        report = replace(report, journal_head=str(journal.Head(entry.seq, entry.hash)))
        outbox.add_report("report.x", ctx.lane, report_to_dict(report),
                          (report_day or ctx.business_day(now)).isoformat())
    return report


def day_to_close(ctx: ReportContext, now: dt.datetime) -> dt.date:
    """The business day the next Z report of the lane closes: the oldest one with a shift no Z report
    covers yet; with none, the business day by the clock."""
    waiting = [s.business_day for s in shifts_of_lane(ctx.lane, unreported=True) if s.business_day]
    day = min(waiting) if waiting else ctx.business_day(now)
    last = last_closed_day(ctx.lane)
    if waiting and last is not None and day <= last:
        day = last + dt.timedelta(days=1)  # shifts left behind by an older pos-tui: the next day takes them
    return day


def z_report_refusal(ctx: ReportContext, now: dt.datetime) -> str | None:
    """Why the lane's next business day (``day_to_close``) cannot be closed now (its Z taken already,
    one of its shifts still open), or None: asked before anyone is asked to confirm the close."""
    day = day_to_close(ctx, now)
    taken = ZReport.get_or_none((ZReport.lane == ctx.lane) & (ZReport.business_day >= day.isoformat()))
    if taken is not None:
        return _("Z report {number} already closed {day} on lane {lane}; sales from now on belong to "
                 "the next day").format(number=taken.number, day=taken.business_day, lane=ctx.lane)
    if any(s.status == "open" for s in shifts_of_lane(ctx.lane, up_to=day, unreported=True)):
        return _("close the open shift (count the drawer) before the Z report of {day}").format(day=day.isoformat())
    return None


def take_z_report(ctx: ReportContext, now: dt.datetime, *, actor: str, approved_by: str | None = None) -> Report:
    """Close the lane's oldest business day not closed yet (``day_to_close``): every shift of that day.
    Refused while one of its shifts is open, and for a day that has its Z already."""
    with write_transaction():
        day = day_to_close(ctx, now)
        refusal = z_report_refusal(ctx, now)
        if refusal is not None:
            raise ReportRefused(refusal)
        shifts = shifts_of_lane(ctx.lane, up_to=day, unreported=True)
        last = ZReport.select(peewee.fn.MAX(ZReport.number)).where(ZReport.lane == ctx.lane).scalar() or 0
        report = build_for_shifts("Z", shifts, ctx, now, number=last + 1, business_day=day.isoformat())
        row = ZReport.create(lane=ctx.lane, number=last + 1, business_day=day.isoformat(), taken_at=now,
                             taken_by=actor, approved_by=approved_by,
                             content=json.dumps(report_to_dict(report), ensure_ascii=False))
        Shift.update(z_report=row.id).where(Shift.id.in_([s.id for s in shifts])).execute()
        entry = journal.append("report.z", {"lane": ctx.lane, "number": row.number, "day": day.isoformat(),
                                            "shifts": list(report.shifts), "sales": report.sales_count,
                                            "net": report.net, "tax": report.tax_total, "approved_by": approved_by},
                               actor)
        # The head is the report's own journal row: printed, it anchors everything up to the close.
        report = replace(report, journal_head=str(journal.Head(entry.seq, entry.hash)))
        ZReport.update(content=json.dumps(report_to_dict(report), ensure_ascii=False)).where(
            ZReport.id == row.id).execute()
        outbox.add_report("report.z", ctx.lane, report_to_dict(report), day.isoformat())
    return report


def stored_z_report(lane: int, day: dt.date) -> Report:
    """The Z report of a past business day, exactly as it was taken."""
    row = ZReport.get_or_none((ZReport.lane == lane) & (ZReport.business_day == day.isoformat()))
    if row is None:
        raise ReportRefused(_("lane {lane} has no Z report for {day}").format(lane=lane, day=day.isoformat()))
    try:
        return report_from_dict(json.loads(row.content))
    except (ValueError, ReportError) as exc:
        raise ReportRefused(_("Z report {number} of lane {lane} is not readable: {reason}").format(
            number=row.number, lane=lane, reason=exc)) from None
