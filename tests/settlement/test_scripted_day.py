"""The issue's "done means" day: a whole day on one lane, over the lane service and the CLI, ending
in a Z report whose every figure is checked against a table worked out by hand."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from pos_tui.services.errors import USER_ERRORS
from pos_tui.cli import main
from pos_tui.devices.terminal.concert import ConcertTerminal
from pos_tui.devices.terminal.simulator import TerminalSimulator
from pos_tui.devices.wallet.simulator import SimulatedWallet
from pos_tui.domain.checkout import State
from pos_tui.domain.permissions import PermissionDenied
from pos_tui.services.lane import Lane
from pos_tui.store import journal
from pos_tui.store.keys import open_store
from tests.settlement.conftest import (
    ADMIN,
    ADMIN_PIN,
    ALIPAY_CODE,
    BREAD,
    COKE,
    SOAP,
    rows,
    supervisor,
)

# Worked out by hand. Prices include tax (A = 13%), tax rounded per sale and rate:
#   sale 1  3 x coke 10.50 + bread 12.00        = 22.50 cash (50.00 given, 27.50 change)  tax 2.59
#   sale 2  bread 12.00 - 10% (1.20) + soap 5.00 = 15.80 card, fee 0.6% = 0.09          tax 1.82
#   sale 3  coke 3.50 VOIDED + soap 5.00         =  5.00 Alipay, fee 0.38% = 0.02        tax 0.58
#   sale 4  coke 3.50, suspended, then voided
#   return  the bread of sale 2: 12.00 - 1.20    = 10.80 back to the card               tax 1.24
#   drawer  float 500.00 + cash 22.50 - paid-out 20.00 = 502.50 expected; 502.00 counted
EXPECTED = {
    "kind": "Z", "number": 1, "currency": "CNY", "lane": 1, "business_day": "2025-03-14",
    "sales_count": 3, "gross": 4450, "discounts": 120, "sales_total": 4330,
    "voided_lines": 1, "voided_lines_amount": 350, "voided_sales": 1, "voided_sales_amount": 350,
    "returns_count": 1, "returns_total": 1080, "net": 3250,
    "tax": {"A": 259 + 182 + 58 - 124}, "tax_total": 375,
    "paid_in_count": 0, "paid_out_count": 1, "no_sales": 1,
    "first_receipt": "01-20250314-0001", "last_receipt": "01-20250314-0003",
}
EXPECTED_METHODS = [
    {"method": "cash", "taken": 2250, "refunded": 0, "gross": 2250, "fee": 0, "net": 2250},
    {"method": "card", "taken": 1580, "refunded": 1080, "gross": 500, "fee": 9, "net": 491},
    {"method": "alipay", "taken": 500, "refunded": 0, "gross": 500, "fee": 2, "net": 498},
]
EXPECTED_CASH = {"opening_float": 50000, "cash_sales": 2250, "cash_refunds": 0, "paid_in": 0, "paid_out": 2000,
                 "expected": 50250, "counted": 50200, "over_short": -50, "rounding": 0}


@pytest.fixture
def simulator():
    with TerminalSimulator(step_timeout=1.0) as sim:
        yield sim


def pay_card(lane):
    attempt = lane.payments.begin_card()
    return lane.payments.finish_payment(attempt, lane.payments.run_card(attempt))


def test_a_scripted_day_ends_in_a_z_report_matching_the_hand_computed_table(config, clock, printer, simulator,
                                                                           tmp_path):
    terminal = ConcertTerminal(simulator.port, pos_number=1, step_timeout=0.5, answer_timeout=1.5,
                               poll_interval=0.02)
    wallet = SimulatedWallet("alipay")
    lane = Lane(config, printer=printer, clock=clock, terminal=terminal, wallets={"alipay": wallet})
    lane.people.sign_in("cashier", "1234")
    with pytest.raises(USER_ERRORS, match="no shift is open"):
        lane.items.enter(COKE)
    lane.shifts.open_shift("500")

    clock.at("09:05")
    lane.items.enter("3*" + COKE)
    lane.items.enter(BREAD)
    lane.payments.total()
    assert lane.payments.tender_cash("50").change == 2750
    lane.receipts.finish_printing(lane.receipts.print_pending())

    clock.at("10:20")
    lane.items.enter(BREAD)
    lane.items.enter(SOAP)
    with pytest.raises(PermissionDenied):
        lane.items.discount_line(1, "10%")
    lane.items.discount_line(1, "10%", approval=supervisor(lane, "discount"))
    lane.payments.total()
    assert pay_card(lane).state is State.PRINTING
    card_receipt = lane.ctx.receipt_no
    lane.receipts.finish_printing(lane.receipts.print_pending())

    clock.at("11:40")
    lane.items.enter(COKE)
    lane.items.enter(SOAP)
    lane.items.void_line(1)
    lane.payments.total()
    attempt, code = lane.payments.begin_wallet(ALIPAY_CODE)
    assert lane.payments.finish_payment(attempt, lane.payments.run_wallet(attempt, code, sleep=lambda s: None)).state is State.PRINTING
    lane.receipts.finish_printing(lane.receipts.print_pending())

    clock.at("13:00")
    lane.items.enter(COKE)
    lane.items.suspend()

    clock.at("14:10")
    with pytest.raises(PermissionDenied):
        lane.returns.start_return(card_receipt, {1: 1000})
    ret = lane.returns.start_return(card_receipt, {1: 1000}, approval=supervisor(lane, "refund"))
    assert (ret.total, [(p.method, p.amount) for p in ret.planned]) == (1080, [("card", 1080)])
    refund = lane.payments.begin_refund(ret.return_id)
    ret = lane.payments.finish_refund(refund, lane.payments.run_refund(refund))
    assert ret.done and ret.receipt_no == "01-R20250314-0001"
    assert [c.kind for c in simulator.ledger] == ["debit", "credit"]
    lane.receipts.print_pending()

    clock.at("15:30")
    for refused in (lambda: lane.shifts.paid_out("20", "window cleaner"), lambda: lane.shifts.no_sale("change for the bus")):
        with pytest.raises(PermissionDenied):
            refused()
    lane.shifts.paid_out("20", "window cleaner", approval=supervisor(lane, "no_sale"))
    assert lane.shifts.open_drawer().ok
    lane.shifts.no_sale("change for the bus", approval=supervisor(lane, "no_sale"))
    assert lane.shifts.open_drawer().ok

    clock.at("18:00")
    with pytest.raises(USER_ERRORS, match=r"suspended sale #(\d+)") as refusal:
        lane.shifts.close_shift("502")
    (suspended, _, _), = lane.items.suspended()
    assert f"#{suspended.id}" in str(refusal.value)
    lane.items.recall(suspended.id)
    with pytest.raises(PermissionDenied):
        lane.items.void_sale()
    lane.items.void_sale(supervisor(lane, "void_sale"))
    closed = lane.shifts.close_shift("502")
    assert (closed.counted, closed.expected, closed.over_short) == (50200, 50250, -50)
    assert "short by ¥0.50" in lane.view().message

    with pytest.raises(PermissionDenied):
        lane.reports.z_report(supervisor(lane, "x_report"))

    config_file = tmp_path / "config.toml"
    config_file.write_text(f'[paths]\ndata_dir = "{tmp_path}"\n[store]\nname = "Demo Mart"\n', encoding="utf-8")
    cli = CliRunner()
    lane_z = lane.reports.z_report(lane.people.approve(ADMIN, ADMIN_PIN, "z_report"))
    with pytest.raises(USER_ERRORS, match="already closed 2025-03-14"):
        lane.reports.z_report(lane.people.approve(ADMIN, ADMIN_PIN, "z_report"))
    shown = cli.invoke(main, ["--config", str(config_file), "report", "z", "--date", "2025-03-14", "--format", "json"])
    assert shown.exit_code == 0, shown.output
    z = json.loads(shown.output)
    assert {key: z[key] for key in EXPECTED} == EXPECTED
    assert z["methods"] == EXPECTED_METHODS
    assert z["cash"] == EXPECTED_CASH
    assert z["net"] == lane_z.net and z["number"] == lane_z.number

    text = cli.invoke(main, ["--config", str(config_file), "report", "z", "--date", "2025-03-14", "--width", "42"])
    assert "Short" in text.output and "-0.50" in text.output and "NET" in text.output
    assert all(len(line) <= 42 for line in text.output.splitlines())

    open_store(config)  # each CLI command closes the store when it ends
    kinds = {entry.kind for entry in journal.entries()}
    assert {"shift.open", "shift.close", "sale.paid", "payment.cash", "payment.attempt", "payment.outcome",
            "sale.void_line", "sale.void", "sale.discount", "return.open", "refund.attempt", "refund.outcome",
            "return.paid", "drawer.paid_out", "drawer.no_sale", "drawer.open", "report.z", "user.sign_in",
            "sale.suspend"} <= kinds
    assert journal.verify().ok
    assert rows(config, "SELECT stock FROM product WHERE sku='BREAD'") == [(29000,)]  # 30 - 2 sold + 1 back
    assert any("REFUND" in text and card_receipt in text for text in printer.texts())
