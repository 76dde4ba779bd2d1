"""Store-wide reports from the documents the lanes sent: X (live, one lane or all lanes, the
business day so far), the store's Z (all lanes, once per business day, stored as taken) and a
lane's Z as the lane took it. The figures are added up by ``domain.report.build_report`` from the
same facts a lane uses, so a lane's totals and the server's agree to the minor unit."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from pos_tui.domain.cart import CartLine
from pos_tui.domain.members import points_facts
from pos_tui.domain.report import (
    STORE_WIDE, HourTotal, LineFact, MovementFact, PaymentFact, PromotionFact, Report, SaleFact, build_report,
    report_from_dict,
    report_to_dict,
)
from pos_tui.domain.tax import tax_breakdown
from pos_tui.domain.payment import SETTLED
from pos_tui.server.admin import journal
from pos_tui.server.connect import ServerError
from pos_tui.store.reports import ReportContext

STORE_LANE = STORE_WIDE  # the "lane" of a store-wide report


def _documents(conn: psycopg.Connection, store: str, day: dt.date, lane: int | None) -> list[tuple[str, int, dict]]:
    query = ("SELECT kind, lane, payload FROM documents WHERE store = %s AND business_day = %s "
             "AND kind IN ('sale.paid', 'sale.voided', 'return', 'shift.open', 'shift.close', "
             "'drawer.paid_in', 'drawer.paid_out', 'drawer.no_sale')")
    args: list[Any] = [store, day]
    if lane is not None:
        query += " AND lane = %s"
        args.append(lane)
    rows = conn.execute(query + " ORDER BY lane, lane_seq", args).fetchall()
    return rows


def _sale_fact(kind: str, doc: dict, ctx: ReportContext) -> SaleFact:
    lines = [CartLine(l["line"], None, l["sku"], l["name"], l["unit"], l["qty_milli"], l["unit_price"], l["tax_code"],
                      l["amount"], voided=l["voided"], discount=l["discount"]) for l in doc["lines"]]
    totals = tax_breakdown(lines, ctx.rates, ctx.prices_include_tax)
    facts = tuple(LineFact(l.sku, l.name, l.qty_milli, l.amount, l.discount, l.voided, ctx.departments.get(l.sku))
                  for l in lines)
    total = totals.total if kind == "voided" else doc["total"]
    points = points_facts(((e["kind"], e["points"], e["value"]) for e in doc.get("points", ())),
                          ctx.value_of_100_points)
    return SaleFact(kind, doc["receipt"], dt.datetime.fromisoformat(doc["closed_at"]), total, totals.tax_by_rate, facts,
                    promotions=_promotion_facts(doc) if kind == "sale" else (),
                    points_earned=points[0], points_earned_value=points[1], points_redeemed=points[2],
                    points_redeemed_value=points[3])


def _promotion_facts(doc: dict) -> tuple[PromotionFact, ...]:
    """What each promotion took off a sale: its shares of the lines added up, by code as on the lane
    (a document from before promotions has none)."""
    found: dict[str, PromotionFact] = {}
    for line in doc["lines"]:
        for share in line.get("promotions", ()):
            seen = found.get(share["promotion"], PromotionFact(share["promotion"], share["name"], 0))
            found[share["promotion"]] = PromotionFact(seen.code, seen.name, seen.amount + share["amount"])
    return tuple(found[code] for code in sorted(found))


def build(conn: psycopg.Connection, store: str, ctx: ReportContext, day: dt.date, kind: str, *,
          lane: int | None = None, number: int | None = None) -> Report:
    sales, payments, movements = [], [], []
    opening, counted, opened, closed = 0, 0, 0, 0
    starts: list[dt.datetime] = []
    ends: list[dt.datetime] = []
    for doc_kind, _lane, doc in _documents(conn, store, day, lane):
        if doc.get("training"):
            continue
        if doc_kind in ("sale.paid", "return"):
            refund = doc_kind == "return"
            sales.append(_sale_fact("return" if refund else "sale", doc, ctx))
            for p in doc["payments"]:
                if p["status"] in SETTLED:
                    kept = p["tendered"] - p["change"] if p["method"] == "cash" and p["tendered"] else p["amount"]
                    payments.append(PaymentFact(p["method"], p["amount"], p["fee"], 0 if refund else kept, refund))
        elif doc_kind == "sale.voided":
            sales.append(_sale_fact("voided", doc, ctx))
        elif doc_kind.startswith("drawer."):
            movements.append(MovementFact(doc["kind"], doc["amount"]))
        elif doc_kind == "shift.open":
            opening += doc["opening_float"]
            opened += 1
            starts.append(dt.datetime.fromisoformat(doc["opened_at"]))
        elif doc_kind == "shift.close":
            counted += doc["counted"] or 0
            closed += 1
            ends.append(dt.datetime.fromisoformat(doc["closed_at"]))
    return build_report(kind, currency_code=ctx.currency_code, store_name=ctx.store_name,
                        lane=STORE_LANE if lane is None else lane, sales=sales, payments=payments,
                        movements=movements, opening_float=opening,
                        counted=counted if opened and opened == closed else None, number=number,
                        business_day=day.isoformat(), period_start=min(starts, default=None),
                        period_end=max(ends, default=None))


def x_report(conn: psycopg.Connection, store: str, ctx: ReportContext, day: dt.date, *,
             lane: int | None = None) -> Report:
    """The business day so far, of one lane or of every lane (what the server has received)."""
    return build(conn, store, ctx, day, "X", lane=lane)


def take_store_z(conn: psycopg.Connection, store: str, ctx: ReportContext, day: dt.date, *, actor: str) -> Report:
    """The store's Z of ``day``: every lane's documents of that day, numbered, once per business day."""
    with conn.transaction():
        conn.execute("LOCK TABLE store_z_reports IN EXCLUSIVE MODE")
        taken = conn.execute("SELECT number FROM store_z_reports WHERE store = %s AND business_day = %s",
                             (store, day)).fetchone()
        if taken:
            raise ServerError(f"store Z report {taken[0]} already closed {day.isoformat()}")
        number = conn.execute("SELECT COALESCE(MAX(number), 0) + 1 FROM store_z_reports WHERE store = %s",
                              (store,)).fetchone()[0]
        report = build(conn, store, ctx, day, "Z", number=number)
        content = json.loads(json.dumps(report_to_dict(report), default=str))
        conn.execute("INSERT INTO store_z_reports (store, business_day, number, taken_by, content) "
                     "VALUES (%s, %s, %s, %s, %s)", (store, day, number, actor, Jsonb(content)))
        journal(conn, actor, "report.z", {"day": day.isoformat(), "number": number, "net": report.net})
    return report


def store_z_number(conn: psycopg.Connection, store: str, day: dt.date) -> int | None:
    """The number of the store's Z report of ``day``; None while that day is not closed."""
    row = conn.execute("SELECT number FROM store_z_reports WHERE store = %s AND business_day = %s",
                       (store, day)).fetchone()
    return row[0] if row else None


def sales_by_hour(conn: psycopg.Connection, store: str, day: dt.date) -> tuple[HourTotal, ...]:
    """Paid sales of every lane in business day ``day`` (training left out), counted and summed per
    hour of their closing, as the lanes sent them."""
    rows = conn.execute("SELECT payload->>'closed_at', (payload->>'total')::bigint FROM documents WHERE store = %s "
                        "AND business_day = %s AND kind = 'sale.paid' AND NOT COALESCE((payload->>'training')::boolean, "
                        "false)", (store, day)).fetchall()
    hours: dict[int, tuple[int, int]] = {}
    for closed_at, total in rows:
        hour = dt.datetime.fromisoformat(closed_at).hour
        count, amount = hours.get(hour, (0, 0))
        hours[hour] = (count + 1, amount + total)
    return tuple(HourTotal(hour, count, amount) for hour, (count, amount) in sorted(hours.items()))


def stored_store_z(conn: psycopg.Connection, store: str, day: dt.date) -> Report:
    row = conn.execute("SELECT content FROM store_z_reports WHERE store = %s AND business_day = %s",
                       (store, day)).fetchone()
    if row is None:
        raise ServerError(f"the store has no Z report for {day.isoformat()}")
    return _report(row[0])


def lane_z(conn: psycopg.Connection, store: str, lane: int, day: dt.date) -> Report:
    """The Z report lane ``lane`` took for ``day``, as it sent it."""
    row = conn.execute("SELECT payload FROM documents WHERE store = %s AND lane = %s AND kind = 'report.z' "
                       "AND business_day = %s ORDER BY lane_seq DESC LIMIT 1", (store, lane, day)).fetchone()
    if row is None:
        raise ServerError(f"lane {lane} has sent no Z report for {day.isoformat()}")
    return _report(row[0])


def _report(data: dict) -> Report:
    # A Report keeps its period as ISO text, as stored (render_text prints it as it is).
    return report_from_dict({k: v for k, v in data.items() if k not in ("lane_doc", "business_day_doc")})
