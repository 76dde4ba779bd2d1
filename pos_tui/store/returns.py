"""Returns: a sale-like record of its own (kind "return", numbered in the "R" series) against a
paid sale, never an edit of it. Lines refer to the original lines; a line can never be returned
past what was sold. Refunds go back to the original tenders: each is a payment row on the return
("planned", then "pending" before anything is sent, then the outcome), so the write-ahead rule of
sales holds for refunds too. When the refunds cover the return, it is numbered, stock goes back
and the refund receipt is queued, in one transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid

import peewee

from pos_tui.domain.cart import CartLine
from pos_tui.domain.money import round_half_up_div, round_to_step
from pos_tui.domain.payment import OUTCOMES, SETTLED, UNRESOLVED, PaymentStatus, refunds_first
from pos_tui.i18n import _
from pos_tui.store import journal, members, outbox
from pos_tui.store.members import PointsTerms
from pos_tui.store.db import StoreError, write_transaction
from pos_tui.store.models import (
    LineVoid,
    Payment,
    PrintJob,
    Product,
    Sale,
    SaleLine,
    Shift,
)
from pos_tui.store.sales import (
    POINTS,
    PAID,
    RETURN_SERIES,
    VOIDED,
    PaymentRecord,
    SaleRecord,
    get_sale,
    next_receipt_no,
    payments_of,
    receipt_day,
)
from pos_tui.domain.frozen_records import FrozenRecord, frozen_record

REFUNDING = "refunding"


class ReturnError(StoreError):
    """A return the data does not allow (unknown receipt, more than was sold, refund not pending)."""


@frozen_record
class ReturnableLine(FrozenRecord):
    line_id: int
    line_no: int
    product_id: int | None
    sku: str
    name: str
    unit: str
    qty_milli: int
    returned_milli: int
    unit_price: int
    amount: int
    discount: int
    tax_code: str

    @property
    def returnable_milli(self) -> int:
        return self.qty_milli - self.returned_milli


@frozen_record
class ReturnableSale(FrozenRecord):
    sale: SaleRecord
    lines: tuple[ReturnableLine, ...]
    payments: tuple[PaymentRecord, ...]  # the settled payments of the original sale
    refunded: dict[int, int]  # original payment id -> refunded or being refunded so far

    def line(self, line_no: int) -> ReturnableLine:
        for line in self.lines:
            if line.line_no == line_no:
                return line
        raise ReturnError(_("receipt {receipt} has no line {line_no} to return").format(
            receipt=self.sale.receipt_no, line_no=line_no))


@frozen_record
class RefundStep(FrozenRecord):
    method: str
    amount: int
    refund_of: int | None  # the original payment it goes back to; None for cash paid instead


def _live_returns() -> peewee.ModelSelect:
    return Sale.select(Sale.id).where((Sale.kind == "return") & (Sale.status.in_((REFUNDING, PAID))))


def _returned_qty(line_ids: list[int]) -> dict[int, int]:
    query = (SaleLine.select(SaleLine.origin_line, peewee.fn.SUM(SaleLine.qty_milli).alias("qty"))
             .where(SaleLine.origin_line.in_(line_ids) & SaleLine.sale.in_(_live_returns()))
             .group_by(SaleLine.origin_line))
    return {row.origin_line: row.qty for row in query}


def _refunded(payment_ids: list[int]) -> dict[int, int]:
    """Per original payment: refunds settled, in flight or planned (a declined one no longer counts)."""
    query = (Payment.select(Payment.refund_of, peewee.fn.SUM(Payment.amount).alias("total"))
             .where(Payment.refund_of.in_(payment_ids)
                    & Payment.status.in_(SETTLED + UNRESOLVED + (PaymentStatus.PLANNED,)))
             .group_by(Payment.refund_of))
    return {row.refund_of: row.total for row in query}


def returnable_sale(receipt_no: str) -> ReturnableSale:
    """The paid sale behind a receipt number, with what is left to return of each line."""
    number = receipt_no.strip()
    sale = Sale.get_or_none(Sale.receipt_no == number)
    if sale is None:
        raise ReturnError(_("no receipt {receipt}").format(receipt=repr(number)))
    if sale.kind != "sale":
        raise ReturnError(_("{receipt} is a refund receipt: returns are made against the original sale").format(
            receipt=number))
    if sale.training:
        raise ReturnError(_("{receipt} is a training receipt").format(receipt=number))
    if sale.status != PAID:
        raise ReturnError(_("sale {sale} is {status}").format(sale=number, status=sale.status))
    rows = list(SaleLine.select().where(SaleLine.sale == sale.id).order_by(SaleLine.line_no))
    voided = {v.line_id for v in LineVoid.select().join(SaleLine).where(SaleLine.sale == sale.id)}
    returned = _returned_qty([row.id for row in rows])
    lines = tuple(
        ReturnableLine(row.id, row.line_no, row.product_id, row.sku, row.name, row.unit, row.qty_milli,
                       returned.get(row.id, 0), row.unit_price, row.amount, row.discount, row.tax_code)
        for row in rows if row.id not in voided
    )
    paid = tuple(p for p in payments_of(sale.id) if p.status in SETTLED)
    return ReturnableSale(get_sale(sale.id), lines, paid, _refunded([p.id for p in paid]))


def refund_share(total: int, sold_milli: int, before_milli: int, qty_milli: int) -> int:
    """The part of a line's ``total`` for ``qty_milli`` returned after ``before_milli`` already
    were: each part is rounded so that all the parts of a line add up to its total exactly."""
    return (round_half_up_div(total * (before_milli + qty_milli), sold_milli)
            - round_half_up_div(total * before_milli, sold_milli))


def plan_refunds(payments: tuple[PaymentRecord, ...], refunded: dict[int, int], amount: int, *,
                 to_cash: bool) -> list[RefundStep]:
    """How ``amount`` goes back: points tendered come back as points in proportion to their part of
    the sale (all that is left of them when the rest of the sale comes back); then card and wallet
    payments (each up to what is left of it), then the cash ones, and anything still owed in cash.
    ``to_cash`` pays all but the points in cash."""
    steps, left = [], amount
    paid = sum(p.amount for p in payments)
    rest = sum(p.amount - refunded.get(p.id, 0) for p in payments)
    for payment in (p for p in payments if p.method == POINTS):
        room = payment.amount - refunded.get(payment.id, 0)
        part = min(room, left, room if amount >= rest else amount * payment.amount // max(paid, 1))
        if part > 0:
            steps.append(RefundStep(POINTS, part, payment.id))
            left -= part
    if to_cash:
        return steps + ([RefundStep("cash", left, None)] if left > 0 else [])
    ordered = sorted((p for p in payments if p.method != POINTS), key=lambda p: (not refunds_first(p.method), p.id))
    for payment in ordered:
        room = payment.amount - refunded.get(payment.id, 0)
        part = min(room, left)
        if part > 0:
            steps.append(RefundStep(payment.method, part, payment.id))
            left -= part
    if left > 0:
        steps.append(RefundStep("cash", left, None))
    return steps


def create_return(original_id: int, lines: list[tuple[CartLine, int]], *, lane: int, total: int, tax_total: int,
                  plan: list[RefundStep], reason: str, actor: str, approved_by: str | None,
                  now: dt.datetime, cash_step: int = 1, points: PointsTerms | None = None) -> SaleRecord:
    """Commit a return: its lines (each with its original line id) and its planned refunds. Cash
    refunds count at once, paid out rounded to ``cash_step`` (kept as the row's ``tendered``);
    when nothing else is owed the return is finished here too."""
    if not lines:
        raise ReturnError(_("pick at least one line to return"))
    if sum(step.amount for step in plan) != total:
        raise ReturnError(_("the refunds do not add up to the return total"))
    with write_transaction():
        original = Sale.get_or_none(Sale.id == original_id)
        if original is None or original.status != PAID or original.kind != "sale":
            raise ReturnError(_("sale {sale} cannot be returned against").format(sale=original_id))
        shift = Shift.get_or_none((Shift.lane == lane) & (Shift.status == "open"))
        if shift is None:
            raise ReturnError(_("no shift is open on lane {lane}").format(lane=lane))
        if Sale.select().where((Sale.lane == lane) & (Sale.status == REFUNDING)).exists():
            raise ReturnError(_("finish the open return first"))
        sold = {row.id: row for row in SaleLine.select().where(SaleLine.sale == original_id)}
        returned = _returned_qty(list(sold))
        for line, origin in lines:
            row = sold.get(origin)
            if row is None:
                raise ReturnError(_("line {line_no} is not a line of receipt {receipt}").format(
                    line_no=line.line_no, receipt=original.receipt_no))
            left = row.qty_milli - returned.get(origin, 0)
            if line.qty_milli > left:
                raise ReturnError(_("line {line_no} ({name}): only {left:g} left to return").format(
                    line_no=row.line_no, name=row.name, left=left / 1000))
            returned[origin] = returned.get(origin, 0) + line.qty_milli
        ret = Sale.create(uuid=uuid.uuid4().hex, lane=lane, status=REFUNDING, phase="payment", cashier=actor,
                          opened_at=now, total=total, tax_total=tax_total, shift=shift.id, kind="return",
                          original=original_id)
        for line, origin in lines:
            SaleLine.create(sale=ret.id, line_no=line.line_no, product_id=line.product_id, sku=line.sku,
                            name=line.name, unit=line.unit, qty_milli=line.qty_milli, unit_price=line.unit_price,
                            tax_code=line.tax_code, amount=line.amount, discount=line.discount, added_at=now,
                            added_by=actor, origin_line=origin)
        for step in plan:
            Payment.create(sale=ret.id, method=step.method, amount=step.amount, refund_of=step.refund_of,
                           tendered=round_to_step(step.amount, cash_step) if step.method == "cash" else 0,
                           status=PaymentStatus.APPROVED if step.method in ("cash", POINTS) else PaymentStatus.PLANNED,
                           reference=uuid.uuid4().hex, created_at=now, updated_at=now)
        journal.append("return.open", {
            "return": ret.uuid, "original": original.receipt_no, "total": total, "reason": reason,
            "approved_by": approved_by, "lines": [[origin, line.qty_milli, line.amount - line.discount]
                                                  for line, origin in lines],
            "refunds": [[step.method, step.amount] for step in plan],
        }, actor)
        if original.member and points is not None:  # points tendered come back as points; earned ones go
            members.points_for_return(original.member, original.uuid, original.total, ret.uuid, total,
                                      sum(step.amount for step in plan if step.method == POINTS), points,
                                      actor=actor, now=now)
        _finish_if_refunded(ret.id, now, actor)
    return get_sale(ret.id)


def create_return_without_receipt(line: CartLine, *, lane: int, total: int, tax_total: int, reason: str, actor: str,
                                  approved_by: str, now: dt.datetime, cash_step: int = 1) -> SaleRecord:
    """Commit a return with no receipt behind it: one line, paid out in cash (rounded to
    ``cash_step``) at once, journaled with its reason and supervisor."""
    with write_transaction():
        shift = Shift.get_or_none((Shift.lane == lane) & (Shift.status == "open"))
        if shift is None:
            raise ReturnError(_("no shift is open on lane {lane}").format(lane=lane))
        if Sale.select().where((Sale.lane == lane) & (Sale.status == REFUNDING)).exists():
            raise ReturnError(_("finish the open return first"))
        ret = Sale.create(uuid=uuid.uuid4().hex, lane=lane, status=REFUNDING, phase="payment", cashier=actor,
                          opened_at=now, total=total, tax_total=tax_total, shift=shift.id, kind="return",
                          original=None)
        SaleLine.create(sale=ret.id, line_no=1, product_id=None, sku=line.sku, name=line.name, unit=line.unit,
                        qty_milli=line.qty_milli, unit_price=line.unit_price, tax_code=line.tax_code,
                        amount=line.amount, discount=0, added_at=now, added_by=actor)
        Payment.create(sale=ret.id, method="cash", amount=total, tendered=round_to_step(total, cash_step),
                       status=PaymentStatus.APPROVED, reference=uuid.uuid4().hex, created_at=now, updated_at=now)
        journal.append("return.no_receipt", {"return": ret.uuid, "total": total, "reason": reason,
                                             "approved_by": approved_by}, actor)
        _finish_if_refunded(ret.id, now, actor)
    return get_sale(ret.id)


def open_return_on_lane(lane: int) -> SaleRecord | None:
    ret = Sale.get_or_none((Sale.lane == lane) & (Sale.status == REFUNDING))
    return get_sale(ret.id) if ret else None


def refunds_of(return_id: int) -> list[PaymentRecord]:
    return payments_of(return_id)


def _return_for_update(return_id: int) -> Sale:
    ret = Sale.get_or_none((Sale.id == return_id) & (Sale.kind == "return"))
    if ret is None:
        raise ReturnError(_("return {sale} does not exist").format(sale=return_id))
    if ret.status != REFUNDING:
        raise ReturnError(_("return {sale} is {status}").format(sale=ret.receipt_no or ret.id, status=ret.status))
    return ret


@frozen_record
class RefundAttempt(FrozenRecord):
    """A refund committed as pending: what to send, and the original payment it goes back to."""

    id: int
    sale_id: int
    method: str
    amount: int
    reference: str
    original_reference: str  # the original payment's reference (a wallet's out_trade_no)


def begin_refund(return_id: int, reference: str, *, actor: str, now: dt.datetime) -> RefundAttempt | None:
    """Commit the next planned card or wallet refund as pending under ``reference`` BEFORE it is
    sent; None when none is planned (or the return is finished). Refused while another refund's
    outcome is unknown."""
    with write_transaction():
        if Sale.select().where((Sale.id == return_id) & (Sale.status == PAID)).exists():
            return None
        ret = _return_for_update(return_id)
        if Payment.select().where((Payment.sale == return_id) & Payment.status.in_(UNRESOLVED)).exists():
            raise ReturnError(_("a refund's outcome is unknown; a supervisor must resolve it first"))
        row = (Payment.select().where((Payment.sale == return_id) & (Payment.status == PaymentStatus.PLANNED))
               .order_by(Payment.id).first())
        if row is None:
            return None
        Payment.update(status=PaymentStatus.PENDING, reference=reference, updated_at=now).where(
            Payment.id == row.id).execute()
        journal.append("refund.attempt", {"return": ret.uuid, "method": row.method, "amount": row.amount,
                                          "reference": reference}, actor)
        original = Payment.get_by_id(row.refund_of)
    return RefundAttempt(row.id, return_id, row.method, row.amount, reference, original.reference)


def record_refund_outcome(payment_id: int, *, status: str, reason: str = "", masked_pan: str = "",
                          auth_code: str = "", terminal_ref: str = "", wallet_txn: str = "", actor: str,
                          now: dt.datetime) -> str | None:
    """Commit what the terminal or wallet said about a refund; returns the return's receipt
    number when this refund completed it."""
    if status not in OUTCOMES:
        raise ReturnError(_("unknown refund outcome {status}").format(status=repr(status)))
    with write_transaction():
        row = Payment.get_or_none(Payment.id == payment_id)
        if row is None or row.status != PaymentStatus.PENDING:
            raise ReturnError(_("refund {payment} is not pending").format(payment=payment_id))
        ret = _return_for_update(row.sale_id)
        Payment.update(status=status, reason=reason[:200], masked_pan=masked_pan or None, auth_code=auth_code or None,
                       terminal_ref=terminal_ref or None, wallet_txn=wallet_txn or None,
                       updated_at=now).where(Payment.id == payment_id).execute()
        journal.append("refund.outcome", {"return": ret.uuid, "reference": row.reference, "status": status,
                                          "reason": reason[:200], "amount": row.amount}, actor)
        return _finish_if_refunded(ret.id, now, actor) if status == PaymentStatus.APPROVED else None


def resolve_refund(payment_id: int, *, refunded: bool, auth_code: str, supervisor: str, actor: str,
                   now: dt.datetime) -> int:
    """A supervisor's word on a refund whose outcome was unknown, read from the terminal's ticket;
    returns the return's id (finished when this refund completed it)."""
    with write_transaction():
        row = Payment.get_or_none(Payment.id == payment_id)
        if row is None or row.status not in UNRESOLVED or row.refund_of is None:
            raise ReturnError(_("refund {payment} has no unknown outcome to resolve").format(payment=payment_id))
        ret = _return_for_update(row.sale_id)
        status = PaymentStatus.RESOLVED_APPROVED if refunded else PaymentStatus.RESOLVED_NOT_CHARGED
        Payment.update(status=status, auth_code=auth_code or row.auth_code, updated_at=now).where(
            Payment.id == payment_id).execute()
        journal.append("refund.resolve", {"return": ret.uuid, "reference": row.reference, "refunded": refunded,
                                          "auth_code": auth_code, "approved_by": supervisor}, actor)
        if refunded:
            _finish_if_refunded(ret.id, now, actor)
    return ret.id


def refund_rest_in_cash(return_id: int, *, actor: str, approved_by: str | None, now: dt.datetime,
                        cash_step: int = 1) -> str:
    """Pay whatever the return still owes in cash (after a declined card refund, say); the planned
    refunds not sent yet are dropped. Returns the return's receipt number."""
    with write_transaction():
        ret = _return_for_update(return_id)
        if Payment.select().where((Payment.sale == return_id) & Payment.status.in_(UNRESOLVED)).exists():
            raise ReturnError(_("a refund's outcome is unknown; a supervisor must resolve it first"))
        Payment.update(status=PaymentStatus.CANCELLED, reason="paid in cash instead", updated_at=now).where(
            (Payment.sale == return_id) & (Payment.status == PaymentStatus.PLANNED)).execute()
        owed = ret.total - _settled(return_id)
        Payment.create(sale=return_id, method="cash", amount=owed, tendered=round_to_step(owed, cash_step),
                       status=PaymentStatus.APPROVED,
                       reference=uuid.uuid4().hex, created_at=now, updated_at=now)
        journal.append("refund.cash", {"return": ret.uuid, "amount": owed, "approved_by": approved_by}, actor)
        receipt_no = _finish_if_refunded(return_id, now, actor)
    return receipt_no


def cancel_return(return_id: int, *, actor: str, now: dt.datetime) -> None:
    """Drop a return before any money went back: it stays, marked voided."""
    with write_transaction():
        ret = _return_for_update(return_id)
        moved = Payment.select().where((Payment.sale == return_id) & (Payment.method != "cash")
                                       & Payment.status.in_(SETTLED + UNRESOLVED)).exists()
        if moved:
            raise ReturnError(_("money has gone back already: finish the return"))
        Payment.update(status=PaymentStatus.CANCELLED, reason="return cancelled", updated_at=now).where(
            (Payment.sale == return_id) & Payment.status.in_((PaymentStatus.PLANNED, PaymentStatus.APPROVED))).execute()
        Sale.update(status=VOIDED, closed_at=now).where(Sale.id == return_id).execute()
        journal.append("return.cancel", {"return": ret.uuid}, actor)


def _settled(return_id: int) -> int:
    return (Payment.select(peewee.fn.COALESCE(peewee.fn.SUM(Payment.amount), 0))
            .where((Payment.sale == return_id) & Payment.status.in_(SETTLED)).scalar())


def _finish_if_refunded(return_id: int, now: dt.datetime, actor: str) -> str | None:
    """Number the return, put the stock back and queue the refund receipt once the refunds cover
    it (caller's transaction)."""
    ret = Sale.get_by_id(return_id)
    if _settled(return_id) < ret.total:
        return None
    receipt_no = next_receipt_no(ret.lane, receipt_day(ret, now), RETURN_SERIES)
    Sale.update(status=PAID, receipt_no=receipt_no, closed_at=now).where(Sale.id == return_id).execute()
    for line in SaleLine.select().where(SaleLine.sale == return_id):
        if line.product_id is not None:
            Product.update(stock=Product.stock + line.qty_milli).where(
                (Product.id == line.product_id) & Product.stock.is_null(False)).execute()
    # Kind "sale": the refund receipt prints like a sale's, and a cash refund opens the drawer.
    PrintJob.create(sale=return_id, kind="sale", status="pending", created_at=now)
    original = Sale.get_by_id(ret.original) if ret.original else None
    journal.append("return.paid", {
        "return": ret.uuid, "receipt": receipt_no, "original": original.receipt_no if original else None,
        "total": ret.total,
        "refunds": [[p.method, p.amount] for p in payments_of(return_id) if p.status in SETTLED],
    }, actor)
    outbox.add_sale(return_id)
    return receipt_no
