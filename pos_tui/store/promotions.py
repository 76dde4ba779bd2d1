"""The store's promotions and what they gave each sale line.

Each promotion is kept as its file's fields in JSON (``promotion_file.promotion_fields``); the
active ones are parsed once per database and kept until an import changes them. A sale line's
promotion discount is written beside it (``sale_line.promo_discount``) with one row per promotion
on it, in the transaction of the line change that gave it, so a sale reopened after a restart
shows the very discounts it had.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Iterable
from dataclasses import field

import peewee

from pos_tui.domain.cart import CartLine
from pos_tui.domain.money import Currency
from pos_tui.domain.promotions import Discount, LineShare, Promotion, PromotionResult, PromotionSet
from pos_tui.store import journal
from pos_tui.store.db import current_database, is_sqlite, write_transaction
from pos_tui.store.models import Promotion as PromotionRow
from pos_tui.store.models import SaleLinePromotion
from pos_tui.domain.frozen_records import FrozenRecord, frozen_record


log = logging.getLogger(__name__)


@frozen_record
class ImportResult(FrozenRecord):
    added: int
    changed: int
    unchanged: int
    retired: int  # active before, not in the file: kept, no longer active


@frozen_record
class PromotionInfo(FrozenRecord):
    code: str
    name: str
    kind: str
    active: bool
    updated_at: dt.datetime
    fields: dict = field(default_factory=dict, compare=False)  # its file's fields (the window among them)


_cache_lock = threading.Lock()
_cache: dict[int, tuple[tuple, PromotionSet]] = {}
_written_here = 0  # promotion changes written by this process (its own connection's commits are not in data_version)
_checked = threading.local()  # this thread's connection, its data_version and _written_here when last read


def _stamp(db: peewee.Database) -> tuple:
    """What changes whenever the promotions do (an import touches every row it changes)."""
    row = PromotionRow.select(peewee.fn.COUNT(PromotionRow.id), peewee.fn.MAX(PromotionRow.id),
                              peewee.fn.MAX(PromotionRow.updated_at),
                              peewee.fn.SUM(PromotionRow.active.cast("integer"))).tuples().get()
    return (getattr(db, "database", None), *row)


def _nothing_written_since(db: peewee.Database) -> tuple | None:
    """On SQLite, what says nothing was committed since this thread last read the promotions:
    the connection itself (held, so that another database's connection is never taken for it), its
    data_version (moves with every other connection's commit) and this process's own changes. None
    elsewhere (the promotions are read again each time)."""
    if not is_sqlite(db):
        return None
    connection = db.connection()
    return (connection, connection.execute("PRAGMA data_version").fetchone()[0], _written_here)


def promotion_set(cur: Currency) -> PromotionSet:
    """The promotions on offer in the store (whatever their time windows), made ready for the
    engine; read and parsed again only after they changed. (A scan asks for them every time: when
    no other connection committed since, not even the stamp is read.)"""
    db = current_database()
    marker = _nothing_written_since(db)
    with _cache_lock:
        cached = _cache.get(id(db))
    if cached is not None and marker is not None and getattr(_checked, "marker", None) == marker:
        return cached[1]
    stamp = _stamp(db)
    if cached is None or cached[0] != stamp:
        rows = list(PromotionRow.select().where(PromotionRow.active == True).order_by(PromotionRow.code))  # noqa: E712
        promos = []
        if rows:  # the file format's parser is imported by a store that has promotions
            from pos_tui.domain.promotion_file import PromotionFileError, promotion_from_fields
        for row in rows:
            try:
                promos.append(promotion_from_fields(json.loads(row.definition), cur))
            except (PromotionFileError, ValueError) as exc:  # the lane sells on without it, and says so in its log
                log.warning("promotion %s is not readable and is not given: %s", row.code, exc)
        cached = (stamp, PromotionSet(promos))
        with _cache_lock:
            _cache[id(db)] = cached
    _checked.marker = marker
    return cached[1]


def active_promotions(cur: Currency) -> tuple[Promotion, ...]:
    """The promotions on offer in the store (whatever their time windows), in code order."""
    return promotion_set(cur).promotions


def replace_promotions(promos: Iterable[Promotion], cur: Currency, *, source: str, actor: str,
                       now: dt.datetime) -> ImportResult:
    """Make ``promos`` the store's active promotions in one journaled transaction: new codes are
    added, changed ones rewritten, and active ones not among them retired (kept for the reports).
    A promotion its file could not hold (the file loader would refuse it) is refused, nothing kept."""
    wanted = {code: definition_text(fields) for code, fields in definitions(promos, cur).items()}
    added = changed = unchanged = retired = 0
    with write_transaction():
        existing = {row.code: row for row in PromotionRow.select()}
        for code, definition in wanted.items():
            row = existing.get(code)
            if row is None:
                PromotionRow.create(code=code, definition=definition, active=True, updated_at=now)
                added += 1
            elif row.definition != definition or not row.active:
                PromotionRow.update(definition=definition, active=True, updated_at=now).where(
                    PromotionRow.id == row.id).execute()
                changed += 1
            else:
                unchanged += 1
        gone = [row.id for code, row in existing.items() if code not in wanted and row.active]
        if gone:
            PromotionRow.update(active=False, updated_at=now).where(PromotionRow.id.in_(gone)).execute()
            retired = len(gone)
        journal.append("promotions.import", {"source": source, "codes": sorted(wanted), "added": added,
                                             "changed": changed, "retired": retired}, actor)
    _written()
    return ImportResult(added, changed, unchanged, retired)


def _written() -> None:
    """This process changed the promotions: the next read looks at them again."""
    global _written_here
    with _cache_lock:
        _written_here += 1


def definitions(promos: Iterable[Promotion], cur: Currency) -> dict[str, dict]:
    """Each promotion's file fields by its code, as kept; PromotionFileError for one its file could
    not hold (the file loader would refuse it)."""
    from pos_tui.domain.promotion_file import Problem, PromotionFileError, promotion_fields, promotion_from_fields

    wanted = {}
    for promo in promos:
        fields = promotion_fields(promo, cur)
        try:
            same = promotion_from_fields(fields, cur) == promo
        except PromotionFileError as exc:
            raise PromotionFileError([Problem(0, f"{promo.id}: {p.field}", p.message) for p in exc.problems]) from None
        if not same:
            raise PromotionFileError([Problem(0, promo.id, "cannot be kept as its file's fields")])
        wanted[promo.id] = fields
    return wanted


def definition_text(fields: dict) -> str:
    """A promotion's fields as the lane keeps them (the same text for the same fields)."""
    return json.dumps(fields, ensure_ascii=False, sort_keys=True)


def set_active(code: str, active: bool, *, actor: str, now: dt.datetime) -> PromotionInfo:
    """Stop a promotion (``active`` False) or run it again, journaled; LookupError for an unknown code."""
    with write_transaction():
        row = PromotionRow.get_or_none(PromotionRow.code == code)
        if row is None:
            raise LookupError(code)
        if bool(row.active) != bool(active):
            PromotionRow.update(active=bool(active), updated_at=now).where(PromotionRow.id == row.id).execute()
            journal.append("promotions.enable" if active else "promotions.disable", {"code": code}, actor)
    _written()
    return next(p for p in list_promotions() if p.code == code)


def apply_feed(rows: Iterable[tuple[str, dict, bool]], *, now: dt.datetime) -> None:
    """Inside the caller's transaction: promotions as the store server has them (code, fields,
    running), each written over the lane's own of that code."""
    existing = {row.code: row for row in PromotionRow.select()}
    for code, fields, active in rows:
        definition = definition_text(fields)
        row = existing.get(code)
        if row is None:
            existing[code] = PromotionRow.create(code=code, definition=definition, active=bool(active), updated_at=now)
        elif row.definition != definition or bool(row.active) != bool(active):
            PromotionRow.update(definition=definition, active=bool(active), updated_at=now).where(
                PromotionRow.id == row.id).execute()
            row.definition, row.active = definition, bool(active)
    _written()


def list_promotions() -> list[PromotionInfo]:
    """Every promotion the store has had, active ones first, each by code."""
    result = []
    for row in PromotionRow.select().order_by(PromotionRow.active.desc(), PromotionRow.code):
        fields = json.loads(row.definition)
        result.append(PromotionInfo(row.code, fields.get("name", ""), fields.get("kind", ""), bool(row.active),
                                    row.updated_at, fields))
    return result


# ---------------------------------------------------------------------------- on sale lines

def write_sale_promotions(sale_id: int, lines: Iterable[CartLine], result: PromotionResult,
                          written: PromotionResult | None = None) -> None:
    """Inside the caller's transaction: the promotions' part of each of ``lines`` (those whose part
    changed), and the sale's rows per promotion and line made ``result``'s: only the rows that
    differ from ``written`` (what they hold now), or all of them replaced when that is not known.
    (Plain statements run many times: a query built per row would cost the scan milliseconds.)"""
    db = current_database()
    q = db.param
    changed = [(line.discount, line.promo_discount, sale_id, line.line_no) for line in lines]
    cursor = db.cursor()
    if changed:
        cursor.executemany(f"UPDATE sale_line SET discount = {q}, promo_discount = {q} "
                           f"WHERE sale_id = {q} AND line_no = {q}", changed)
    wanted = _share_rows(result)
    if written is None:
        db.execute_sql(f"DELETE FROM sale_line_promotion WHERE sale = {q}", (sale_id,))
        gone, put = [], wanted
    else:
        held = _share_rows(written)
        gone = [key for key in held if key not in wanted]
        put = {key: row for key, row in wanted.items() if held.get(key) != row}
    if gone:
        cursor.executemany(f"DELETE FROM sale_line_promotion WHERE sale = {q} AND line_no = {q} AND promotion = {q}",
                           [(sale_id, line_no, code) for line_no, code in gone])
    if put:
        cursor.executemany("INSERT INTO sale_line_promotion (sale, line_no, promotion, name, kind, amount) "
                           f"VALUES ({q}, {q}, {q}, {q}, {q}, {q}) ON CONFLICT (sale, line_no, promotion) DO UPDATE "
                           "SET name = excluded.name, kind = excluded.kind, amount = excluded.amount",
                           [(sale_id, line_no, code, *row) for (line_no, code), row in put.items()])


def _share_rows(result: PromotionResult) -> dict[tuple[int, str], tuple[str, str, int]]:
    """(line number, promotion code) -> (name, kind, amount): the sale_line_promotion rows of ``result``."""
    return {(share.line_no, d.promotion_id): (d.name, d.kind, share.amount)
            for d in result.discounts for share in d.lines if share.amount}


def sale_promotions(sale_id: int) -> PromotionResult:
    """The promotions a sale's lines carry, as committed (what it showed before a restart)."""
    found: dict[str, tuple[str, str, list[LineShare]]] = {}
    for row in (SaleLinePromotion.select().where(SaleLinePromotion.sale == sale_id)
                .order_by(SaleLinePromotion.promotion, SaleLinePromotion.line_no)):
        found.setdefault(row.promotion, (row.name, row.kind, []))[2].append(LineShare(row.line_no, row.amount))
    return PromotionResult(tuple(
        Discount(code, name, kind, sum(s.amount for s in shares), 0, tuple(shares))
        for code, (name, kind, shares) in found.items()))
