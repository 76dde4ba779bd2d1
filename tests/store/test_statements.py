"""Statements built once (store.statements) write and read what peewee's own queries do."""

from __future__ import annotations

import datetime as dt

import pytest

from pos_tui.store import statements
from pos_tui.store.db import write_transaction
from pos_tui.store.models import Sale, SaleLine

OPENED = dt.datetime(2026, 12, 3, 9, 30, 15, 123456)


def a_sale(uuid: str = "u1") -> Sale:
    return Sale.create(uuid=uuid, lane=1, status="open", cashier="cashier", opened_at=OPENED, shift=3)


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
    by_id = statements.Statement(lambda: Sale.select().where(Sale.id == 0))
    fetched = statements.fetch_model(Sale, by_id, (sale.id,))
    assert fetched.__data__ == Sale.get_by_id(sale.id).__data__
    assert fetched.opened_at == OPENED and not fetched.dirty_fields
    assert statements.fetch_model(Sale, by_id, (sale.id + 1,)) is None


def test_an_update_by_id_writes_what_peewee_update_writes_to_that_row_only(store_db):
    one, two, other = a_sale("u1"), a_sale("u2"), a_sale("u3")
    closed = dt.datetime(2026, 12, 3, 18, 5, 1, 42)
    values = dict(status="paid", closed_at=closed, total=1250, change=50)
    with write_transaction():
        Sale.update(receipt_no="01-20261203-0001", **values).where(Sale.id == one.id).execute()
        assert statements.update_by_id(Sale, two.id, receipt_no="01-20261203-0002", **values) == 1
        assert statements.update_by_id(Sale, 10_000, **values) == 0
    peewee_row, compiled_row = (Sale.get_by_id(s.id).__data__ for s in (one, two))
    assert compiled_row["receipt_no"] == "01-20261203-0002"
    assert ({**peewee_row, "id": 0, "uuid": "", "receipt_no": ""}
            == {**compiled_row, "id": 0, "uuid": "", "receipt_no": ""})
    assert compiled_row["closed_at"] == closed
    assert Sale.get_by_id(other.id).status == "open"


def test_fetched_models_and_rows_are_every_row_in_order_and_execute_counts_the_rows(store_db):
    sale = a_sale()
    fields = dict(sale=sale.id, sku="S", name="n", unit="each", qty_milli=1000, unit_price=100, tax_code="A",
                  amount=100, added_at=OPENED, added_by="cashier")
    with write_transaction():
        for line_no in (2, 1, 3):
            SaleLine.create(line_no=line_no, **fields)
    lines = statements.Statement(lambda: SaleLine.select().where(SaleLine.sale == 0).order_by(SaleLine.line_no))
    fetched = statements.fetch_models(SaleLine, lines, (sale.id,))
    read = SaleLine.select().where(SaleLine.sale == sale.id).order_by(SaleLine.line_no)
    assert [line.__data__ for line in fetched] == [line.__data__ for line in read]
    assert [line.line_no for line in fetched] == [1, 2, 3] and not any(line.dirty_fields for line in fetched)
    line_nos = statements.Statement(
        lambda: SaleLine.select(SaleLine.line_no).where(SaleLine.sale == 0).order_by(SaleLine.line_no.desc()))
    assert statements.fetch_all(line_nos, (sale.id,)) == [(3,), (2,), (1,)]
    with write_transaction():
        times_from = statements.Statement(
            lambda: SaleLine.update(amount=SaleLine.amount * 0).where(SaleLine.line_no >= 0))
        changed = statements.execute(times_from, (2, 2))
    assert changed == 2
    assert [line.amount for line in SaleLine.select().order_by(SaleLine.line_no)] == [100, 200, 200]


def test_prepare_all_builds_every_statement_once_for_the_open_database(store_db):
    built = []
    ours = statements.Statement(lambda: built.append(1) or Sale.select(Sale.id).where(Sale.id == 0))
    statements.prepare_all()
    assert built == [1]
    assert statements.fetch_one(ours, (1,)) is None and built == [1]  # used as built ahead
    sales_statement_sql = [s.sql() for s in statements._statements]
    assert any('FROM "sale"' in sql for sql in sales_statement_sql)  # the store modules' own are there too
