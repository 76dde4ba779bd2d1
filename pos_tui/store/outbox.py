"""The outbox: every finished document of the lane, written in the same transaction as the fact.

A paid or voided sale, a finished return, a shift opened or closed, a paid-in, paid-out or
no-sale, an X or Z report: each adds one row here inside the write transaction that makes it true,
so a document exists exactly when its fact does (a crash loses both or neither). The row carries
the lane's own sequence number (1, 2, 3 ... per lane, no gaps: a rolled-back transaction takes its
number back with it) and a uuid; the sync worker (``services.sync``) sends rows in order to the
store server, which keeps each (store, lane, sequence) and each uuid once.

``sync_state`` keeps the worker's cursors (journal rows sent, change sequence of each feed applied)
and ``store_setting`` the store-wide settings that came down from the server.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid as uuidlib
from typing import Any

import peewee


from pos_tui.store import statements
from pos_tui.store.db import StoreError, current_database, write_transaction
from pos_tui.store.members import entries_of_sale
from pos_tui.store.models import BaseModel, CashMovement, LineVoid, Payment, Sale, SaleLine, SaleLinePromotion, Shift
from pos_tui.domain.frozen_records import FrozenRecord, frozen_record

WAITING, SENT, PARKED = "waiting", "sent", "parked"


class OutboxError(StoreError):
    """A document that cannot go into the outbox (no transaction open, bad payload)."""


class OutboxRow(BaseModel):
    lane = peewee.IntegerField()
    seq = peewee.IntegerField()
    uuid = peewee.CharField(unique=True)
    kind = peewee.CharField()
    payload = peewee.TextField()
    created_at = peewee.CharField()  # ISO 8601 UTC
    status = peewee.CharField(default=WAITING)
    reason = peewee.TextField(default="")
    sent_at = peewee.CharField(null=True)

    class Meta:
        table_name = "outbox"
        indexes = ((("lane", "seq"), True), (("status", "lane", "seq"), False))


class SyncState(BaseModel):
    key = peewee.CharField(unique=True)
    value = peewee.TextField()

    class Meta:
        table_name = "sync_state"


class StoreSetting(BaseModel):
    key = peewee.CharField(unique=True)
    value = peewee.TextField()  # JSON

    class Meta:
        table_name = "store_setting"


@frozen_record
class Document(FrozenRecord):
    lane: int
    seq: int
    uuid: str
    kind: str
    payload: str
    created_at: str


def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def add(kind: str, payload: dict[str, Any], *, lane: int, doc_uuid: str | None = None) -> int:
    """Put one document in the outbox inside the caller's write transaction; returns its sequence."""
    if not current_database().in_transaction():
        raise OutboxError(f"document {kind!r} must be added inside the write transaction of its fact")
    last = statements.fetch_one(_LAST_SEQ, (lane,))[0] or 0
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    statements.insert(OutboxRow, lane=lane, seq=last + 1, uuid=doc_uuid or uuidlib.uuid4().hex, kind=kind,
                      payload=text, created_at=utc_now())
    return last + 1


_LAST_SEQ = statements.Statement(lambda: OutboxRow.select(peewee.fn.MAX(OutboxRow.seq)).where(OutboxRow.lane == 0))


# ---------------------------------------------------------------- the documents, built from the rows just written


def sale_document(sale_id: int) -> dict[str, Any]:
    """A paid or voided sale, or a finished return: lines (voids marked, each with what each promotion
    took off it), payments, totals."""
    sale = statements.fetch_model(Sale, _SALE, (sale_id,))
    if sale is None:
        raise OutboxError(f"sale {sale_id} does not exist")
    voided = {line_id for (line_id,) in statements.fetch_all(_VOIDED_LINES, (sale_id,))}
    shares: dict[int, list[dict[str, Any]]] = {}  # what each promotion took off each line
    for p in statements.fetch_models(SaleLinePromotion, _LINE_PROMOTIONS, (sale_id,)):
        shares.setdefault(p.line_no, []).append({"promotion": p.promotion, "name": p.name, "kind": p.kind,
                                                 "amount": p.amount})
    lines = [{"line": r.line_no, "sku": r.sku, "name": r.name, "unit": r.unit, "qty_milli": r.qty_milli,
              "unit_price": r.unit_price, "amount": r.amount, "discount": r.discount, "tax_code": r.tax_code,
              "voided": r.id in voided, "origin_line": r.origin_line, "promotions": shares.get(r.line_no, [])}
             for r in statements.fetch_models(SaleLine, _LINES, (sale_id,))]
    payments = [{"method": p.method, "amount": p.amount, "tendered": p.tendered, "change": p.change,
                 "fee": p.fee, "status": p.status, "reference": p.reference, "masked_pan": p.masked_pan,
                 "auth_code": p.auth_code, "refund_of": p.refund_of}
                for p in statements.fetch_models(Payment, _PAYMENTS, (sale_id,))]
    original = Sale.get_or_none(Sale.id == sale.original) if sale.original else None
    closed = sale.closed_at or sale.opened_at
    document = {"sale": sale.uuid, "kind": sale.kind, "status": sale.status, "lane": sale.lane,
            "receipt": sale.receipt_no, "original_receipt": original.receipt_no if original else None,
            "shift": sale.shift, "training": bool(sale.training), "cashier": sale.cashier,
            "opened_at": _iso(sale.opened_at), "closed_at": _iso(closed), "business_day": closed.date().isoformat(),
            "total": sale.total if sale.status == "paid" else sum(l["amount"] - l["discount"] for l in lines
                                                                  if not l["voided"]),
            "tax": sale.tax_total, "change": sale.change, "lines": lines, "payments": payments}
    if points := entries_of_sale(sale.uuid):  # the member's points rows of the sale, when it had any
        document["points"] = points
    return document


_SALE = statements.Statement(lambda: Sale.select().where(Sale.id == 0))
_VOIDED_LINES = statements.Statement(lambda: LineVoid.select(LineVoid.line).join(SaleLine).where(SaleLine.sale == 0))


_LINE_PROMOTIONS = statements.Statement(
    lambda: SaleLinePromotion.select().where(SaleLinePromotion.sale == 0)
    .order_by(SaleLinePromotion.line_no, SaleLinePromotion.promotion))


_LINES = statements.Statement(lambda: SaleLine.select().where(SaleLine.sale == 0).order_by(SaleLine.line_no))


_PAYMENTS = statements.Statement(lambda: Payment.select().where(Payment.sale == 0).order_by(Payment.id))


def add_sale(sale_id: int) -> int:
    """The outbox row of a sale that was just paid or voided, or a return just finished."""
    doc = sale_document(sale_id)
    kind = "return" if doc["kind"] == "return" else f"sale.{doc['status']}"
    # One finished document per sale: its uuid is the sale's own.
    return add(kind, doc, lane=doc["lane"], doc_uuid=f"{doc['sale']}-{doc['status']}")


def add_shift(shift_id: int, kind: str) -> int:
    """``shift.open`` or ``shift.close`` (with the counts) of a shift just written."""
    s = Shift.get_by_id(shift_id)
    at = s.closed_at if kind == "shift.close" else s.opened_at
    doc = {"shift": s.id, "lane": s.lane, "status": s.status, "opened_by": s.opened_by, "opened_at": _iso(s.opened_at),
           "opening_float": s.opening_float, "training": bool(s.training), "closed_by": s.closed_by,
           "closed_at": _iso(s.closed_at), "counted": s.counted, "expected": s.expected,
           "left_in_drawer": s.left_in_drawer, "count_detail": s.count_detail or None,
           "business_day": (at or s.opened_at).date().isoformat()}
    return add(kind, doc, lane=s.lane)


def add_movement(movement_id: int) -> int:
    """A paid-in, paid-out or no-sale just written."""
    m = CashMovement.get_by_id(movement_id)
    shift = Shift.get_by_id(m.shift_id)
    doc = {"shift": m.shift_id, "lane": shift.lane, "kind": m.kind, "amount": m.amount, "reason": m.reason,
           "actor": m.actor, "approved_by": m.approved_by, "at": _iso(m.at), "training": bool(m.training),
           "business_day": m.at.date().isoformat()}
    return add(f"drawer.{m.kind}", doc, lane=shift.lane)


def add_report(kind: str, lane: int, report: dict[str, Any], business_day: str) -> int:
    """An X or Z report as taken (``report.x`` / ``report.z``)."""
    doc = json.loads(json.dumps(report, default=str))
    doc.update(lane=lane, business_day=business_day)
    return add(kind, doc, lane=lane)


# ---------------------------------------------------------------- what the sync worker reads and marks


def waiting(lane: int, limit: int) -> list[Document]:
    """The lane's documents not on the server yet, oldest first."""
    query = (OutboxRow.select(OutboxRow.lane, OutboxRow.seq, OutboxRow.uuid, OutboxRow.kind, OutboxRow.payload,
                              OutboxRow.created_at)
             .where((OutboxRow.status == WAITING) & (OutboxRow.lane == lane)).order_by(OutboxRow.seq).limit(limit))
    return [Document(*row) for row in query.tuples()]


def mark_sent(lane: int, seqs: list[int]) -> None:
    if not seqs:
        return
    with write_transaction():
        OutboxRow.update(status=SENT, sent_at=utc_now()).where(
            (OutboxRow.lane == lane) & OutboxRow.seq.in_(seqs) & (OutboxRow.status == WAITING)).execute()


def park(lane: int, seq: int, reason: str) -> None:
    """The server refused this document: keep it with the reason, out of the way of the others."""
    with write_transaction():
        OutboxRow.update(status=PARKED, reason=reason[:500]).where(
            (OutboxRow.lane == lane) & (OutboxRow.seq == seq)).execute()


@frozen_record
class OutboxCounts(FrozenRecord):
    waiting: int
    parked: int
    oldest_waiting: str | None  # created_at of the oldest waiting document


def counts(lane: int) -> OutboxCounts:
    rows = dict(OutboxRow.select(OutboxRow.status, peewee.fn.COUNT(OutboxRow.id))
                .where(OutboxRow.status.in_((WAITING, PARKED)) & (OutboxRow.lane == lane))
                .group_by(OutboxRow.status).tuples())
    oldest = (OutboxRow.select(peewee.fn.MIN(OutboxRow.created_at))
              .where((OutboxRow.lane == lane) & (OutboxRow.status == WAITING)).scalar())
    return OutboxCounts(rows.get(WAITING, 0), rows.get(PARKED, 0), oldest)


def parked(lane: int | None = None) -> list[OutboxRow]:
    query = OutboxRow.select().where(OutboxRow.status == PARKED).order_by(OutboxRow.lane, OutboxRow.seq)
    if lane is not None:
        query = query.where(OutboxRow.lane == lane)
    return list(query)


def get_state(key: str, default: str = "") -> str:
    row = SyncState.get_or_none(SyncState.key == key)
    return row.value if row else default


def set_state(key: str, value: str) -> None:
    """Inside the caller's transaction when there is one (a batch and its cursor commit together)."""
    SyncState.insert(key=key, value=value).on_conflict(conflict_target=[SyncState.key],
                                                       preserve=[SyncState.value]).execute()


def settings() -> dict[str, Any]:
    """The store-wide settings that came down from the server."""
    return {row.key: json.loads(row.value) for row in StoreSetting.select()}
