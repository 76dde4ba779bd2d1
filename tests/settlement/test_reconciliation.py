"""Reports reconcile: random days (discounts, voids, voided sales, split tenders, returns,
paid-in/out) run through the lane on a real SQLite file; every report total must equal the sums
over the receipts and payments in the tables, exactly, and gross - fee = net for each method."""

from __future__ import annotations

import sqlite3
import tempfile
from dataclasses import replace
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pytest

from pos_tui.demo import create_demo_store
from pos_tui.domain.money import format_amount
from pos_tui.services.lane import Lane
from pos_tui.config import SaleConfig
from pos_tui.devices.training import TrainingTerminal, TrainingWallet
from pos_tui.store.db import close_database

CODES = ["6901234567892", "6901234567908", "4006381333931", "6900000000014", "6931234567806", "69012341"]

sale_step = st.fixed_dictionaries({
    "kind": st.just("sale"),
    "lines": st.lists(st.tuples(st.integers(0, len(CODES) - 1), st.integers(1, 3)), min_size=1, max_size=4),
    "void_first": st.booleans(),
    "discount": st.one_of(st.none(), st.tuples(st.sampled_from(["line", "sale"]), st.integers(1, 60))),
    "card": st.integers(0, 100),
    "wallet": st.integers(0, 100),
    "voided": st.booleans(),
})
return_step = st.fixed_dictionaries({"kind": st.just("return"), "pick": st.integers(0, 50),
                                     "to_cash": st.booleans()})
drawer_step = st.fixed_dictionaries({"kind": st.sampled_from(["paid_in", "paid_out"]),
                                     "amount": st.integers(1, 3000)})
day = st.lists(st.one_of(sale_step, sale_step, return_step, drawer_step), min_size=1, max_size=8)


def run_day(lane: Lane, steps: list[dict]) -> None:
    cur = lane.currency
    receipts: list[str] = []
    for step in steps:
        if step["kind"] == "sale":
            for index, qty in step["lines"]:
                lane.items.enter(f"{qty}*{CODES[index]}")
            if step["void_first"] and len(step["lines"]) > 1:
                lane.items.void_line(1)
            if step["voided"]:
                lane.items.void_sale()
                continue
            if step["discount"]:
                scope, percent = step["discount"]
                line = lane.view().lines[-1].line_no
                (lane.items.discount_line(line, f"{percent}%") if scope == "line" else lane.items.discount_sale(f"{percent}%"))
            lane.payments.total()
            for method, share in (("card", step["card"]), ("alipay", step["wallet"])):
                amount = lane.view().remaining * share // 100
                if amount > 0:
                    attempt = lane.payments.begin_card(format_amount(amount, cur, grouping=False)) if method == "card" else \
                        lane.payments.begin_wallet("281234567890123456", format_amount(amount, cur, grouping=False))[0]
                    run = lane.payments.run_card(attempt) if method == "card" else lane.payments.run_wallet(attempt, "2812345678901234")
                    lane.payments.finish_payment(attempt, run)
            if lane.view().remaining > 0:
                lane.payments.tender_cash("")
            receipts.append(lane.ctx.receipt_no)
            lane.receipts.finish_printing()
        elif step["kind"] == "return" and receipts:
            receipt = receipts[step["pick"] % len(receipts)]
            left = [line for line in lane.returns.find_return(receipt).lines if line.returnable_milli]
            if not left:
                continue
            line = left[step["pick"] % len(left)]
            ret = lane.returns.start_return(receipt, {line.line_no: 1000}, to_cash=step["to_cash"])
            while (attempt := lane.payments.begin_refund(ret.return_id)) is not None:
                ret = lane.payments.finish_refund(attempt, lane.payments.run_refund(attempt))
            assert ret.done
        elif step["kind"] == "paid_in":
            lane.shifts.paid_in(format_amount(step["amount"], cur, grouping=False), "float top-up")
        elif step["kind"] == "paid_out" and step["amount"] <= lane.reports.x_report().cash.expected:
            lane.shifts.paid_out(format_amount(step["amount"], cur, grouping=False), "supplier")


def taken_in_cash(methods) -> int:
    return sum(row[2] for row in methods if row[:2] == ("sale", "cash"))


def sums(db: Path):
    with sqlite3.connect(db) as con:
        q = lambda sql: con.execute(sql).fetchall()
        sales = q("SELECT kind, COUNT(*), COALESCE(SUM(total), 0), COALESCE(SUM(tax_total), 0) FROM sale "
                  "WHERE status = 'paid' GROUP BY kind")
        methods = q("SELECT s.kind, p.method, SUM(p.amount), SUM(p.fee), SUM(CASE WHEN p.tendered > 0 "
                    "THEN p.tendered - p.change ELSE p.amount END) FROM payment p JOIN sale s ON s.id = p.sale_id "
                    "WHERE s.status = 'paid' AND p.status IN ('approved', 'resolved_approved') GROUP BY s.kind, p.method")
        moves = dict(q("SELECT kind, SUM(amount) FROM cash_movement GROUP BY kind"))
        floats = q("SELECT SUM(opening_float) FROM shift")[0][0]
    return {k: (n, t, tax) for k, n, t, tax in sales}, methods, moves, floats


@pytest.mark.slow
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=day)
def test_report_totals_equal_the_sums_over_receipts_and_payments(tmp_path_factory, steps):
    # Under the run's folder (in memory where it can be, see tests/conftest.py), not the system's.
    with tempfile.TemporaryDirectory(dir=tmp_path_factory.getbasetemp()) as folder:
        config = create_demo_store(Path(folder), with_open_shift=False)
        try:
            # Each scan its own line, as the steps were drawn (identical scans are merged by default).
            config = replace(config, sale=SaleConfig(merge_identical_scans=False))
            lane = Lane(config, terminal=TrainingTerminal(), wallets={"alipay": TrainingWallet("alipay")})
            lane.people.sign_in("super", "9999")
            lane.shifts.open_shift("200")
            run_day(lane, steps)
            report = lane.reports.x_report()
            sales, methods, moves, floats = sums(config.database_path)
        finally:
            close_database()
    sold = sales.get("sale", (0, 0, 0))
    returned = sales.get("return", (0, 0, 0))
    assert (report.sales_count, report.sales_total) == sold[:2]
    assert (report.returns_count, report.returns_total) == returned[:2]
    assert report.tax_total == sold[2] - returned[2]
    assert report.gross - report.discounts == report.sales_total  # demo prices include tax
    assert report.net == report.sales_total - report.returns_total
    for m in report.methods:
        taken = sum(row[2] for row in methods if row[:2] == ("sale", m.method))
        refunded = sum(row[2] for row in methods if row[:2] == ("return", m.method))
        fees = sum(row[3] for row in methods if row[1] == m.method)
        assert (m.taken, m.refunded, m.fee) == (taken, refunded, fees)
        assert m.gross - m.fee == m.net
    assert sum(m.taken for m in report.methods) == report.sales_total
    assert sum(m.refunded for m in report.methods) == report.returns_total
    kept = sum(row[4] for row in methods if row[:2] == ("sale", "cash"))
    cash_back = sum(row[4] for row in methods if row[:2] == ("return", "cash"))  # paid out, rounded
    rounding = kept - taken_in_cash(methods) - (cash_back - sum(row[2] for row in methods
                                                                 if row[:2] == ("return", "cash")))
    assert report.rounding == rounding
    assert report.cash.cash_sales == kept == report.method("cash").taken + sum(
        row[4] - row[2] for row in methods if row[:2] == ("sale", "cash"))
    assert report.cash.expected == floats + kept - cash_back + moves.get("paid_in", 0) - moves.get("paid_out", 0)
