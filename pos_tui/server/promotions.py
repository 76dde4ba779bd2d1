"""The store's promotions on the server (the operator's connection): an import replaces the active
set, a promotion is stopped or run again; each change is one transaction with its admin_journal
row, and reaches every lane through the change feed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable

import psycopg
from psycopg.types.json import Jsonb

from pos_tui.server.admin import journal
from pos_tui.server.connect import ServerError
from pos_tui.store.promotions import ImportResult


@dataclass(frozen=True)
class ServerPromotion:
    code: str
    definition: dict[str, Any]
    active: bool
    updated_at: dt.datetime


def replace_promotions(conn: psycopg.Connection, definitions: dict[str, dict[str, Any]], *, actor: str,
                       source: str) -> ImportResult:
    """Make ``definitions`` (code -> the file's fields) the store's active promotions: new codes
    added, changed ones rewritten, active ones not among them stopped (kept for the reports)."""
    added = changed = unchanged = retired = 0
    with conn.transaction():
        conn.execute("LOCK TABLE promotions IN SHARE ROW EXCLUSIVE MODE")
        existing = {code: (definition, active) for code, definition, active in
                    conn.execute("SELECT code, definition, active FROM promotions")}
        for code, definition in definitions.items():
            before = existing.get(code)
            if before is None:
                conn.execute("INSERT INTO promotions (code, definition) VALUES (%s, %s)", (code, Jsonb(definition)))
                added += 1
            elif before[0] != definition or not before[1]:
                conn.execute("UPDATE promotions SET definition = %s, active = true WHERE code = %s",
                             (Jsonb(definition), code))
                changed += 1
            else:
                unchanged += 1
        gone = [code for code, (_d, active) in existing.items() if active and code not in definitions]
        if gone:
            conn.execute("UPDATE promotions SET active = false WHERE code = ANY(%s)", (gone,))
            retired = len(gone)
        journal(conn, actor, "promotions.import", {"source": source, "codes": sorted(definitions), "added": added,
                                                   "changed": changed, "retired": retired})
    return ImportResult(added, changed, unchanged, retired)


def set_active(conn: psycopg.Connection, code: str, active: bool, *, actor: str) -> ServerPromotion:
    """Stop a promotion (``active`` False) or run it again; journaled."""
    with conn.transaction():
        row = conn.execute("SELECT active FROM promotions WHERE code = %s FOR UPDATE", (code,)).fetchone()
        if row is None:
            raise ServerError(f"no promotion {code!r} on the store server")
        if row[0] != bool(active):
            conn.execute("UPDATE promotions SET active = %s WHERE code = %s", (bool(active), code))
            journal(conn, actor, "promotions.enable" if active else "promotions.disable", {"code": code})
    return promotion(conn, code)


def promotion(conn: psycopg.Connection, code: str) -> ServerPromotion:
    row = conn.execute("SELECT code, definition, active, updated_at FROM promotions WHERE code = %s",
                       (code,)).fetchone()
    if row is None:
        raise ServerError(f"no promotion {code!r} on the store server")
    return ServerPromotion(*row)


def promotions(conn: psycopg.Connection) -> list[ServerPromotion]:
    """Every promotion the store has had, the running ones first, each by code."""
    rows = conn.execute("SELECT code, definition, active, updated_at FROM promotions "
                        "ORDER BY active DESC, code").fetchall()
    return [ServerPromotion(*row) for row in rows]


def catalog_skus(conn: psycopg.Connection, names: Iterable[str]) -> dict[str, str]:
    """The SKU each of ``names`` stands for in the store's catalog: the SKU itself or a barcode of it
    (names the catalog does not know are left out)."""
    names = sorted(set(names))
    found = {sku: sku for (sku,) in conn.execute("SELECT sku FROM products WHERE sku = ANY(%s)", (names,))}
    for code, sku in conn.execute("SELECT code, sku FROM barcodes WHERE code = ANY(%s)", (names,)):
        found.setdefault(code, sku)
    return found
