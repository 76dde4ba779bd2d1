"""The lane service on a real SQLite file: sales, voids, roles, cash, restart, receipts over a pty."""

from __future__ import annotations

import sqlite3

import pytest

from pos_tui.demo import create_demo_store, with_printer_port
from pos_tui.devices.printer import ReceiptPrinter
from pos_tui.devices.printer_sim import VirtualPrinter
from pos_tui.domain.checkout import State, TransitionError
from pos_tui.domain.errors import DomainError
from pos_tui.domain.permissions import PermissionDenied
from pos_tui.services.lane import Lane
from pos_tui.services.errors import LaneError, NeedsConfirmation
from pos_tui.store.db import close_database

COKE, BREAD, SOAP = "6901234567892", "6901234567908", "4006381333931"


@pytest.fixture
def config(tmp_path, make_demo_store):
    cfg = make_demo_store(tmp_path)
    yield cfg
    close_database()


@pytest.fixture
def lane(config):
    lane = Lane(config)
    lane.people.sign_in("cashier", "1234")
    return lane


def rows(config, sql):
    with sqlite3.connect(config.database_path) as con:
        return con.execute(sql).fetchall()


def test_sale_with_quantity_weight_embedded_codes_void_and_cash(lane, config):
    lane.items.enter(COKE)
    lane.items.enter("3*" + BREAD)
    lane.items.enter("1.25*4131")
    lane.items.enter("2000001012505")
    lane.items.enter("2100002007507")
    view = lane.items.void_line(1)
    assert [(l.sku, l.qty_milli, l.amount, l.voided) for l in view.lines] == [
        ("COKE330", 1000, 350, True),
        ("BREAD", 3000, 3600, False),
        ("APPLE", 1250, 1100, False),
        ("DELI", 1000, 1250, False),
        ("PORK", 750, 2400, False),
    ]
    assert view.totals.total == 3600 + 1100 + 1250 + 2400
    lane.payments.total()
    view = lane.payments.tender_cash("100")
    assert view.state is State.PRINTING
    assert view.change == 10000 - 8350
    assert view.receipt_no.startswith("01-") and view.receipt_no.endswith("-0001")
    assert rows(config, "SELECT status, total, change FROM sale") == [("paid", 8350, 1650)]
    assert rows(config, "SELECT stock FROM product WHERE sku='BREAD'") == [(27000,)]


def test_every_step_is_committed_before_it_is_shown_and_a_restart_reopens_it(lane, config):
    lane.items.enter(COKE)
    lane.items.enter("2*" + SOAP)
    lane.items.void_line(1)
    lane.payments.total()
    restarted = Lane(config)
    assert restarted.state is State.LOCKED
    view = restarted.people.sign_in("super", "9999")
    assert view.state is State.CHOOSING_PAYMENT
    assert [(l.sku, l.voided) for l in view.lines] == [("COKE330", True), ("SOAP", False)]
    assert view.totals.total == 1000


def test_cash_rounds_to_the_step_and_partial_cash_leaves_a_balance(lane):
    lane.items.enter("1.25*4131")  # 11.00
    lane.items.enter("3*6901234567892")  # 10.50 -> 21.50
    lane.items.enter("6900000000014")  # 9.90 -> 31.40
    lane.payments.total()
    view = lane.payments.tender_cash("20")
    assert view.state is State.CHOOSING_PAYMENT
    assert view.remaining == 1140
    view = lane.payments.tender_cash("")
    assert view.state is State.PRINTING and view.change == 0


def test_pressing_cash_twice_charges_once(lane, config):
    lane.items.enter(BREAD)
    lane.payments.total()
    lane.payments.tender_cash("50")
    with pytest.raises(TransitionError):
        lane.payments.tender_cash("50")
    assert rows(config, "SELECT COUNT(*) FROM payment") == [(1,)]


def test_bad_input_changes_nothing(lane, config):
    lane.items.enter(COKE)
    before = rows(config, "SELECT COUNT(*) FROM sale_line")
    for bad, error in [("6901234567890", DomainError), ("999999", LaneError), ("4131", LaneError),
                       ("0*" + COKE, DomainError), ("1.5*" + COKE, DomainError)]:
        with pytest.raises(error):
            lane.items.enter(bad)
    assert rows(config, "SELECT COUNT(*) FROM sale_line") == before


def test_quantity_over_the_limit_asks_for_confirmation(lane, config):
    with pytest.raises(NeedsConfirmation, match="over the limit"):
        lane.items.enter("150*" + COKE)
    assert rows(config, "SELECT COUNT(*) FROM sale_line") == [(0,)]
    view = lane.items.enter("150*" + COKE, confirmed=True)
    assert view.lines[-1].qty_milli == 150_000


def test_pending_quantity_applies_to_the_next_scan(lane):
    view = lane.items.enter("4*")
    assert view.pending_qty_milli == 4000 and not view.lines
    view = lane.items.enter(COKE)
    assert view.lines[0].qty_milli == 4000 and view.pending_qty_milli is None


def test_void_sale_needs_a_supervisor_and_records_both(lane, config):
    lane.items.enter(COKE)
    with pytest.raises(PermissionDenied, match="voiding the sale needs a supervisor"):
        lane.items.void_sale()
    with pytest.raises(PermissionDenied):
        lane.people.approve("cashier", "1234", "void_sale")
    with pytest.raises(LaneError, match="wrong name or PIN"):
        lane.people.approve("super", "0000", "void_sale")
    approval = lane.people.approve("super", "9999", "void_sale")
    view = lane.items.void_sale(approval)
    assert view.state is State.IDLE
    assert rows(config, "SELECT status FROM sale") == [("voided",)]
    assert rows(config, "SELECT actor, payload FROM journal_entry WHERE kind='sale.void'")[0][0] == "cashier"
    assert '"approved_by":"super"' in rows(config, "SELECT payload FROM journal_entry WHERE kind='sale.void'")[0][0]


def test_void_after_total_needs_a_supervisor(lane):
    lane.items.enter(COKE)
    lane.items.enter(BREAD)
    lane.payments.total()
    with pytest.raises(PermissionDenied):
        lane.items.void_line(1)
    view = lane.items.void_line(1, lane.people.approve("super", "9999", "void_line_after_total"))
    assert view.lines[0].voided and view.totals.total == 1200


def test_suspend_and_recall(lane, config):
    lane.items.enter(COKE)
    view = lane.items.suspend()
    assert view.state is State.IDLE and not view.lines
    (record, items, total), = lane.items.suspended()
    assert (items, total) == (1, 350)
    view = lane.items.recall(record.id)
    assert view.state is State.ENTERING_ITEMS and view.lines[0].sku == "COKE330"


def test_wrong_pins_lock_the_user_out(config):
    lane = Lane(config)
    for _ in range(config.security.max_attempts):
        with pytest.raises(LaneError, match="wrong name or PIN"):
            lane.people.sign_in("cashier", "0000")
    with pytest.raises(LaneError, match="locked until"):
        lane.people.sign_in("cashier", "1234")
    assert lane.state is State.LOCKED


def test_lock_keeps_the_sale(lane):
    lane.items.enter(COKE)
    view = lane.people.lock()
    assert view.state is State.LOCKED and view.user is None
    with pytest.raises(LaneError):
        lane.items.enter(COKE)
    view = lane.people.sign_in("cashier", "1234")
    assert view.state is State.ENTERING_ITEMS and len(view.lines) == 1


def test_receipt_reaches_the_virtual_printer_with_the_screen_figures(tmp_path):
    config = create_demo_store(tmp_path)
    try:
        with VirtualPrinter(width=42) as sim:
            config = with_printer_port(config, sim.path)
            p = config.devices.printer
            printer = ReceiptPrinter(p.port, width=p.width)
            lane = Lane(config, printer=printer)
            lane.people.sign_in("cashier", "1234")
            lane.items.enter("3*" + COKE)
            lane.items.enter(BREAD)
            lane.payments.total()
            lane.payments.tender_cash("50")
            result = lane.receipts.print_pending()
            assert result.ok, result.message
            view = lane.receipts.finish_printing(result)
            receipt, = sim.wait_for_receipts(1)
            assert sim.wait_for_drawer_kicks(1) == 1
    finally:
        close_database()
    text = receipt.text
    assert "可口可乐 330ml" in text and "Bread" in text
    assert "22.50" in text and "50.00" in text and "27.50" in text
    assert view.state is State.IDLE and "27.50" in view.message


class BrokenPrinter:
    def print_receipt(self, doc, *, open_drawer=False):
        raise OSError("printer port /dev/ttyUSB0 not found")


def test_a_printer_failure_keeps_the_sale_and_queues_the_receipt(config):
    lane = Lane(config, printer=BrokenPrinter())
    lane.people.sign_in("cashier", "1234")
    lane.items.enter(COKE)
    lane.payments.total()
    lane.payments.tender_cash("")
    result = lane.receipts.print_pending()
    assert not result.ok and "not found" in result.message
    view = lane.receipts.finish_printing(result)
    assert view.state is State.IDLE and view.message_is_error
    assert lane.receipts.waiting_receipts() == 1
    assert rows(config, "SELECT status FROM sale") == [("paid",)]
    lane.items.enter(BREAD)  # the next customer is not blocked
    sent = []
    lane.ctx.printer = type("Fixed", (), {"print_receipt": lambda self, doc, open_drawer=False: sent.append(doc)})()
    lane.receipts.request_reprint()
    assert lane.receipts.print_pending().ok and len(sent) == 1 and lane.receipts.waiting_receipts() == 0
