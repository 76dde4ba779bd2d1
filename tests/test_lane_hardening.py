"""Issue #11 on the lane: receipts that cannot stop the queue, bounded money, items without a
price, a ceiling on cash tendered."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest

from pos_tui.devices.receipt import render_text
from pos_tui.domain.checkout import State
from pos_tui.domain.errors import DomainError
from pos_tui.domain.money import MAX_AMOUNT, MoneyError
from pos_tui.services.errors import LaneError
from pos_tui.services.lane import Lane
from pos_tui.store import sales
from pos_tui.store.db import close_database

COKE, BREAD = "6901234567892", "6901234567908"


class RecordingPrinter:
    def __init__(self) -> None:
        self.docs = []

    def print_receipt(self, doc, *, open_drawer=False):
        self.docs.append(doc)


@pytest.fixture
def config(tmp_path, make_demo_store):
    cfg = make_demo_store(tmp_path)
    yield cfg
    close_database()


@pytest.fixture
def printer():
    return RecordingPrinter()


@pytest.fixture
def lane(config, printer):
    lane = Lane(config, printer=printer)
    lane.people.sign_in("cashier", "1234")
    return lane


def sql(config, statement, *args):
    with sqlite3.connect(config.database_path) as con:
        return con.execute(statement, args).fetchall()


def sell(lane, *codes, cash=""):
    for code in codes:
        lane.items.enter(code)
    lane.payments.total()
    return lane.payments.tender_cash(cash)


# ---------------------------------------------------------------- 2. receipts never block the queue


def test_a_control_character_in_a_name_is_neutralised_on_the_receipt(lane, config, printer):
    sql(config, "UPDATE product SET name = ? WHERE sku = 'COKE330'", "Coke\tZero\x1b[2J")
    sell(lane, COKE)
    result = lane.receipts.print_pending()
    assert result.ok, result.message
    text = render_text(printer.docs[0])
    assert "Coke Zero?[2J" in text and "\x1b" not in text and "\t" not in text
    assert lane.receipts.waiting_receipts() == 0


def test_a_receipt_that_cannot_be_laid_out_never_holds_up_the_next(lane, config, printer, monkeypatch):
    sell(lane, COKE)
    lane.receipts.finish_printing(lane.receipts.print_pending())
    sell(lane, BREAD)
    lane.receipts.finish_printing(lane.receipts.print_pending())
    assert len(printer.docs) == 2
    lane.receipts.request_reprint()  # a copy of the last receipt, then a new sale behind it
    sell(lane, COKE)
    first_job = min(job.id for job in sales.pending_print_jobs(1))
    real = lane.receipts.receipt_for_job

    def broken_first(job):
        if job.id == first_job:
            raise ValueError("cannot lay this one out")
        return real(job)

    monkeypatch.setattr(lane.receipts, "receipt_for_job", broken_first)
    result = lane.receipts.print_pending()
    assert not result.ok and "cannot lay this one out" in result.message
    assert len(printer.docs) == 3  # the sale behind the broken job printed
    assert lane.receipts.waiting_receipts() == 0
    assert sql(config, "SELECT status FROM print_job WHERE id = ?", first_job) == [("unprintable",)]
    monkeypatch.undo()
    lane.receipts.finish_printing(result)
    lane.receipts.request_reprint()  # F9 still works afterwards
    assert lane.receipts.print_pending().ok and len(printer.docs) == 4


# ---------------------------------------------------------------- 3. money stays inside 64 bits


def test_a_price_past_the_largest_amount_is_refused_at_import(store_db, write_csv, cny):
    from pos_tui.store.catalog_csv import ImportRejected, import_products

    path = write_csv(["BIG,Gold bar,999999999999999.99,,A,each,", "OK,Bread,999999999.99,,A,each,"])
    with pytest.raises(ImportRejected) as refused:
        import_products(path, cur=cny, tax_codes={"A"})
    assert [(e.line, e.column) for e in refused.value.errors] == [(2, "price")]
    assert "largest amount" in str(refused.value.errors[0])


def test_a_huge_price_already_in_the_catalog_never_reaches_the_database(lane, config):
    sql(config, "UPDATE product SET price = 99999999999999999 WHERE sku = 'COKE330'")
    with pytest.raises(DomainError, match="largest amount"):
        lane.items.enter("93*" + COKE)
    sql(config, "UPDATE product SET price = 99999999990 WHERE sku = 'COKE330'")  # 999,999,999.90
    lane.items.enter(COKE, confirmed=True)
    with pytest.raises(DomainError, match="largest amount"):  # a second scan adds to the line
        lane.items.enter(COKE, confirmed=True)
    lane.ctx.config = replace(config, sale=replace(config.sale, merge_identical_scans=False))
    with pytest.raises(DomainError, match="largest total"):  # or is a line of its own
        lane.items.enter(COKE, confirmed=True)
    with pytest.raises(DomainError, match="largest amount"):
        lane.items.enter("2*" + COKE, confirmed=True)
    view = lane.payments.total()
    assert view.totals.total == 99999999990 and len(view.lines) == 1
    with pytest.raises(MoneyError, match="largest amount"):
        lane.payments.tender_cash("999999999999999.99")
    with pytest.raises(LaneError, match="over the most"):  # [cash] tender_max
        lane.payments.tender_cash("")
    lane.ctx.config = replace(config, cash=replace(config.cash, tender_max=MAX_AMOUNT))
    assert lane.payments.tender_cash("", confirmed=True).state is State.PRINTING


def test_amounts_typed_past_the_largest_are_refused(cny):
    from pos_tui.domain.money import MAX_AMOUNT, parse_amount

    assert parse_amount("999,999,999.99", cny) == MAX_AMOUNT
    for text in ("1000000000", "999999999999999.99", "-1000000000"):
        with pytest.raises(MoneyError, match="largest amount"):
            parse_amount(text, cny, allow_negative=True)


# ---------------------------------------------------------------- 9. no sale at 0.00 by accident


def test_an_item_without_a_price_is_refused_by_sku_barcode_or_search(lane, config):
    sql(config, "UPDATE product SET price = 0 WHERE sku = 'COKE330'")
    for code in (COKE, "COKE330", "2*COKE330"):
        with pytest.raises(LaneError, match="no price"):
            lane.items.enter(code)
    found = lane.items.search("330ml")
    assert found and found[0].price == 0
    with pytest.raises(LaneError, match="no price"):
        lane.items.enter(found[0].sku)
    assert lane.view().lines == ()
    assert lane.items.enter(BREAD).lines[-1].amount > 0


# ---------------------------------------------------------------- 8. a ceiling on cash handed over


def test_cash_far_over_the_balance_is_asked_about_and_past_the_maximum_refused(lane, config):
    from pos_tui.services.errors import NeedsConfirmation

    assert config.cash.tender_max == 100_000_00 and config.cash.tender_confirm_multiple == 10
    lane.items.enter("2*" + BREAD)  # 2 x 12.00
    view = lane.payments.total()
    with pytest.raises(LaneError, match="over the most"):
        lane.payments.tender_cash("99999999")
    with pytest.raises(NeedsConfirmation, match="change"):
        lane.payments.tender_cash("5000")
    assert lane.view().paid == 0 and sql(config, "SELECT count(*) FROM payment") == [(0,)]
    view = lane.payments.tender_cash("5000", confirmed=True)
    assert view.state is State.PRINTING and view.change == 500000 - 2400


def test_an_ordinary_note_for_a_small_balance_is_not_asked_about(lane):
    lane.items.enter(COKE)  # 3.50
    lane.payments.total()
    assert lane.payments.tender_cash("100").change == 10000 - 350


def test_the_cash_ceiling_comes_from_config(tmp_path):
    from pos_tui.config import ConfigError, parse_config

    cash = parse_config({"cash": {"tender_confirm_multiple": 3, "tender_confirm_above": "20.00",
                                  "tender_max": "500.00"}}, tmp_path).cash
    assert (cash.tender_confirm_multiple, cash.tender_confirm_above, cash.tender_max) == (3, 2000, 50000)
    with pytest.raises(ConfigError, match="cash.tender_max"):
        parse_config({"cash": {"tender_max": "0"}}, tmp_path)
