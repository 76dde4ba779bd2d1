"""Card and wallet tenders through the lane: the Concert driver talks to the simulator over a real pty."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import replace

import pytest

from pos_tui.config import PaymentMethod
from pos_tui.devices.terminal.concert import ConcertTerminal
from pos_tui.devices.terminal.simulator import TerminalSimulator
from pos_tui.devices.wallet.simulator import SimulatedWallet
from pos_tui.domain.checkout import State, TransitionError
from pos_tui.domain.money import parse_rate
from pos_tui.domain.permissions import PermissionDenied
from pos_tui.domain.tender import TenderError
from pos_tui.services.lane import Lane
from pos_tui.services.errors import LaneError, PaidElsewhere
from pos_tui.store import sales
from pos_tui.store.db import close_database

BREAD, COKE = "6901234567908", "6901234567892"
ALIPAY_CODE = "281234567890123456"
WECHAT_CODE = "134567890123456789"


@pytest.fixture
def config(tmp_path, make_demo_store):
    cfg = make_demo_store(tmp_path)
    payments = dict(cfg.payments)
    payments["card"] = PaymentMethod(max_amount=50_000_00, fee_rate=parse_rate("0.6%"), fee_cap=None)
    cfg = replace(cfg, payments=payments)
    yield cfg
    close_database()


@pytest.fixture
def simulator():
    with TerminalSimulator(step_timeout=1.0) as sim:
        yield sim


def make_lane(config, sim, wallets=None):
    terminal = ConcertTerminal(sim.port, pos_number=1, step_timeout=3.0, answer_timeout=2.0, poll_interval=0.02)
    lane = Lane(config, terminal=terminal, wallets=wallets or {})
    lane.people.sign_in("cashier", "1234")
    return lane


def at_payment(lane, *codes):
    for code in codes or (BREAD,):
        lane.items.enter(code)
    return lane.payments.total()


def pay_card(lane, amount=""):
    attempt = lane.payments.begin_card(amount)
    outcome = lane.payments.run_card(attempt)
    return attempt, lane.payments.finish_payment(attempt, outcome)


def payments(config):
    with sqlite3.connect(config.database_path) as con:
        return con.execute("SELECT method, amount, status, fee, masked_pan FROM payment ORDER BY id").fetchall()


@pytest.mark.parametrize(
    "word, state, status, words",
    [
        ("approve", State.PRINTING, "approved", "approved. Paid"),
        ("decline", State.CHOOSING_PAYMENT, "declined", "declined"),
        ("cancel", State.CHOOSING_PAYMENT, "cancelled", "cancelled"),
        ("nak_first", State.PRINTING, "approved", "approved. Paid"),
        ("bad_lrc", State.PRINTING, "approved", "approved. Paid"),
        pytest.param("never_answer", State.CHOOSING_PAYMENT, "unknown", "UNKNOWN", marks=pytest.mark.slow),
        ("wrong_private", State.CHOOSING_PAYMENT, "unknown", "UNKNOWN"),
        ("wrong_amount", State.CHOOSING_PAYMENT, "unknown", "UNKNOWN"),
        ("drop", State.CHOOSING_PAYMENT, "unknown", "UNKNOWN"),
    ],
)
def test_each_terminal_outcome_ends_in_the_right_state_and_words(config, simulator, word, state, status, words):
    simulator.queue(word)
    lane = make_lane(config, simulator)
    at_payment(lane)
    attempt, view = pay_card(lane)
    assert view.state is state
    assert words in view.message
    (method, amount, stored, fee, pan), = payments(config)
    assert (method, amount, stored) == ("card", 1200, status)
    assert fee == 7  # 0.6% of 12.00, half-up
    if status == "approved":
        assert pan and "*" in pan and len(simulator.charges_for(attempt.reference)) == 1


@pytest.mark.slow
def test_an_unknown_outcome_blocks_every_tender_until_a_supervisor_resolves_it(config, simulator):
    simulator.queue("never_answer", "approve")
    lane = make_lane(config, simulator)
    at_payment(lane)
    attempt, view = pay_card(lane)
    assert view.unresolved and view.unresolved[0].reference == attempt.reference
    with pytest.raises(LaneError, match="unknown outcome"):
        lane.payments.begin_card()
    with pytest.raises(LaneError, match="unknown outcome"):
        lane.payments.tender_cash("20")
    with pytest.raises(PermissionDenied):
        lane.payments.resolve_payment(attempt.id, charged=False)
    approval = lane.people.approve("super", "9999", "resolve_payment")
    view = lane.payments.resolve_payment(attempt.id, charged=False, approval=approval)
    assert not view.unresolved and view.state is State.CHOOSING_PAYMENT
    _, view = pay_card(lane)
    assert view.state is State.PRINTING
    assert [p[2] for p in payments(config)] == ["resolved_not_charged", "approved"]


def test_resolved_as_charged_pays_the_sale_with_the_ticket_auth_code(config, simulator):
    simulator.queue("drop")
    lane = make_lane(config, simulator)
    at_payment(lane)
    attempt, _ = pay_card(lane)
    approval = lane.people.approve("super", "9999", "resolve_payment")
    with pytest.raises(LaneError, match="auth code"):
        lane.payments.resolve_payment(attempt.id, charged=True, approval=approval)
    view = lane.payments.resolve_payment(attempt.id, charged=True, auth_code="123456", approval=approval)
    assert view.state is State.PRINTING and view.receipt_no


@pytest.mark.parametrize("step", ["cash", "card", "back", "void sale", "void line", "resolve"])
def test_a_sale_paid_from_the_back_office_is_picked_up_at_the_next_step(config, simulator, step,
                                                                       back_office_resolves):
    simulator.queue("drop", "approve")
    lane = make_lane(config, simulator)
    at_payment(lane)
    attempt, view = pay_card(lane)
    assert view.unresolved
    back_office_resolves(config, attempt.id, charged=True)
    receipt = sales.get_sale(attempt.sale_id).receipt_no
    assert receipt
    do = {
        "cash": lambda: lane.payments.tender_cash("20"),
        "card": lambda: lane.payments.begin_card(),
        "back": lane.payments.back_to_items,
        "void sale": lambda: lane.items.void_sale(lane.people.approve("super", "9999", "void_sale")),
        "void line": lambda: lane.items.void_line(1),
        "resolve": lambda: lane.payments.resolve_payment(attempt.id, charged=False),
    }[step]
    with pytest.raises(PaidElsewhere, match=rf"^Paid in the back office \(card resolved as charged\)\. Receipt {receipt}$"):
        do()
    assert lane.state is State.PRINTING and lane.ctx.receipt_no == receipt
    lane.receipts.finish_printing(lane.receipts.print_pending())
    assert lane.state is State.IDLE and lane.ctx.sale is None
    assert [p[2] for p in payments(config)] == ["resolved_approved"]  # nothing taken a second time
    assert len(simulator.requests) == 1


def test_a_payment_the_back_office_marks_not_charged_leaves_the_sale_to_pay(config, simulator,
                                                                            back_office_resolves):
    simulator.queue("drop")
    lane = make_lane(config, simulator)
    at_payment(lane)
    attempt, _ = pay_card(lane)
    back_office_resolves(config, attempt.id, charged=False)
    assert sales.get_sale(attempt.sale_id).status == "open"
    view = lane.payments.tender_cash("20")
    assert view.state is State.PRINTING and view.change == 800


def test_pressing_card_twice_sends_one_request(config, simulator):
    simulator.queue("slow:0.3")
    lane = make_lane(config, simulator)
    at_payment(lane)
    attempt = lane.payments.begin_card()
    with pytest.raises(TransitionError):
        lane.payments.begin_card()
    view = lane.payments.finish_payment(attempt, lane.payments.run_card(attempt))
    with pytest.raises(TransitionError):
        lane.payments.begin_card()
    assert view.state is State.PRINTING
    assert len(simulator.requests) == 1 and len(payments(config)) == 1


def test_a_restart_with_a_pending_attempt_reopens_on_its_resolution(config, simulator):
    lane = make_lane(config, simulator)
    at_payment(lane)
    attempt = lane.payments.begin_card()  # committed, then the lane "dies" before the terminal answers
    restarted = Lane(config, terminal=lane.ctx.terminal)
    view = restarted.people.sign_in("cashier", "1234")
    assert view.state is State.CHOOSING_PAYMENT
    assert [p.reference for p in view.unresolved] == [attempt.reference]
    with pytest.raises(LaneError, match="unknown outcome"):
        restarted.payments.begin_card()
    assert simulator.requests == []


def test_an_amount_over_the_limit_is_refused_before_any_byte_is_sent(config, simulator):
    config = replace(config, payments={**config.payments, "card": PaymentMethod(max_amount=1000)})
    lane = make_lane(config, simulator)
    at_payment(lane)
    with pytest.raises(TenderError, match="exceeds the card limit of ¥10.00"):
        lane.payments.begin_card()
    assert payments(config) == [] and simulator.requests == []


def test_split_tender_cash_card_wallet_prints_one_receipt_with_all_three(config, simulator):
    simulator.queue("approve")
    wallet = SimulatedWallet("alipay", ["approve"])
    lane = make_lane(config, simulator, wallets={"alipay": wallet, "wechat": SimulatedWallet("wechat")})
    at_payment(lane, BREAD, "3*" + COKE)  # 12.00 + 10.50 = 22.50
    lane.payments.tender_cash("5")
    pay_card(lane, "10")
    attempt, code = lane.payments.begin_wallet(ALIPAY_CODE)
    view = lane.payments.finish_payment(attempt, lane.payments.run_wallet(attempt, code, sleep=lambda s: None))
    assert view.state is State.PRINTING
    assert [(p[0], p[1], p[2]) for p in payments(config)] == [
        ("cash", 500, "approved"), ("card", 1000, "approved"), ("alipay", 750, "approved")]
    sent = []
    lane.ctx.printer = type("P", (), {"print_receipt": lambda self, doc, open_drawer=False: sent.append(doc)})()
    assert lane.receipts.print_pending().ok
    from pos_tui.devices.receipt import render_text

    text = render_text(sent[0])
    assert "Cash" in text and "Card" in text and "Alipay" in text and "7.50" in text
    assert "fee" not in text.lower()


def test_a_wallet_code_that_is_neither_is_refused(config, simulator):
    lane = make_lane(config, simulator, wallets={"alipay": SimulatedWallet("alipay")})
    at_payment(lane)
    with pytest.raises(TenderError, match="not an Alipay or WeChat Pay"):
        lane.payments.begin_wallet("99123")
    with pytest.raises(LaneError, match="WeChat Pay is not set up"):
        lane.payments.begin_wallet(WECHAT_CODE)
    assert payments(config) == []


def test_cancel_flag_stops_the_wait_as_unknown(config, simulator):
    simulator.queue("never_answer")
    lane = make_lane(config, simulator)
    at_payment(lane)
    attempt = lane.payments.begin_card()
    cancel = threading.Event()
    threading.Timer(0.2, cancel.set).start()
    outcome = lane.payments.run_card(attempt, cancel=cancel)
    assert outcome.status == "unknown"
    assert lane.payments.finish_payment(attempt, outcome).unresolved


def test_a_payment_the_driver_refuses_to_send_is_declined_not_unknown(config, simulator):
    lane = make_lane(config, simulator)
    at_payment(lane)
    lane.ctx.terminal.step_timeout = 0.1
    attempt = lane.payments.begin_card()
    with lane.ctx.terminal._busy:  # a status check holding the line past a handshake step
        outcome = lane.payments.run_card(attempt)
    assert outcome.status == "declined" and "busy" in outcome.reason
    view = lane.payments.finish_payment(attempt, outcome)
    assert view.state is State.CHOOSING_PAYMENT and not view.unresolved
    assert simulator.requests == []
