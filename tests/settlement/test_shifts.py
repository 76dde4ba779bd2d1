"""Shifts, the drawer, training mode, discounts and price overrides through the lane."""

from __future__ import annotations

import json

import pytest

from pos_tui.services.errors import USER_ERRORS
from pos_tui.devices.terminal.concert import ConcertTerminal
from pos_tui.devices.terminal.simulator import TerminalSimulator
from pos_tui.services.lane import Lane
from pos_tui.domain.cart import spread_discount
from tests.settlement.conftest import BREAD, COKE, SOAP, rows, supervisor


@pytest.fixture
def lane(config, clock, printer):
    lane = Lane(config, printer=printer, clock=clock)
    lane.people.sign_in("super", "9999")
    return lane


def test_one_open_shift_per_lane_and_the_next_float_is_what_was_left(lane, config):
    assert lane.shifts.suggested_float() == config.cash.default_float == 50000
    lane.shifts.open_shift("")
    with pytest.raises(USER_ERRORS, match="already has an open shift"):
        lane.shifts.open_shift("")
    closed = lane.shifts.close_shift(denominations={10000: 4, 5000: 2}, left_in_drawer_text="300")
    assert (closed.counted, closed.expected, closed.over_short) == (50000, 50000, 0)
    assert lane.shifts.suggested_float() == 30000
    view = lane.shifts.open_shift("290")
    assert "expected ¥300.00" in view.message
    assert rows(config, "SELECT status, opening_float, counted, left_in_drawer, count_detail FROM shift") == [
        ("closed", 50000, 50000, 30000, json.dumps({"5000": 2, "10000": 4})), ("open", 29000, None, None, "")]


def test_the_count_is_committed_before_the_expected_amount_is_known(lane, config):
    lane.shifts.open_shift("100")
    lane.items.enter(BREAD)
    with pytest.raises(USER_ERRORS, match="finish the sale"):
        lane.shifts.close_shift("0")
    lane.payments.total()
    lane.payments.tender_cash("20")  # 12.00 kept
    lane.receipts.finish_printing()
    closed = lane.shifts.close_shift("111.50")
    assert closed.over_short == -50
    (payload,), = rows(config, "SELECT payload FROM journal_entry WHERE kind='shift.close'")
    assert json.loads(payload)["counted"] == 11150 and json.loads(payload)["expected"] == 11200
    with pytest.raises(USER_ERRORS, match="no shift is open"):
        lane.items.enter(COKE)


def test_drawer_openings_are_journaled_and_a_failed_kick_says_so(lane, config, printer):
    lane.shifts.open_shift("100")
    lane.shifts.paid_in("50", "coins from the bank")
    assert lane.shifts.open_drawer().ok and printer.kicks == 1
    assert lane.shifts.open_drawer().message == ""  # nothing owed: no second kick
    with pytest.raises(USER_ERRORS, match="needs a reason"):
        lane.shifts.no_sale("  ")
    with pytest.raises(USER_ERRORS, match="more than the drawer"):
        lane.shifts.paid_out("1000", "too much")

    def jammed(pin=None):
        raise OSError("printer port gone")

    printer.kick_drawer = jammed
    lane.shifts.no_sale("customer needs change")
    result = lane.shifts.open_drawer()
    assert not result.ok and "printer port gone" in result.message
    opens = [json.loads(p) for (p,) in rows(config, "SELECT payload FROM journal_entry WHERE kind='drawer.open'")]
    assert [o["ok"] for o in opens] == [True, False]
    assert lane.shifts.close_shift("150").over_short == 0


def test_training_sales_charge_no_card_print_training_and_stay_out_of_reports_and_stock(config, clock, printer):
    with TerminalSimulator(step_timeout=1.0) as sim:
        terminal = ConcertTerminal(sim.port, pos_number=1, step_timeout=0.5, answer_timeout=1.5, poll_interval=0.02)
        lane = Lane(config, printer=printer, clock=clock, terminal=terminal)
        lane.people.sign_in("cashier", "1234")
        lane.shifts.open_shift("100")
        lane.shifts.set_training(True, approval=supervisor(lane, "x_report"))
        restarted = Lane(config, printer=printer, clock=clock, terminal=terminal)
        assert restarted.ctx.training and restarted.ctx.terminal is not terminal
        lane.items.enter(BREAD)
        lane.payments.total()
        attempt = lane.payments.begin_card()
        lane.payments.finish_payment(attempt, lane.payments.run_card(attempt))
        assert lane.ctx.receipt_no == "01-T20250314-0001"
        lane.receipts.finish_printing(lane.receipts.print_pending())
        assert sim.requests == []
        lane.shifts.set_training(False, approval=supervisor(lane, "x_report"))
        assert lane.ctx.terminal is terminal
    assert "TRAINING" in printer.texts()[0]
    assert rows(config, "SELECT stock FROM product WHERE sku='BREAD'") == [(30000,)]
    report = lane.reports.x_report(supervisor(lane, "x_report"))
    assert (report.sales_count, report.sales_total, report.methods) == (0, 0, ())
    with pytest.raises(USER_ERRORS, match="training receipt"):
        lane.returns.find_return("01-T20250314-0001")


def test_discounts_and_overrides_show_on_the_receipt_and_journal_both_users(config, clock, printer):
    lane = Lane(config, printer=printer, clock=clock)
    lane.people.sign_in("cashier", "1234")
    lane.shifts.open_shift("")
    lane.items.enter(BREAD)
    lane.items.enter("2*" + SOAP)
    lane.items.enter(COKE)
    lane.items.override_price(1, "10.00", approval=supervisor(lane, "price_override"))  # 12.00 -> 10.00: 2.00 off
    lane.items.override_price(3, "4.00", approval=supervisor(lane, "price_override"))  # up: the price itself changes
    view = lane.items.discount_sale("10%", approval=supervisor(lane, "discount"))  # 10% of 24.00 = 2.40, shared
    assert [(l.unit_price, l.amount, l.discount) for l in view.lines] == [
        (1200, 1200, 200 + 100), (500, 1000, 100), (400, 400, 40)]
    assert view.totals.total == 2400 - 240
    lane.payments.total()
    lane.payments.tender_cash("")
    lane.receipts.print_pending()
    text = printer.texts()[0]
    # The override stays on its line (-2.00); the sale's 10% is one row of its own.
    assert "1 x 12.00" in text and "-2.00" in text and "21.60" in text
    assert any(line.startswith("Discount 10%") and line.endswith("-2.40") for line in text.splitlines())
    actors = rows(config, "SELECT actor, payload FROM journal_entry WHERE kind IN ('sale.discount', "
                          "'sale.price_override') ORDER BY seq")
    assert len(actors) == 3 and all(a == "cashier" and '"approved_by":"super"' in p for a, p in actors)


def test_a_sale_discount_is_shared_exactly_and_never_past_a_line():
    assert spread_discount(100, [100, 100, 100]) == [34, 33, 33]
    assert spread_discount(3, [1, 1, 1]) == [1, 1, 1]
    assert sum(spread_discount(241, [1200, 1000, 400])) == 241
    with pytest.raises(ValueError):
        spread_discount(5, [1, 1])
