"""Returns: their own numbered record against a paid sale, never more than was sold, refunds to
the original tenders under the write-ahead rule, stock back, a refund receipt."""

from __future__ import annotations

import pytest

from pos_tui.services.errors import USER_ERRORS
from pos_tui.devices.terminal.concert import ConcertTerminal
from pos_tui.devices.terminal.simulator import TerminalSimulator
from pos_tui.devices.wallet.simulator import SimulatedWallet
from pos_tui.services.lane import Lane
from pos_tui.store.returns import refund_share
from tests.settlement.conftest import ALIPAY_CODE, BREAD, COKE, SOAP, rows, supervisor


@pytest.fixture
def wallet():
    return SimulatedWallet("alipay")


@pytest.fixture
def lane(config, clock, printer, wallet):
    lane = Lane(config, printer=printer, clock=clock, wallets={"alipay": wallet})
    lane.people.sign_in("super", "9999")
    lane.shifts.open_shift("100")
    return lane


def sell(lane, *codes, cash="", wallet_amount=None):
    for code in codes:
        lane.items.enter(code)
    lane.payments.total()
    if wallet_amount is not None:
        attempt, code = lane.payments.begin_wallet(ALIPAY_CODE, wallet_amount)
        lane.payments.finish_payment(attempt, lane.payments.run_wallet(attempt, code, sleep=lambda s: None))
    if lane.view().remaining > 0:
        lane.payments.tender_cash(cash)
    receipt = lane.ctx.receipt_no
    lane.receipts.finish_printing(lane.receipts.print_pending())
    return receipt


def test_a_return_never_exceeds_what_was_sold_less_what_came_back(lane, config):
    receipt = sell(lane, "3*" + COKE)
    first = lane.returns.start_return(receipt, {1: 2000})
    assert first.done and first.receipt_no.endswith("-R20250314-0001") and first.total == 700
    with pytest.raises(USER_ERRORS, match="only 1 left to return"):
        lane.returns.start_return(receipt, {1: 2000})
    with pytest.raises(USER_ERRORS, match="whole items"):
        lane.returns.start_return(receipt, {1: 500})
    with pytest.raises(USER_ERRORS, match="has no line 2"):
        lane.returns.start_return(receipt, {2: 1000})
    with pytest.raises(USER_ERRORS, match="refund receipt"):
        lane.returns.start_return(first.receipt_no, {1: 1000})
    with pytest.raises(USER_ERRORS, match="no receipt"):
        lane.returns.start_return("01-20990101-0001", {1: 1000})
    lane.returns.start_return(receipt, {1: 1000})
    assert [line.returnable_milli for line in lane.returns.find_return(receipt).lines] == [0]
    assert rows(config, "SELECT stock FROM product WHERE sku='COKE330'") == [(120000,)]
    assert rows(config, "SELECT kind, status, total FROM sale ORDER BY id") == [
        ("sale", "paid", 1050), ("return", "paid", 700), ("return", "paid", 350)]


def test_partial_returns_of_a_discounted_line_add_up_to_what_was_paid():
    parts = [refund_share(1000, 3000, before, 1000) for before in (0, 1000, 2000)]
    assert parts == [333, 334, 333] and sum(parts) == 1000


def test_a_split_tender_refunds_the_wallet_first_then_cash(lane, wallet, printer):
    receipt = sell(lane, BREAD, SOAP, cash="20", wallet_amount="10")  # 17.00: 10.00 Alipay, 7.00 cash
    ret = lane.returns.start_return(receipt, {1: 1000, 2: 1000})
    assert [(p.method, p.amount, p.status) for p in ret.refunds] == [
        ("alipay", 1000, "planned"), ("cash", 700, "approved")]
    attempt = lane.payments.begin_refund(ret.return_id)
    assert attempt.original_reference in wallet.charged()
    ret = lane.payments.finish_refund(attempt, lane.payments.run_refund(attempt))
    assert ret.done and ret.refunded == 1700
    assert wallet.charged() == {attempt.original_reference: 0}
    assert lane.payments.begin_refund(ret.return_id) is None
    lane.receipts.print_pending()
    refund_text = printer.texts()[-1]
    assert "*** REFUND ***" in refund_text and "REFUND TOTAL" in refund_text and receipt in refund_text


def test_a_declined_card_refund_is_paid_in_cash_with_a_supervisor(config, clock, printer):
    with TerminalSimulator(step_timeout=1.0) as sim:
        terminal = ConcertTerminal(sim.port, pos_number=1, step_timeout=0.5, answer_timeout=1.5, poll_interval=0.02)
        lane = Lane(config, printer=printer, clock=clock, terminal=terminal)
        lane.people.sign_in("cashier", "1234")
        lane.shifts.open_shift("")
        lane.items.enter(BREAD)
        lane.payments.total()
        attempt = lane.payments.begin_card()
        lane.payments.finish_payment(attempt, lane.payments.run_card(attempt))
        receipt = lane.ctx.receipt_no
        lane.receipts.finish_printing(lane.receipts.print_pending())
        sim.queue("decline")
        ret = lane.returns.start_return(receipt, {1: 1000}, approval=supervisor(lane, "refund"))
        refund = lane.payments.begin_refund(ret.return_id)
        ret = lane.payments.finish_refund(refund, lane.payments.run_refund(refund))
        assert not ret.done and "declined" in ret.message
        with pytest.raises(USER_ERRORS, match="not refunded yet"):
            lane.shifts.close_shift("0")
        ret = lane.payments.refund_rest_in_cash(ret.return_id, approval=supervisor(lane, "refund"))
    assert ret.done and [(p.method, p.status) for p in ret.refunds] == [("card", "declined"), ("cash", "approved")]
    assert lane.shifts.shift_blockers() == []


def test_a_return_can_be_cancelled_before_money_moves_and_all_cash_needs_no_wait(lane, config):
    receipt = sell(lane, COKE, wallet_amount="")
    ret = lane.returns.start_return(receipt, {1: 1000})
    assert [(p.method, p.status) for p in ret.refunds] == [("alipay", "planned")]
    lane.returns.cancel_return(ret.return_id)
    assert rows(config, "SELECT status FROM sale WHERE kind='return'") == [("voided",)]
    assert lane.returns.find_return(receipt).lines[0].returnable_milli == 1000
    ret = lane.returns.start_return(receipt, {1: 1000}, to_cash=True)
    assert ret.done and [(p.method, p.amount) for p in ret.refunds] == [("cash", 350)]
    assert lane.shifts.shift_blockers() == []
