"""The back office's catalog edits: one product's price, stock, active flag or a new barcode.

Each edit is one write transaction with its journal row naming the operator. The lane reads the
product per scan, so an edit applies to the next scan on every lane.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import peewee

from pos_tui.domain.text import check_text
from pos_tui.domain.barcodes import classify
from pos_tui.store import journal
from pos_tui.store.catalog import CatalogError, ProductInfo, find_by_code, get_by_sku, search_by_name
from pos_tui.store.db import write_transaction
from pos_tui.store.models import Barcode, Product


def find_products(text: str, limit: int = 50) -> list[ProductInfo]:
    """The product whose barcode or SKU is exactly ``text`` first, then products whose name
    contains it (inactive ones too: the back office can sell them again), at most ``limit``."""
    text = text.strip()
    if not text or limit <= 0:
        return []
    exact = find_by_code(text)
    named = search_by_name(text, limit, include_inactive=True)
    if exact is None:
        return named
    return ([exact] + [product for product in named if product.id != exact.id])[:limit]


def _product(sku: str) -> Product:
    product = Product.get_or_none(Product.sku == sku)
    if product is None:
        raise CatalogError(f"no product with SKU {sku!r}")
    return product


def _edit(sku: str, kind: str, field: str, value: Any, actor: str, now: dt.datetime | None) -> ProductInfo:
    with write_transaction():
        product = _product(sku)
        before = getattr(product, field)
        Product.update({field: value, Product.updated_at: now or dt.datetime.now()}).where(
            Product.id == product.id).execute()
        journal.append(kind, {"sku": sku, "from": before, "to": value}, actor)
    return get_by_sku(sku)


def set_price(sku: str, price: int, *, actor: str, now: dt.datetime | None = None) -> ProductInfo:
    """A new price in minor units (per kg for a product sold by weight)."""
    if not isinstance(price, int) or isinstance(price, bool) or price <= 0:
        raise CatalogError(f"product {sku}: the price must be more than zero minor units, not {price!r}")
    return _edit(sku, "catalog.price", "price", price, actor, now)


def set_stock(sku: str, stock_milli: int | None, *, actor: str, now: dt.datetime | None = None) -> ProductInfo:
    """The counted stock in thousandths, or None to stop counting it."""
    if stock_milli is not None and (not isinstance(stock_milli, int) or isinstance(stock_milli, bool)):
        raise CatalogError(f"product {sku}: stock must be a whole number of thousandths, not {stock_milli!r}")
    return _edit(sku, "catalog.stock", "stock", stock_milli, actor, now)


def set_active(sku: str, active: bool, *, actor: str, now: dt.datetime | None = None) -> ProductInfo:
    """An inactive product stays in the catalog but the lane refuses to sell it."""
    return _edit(sku, "catalog.active", "active", bool(active), actor, now)


def add_barcode(sku: str, code: str, *, actor: str) -> ProductInfo:
    """Give the product one more barcode: EAN/UPC check digits verified, other codes kept as PLUs;
    refused when another product (or this one) has it already."""
    code = check_text(code.strip(), "barcode")
    classify(code)
    with write_transaction():
        product = _product(sku)
        owner = (Barcode.select(Product.sku).join(Product).where(Barcode.code == code).scalar())
        if owner == sku:
            raise CatalogError(f"product {sku} already has barcode {code}")
        if owner is not None:
            raise CatalogError(f"barcode {code} already belongs to product {owner}")
        if code != sku and Product.select().where(Product.sku == code).exists():
            raise CatalogError(f"{code} is the SKU of another product; a scan of it would find that one")
        try:
            Barcode.create(code=code, product=product.id)
        except peewee.IntegrityError as exc:
            raise CatalogError(f"barcode {code} refused by the database: {exc}") from None
        journal.append("catalog.barcode", {"sku": sku, "code": code}, actor)
    return get_by_sku(sku)
