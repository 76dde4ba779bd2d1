"""The back office's store functions: catalog edits, cross-lane queries, sale totals, and waiting
out another connection's write lock. Real SQLite files throughout."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from pathlib import Path

import peewee
import pytest

from pos_tui.domain.barcodes import BarcodeError
from pos_tui.services.lane import Lane
from pos_tui.store import admin_queries, catalog, catalog_edits, journal
from pos_tui.store.busy import StoreBusy, when_free
from pos_tui.store.catalog import CatalogError
from pos_tui.store.db import close_database
from pos_tui.store.sale_totals import sale_totals

SOAP = "4006381333931"


@pytest.fixture
def store(tmp_path: Path, make_demo_store):
    config = make_demo_store(tmp_path)
    yield config
    close_database()


def test_price_stock_and_active_each_commit_with_their_journal_row(store):
    catalog_edits.set_price("SOAP", 650, actor="boss")
    catalog_edits.set_stock("SOAP", 12_500, actor="boss")
    catalog_edits.set_active("SOAP", False, actor="boss")
    soap = catalog.get_by_sku("SOAP")
    assert (soap.price, soap.stock, soap.active) == (650, 12_500, False)
    rows = [(e.kind, e.actor, e.payload) for e in journal.entries() if e.kind.startswith("catalog.") and e.actor == "boss"]
    assert rows == [
        ("catalog.price", "boss", '{"from":500,"sku":"SOAP","to":650}'),
        ("catalog.stock", "boss", '{"from":60000,"sku":"SOAP","to":12500}'),
        ("catalog.active", "boss", '{"from":true,"sku":"SOAP","to":false}'),
    ]
    assert journal.verify().ok


@pytest.mark.parametrize("price", [0, -1, 1.5, True])
def test_a_price_that_is_not_a_positive_integer_is_refused(store, price):
    with pytest.raises(CatalogError, match="more than zero"):
        catalog_edits.set_price("SOAP", price, actor="boss")
    assert catalog.get_by_sku("SOAP").price == 500


def test_an_unknown_sku_changes_nothing(store):
    before = len(journal.entries())
    with pytest.raises(CatalogError, match="no product with SKU 'NOPE'"):
        catalog_edits.set_price("NOPE", 100, actor="boss")
    assert len(journal.entries()) == before


def test_barcodes_are_checked_and_never_shared(store):
    with pytest.raises(BarcodeError, match="check digit"):
        catalog_edits.add_barcode("BREAD", "4006381333932", actor="boss")
    with pytest.raises(CatalogError, match="already belongs to product SOAP"):
        catalog_edits.add_barcode("BREAD", SOAP, actor="boss")
    with pytest.raises(CatalogError, match="already has"):
        catalog_edits.add_barcode("SOAP", SOAP, actor="boss")
    with pytest.raises(CatalogError, match="SKU of another product"):
        catalog_edits.add_barcode("BREAD", "SOAP", actor="boss")
    bread = catalog_edits.add_barcode("BREAD", "PLU-77", actor="boss")
    assert bread.barcodes == ("6901234567908", "PLU-77")
    assert catalog.find_by_code("PLU-77").sku == "BREAD"


def test_find_puts_the_exact_code_first_and_shows_inactive_products(store):
    catalog_edits.set_active("GREENTEA", False, actor="boss")
    assert [p.sku for p in catalog.search_by_name("Green")] == []
    assert [p.sku for p in catalog_edits.find_products("Green")] == ["GREENTEA"]
    assert [p.sku for p in catalog_edits.find_products("ea")][:1] == ["BREAD"]  # short text: the scan path
    assert [p.sku for p in catalog_edits.find_products(SOAP)] == ["SOAP"]
    assert len(catalog_edits.find_products("a", limit=2)) == 2
    assert catalog_edits.find_products("   ") == []


def sell(store, *codes: str, clock=dt.datetime.now) -> Lane:
    lane = Lane(store, clock=clock)
    lane.people.sign_in("cashier", "1234")
    for code in codes:
        lane.items.enter(code)
    return lane


def test_sale_totals_match_what_the_lane_shows(store):
    lane = sell(store, SOAP, "6901234567892", "6931234567806")
    lane.items.void_line(2)
    view = lane.view()
    totals = sale_totals(lane.ctx.sale.id, store.tax.rates, store.tax.prices_include_tax)
    assert totals == view.totals and totals.total == 500 + 3990


def test_sales_by_hour_counts_paid_sales_of_the_day(store):
    day = dt.date(2026, 3, 2)
    for at, codes in ((dt.time(9, 59), (SOAP,)), (dt.time(10, 1), (SOAP, SOAP)), (dt.time(10, 30), (SOAP,))):
        lane = sell(store, *codes, clock=lambda at=at: dt.datetime.combine(day, at))
        lane.payments.total()
        lane.payments.tender_cash("")
        lane.receipts.finish_printing(lane.receipts.print_pending())
    assert [(h.hour, h.count, h.amount) for h in admin_queries.sales_by_hour(day)] == [(9, 1, 500), (10, 2, 1500)]
    assert admin_queries.sales_by_hour(day - dt.timedelta(days=1)) == ()
    assert admin_queries.sales_by_hour(day, lane=2) == ()


def test_when_free_tries_again_and_then_says_so_plainly():
    calls = []

    def locked_twice() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise peewee.OperationalError("database is locked")
        return "done"

    assert when_free(locked_twice) == "done" and len(calls) == 3

    def always_locked() -> None:
        raise peewee.OperationalError("database is locked")

    with pytest.raises(StoreBusy, match="nothing was changed, try again"):
        when_free(always_locked)

    def broken() -> None:
        raise peewee.OperationalError("no such table: product")

    with pytest.raises(peewee.OperationalError, match="no such table"):
        when_free(broken)


def test_an_edit_waits_for_another_process_holding_the_write_lock(store):
    other = sqlite3.connect(store.database_path, timeout=5, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE product SET name = name WHERE sku = 'BREAD'")
    holding = threading.Timer(0.2, other.commit)
    holding.start()
    try:
        assert when_free(catalog_edits.set_price, "SOAP", 700, actor="boss").price == 700
    finally:
        holding.join()
        other.close()
