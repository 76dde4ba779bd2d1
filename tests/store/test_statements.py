"""Statements built once (store.statements) write and read what peewee's own queries do."""

from __future__ import annotations

import datetime as dt

import pytest

from pos_tui.store import statements
from pos_tui.store.db import write_transaction
from pos_tui.store.models import Sale, SaleLine

OPENED = dt.datetime(2026, 12, 3, 9, 30, 15, 123456)


def a_sale() -> Sale:
    return Sale.create(uuid="u1", lane=1, status="open", cashier="cashier", opened_at=OPENED, shift=3)


def test_an_insert_writes_the_row_create_writes_defaults_included(store_db):
    sale = a_sale()
    fields = dict(sale=sale.id, sku="SKU1", name="可口可乐 330ml", unit="each", qty_milli=2000, unit_price=350,
                  tax_code="A", amount=700, added_at=OPENED, added_by="cashier")
    with write_transaction():
        SaleLine.create(line_no=1, **fields)
        statements.insert(SaleLine, line_no=2, **fields)
    made, inserted = (SaleLine.get(SaleLine.line_no == n).__data__ for n in (1, 2))
    assert {**made, "id": None, "line_no": None} == {**inserted, "id": None, "line_no": None}
    assert inserted["discount"] == 0 and inserted["added_at"] == OPENED


def test_an_unknown_field_is_named_and_nothing_is_written(store_db):
    with pytest.raises(TypeError, match="SaleLine has no field colour"):
        statements.insert(SaleLine, colour="red")
    assert SaleLine.select().count() == 0


def test_a_fetched_model_equals_what_peewee_reads_and_is_not_dirty(store_db):
    sale = a_sale()
    fetched = statements.fetch_model(Sale, "test.sale", lambda: Sale.select().where(Sale.id == 0), (sale.id,))
    assert fetched.__data__ == Sale.get_by_id(sale.id).__data__
    assert fetched.opened_at == OPENED and not fetched.dirty_fields
    assert statements.fetch_model(Sale, "test.sale", lambda: Sale.select().where(Sale.id == 0), (sale.id + 1,)) is None
