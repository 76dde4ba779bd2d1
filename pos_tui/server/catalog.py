"""Store-wide catalog, staff and settings on the server (the operator's connection): each change
is one transaction with its admin_journal row, and reaches every lane through the change feed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import psycopg
from psycopg.types.json import Jsonb

from pos_tui.server.admin import journal
from pos_tui.server.connect import ServerError


@dataclass(frozen=True)
class ServerProduct:
    sku: str
    name: str
    price: int
    tax: str
    unit: str
    active: bool
    barcodes: tuple[str, ...]
    department: str | None = None


def upsert_products(conn: psycopg.Connection, items: Sequence, *, actor: str, source: str = "") -> tuple[int, int]:
    """Create or overwrite products (``ProductData``-like: sku, name, price, tax, unit, barcodes, department), their
    barcodes replaced, all or nothing; returns (created, updated). A barcode of a product not in
    ``items`` is refused, as on the lane."""
    skus = [i.sku for i in items]
    codes = {code: i.sku for i in items for code in i.barcodes}
    with conn.transaction():
        taken = conn.execute("SELECT code, sku FROM barcodes WHERE code = ANY(%s) AND NOT (sku = ANY(%s))",
                             (list(codes), skus)).fetchall()
        if taken:
            code, owner = taken[0]
            raise ServerError(f"barcode {code} already belongs to product {owner} ({len(taken)} such barcodes)")
        existing = conn.execute("SELECT count(*) FROM products WHERE sku = ANY(%s)", (skus,)).fetchone()[0]
        conn.execute("CREATE TEMP TABLE incoming (sku text, name text, price bigint, tax text, unit text, "
                     "department text) ON COMMIT DROP")
        with conn.cursor().copy("COPY incoming FROM STDIN") as copy:
            for i in items:
                copy.write_row((i.sku, i.name, i.price, i.tax, i.unit, getattr(i, "department", None)))
        conn.execute("INSERT INTO products (sku, name, price, tax, unit, department, active) "
                     "SELECT sku, name, price, tax, unit, department, true FROM incoming ON CONFLICT (sku) DO UPDATE "
                     "SET name = excluded.name, price = excluded.price, tax = excluded.tax, unit = excluded.unit, "
                     "department = excluded.department, active = true")
        conn.execute("DELETE FROM barcodes WHERE sku = ANY(%s) OR code = ANY(%s)", (skus, list(codes)))
        with conn.cursor().copy("COPY barcodes (code, sku) FROM STDIN") as copy:
            for code, sku in codes.items():
                copy.write_row((code, sku))
        journal(conn, actor, "catalog.import", {"source": source, "rows": len(items), "updated": existing})
    return len(items) - existing, existing


_PRODUCT = ("SELECT sku, name, price, tax, unit, active, ARRAY(SELECT code FROM barcodes b WHERE b.sku = p.sku "
            "ORDER BY code), department FROM products p")


def find_products(conn: psycopg.Connection, text: str, limit: int = 50) -> list[ServerProduct]:
    """Products whose name holds ``text`` (any case), or whose SKU or a barcode is ``text``, by name."""
    text = text.strip()
    if not text:
        return []
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = conn.execute(_PRODUCT + " WHERE name ILIKE %s OR sku = %s OR EXISTS (SELECT 1 FROM barcodes b "
                        "WHERE b.sku = p.sku AND b.code = %s) ORDER BY name, sku LIMIT %s",
                        (pattern, text, text, limit)).fetchall()
    return [ServerProduct(*row[:6], tuple(row[6]), row[7]) for row in rows]


def product(conn: psycopg.Connection, sku: str) -> ServerProduct:
    row = conn.execute(_PRODUCT + " WHERE sku = %s", (sku,)).fetchone()
    if row is None:
        raise ServerError(f"no product with SKU {sku!r} on the store server")
    return ServerProduct(*row[:6], tuple(row[6]), row[7])


def set_price(conn: psycopg.Connection, sku: str, price: int, *, actor: str) -> ServerProduct:
    if not isinstance(price, int) or isinstance(price, bool) or price <= 0:
        raise ServerError(f"product {sku}: the price must be more than zero minor units, not {price!r}")
    return _edit(conn, sku, "price", price, actor)


def set_active(conn: psycopg.Connection, sku: str, active: bool, *, actor: str) -> ServerProduct:
    return _edit(conn, sku, "active", bool(active), actor)


def _edit(conn: psycopg.Connection, sku: str, column: str, value: Any, actor: str) -> ServerProduct:
    with conn.transaction():
        row = conn.execute(f"SELECT {column} FROM products WHERE sku = %s FOR UPDATE", (sku,)).fetchone()
        if row is None:
            raise ServerError(f"no product with SKU {sku!r} on the store server")
        conn.execute(f"UPDATE products SET {column} = %s WHERE sku = %s", (value, sku))
        journal(conn, actor, f"catalog.{column}", {"sku": sku, "from": row[0], "to": value})
    return product(conn, sku)


def set_prices(conn: psycopg.Connection, prices: Iterable[tuple[str, int]], *, actor: str) -> int:
    """Many price changes in one transaction (a price list); returns how many products changed."""
    rows = list(prices)
    with conn.transaction():
        conn.execute("CREATE TEMP TABLE new_prices (sku text, price bigint) ON COMMIT DROP")
        with conn.cursor().copy("COPY new_prices FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        changed = conn.execute("UPDATE products p SET price = n.price FROM new_prices n WHERE p.sku = n.sku").rowcount
        journal(conn, actor, "catalog.prices", {"rows": changed})
    return changed


# ---------------------------------------------------------------- staff


@dataclass(frozen=True)
class ServerUser:
    name: str
    role: str
    disabled: bool
    locked_until: dt.datetime | None
    pin_changed_at: dt.datetime | None = None
    failed_attempts: int = 0  # wrong PINs since the last right one (store-wide operator sign-ins)


_USER = ("SELECT u.name, u.role, u.disabled, u.locked_until, u.pin_changed_at, COALESCE(f.count, 0) FROM users u "
         "LEFT JOIN operator_failures f ON f.name = u.name")


def users(conn: psycopg.Connection) -> list[ServerUser]:
    rows = conn.execute(_USER + " ORDER BY u.name").fetchall()
    return [ServerUser(*row) for row in rows]


def user(conn: psycopg.Connection, name: str) -> ServerUser:
    row = conn.execute(_USER + " WHERE u.name = %s", (name,)).fetchone()
    if row is None:
        raise ServerError(f"no user named {name!r} on the store server")
    return ServerUser(*row)


def pin_hash(conn: psycopg.Connection, name: str) -> str:
    row = conn.execute("SELECT pin_hash FROM users WHERE name = %s", (name,)).fetchone()
    if row is None:
        raise ServerError(f"no user named {name!r} on the store server")
    return row[0]


def add_user(conn: psycopg.Connection, name: str, role: str, pin_hash: str, *, actor: str) -> None:
    with conn.transaction():
        if conn.execute("SELECT 1 FROM users WHERE name = %s", (name,)).fetchone():
            raise ServerError(f"a user named {name!r} already exists")
        conn.execute("INSERT INTO users (name, role, pin_hash, pin_changed_at) VALUES (%s, %s, %s, localtimestamp(0))",
                     (name, role, pin_hash))
        journal(conn, actor, "user.add", {"name": name, "role": role})


def update_user(conn: psycopg.Connection, name: str, *, actor: str, kind: str, **values: Any) -> None:
    """``kind`` names the change in the journal: pin_changed, disabled, enabled, unlocked."""
    with conn.transaction():
        row = conn.execute("SELECT role, disabled FROM users WHERE name = %s FOR UPDATE", (name,)).fetchone()
        if row is None:
            raise ServerError(f"no user named {name!r} on the store server")
        if values.get("disabled") and row[0] == "admin":
            admins = conn.execute("SELECT count(*) FROM users WHERE role = 'admin' AND NOT disabled").fetchone()[0]
            if admins <= 1 and not row[1]:
                raise ServerError(f"{name!r} is the last enabled admin and cannot be disabled")
        sets = ", ".join(f"{column} = %s" for column in values)
        conn.execute(f"UPDATE users SET {sets} WHERE name = %s", (*values.values(), name))
        if "locked_until" in values:  # a new PIN or an unlock starts the count of wrong PINs again
            conn.execute("DELETE FROM operator_failures WHERE name = %s", (name,))
        journal(conn, actor, f"user.{kind}", {"name": name})


def set_setting(conn: psycopg.Connection, key: str, value: Any, *, actor: str) -> None:
    with conn.transaction():
        conn.execute("INSERT INTO settings (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE "
                     "SET value = excluded.value", (key, Jsonb(value)))
        journal(conn, actor, "setting", {"key": key, "value": value})
