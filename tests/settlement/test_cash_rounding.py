"""Item 2 of issue #12: the cash rounding (抹零/舍入) is its own line on the receipt, the X report
and the return's boxes, and every figure agrees with what went into and out of the drawer."""

from __future__ import annotations

from pathlib import Path

import pytest

from pos_tui.demo import create_demo_store
from pos_tui.devices.receipt import layout_receipt, render_text
from pos_tui.devices.training import TrainingTerminal
from pos_tui.domain.report import render_csv, render_text as report_text
from pos_tui.services.lane import Lane
from pos_tui.services.lane.receipts import receipt_for_sale
from pos_tui.store import sales
from pos_tui.store.db import close_database

BREAD, APPLE = "6901234567908", "4131"


@pytest.fixture
def lane(tmp_path: Path):
    config = create_demo_store(tmp_path)
    lane = Lane(config, terminal=TrainingTerminal())
    lane.people.sign_in("super", "9999")
    yield lane
    close_database()


def split_tender_sale(lane: Lane) -> str:
    """Bread 12.00 + 0.333 kg apples 2.93 = 14.93: 5.00 by card, then 20 in cash for the 9.93 left,
    which cash settles as 9.90 (the 0.10 step): change 10.10, rounding -0.03."""
    lane.items.enter(BREAD)
    lane.items.enter(f"0.333*{APPLE}")
    lane.payments.total()
    assert lane.view().totals.total == 1493
    attempt = lane.payments.begin_card("5.00")
    lane.payments.finish_payment(attempt, lane.payments.run_card(attempt))
    view = lane.view()
    assert (view.remaining, view.cash_due) == (993, 990)
    lane.payments.tender_cash("20")
    view = lane.view()
    assert (view.change, view.rounding) == (1010, -3)
    receipt = lane.ctx.receipt_no
    lane.receipts.finish_printing()
    return receipt


def test_the_receipt_shows_the_rounding_and_its_figures_add_up(lane):
    receipt_no = split_tender_sale(lane)
    sale = sales.last_paid_sale(1)
    data, _cash = receipt_for_sale(sale.id, lane.config)
    text = render_text(layout_receipt(data, 42))
    assert data.rounding == -3
    lines = {line.split("  ")[0].strip(): line.split()[-1] for line in text.splitlines() if "  " in line.strip()}
    assert lines["TOTAL"] == "¥14.93" and lines["Cash rounding"] == "-0.03"
    assert lines["Card"] == "5.00" and lines["Cash"] == "20.00" and lines["Change"] == "10.10"
    assert 1493 - 3 == 500 + 2000 - 1010  # total + rounding = tenders - change
    assert receipt_no == sale.receipt_no


def test_the_x_report_shows_the_rounding_and_the_cash_figures_agree(lane):
    split_tender_sale(lane)
    report = lane.reports.x_report()
    assert report.method("cash").taken == 993
    assert report.cash.cash_sales == 990  # what stayed in the drawer
    assert report.rounding == -3 == report.cash.cash_sales - report.method("cash").taken
    text = report_text(report, 42)
    assert "Cash rounding" in text and "-0.03" in text and "Collected" in text
    assert "incl. cash rounding" in text
    assert "cash,rounding,-0.03" in render_csv(report)


def test_a_cash_refund_is_paid_out_rounded_and_the_return_box_shows_what_went_into_the_drawer(lane):
    from pos_tui.tui.screens.returns import kept_amount

    receipt_no = split_tender_sale(lane)
    found = lane.returns.find_return(receipt_no)
    assert sorted(kept_amount(p) for p in found.payments) == [500, 990]  # cash 9.90, not 9.93
    bread = next(line for line in found.lines if line.name == "Bread")
    ret = lane.returns.start_return(receipt_no, {bread.line_no: 1000, bread.line_no + 1: 333}, to_cash=True)
    assert ret.done
    (cash,) = ret.settled
    assert (cash.amount, cash.tendered) == (1493, 1490)  # 14.93 owed, 14.90 paid out in cash
    report = lane.reports.x_report()
    assert report.cash.cash_refunds == 1490
    assert report.rounding == -3 - (-3)
    assert report.cash.expected == report.cash.opening_float + 990 - 1490
