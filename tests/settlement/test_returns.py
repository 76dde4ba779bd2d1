"""Returns: their own numbered record against a paid sale, never more than was sold, refunds to
the original tenders under the write-ahead rule, stock back, a refund receipt."""

from __future__ import annotations

import pytest

from pos_tui.devices.terminal.concert import ConcertTerminal
from pos_tui.devices.terminal.simulator import TerminalSimulator
from pos_tui.devices.wallet.simulator import SimulatedWallet
from pos_tui.lane import Lane, LaneError
from pos_tui.store.returns import refund_share
from tests.settlement.conftest import ALIPAY_CODE, BREAD, COKE, SOAP, rows, supervisor


@pytest.fixture
def wallet():
    return SimulatedWallet("alipay")


@pytest.fixture
def lane(config, clock, printer, wallet):
    lane = Lane(config, printer=printer, clock=clock, wallets={"alipay": wallet})
    lane.sign_in("super", "9999")
    lane.open_shift("100")
    return lane


def sell(lane, *codes, cash="", wallet_amount=None):
    for code in codes:
        lane.enter(code)
    lane.total()
    if wallet_amount is not None:
        attempt, code = lane.begin_wallet(ALIPAY_CODE, wallet_amount)
        lane.finish_payment(attempt, lane.run_wallet(attempt, code, sleep=lambda s: None))
    if lane.view().remaining > 0:
        lane.tender_cash(cash)
    receipt = lane.receipt_no
    lane.finish_printing(lane.print_pending())
    return receipt


def test_a_return_never_exceeds_what_was_sold_less_what_came_back(lane, config):
    receipt = sell(lane, "3*" + COKE)
    first = lane.start_return(receipt, {1: 2000})
    assert first.done and first.receipt_no.endswith("-R20250314-0001") and first.total == 700
    with pytest.raises(LaneError, match="only 1 left to return"):
        lane.start_return(receipt, {1: 2000})
    with pytest.raises(LaneError, match="whole items"):
        lane.start_return(receipt, {1: 500})
    with pytest.raises(LaneError, match="has no line 2"):
        lane.start_return(receipt, {2: 1000})
    with pytest.raises(LaneError, match="refund receipt"):
        lane.start_return(first.receipt_no, {1: 1000})
    with pytest.raises(LaneError, match="no receipt"):
        lane.start_return("01-20990101-0001", {1: 1000})
    lane.start_return(receipt, {1: 1000})
    assert [line.returnable_milli for line in lane.find_return(receipt).lines] == [0]
    assert rows(config, "SELECT stock FROM product WHERE sku='COKE330'") == [(120000,)]
    assert rows(config, "SELECT kind, status, total FROM sale ORDER BY id") == [
        ("sale", "paid", 1050), ("return", "paid", 700), ("return", "paid", 350)]


def test_partial_returns_of_a_discounted_line_add_up_to_what_was_paid():
    parts = [refund_share(1000, 3000, before, 1000) for before in (0, 1000, 2000)]
    assert parts == [333, 334, 333] and sum(parts) == 1000


def test_a_split_tender_refunds_the_wallet_first_then_cash(lane, wallet, printer):
    receipt = sell(lane, BREAD, SOAP, cash="20", wallet_amount="10")  # 17.00: 10.00 Alipay, 7.00 cash
    ret = lane.start_return(receipt, {1: 1000, 2: 1000})
    assert [(p.method, p.amount, p.status) for p in ret.refunds] == [
        ("alipay", 1000, "planned"), ("cash", 700, "approved")]
    attempt = lane.begin_refund(ret.return_id)
    assert attempt.original_reference in wallet.charged()
    ret = lane.finish_refund(attempt, lane.run_refund(attempt))
    assert ret.done and ret.refunded == 1700
    assert wallet.charged() == {attempt.original_reference: 0}
    assert lane.begin_refund(ret.return_id) is None
    lane.print_pending()
    refund_text = printer.texts()[-1]
    assert "*** REFUND ***" in refund_text and "REFUND TOTAL" in refund_text and receipt in refund_text


def test_a_declined_card_refund_is_paid_in_cash_with_a_supervisor(config, clock, printer):
    with TerminalSimulator(step_timeout=1.0) as sim:
        terminal = ConcertTerminal(sim.port, pos_number=1, step_timeout=0.5, answer_timeout=1.5, poll_interval=0.02)
        lane = Lane(config, printer=printer, clock=clock, terminal=terminal)
        lane.sign_in("cashier", "1234")
        lane.open_shift("")
        lane.enter(BREAD)
        lane.total()
        attempt = lane.begin_card()
        lane.finish_payment(attempt, lane.run_card(attempt))
        receipt = lane.receipt_no
        lane.finish_printing(lane.print_pending())
        sim.queue("decline")
        ret = lane.start_return(receipt, {1: 1000}, approval=supervisor(lane, "refund"))
        refund = lane.begin_refund(ret.return_id)
        ret = lane.finish_refund(refund, lane.run_refund(refund))
        assert not ret.done and "declined" in ret.message
        with pytest.raises(LaneError, match="not refunded yet"):
            lane.close_shift("0")
        ret = lane.refund_rest_in_cash(ret.return_id, approval=supervisor(lane, "refund"))
    assert ret.done and [(p.method, p.status) for p in ret.refunds] == [("card", "declined"), ("cash", "approved")]
    assert lane.shift_blockers() == []


def test_a_return_can_be_cancelled_before_money_moves_and_all_cash_needs_no_wait(lane, config):
    receipt = sell(lane, COKE, wallet_amount="")
    ret = lane.start_return(receipt, {1: 1000})
    assert [(p.method, p.status) for p in ret.refunds] == [("alipay", "planned")]
    lane.cancel_return(ret.return_id)
    assert rows(config, "SELECT status FROM sale WHERE kind='return'") == [("voided",)]
    assert lane.find_return(receipt).lines[0].returnable_milli == 1000
    ret = lane.start_return(receipt, {1: 1000}, to_cash=True)
    assert ret.done and [(p.method, p.amount) for p in ret.refunds] == [("cash", 350)]
    assert lane.shift_blockers() == []
