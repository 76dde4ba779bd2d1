"""Issue #11 on the lane: receipts that cannot stop the queue, bounded money, items without a
price, a ceiling on cash tendered."""

from __future__ import annotations

import sqlite3

import pytest

from pos_tui.demo import create_demo_store
from pos_tui.devices.receipt import render_text
from pos_tui.domain.checkout import State
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
def config(tmp_path):
    cfg = create_demo_store(tmp_path)
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
