"""The product catalog: lookups on the lane's scan path, name search, and bulk upserts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Sequence

import peewee

from pos_tui.domain.cart import UNITS
from pos_tui.store import statements
from pos_tui.store.db import StoreError, current_database, is_sqlite
from pos_tui.store.models import Barcode, Product

# Rows per statement when asking about many keys at once (kept under every engine's parameter limit).
CHUNK = 500

Progress = Callable[[int, int], None]


class CatalogError(StoreError):
    """A catalog change that would break a rule (unknown unit, barcode owned by another product)."""


@dataclass(frozen=True)
class ProductInfo:
    id: int
    sku: str
    name: str
    price: int  # minor units (per kg for unit "kg")
    tax: str
    unit: str
    stock: int | None  # thousandths; None = not tracked
    active: bool
    barcodes: tuple[str, ...]
    open_price: bool = False  # the lane asks the cashier for the price
    department: str | None = None  # its department's code


@dataclass(frozen=True)
class ProductData:
    """One product as it should be after an upsert (its barcodes replace any it had)."""

    sku: str
    name: str
    price: int
    tax: str
    unit: str = "each"
    stock: int | None = None
    barcodes: tuple[str, ...] = ()
    department: str | None = None


@dataclass(frozen=True)
class UpsertResult:
    created: int
    updated: int


_PRODUCT_COLUMNS = (
    Product.id, Product.sku, Product.name, Product.price, Product.tax,
    Product.unit, Product.stock, Product.active, Product.open_price, Product.department,
)
_CODE_AT = len(_PRODUCT_COLUMNS)  # where find_by_code's rows hold the barcode


def _info(row: Sequence, barcodes: tuple[str, ...]) -> ProductInfo:
    pid, sku, name, price, tax, unit, stock, active, open_price, department = row[:_CODE_AT]
    return ProductInfo(pid, sku, name, price, tax, unit, stock, bool(active), barcodes, bool(open_price), department)


def _find_by_code_sql() -> peewee.Select:
    # One statement: the product owning the barcode, else the product with that SKU,
    # joined with all of its barcodes (one row per barcode).
    other = Barcode.alias()
    by_barcode = Barcode.select(Barcode.product).where(Barcode.code == "")
    same_sku = Product.alias()
    by_sku = same_sku.select(same_sku.id).where(same_sku.sku == "")
    return (
        Product.select(*_PRODUCT_COLUMNS, other.code)
        .join(other, peewee.JOIN.LEFT_OUTER, on=(other.product == Product.id))
        .where(Product.id == peewee.fn.COALESCE(by_barcode, by_sku))
        .order_by(other.id)
    )


_FIND_BY_CODE = statements.Statement(_find_by_code_sql)


def find_by_code(code: str) -> ProductInfo | None:
    """The product with this barcode, else with this SKU; None if neither. One indexed query."""
    rows = statements.fetch_all(_FIND_BY_CODE, (code, code))
    if not rows:
        return None
    return _info(rows[0], tuple(row[_CODE_AT] for row in rows if row[_CODE_AT] is not None))


def get_by_sku(sku: str) -> ProductInfo | None:
    """The product with exactly this SKU, or None."""
    product = Product.select(*_PRODUCT_COLUMNS).where(Product.sku == sku).tuples().first()
    if product is None:
        return None
    return _info(product, _barcodes_of(product[0]))


def _barcodes_of(product_id: int) -> tuple[str, ...]:
    query = Barcode.select(Barcode.code).where(Barcode.product == product_id).order_by(Barcode.id)
    return tuple(code for (code,) in query.tuples())


def _attach_barcodes(rows: list[tuple]) -> list[ProductInfo]:
    ids = [row[0] for row in rows]
    codes: dict[int, list[str]] = {pid: [] for pid in ids}
    for chunk in _chunks(ids):
        query = (
            Barcode.select(Barcode.product, Barcode.code)
            .where(Barcode.product.in_(chunk))
            .order_by(Barcode.id)
            .tuples()
        )
        for pid, code in query:
            codes[pid].append(code)
    return [_info(row, tuple(codes[row[0]])) for row in rows]


def _fts_phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


# The trigram index needs at least three characters; shorter text is found by a scan that stops
# at ``limit`` matches (a few ms when the text is common, ~100 ms for no match in 1,000,000 names).
_TRIGRAM = 3


def search_by_name(text: str, limit: int = 50, *, include_inactive: bool = False) -> list[ProductInfo]:
    """Products whose name, or its pinyin key, contains ``text`` (case-insensitive: "可口", "cola",
    "kekou", "kkkl"), at most ``limit``, by name; only active ones unless ``include_inactive`` (the
    back office sees those too). The one name search of the lane and the back office."""
    text = text.strip()
    if not text or limit <= 0:
        return []
    db = current_database()
    if len(text) >= _TRIGRAM and is_sqlite(db):
        columns = ", ".join(f"p.{c.column_name}" for c in _PRODUCT_COLUMNS)
        active = "" if include_inactive else " AND p.active"
        rows = db.execute_sql(
            f"SELECT {columns} FROM product_search s JOIN {Product._meta.table_name} p ON p.id = s.rowid "
            f"WHERE product_search MATCH ?{active} LIMIT ?",
            (_fts_phrase(text), limit),
        ).fetchall()
    else:
        query = Product.select(*_PRODUCT_COLUMNS).where(Product.name.contains(text) | Product.pinyin.contains(text))
        if not include_inactive:
            query = query.where(Product.active == True)  # noqa: E712
        rows = list(query.limit(limit).tuples())
    rows.sort(key=lambda row: row[2])
    return _attach_barcodes(rows)


def _chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _select_in(make_query: Callable[[list], peewee.Query], keys: Iterable) -> Iterator[tuple]:
    """Rows of ``make_query(chunk)`` for each chunk of keys; the SQL is built once per chunk size."""
    db = current_database()
    compiled: dict[int, str] = {}
    for chunk in _chunks(list(keys)):
        sql = compiled.get(len(chunk))
        if sql is None:
            sql = compiled[len(chunk)] = make_query([""] * len(chunk)).sql()[0]
        yield from db.execute_sql(sql, list(chunk))


def product_ids(skus: Iterable[str]) -> dict[str, int]:
    """SKU -> product id for those of ``skus`` that exist."""
    return dict(_select_in(lambda chunk: Product.select(Product.sku, Product.id).where(Product.sku.in_(chunk)), skus))


def barcode_owners(codes: Iterable[str]) -> dict[str, str]:
    """Barcode -> SKU of the product that has it, for those of ``codes`` already in use."""
    return dict(_select_in(
        lambda chunk: Barcode.select(Barcode.code, Product.sku).join(Product).where(Barcode.code.in_(chunk)), codes
    ))


_departments_sql: dict[tuple[type, int], str] = {}


def departments_of(skus: Iterable[str]) -> dict[str, str]:
    """SKU -> department code for those of ``skus`` that are products with a department. (The lane
    asks at the scan of each SKU new to the sale: the statement is built once per size.)"""
    db = current_database()
    found: dict[str, str] = {}
    for chunk in _chunks(list(skus)):
        sql = _departments_sql.get((type(db), len(chunk)))
        if sql is None:
            sql = _departments_sql[(type(db), len(chunk))] = Product.select(Product.sku, Product.department).where(
                Product.sku.in_([""] * len(chunk)) & Product.department.is_null(False)).sql()[0]
        found.update(db.execute_sql(sql, list(chunk)).fetchall())
    return found


def count_products() -> int:
    return Product.select().count()


def upsert_products(items: Sequence[ProductData], progress: Progress | None = None) -> UpsertResult:
    """Create new SKUs and overwrite existing ones (their barcodes replaced), in bulk.

    Must run inside the caller's write transaction, next to the caller's journal row.
    """
    from pos_tui.domain.pinyin import pinyin_key  # (imports and the store server's feed: a lane opens without it)

    db = current_database()
    if not db.in_transaction():
        raise CatalogError("upsert_products must run inside a write transaction")
    for item in items:
        if item.unit not in UNITS:
            raise CatalogError(f"product {item.sku}: unit must be one of {', '.join(UNITS)}, not {item.unit!r}")
    total = len(items)
    existing = product_ids(item.sku for item in items)
    now = Product.updated_at.db_value(dt.datetime.now().replace(microsecond=0))
    fields = [Product.sku, Product.name, Product.price, Product.tax, Product.unit,
              Product.stock, Product.active, Product.updated_at, Product.pinyin, Product.department]
    upsert_sql = (  # open_price is set for a new product only: an import keeps the back office's flag
        Product.insert(dict.fromkeys([*fields, Product.open_price], ""))
        .on_conflict(conflict_target=[Product.sku], preserve=fields[1:])
        .sql()[0]
    )
    barcode_sql = Barcode.insert({Barcode.code: "", Barcode.product: 0}).sql()[0]
    cursor = db.cursor()
    try:
        for chunk in _chunks(list(existing.values())):
            Barcode.delete().where(Barcode.product.in_(chunk)).execute()
        done = 0
        for chunk in _chunks(items, 5000):
            with peewee.__exception_wrapper__:  # driver errors -> peewee's IntegrityError etc.
                cursor.executemany(upsert_sql, [
                    (i.sku, i.name, i.price, i.tax, i.unit, i.stock, True, now, pinyin_key(i.name), False, i.department)
                    for i in chunk
                ])
                ids = product_ids(i.sku for i in chunk)
                cursor.executemany(barcode_sql, [(code, ids[i.sku]) for i in chunk for code in i.barcodes])
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    except peewee.IntegrityError as exc:
        raise CatalogError(f"catalog change refused by the database: {exc}") from None
    finally:
        cursor.close()
    return UpsertResult(created=total - len(existing), updated=len(existing))


def iter_products(active_only: bool = True, batch: int = 5000) -> Iterator[ProductInfo]:
    """Every product in id order with its barcodes, streamed in batches (for export)."""
    last_id = 0
    while True:
        query = Product.select(*_PRODUCT_COLUMNS).where(Product.id > last_id)
        if active_only:
            query = query.where(Product.active == True)  # noqa: E712
        rows = list(query.order_by(Product.id).limit(batch).tuples())
        if not rows:
            return
        yield from _attach_barcodes(rows)
        last_id = rows[-1][0]
