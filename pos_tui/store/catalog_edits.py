"""The back office's catalog edits: a new product; one product's name, price, tax, stock, active
and open-price flags, a barcode added or removed.

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
from pos_tui.domain.cart import UNITS
from pos_tui.domain.pinyin import pinyin_key
from pos_tui.i18n import _
from pos_tui.store.catalog import (
    CatalogError, ProductData, ProductInfo, barcode_owners, find_by_code, get_by_sku, search_by_name,
)
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


def add_product(data: ProductData, *, open_price: bool = False, actor: str,
                now: dt.datetime | None = None) -> ProductInfo:
    """A new product (its SKU not in use), with its barcodes, in one transaction and journal row."""
    sku = check_text(data.sku.strip(), "SKU")
    name = check_text(data.name.strip(), "name")
    if not sku or any(c.isspace() for c in sku) or len(sku) > 64:
        raise CatalogError(_("SKU {sku} must be 1 to 64 characters without spaces").format(sku=repr(sku)))
    if not name:
        raise CatalogError(_("the product needs a name"))
    if data.unit not in UNITS:
        raise CatalogError(f"unit must be one of {', '.join(UNITS)}, not {data.unit!r}")
    if data.price < 0 or (data.price == 0 and not open_price):
        raise CatalogError(_("the price must be more than 0 (or the product open-price)"))
    for code in data.barcodes:
        classify(code)
    with write_transaction():
        if Product.select().where(Product.sku == sku).exists():
            raise CatalogError(_("a product with SKU {sku} exists already").format(sku=sku))
        taken = barcode_owners(data.barcodes)
        if taken:
            code, owner = next(iter(taken.items()))
            raise CatalogError(f"barcode {code} already belongs to product {owner}")
        product = Product.create(sku=sku, name=name, price=data.price, tax=data.tax, unit=data.unit,
                                 stock=data.stock, active=True, updated_at=now or dt.datetime.now(),
                                 pinyin=pinyin_key(name), open_price=open_price)
        for code in data.barcodes:
            Barcode.create(code=code, product=product.id)
        journal.append("catalog.add", {"sku": sku, "name": name, "price": data.price, "tax": data.tax,
                                       "unit": data.unit, "stock": data.stock, "barcodes": list(data.barcodes),
                                       "open_price": open_price}, actor)
    return get_by_sku(sku)


def set_name(sku: str, name: str, *, actor: str, now: dt.datetime | None = None) -> ProductInfo:
    """A new name (its pinyin key follows, for F2)."""
    name = check_text(name.strip(), "name")
    if not name:
        raise CatalogError(_("the product needs a name"))
    with write_transaction():
        product = _product(sku)
        Product.update(name=name, pinyin=pinyin_key(name), updated_at=now or dt.datetime.now()).where(
            Product.id == product.id).execute()
        journal.append("catalog.name", {"sku": sku, "from": product.name, "to": name}, actor)
    return get_by_sku(sku)


def set_tax(sku: str, tax: str, *, actor: str, now: dt.datetime | None = None) -> ProductInfo:
    return _edit(sku, "catalog.tax", "tax", tax, actor, now)


def set_open_price(sku: str, open_price: bool, *, actor: str, now: dt.datetime | None = None) -> ProductInfo:
    """An open-price product is sold at the price the cashier types for it."""
    return _edit(sku, "catalog.open_price", "open_price", bool(open_price), actor, now)


def remove_barcode(sku: str, code: str, *, actor: str) -> ProductInfo:
    with write_transaction():
        product = _product(sku)
        deleted = Barcode.delete().where((Barcode.code == code.strip()) & (Barcode.product == product.id)).execute()
        if not deleted:
            raise CatalogError(f"product {sku} has no barcode {code.strip()}")
        journal.append("catalog.barcode_removed", {"sku": sku, "code": code.strip()}, actor)
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
