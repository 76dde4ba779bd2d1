"""Sales on the lane: the open sale, its lines and voids, payments, numbering, the receipt queue.

Every function here is one write transaction with its journal row (or a read). Nothing is deleted:
a void appends a LineVoid row, a voided sale keeps its lines.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import peewee

from pos_tui.domain.cart import Cart, CartLine
from pos_tui.domain.payment import OUTCOMES, SETTLED, UNRESOLVED, PaymentStatus
from pos_tui.domain.promotions import PromotionResult
from pos_tui.store import journal, members, outbox, statements
from pos_tui.store.members import PointsTerms
from pos_tui.store.promotions import write_sale_promotions
from pos_tui.i18n import _
from pos_tui.store.db import StoreError, write_transaction
from pos_tui.store.models import (
    LineVoid, Payment, PrintJob, Product, ReceiptCounter, Sale, SaleLine, Shift,
)

OPEN, SUSPENDED, PAID, VOIDED = "open", "suspended", "paid", "voided"
POINTS = "points"  # the payment method of a member's points (domain.payment's registry)
RETURN_SERIES, TRAINING_SERIES = "R", "T"
PHASES = ("items", "payment", "terminal")


class SaleError(StoreError):
    """A sale operation the data does not allow (no such sale, already paid, ...)."""


@dataclass(frozen=True)
class SaleRecord:
    id: int
    uuid: str
    lane: int
    status: str
    phase: str
    cashier: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    receipt_no: str | None
    total: int
    change: int


@dataclass(frozen=True)
class PaymentRecord:
    id: int
    sale_id: int
    method: str
    amount: int
    tendered: int
    change: int
    status: str
    reference: str
    fee: int
    masked_pan: str | None
    auth_code: str | None
    terminal_ref: str | None
    wallet_txn: str | None
    reason: str
    created_at: dt.datetime


@dataclass(frozen=True)
class PrintJobRecord:
    id: int
    sale_id: int
    kind: str
    attempts: int
    last_error: str


def _record(sale: Sale) -> SaleRecord:
    return SaleRecord(
        sale.id, sale.uuid, sale.lane, sale.status, sale.phase, sale.cashier, sale.opened_at,
        sale.closed_at, sale.receipt_no, sale.total, sale.change,
    )


def _payment_record(p: Payment) -> PaymentRecord:
    return PaymentRecord(
        p.id, p.sale_id, p.method, p.amount, p.tendered, p.change, p.status, p.reference, p.fee,
        p.masked_pan, p.auth_code, p.terminal_ref, p.wallet_txn, p.reason, p.created_at,
    )


def _sale_for_update(sale_id: int, *statuses: str) -> Sale:
    sale = statements.fetch_model(Sale, _SALE_BY_ID, (sale_id,))
    if sale is None:
        raise SaleError(_("sale {sale} does not exist").format(sale=sale_id))
    if statuses and sale.status not in statuses:
        raise SaleError(_("sale {sale} is {status}").format(sale=sale.receipt_no or sale.id, status=sale.status))
    return sale


_SALE_BY_ID = statements.Statement(lambda: Sale.select().where(Sale.id == 0))


def open_sale_on_lane(lane: int) -> SaleRecord | None:
    """The lane's open sale, if any (what a restart reopens)."""
    sale = Sale.get_or_none((Sale.lane == lane) & (Sale.status == OPEN))
    return _record(sale) if sale else None


def get_sale(sale_id: int) -> SaleRecord:
    return _record(_sale_for_update(sale_id))


def find_sale_by_receipt(receipt_no: str) -> SaleRecord | None:
    sale = Sale.get_or_none(Sale.receipt_no == receipt_no.strip())
    return _record(sale) if sale else None


def load_cart(sale_id: int) -> Cart:
    """The sale's lines, voids applied, as the domain cart."""
    voids = {v.line_id: v for v in statements.fetch_models(LineVoid, _VOIDS_OF_SALE, (sale_id,))}
    lines = []
    for row in statements.fetch_models(SaleLine, _LINES_OF_SALE, (sale_id,)):
        void = voids.get(row.id)
        lines.append(
            CartLine(
                row.line_no, row.product_id, row.sku, row.name, row.unit, row.qty_milli, row.unit_price,
                row.tax_code, row.amount, voided=void is not None, void_reason=void.reason if void else None,
                discount=row.discount, sale_discount=row.sale_discount, promo_discount=row.promo_discount,
            )
        )
    return Cart(tuple(lines))


_SALE_MEMBER = statements.Statement(lambda: Sale.select(Sale.member).where(Sale.id == 0))
_VOIDS_OF_SALE = statements.Statement(lambda: LineVoid.select().join(SaleLine).where(SaleLine.sale == 0))


_LINES_OF_SALE = statements.Statement(lambda: SaleLine.select().where(SaleLine.sale == 0).order_by(SaleLine.line_no))


def sale_member(sale_id: int) -> str:
    """The member number shown for the sale; "" when none was."""
    row = statements.fetch_one(_SALE_MEMBER, (sale_id,))
    return (row[0] if row else None) or ""


def original_of(sale_id: int) -> int | None:
    """A return's original sale; None for a sale (or a return without a receipt)."""
    return Sale.select(Sale.original).where(Sale.id == sale_id).scalar()


def masked_member(number: str) -> str:
    """A member's card or phone number as journals and receipts show it: 138****8000."""
    return number[:3] + "*" * max(len(number) - 7, 1) + number[-4:] if len(number) > 7 else "*" * len(number)


def set_member(sale_id: int, member: str, actor: str, promotions: SalePromotions | None = None) -> None:
    """The member the open sale is rung up for, with its promotions worked out again, in one
    journaled transaction (the number journaled masked); refused once money has been taken."""
    with write_transaction():
        sale = _sale_for_update(sale_id, OPEN)
        if _paid_total(sale_id) or _unresolved(sale_id):
            raise SaleError(_("a payment has been taken: prices and discounts can no longer change"))
        Sale.update(member=member).where(Sale.id == sale_id).execute()
        _write_promotions(sale, promotions)
        journal.append("sale.member", {"sale": sale.uuid, "member": masked_member(member)}, actor)


def sale_discount_text(sale_id: int) -> str:
    """A whole-sale discount as it was typed ("10%", "5.00"); "" when the sale has none."""
    return Sale.select(Sale.discount_text).where(Sale.id == sale_id).scalar() or ""


def add_line(sale_id: int | None, lane: int, line: CartLine, actor: str, now: dt.datetime, *,
             weight_source: str | None = None, approved_by: str | None = None,
             promotions: SalePromotions | None = None, member: str = "") -> SaleRecord:
    """Commit one line (already numbered and priced by the domain cart); with no sale yet, open
    one in the same transaction (for ``member``, when one was shown first). A weighed line records
    where its weight came from (``weight_source``: scale, typed, barcode) and who approved a typed
    one. ``promotions``: the sale's promotions worked out again with it, written in the same
    transaction. The commit does not wait for the disk (``write_transaction``'s sync_later)."""
    with write_transaction(sync_later=True):
        if sale_id is None:
            sale = _open_sale(lane, actor, now, member)
        else:
            sale = _sale_for_update(sale_id, OPEN)
        if sale.phase != "items":
            raise SaleError(_("items can only be added while entering items"))
        statements.insert(
            SaleLine, sale=sale.id, line_no=line.line_no, product_id=line.product_id, sku=line.sku, name=line.name,
            unit=line.unit, qty_milli=line.qty_milli, unit_price=line.unit_price, tax_code=line.tax_code,
            amount=line.amount, discount=line.discount, promo_discount=line.promo_discount, added_at=now,
            added_by=actor, weight_source=weight_source,
        )
        weighed = {"weight_source": weight_source} if weight_source else {}
        if approved_by:
            weighed["approved_by"] = approved_by
        journal.append(
            "sale.line",
            {"sale": sale.uuid, "line": line.line_no, "sku": line.sku, "qty_milli": line.qty_milli,
             "unit_price": line.unit_price, "amount": line.amount, **weighed},
            actor,
        )
        _write_promotions(sale, promotions)
    return _record(sale)


def void_line(sale_id: int, line_no: int, actor: str, now: dt.datetime, reason: str = "",
              approved_by: str | None = None, promotions: SalePromotions | None = None) -> None:
    """Append a void for one line; the line itself stays."""
    with write_transaction():
        sale = _sale_for_update(sale_id, OPEN)
        row = SaleLine.get_or_none((SaleLine.sale == sale_id) & (SaleLine.line_no == line_no))
        if row is None:
            raise SaleError(_("there is no line {line_no}").format(line_no=line_no))
        if LineVoid.select().where(LineVoid.line == row.id).exists():
            raise SaleError(_("line {line_no} is already voided").format(line_no=line_no))
        LineVoid.create(line=row.id, voided_by=actor, approved_by=approved_by, voided_at=now, reason=reason)
        journal.append(
            "sale.void_line",
            {"sale": sale.uuid, "line": line_no, "amount": row.amount, "reason": reason, "approved_by": approved_by},
            actor,
        )
        _write_promotions(sale, promotions)


def set_quantity(sale_id: int, line: CartLine, *, actor: str, approved_by: str | None = None,
                 scanned: bool = False, promotions: SalePromotions | None = None) -> None:
    """Write a line's new quantity (and the amount and discount that follow from it): a repeated
    scan added to it (``scanned``) or the cashier changed it. Journaled with the quantity before.
    Like ``add_line``, the commit does not wait for the disk."""
    with write_transaction(sync_later=True):
        sale = _sale_for_update(sale_id, OPEN)
        if sale.phase != "items":
            raise SaleError(_("quantities can only change while entering items"))
        row = SaleLine.get_or_none((SaleLine.sale == sale_id) & (SaleLine.line_no == line.line_no))
        if row is None:
            raise SaleError(_("there is no line {line_no}").format(line_no=line.line_no))
        if LineVoid.select().where(LineVoid.line == row.id).exists():
            raise SaleError(_("line {line_no} is already voided").format(line_no=line.line_no))
        SaleLine.update(qty_milli=line.qty_milli, amount=line.amount, discount=line.discount,
                        sale_discount=line.sale_discount, promo_discount=line.promo_discount,
                        ).where(SaleLine.id == row.id).execute()
        journal.append("sale.line_scanned_again" if scanned else "sale.quantity", {
            "sale": sale.uuid, "line": line.line_no, "sku": row.sku, "qty_milli": [row.qty_milli, line.qty_milli],
            "amount": [row.amount, line.amount], "approved_by": approved_by}, actor)
        _write_promotions(sale, promotions)


def set_phase(sale_id: int, phase: str, actor: str) -> None:
    """Where an open sale stands (items / payment / terminal), so a restart reopens it there."""
    if phase not in PHASES:
        raise SaleError(f"unknown sale phase {phase!r}")
    with write_transaction():
        sale = _sale_for_update(sale_id, OPEN)
        statements.update_by_id(Sale, sale.id, phase=phase)
        journal.append("sale.phase", {"sale": sale.uuid, "phase": phase}, actor)


def suspend_sale(sale_id: int, actor: str) -> None:
    with write_transaction():
        sale = _sale_for_update(sale_id, OPEN)
        if _paid_total(sale_id):
            raise SaleError(_("a sale with a payment cannot be suspended"))
        statements.update_by_id(Sale, sale_id, status=SUSPENDED, phase="items")
        journal.append("sale.suspend", {"sale": sale.uuid}, actor)


def suspended_sales(lane: int | None = None) -> list[tuple[SaleRecord, int, int]]:
    """Suspended sales (of one lane, or all) with their item count and total, oldest first."""
    query = Sale.select().where(Sale.status == SUSPENDED).order_by(Sale.opened_at)
    if lane is not None:
        query = query.where(Sale.lane == lane)
    out = []
    for sale in query:
        cart = load_cart(sale.id)
        out.append((_record(sale), cart.item_count, cart.subtotal))
    return out


def recall_sale(sale_id: int, lane: int, actor: str) -> SaleRecord:
    with write_transaction():
        sale = _sale_for_update(sale_id, SUSPENDED)
        if Sale.select().where((Sale.lane == lane) & (Sale.status == OPEN)).exists():
            raise SaleError(_("finish or suspend the open sale first"))
        # A recalled sale belongs to the shift that finishes it (its lane's drawer takes the money).
        shift = _open_shift(lane)
        Sale.update(status=OPEN, lane=lane, phase="items", shift=shift.id if shift else sale.shift,
                    training=bool(shift and shift.training)).where(Sale.id == sale_id).execute()
        journal.append("sale.recall", {"sale": sale.uuid, "lane": lane}, actor)
    return get_sale(sale_id)


def void_sale(sale_id: int, actor: str, now: dt.datetime, approved_by: str | None = None) -> None:
    """Void a whole unpaid sale: it stays, marked voided, with its lines."""
    with write_transaction():
        sale = _sale_for_update(sale_id, OPEN, SUSPENDED)
        if _paid_total(sale_id):
            raise SaleError(_("a sale with a payment cannot be voided"))
        if _unresolved(sale_id):
            raise SaleError(_("a payment's outcome is unknown; resolve it before voiding the sale"))
        total = load_cart(sale_id).subtotal
        Sale.update(status=VOIDED, closed_at=now).where(Sale.id == sale_id).execute()
        journal.append("sale.void", {"sale": sale.uuid, "total": total, "approved_by": approved_by}, actor)
        outbox.add_sale(sale_id)


def payments_of(sale_id: int) -> list[PaymentRecord]:
    return [_payment_record(p) for p in statements.fetch_models(Payment, _PAYMENTS_OF_SALE,
                                                                 (sale_id,))]


_PAYMENTS_OF_SALE = statements.Statement(lambda: Payment.select().where(Payment.sale == 0).order_by(Payment.id))


def payment_states(sale_id: int) -> tuple[str, tuple[tuple[int, str], ...]]:
    """The sale's status and each payment's (id, status): two indexed reads, for a lane that waits
    at payment to see cheaply whether anyone (the back office) changed them."""
    status = Sale.select(Sale.status).where(Sale.id == sale_id).scalar() or ""
    rows = Payment.select(Payment.id, Payment.status).where(Payment.sale == sale_id).order_by(Payment.id).tuples()
    return status, tuple((pid, str(state)) for pid, state in rows)


def _paid_total(sale_id: int) -> int:
    return (
        Payment.select(peewee.fn.COALESCE(peewee.fn.SUM(Payment.amount), 0))
        .where((Payment.sale == sale_id) & (Payment.status.in_(SETTLED)))
        .scalar()
    )


def _unresolved(sale_id: int) -> int:
    return Payment.select().where((Payment.sale == sale_id) & (Payment.status.in_(UNRESOLVED))).count()


def next_receipt_no(lane: int, day: dt.date, series: str = "") -> str:
    """Take the next receipt number of the lane's day (inside the caller's transaction).

    ``series`` keeps other records out of the sales' numbering: "R" returns, "T" training sales.
    """
    key = series + day.strftime("%Y%m%d")
    counter = statements.fetch_one(_RECEIPT_COUNTER, (lane, key))
    if counter is None:  # the caller's write transaction keeps any other writer out until it commits
        number = 1
        statements.insert(ReceiptCounter, lane=lane, day=key, last=number)
    else:
        counter_id, last = counter
        number = last + 1
        statements.update_by_id(ReceiptCounter, counter_id, last=number)
    return f"{lane:02d}-{key}-{number:04d}"


_SHIFT_DAY = statements.Statement(lambda: Shift.select(Shift.business_day).where(Shift.id == 0))
_RECEIPT_COUNTER = statements.Statement(
    lambda: ReceiptCounter.select(ReceiptCounter.id, ReceiptCounter.last)
    .where((ReceiptCounter.lane == 0) & (ReceiptCounter.day == "")))


def receipt_day(sale: Sale, now: dt.datetime) -> dt.date:
    """The date in a sale's receipt number: the business day of the shift it was rung up in (a shift
    that runs past midnight keeps numbering in its day), else the date it was paid."""
    shift = statements.fetch_one(_SHIFT_DAY, (sale.shift,)) if sale.shift is not None else None
    if shift is not None and shift[0]:
        return dt.date.fromisoformat(shift[0])
    return now.date()


def _finalize(sale: Sale, total: int, tax_total: int, change: int, now: dt.datetime, actor: str,
              points: PointsTerms | None = None) -> str:
    """Number the sale, mark it paid, take stock, earn its member's points on what was paid in money,
    journal it, queue its receipt (caller's transaction)."""
    settled = [p for p in payments_of(sale.id) if p.status in SETTLED]
    if points is not None and sale.member and not sale.training:
        in_points = sum(p.amount for p in settled if p.method == POINTS)
        members.earn_for_sale(sale.uuid, sale.member, total - in_points, points, actor=actor, now=now)
    receipt_no = next_receipt_no(sale.lane, receipt_day(sale, now), TRAINING_SERIES if sale.training else "")
    statements.update_by_id(Sale, sale.id, status=PAID, receipt_no=receipt_no, closed_at=now, total=total,
                            tax_total=tax_total, change=change)
    if not sale.training:
        for line in load_cart(sale.id).active_lines:
            if line.product_id is not None:
                statements.execute(_TAKE_STOCK, (line.qty_milli, line.product_id))
    statements.insert(PrintJob, sale=sale.id, kind="sale", status="pending", created_at=now)
    journal.append(
        "sale.paid",
        {"sale": sale.uuid, "receipt": receipt_no, "total": total, "tax": tax_total, "change": change,
         "payments": [[p.method, p.amount] for p in settled], "training": bool(sale.training)},
        actor,
    )
    outbox.add_sale(sale.id)
    return receipt_no


_TAKE_STOCK = statements.Statement(
    lambda: Product.update(stock=Product.stock - 0).where((Product.id == 0) & Product.stock.is_null(False)))


def take_cash(sale_id: int, *, amount: int, tendered: int, change: int, remaining_after: int,
              total: int, tax_total: int, actor: str, now: dt.datetime, points: PointsTerms | None = None) -> str | None:
    """Record a cash payment; when it settles the balance, pay the sale in the same transaction.

    Returns the receipt number when the sale was paid, else None.
    """
    with write_transaction():
        sale = _sale_for_update(sale_id, OPEN)
        statements.insert(
            Payment, sale=sale_id, method="cash", amount=amount, tendered=tendered, change=change,
            status=PaymentStatus.APPROVED, reference=uuid.uuid4().hex, created_at=now, updated_at=now,
        )
        journal.append("payment.cash", {"sale": sale.uuid, "amount": amount, "tendered": tendered,
                                        "change": change}, actor)
        if remaining_after > 0:
            return None
        return _finalize(sale, total, tax_total, change, now, actor, points)


def take_points(sale_id: int, *, amount: int, points_used: int, terms: PointsTerms, remaining_after: int,
                total: int, tax_total: int, actor: str, now: dt.datetime) -> str | None:
    """Pay ``amount`` of the sale with ``points_used`` of its member's points (refused past their
    balance, or offline past the day's cap); when it settles the balance, pay the sale in the same
    transaction. Returns the receipt number when the sale was paid, else None."""
    with write_transaction():
        sale = _sale_for_update(sale_id, OPEN)
        if not sale.member:
            raise SaleError(_("points are paid by a member: show the member first (Ctrl+V)"))
        reference = uuid.uuid4().hex
        members.redeem_for_sale(sale.uuid, sale.member, points_used, amount, terms, actor=actor, now=now)
        Payment.create(sale=sale_id, method=POINTS, amount=amount, status=PaymentStatus.APPROVED, reference=reference,
                       created_at=now, updated_at=now)
        journal.append("payment.points", {"sale": sale.uuid, "amount": amount, "points": points_used,
                                          "offline": terms.offline}, actor)
        if remaining_after > 0:
            return None
        return _finalize(sale, total, tax_total, 0, now, actor, terms)


def unresolved_attempts(sale_id: int) -> list[PaymentRecord]:
    """Card/wallet attempts whose outcome nobody knows yet (they block another electronic tender)."""
    query = Payment.select().where((Payment.sale == sale_id) & (Payment.status.in_(UNRESOLVED))).order_by(Payment.id)
    return [_payment_record(p) for p in query]


def begin_attempt(sale_id: int, *, method: str, amount: int, fee: int, reference: str, actor: str,
                  now: dt.datetime) -> PaymentRecord:
    """Commit a pending attempt (unique reference) BEFORE anything is sent to a terminal or wallet;
    the sale moves to the terminal phase in the same transaction."""
    with write_transaction():
        sale = _sale_for_update(sale_id, OPEN)
        if _unresolved(sale_id):
            raise SaleError(_("a payment's outcome is unknown; a supervisor must resolve it first"))
        payment = Payment.create(sale=sale_id, method=method, amount=amount, status=PaymentStatus.PENDING,
                                 reference=reference, fee=fee, created_at=now, updated_at=now)
        statements.update_by_id(Sale, sale_id, phase="terminal")
        journal.append("payment.attempt", {"sale": sale.uuid, "method": method, "amount": amount,
                                           "reference": reference}, actor)
    return _payment_record(payment)


def _settle_if_paid(sale: Sale, totals: tuple[int, int], now: dt.datetime, actor: str,
                    points: PointsTerms | None = None) -> str | None:
    total, tax_total = totals
    if _paid_total(sale.id) < total:
        statements.update_by_id(Sale, sale.id, phase="payment")
        return None
    return _finalize(sale, total, tax_total, 0, now, actor, points)


def record_outcome(payment_id: int, *, status: str, reason: str = "", masked_pan: str = "", auth_code: str = "",
                   terminal_ref: str = "", wallet_txn: str = "", totals: tuple[int, int], actor: str,
                   now: dt.datetime, points: PointsTerms | None = None) -> str | None:
    """Commit what the terminal or wallet said; an approval that settles the balance pays the sale in
    the same transaction (returns its receipt number)."""
    if status not in OUTCOMES:
        raise SaleError(f"unknown payment outcome {status!r}")
    with write_transaction():
        payment = Payment.get_or_none(Payment.id == payment_id)
        if payment is None or payment.status != PaymentStatus.PENDING:
            raise SaleError(_("payment attempt {payment} is not pending").format(payment=payment_id))
        Payment.update(status=status, reason=reason[:200], masked_pan=masked_pan or None, auth_code=auth_code or None,
                       terminal_ref=terminal_ref or None, wallet_txn=wallet_txn or None,
                       updated_at=now).where(Payment.id == payment_id).execute()
        sale = _sale_for_update(payment.sale_id, OPEN)
        journal.append("payment.outcome", {"sale": sale.uuid, "reference": payment.reference, "status": status,
                                           "reason": reason[:200], "amount": payment.amount}, actor)
        if status == PaymentStatus.UNKNOWN:
            statements.update_by_id(Sale, sale.id, phase="payment")
            return None
        return _settle_if_paid(sale, totals, now, actor, points)


def resolve_attempt(payment_id: int, *, charged: bool, auth_code: str, supervisor: str, totals: tuple[int, int],
                    actor: str, now: dt.datetime, points: PointsTerms | None = None) -> str | None:
    """A supervisor's word on an attempt whose outcome was unknown, read from the terminal's own
    ticket: charged (with its auth code) counts toward the sale; not charged does not."""
    with write_transaction():
        payment = Payment.get_or_none(Payment.id == payment_id)
        if payment is None or payment.status not in UNRESOLVED:
            raise SaleError(_("payment attempt {payment} has no unknown outcome to resolve").format(payment=payment_id))
        status = PaymentStatus.RESOLVED_APPROVED if charged else PaymentStatus.RESOLVED_NOT_CHARGED
        Payment.update(status=status, auth_code=auth_code or payment.auth_code, updated_at=now).where(
            Payment.id == payment_id).execute()
        sale = _sale_for_update(payment.sale_id, OPEN)
        journal.append("payment.resolve", {"sale": sale.uuid, "reference": payment.reference, "charged": charged,
                                           "auth_code": auth_code, "approved_by": supervisor}, actor)
        return _settle_if_paid(sale, totals, now, actor, points) if charged else None


def unresolved_payments(lane: int | None = None) -> list[PaymentRecord]:
    """Every attempt with an unknown outcome (of one lane, or all)."""
    query = Payment.select().join(Sale).where(Payment.status.in_(UNRESOLVED)).order_by(Payment.id)
    if lane is not None:
        query = query.where(Sale.lane == lane)
    return [_payment_record(p) for p in query]


def pending_print_jobs(lane: int) -> list[PrintJobRecord]:
    return [PrintJobRecord(*row) for row in statements.fetch_all(_PENDING_PRINT_JOBS,
                                                                 (lane, "pending"))]


_PENDING_PRINT_JOBS = statements.Statement(
    lambda: PrintJob.select(PrintJob.id, PrintJob.sale, PrintJob.kind, PrintJob.attempts, PrintJob.last_error)
    .join(Sale).where((Sale.lane == 0) & (PrintJob.status == "")).order_by(PrintJob.id))


def mark_printed(job_id: int, now: dt.datetime) -> None:
    with write_transaction():
        PrintJob.update(status="printed", printed_at=now, attempts=PrintJob.attempts + 1).where(
            PrintJob.id == job_id).execute()


def mark_print_skipped(job_id: int) -> None:
    """No printer is configured: the job is closed as skipped (F9 can still queue a copy later)."""
    with write_transaction():
        statements.update_by_id(PrintJob, job_id, status="skipped", last_error="no printer configured")


def mark_print_failed(job_id: int, error: str) -> None:
    with write_transaction():
        PrintJob.update(attempts=PrintJob.attempts + 1, last_error=error).where(PrintJob.id == job_id).execute()


def mark_print_unprintable(job_id: int, error: str) -> None:
    """The receipt could not be laid out: the job is closed, so the receipts behind it still print."""
    with write_transaction():
        PrintJob.update(status="unprintable", attempts=PrintJob.attempts + 1, last_error=error[:500]).where(
            PrintJob.id == job_id).execute()


def queue_reprint(sale_id: int, actor: str, now: dt.datetime) -> None:
    with write_transaction():
        sale = _sale_for_update(sale_id, PAID)
        PrintJob.create(sale=sale_id, kind="reprint", status="pending", created_at=now)
        journal.append("receipt.reprint", {"sale": sale.uuid, "receipt": sale.receipt_no}, actor)


def last_paid_sale(lane: int) -> SaleRecord | None:
    """The lane's sale paid last: the one whose receipt was queued last (the clock may have jumped)."""
    job = (PrintJob.select(PrintJob.sale).join(Sale)
           .where((Sale.lane == lane) & (Sale.status == PAID) & (PrintJob.kind == "sale"))
           .order_by(PrintJob.id.desc()).first())
    return get_sale(job.sale_id) if job else None


def log_event(kind: str, payload: dict, actor: str | None) -> None:
    """A lane event with nothing else to write (lock, drawer open): its own journal transaction."""
    with write_transaction():
        journal.append(kind, payload, actor)


def _open_sale(lane: int, actor: str, now: dt.datetime, member: str) -> Sale:
    """A new open sale on ``lane`` in the current transaction, in the shift open there (the first
    scan of every sale runs this: its statements are compiled once, see ``statements``)."""
    if statements.fetch_one(_OPEN_SALE_ON_LANE, (lane, OPEN)) is not None:
        raise SaleError(_("lane {lane} already has an open sale").format(lane=lane))
    shift = statements.fetch_one(_OPEN_SHIFT_ON_LANE, (lane, "open"))
    shift_id, training = shift if shift is not None else (None, False)
    sale = Sale(uuid=uuid.uuid4().hex, lane=lane, status=OPEN, phase="items", cashier=actor, opened_at=now,
                shift=shift_id, training=bool(training), member=member)
    sale.id = statements.insert(Sale, **{f.name: getattr(sale, f.name) for f in Sale._meta.sorted_fields
                                         if not f.primary_key})
    journal.append("sale.open", {"sale": sale.uuid, "lane": lane}, actor)
    return sale


_OPEN_SALE_ON_LANE = statements.Statement(lambda: Sale.select(Sale.id).where((Sale.lane == 0) & (Sale.status == "")))


_OPEN_SHIFT_ON_LANE = statements.Statement(
    lambda: Shift.select(Shift.id, Shift.training).where((Shift.lane == 0) & (Shift.status == "")))


def _open_shift(lane: int) -> Shift | None:
    return Shift.get_or_none((Shift.lane == lane) & (Shift.status == "open"))


def adjust_lines(sale_id: int, lines: list[CartLine], *, kind: str, actor: str, approved_by: str | None,
                 detail: dict, discount_text: str | None = None, promotions: SalePromotions | None = None) -> None:
    """Write the new price and discount of each line (a discount or price override), journaled
    with what each line was before and who approved it; refused once money has been taken."""
    with write_transaction():
        sale = _sale_for_update(sale_id, OPEN)
        if _paid_total(sale_id) or _unresolved(sale_id):
            raise SaleError(_("a payment has been taken: prices and discounts can no longer change"))
        changes = []
        for line in lines:
            row = SaleLine.get_or_none((SaleLine.sale == sale_id) & (SaleLine.line_no == line.line_no))
            if row is None:
                raise SaleError(_("there is no line {line_no}").format(line_no=line.line_no))
            changes.append({"line": line.line_no, "unit_price": [row.unit_price, line.unit_price],
                            "amount": [row.amount, line.amount], "discount": [row.discount, line.discount]})
            SaleLine.update(unit_price=line.unit_price, amount=line.amount, discount=line.discount,
                            sale_discount=line.sale_discount, promo_discount=line.promo_discount,
                            ).where(SaleLine.id == row.id).execute()
        if discount_text is not None:
            Sale.update(discount_text=discount_text).where(Sale.id == sale_id).execute()
        journal.append(f"sale.{kind}", {"sale": sale.uuid, "lines": changes, "approved_by": approved_by, **detail},
                       actor)
        _write_promotions(sale, promotions)


def reprice_promotions(sale_id: int, promotions: SalePromotions, actor: str) -> None:
    """The sale's promotions worked out again with no line changed (a recalled sale)."""
    with write_transaction():
        sale = _sale_for_update(sale_id, OPEN)
        _write_promotions(sale, promotions)
        journal.append("sale.promotions", {"sale": sale.uuid, "total": promotions.result.total}, actor)


@dataclass(frozen=True)
class SalePromotions:
    """The sale's promotions worked out again: the lines whose promotions' part changed and the
    result (what each promotion gave each line)."""

    lines: tuple[CartLine, ...]
    result: PromotionResult
    written: PromotionResult | None = None  # what the sale's rows hold now (None: not known, all rewritten)


def _write_promotions(sale: Sale, promotions: SalePromotions | None) -> None:
    if promotions is not None:
        write_sale_promotions(sale.id, promotions.lines, promotions.result, promotions.written)


@dataclass(frozen=True)
class ReceiptKind:
    """What sets a receipt apart: a refund (with its original receipt) or a training sale."""

    refund: bool
    training: bool
    original_receipt: str | None


def receipt_kind(sale_id: int) -> ReceiptKind:
    sale = _sale_for_update(sale_id)
    original = Sale.get_or_none(Sale.id == sale.original) if sale.original else None
    return ReceiptKind(sale.kind == "return", bool(sale.training), original.receipt_no if original else None)
