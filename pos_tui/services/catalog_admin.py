"""The catalog, for the command line: a CSV imported (all or nothing) or exported, one product
looked up, a price or active flag changed. The file format and its checks are ``store.catalog_csv``'s;
the back office's product edits are ``BackOffice``'s."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pos_tui.config import Config
from pos_tui.domain.money import currency
from pos_tui.store import catalog_csv
from pos_tui.store.catalog import Progress, ProductInfo, find_by_code
# Re-exported for the command line: what a rejected import raises, the checked reading of a CSV
# for a catalog kept on the store server, and how a stock figure is written.
from pos_tui.store.catalog_csv import ImportRejected as ImportRejected
from pos_tui.store.catalog_csv import ImportResult
from pos_tui.store.catalog_csv import format_stock as format_stock
from pos_tui.store.catalog_csv import read_products as read_products


def import_catalog(config: Config, file: Path, *, actor: str, progress: Progress | None = None) -> ImportResult:
    """Import a catalog CSV in the store's currency and tax codes (a row without a tax code takes
    the default rate); ImportRejected, with every error, changes nothing."""
    return catalog_csv.import_products(file, cur=currency(config.store.currency), tax_codes=config.tax.rates.keys(),
                                       default_tax=config.tax.default, actor=actor, progress=progress)


def export_catalog(config: Config, file: Path) -> int:
    """Write the catalog to ``file`` in the import format; the number of products written."""
    return catalog_csv.export_products(file, cur=currency(config.store.currency))


def find_product(code: str) -> ProductInfo | None:
    """The product with this barcode, else with this SKU; None if neither."""
    return find_by_code(code.strip())


def set_price(sku: str, price: int, *, actor: str, now: dt.datetime | None = None) -> ProductInfo:
    """A new price in minor units (per kg for a product sold by weight), journaled."""
    from pos_tui.store import catalog_edits

    return catalog_edits.set_price(sku, price, actor=actor, now=now)


def set_active(sku: str, active: bool, *, actor: str, now: dt.datetime | None = None) -> ProductInfo:
    """Sell it again, or stop selling it (it stays in the catalog), journaled."""
    from pos_tui.store import catalog_edits

    return catalog_edits.set_active(sku, active, actor=actor, now=now)
