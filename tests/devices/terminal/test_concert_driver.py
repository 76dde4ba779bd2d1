"""The Concert E+ driver against the simulated terminal over real pseudo-terminals."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from pos_tui.devices import ports
from pos_tui.devices.terminal import concert
from pos_tui.devices.terminal.base import TerminalError
from pos_tui.devices.terminal.concert import ConcertTerminal
from pos_tui.devices.terminal.simulator import TEST_CARD_NUMBER, TerminalSimulator

EUR = "978"
CNY = "156"
REF = "ATTEMPT001"
STEP = 0.5
ANSWER = 1.5


@pytest.fixture
def simulator():
    sim = TerminalSimulator(step_timeout=STEP).start()
    yield sim
    sim.stop()


@pytest.fixture
def terminal(simulator):
    driver = ConcertTerminal(simulator.port, pos_number=1, step_timeout=STEP, answer_timeout=ANSWER,
                             poll_interval=0.02)
    yield driver
    driver.close()


def pay(simulator, terminal, word, amount=1250, reference=REF, **kwargs):
    simulator.queue(word)
    return terminal.pay(amount, EUR, reference, **kwargs)


def test_approve_gives_masked_pan_and_reference_and_one_charge(simulator, terminal):
    progress = []
    outcome = pay(simulator, terminal, "approve", on_progress=progress.append)
    assert outcome.status == "approved" and outcome.reason == ""
    assert outcome.masked_pan == "476173******0010"
    assert outcome.terminal_ref == REF
    assert [(c.reference, c.amount, c.kind) for c in simulator.ledger] == [(REF, 1250, "debit")]
    request = simulator.requests[0]
    assert (request.pos_number, request.amount, request.currency_numeric, request.private,
            request.transaction_type, request.answer_flag) == (1, 1250, EUR, REF, "0", "1")
    assert progress[0] == "calling the terminal" and "receiving the answer" in progress


def test_decline(simulator, terminal):
    outcome = pay(simulator, terminal, "decline")
    assert (outcome.status, outcome.reason) == ("declined", "refused by the terminal")
    assert simulator.ledger == []


def test_cancel_on_the_terminal(simulator, terminal):
    outcome = pay(simulator, terminal, "cancel")
    assert (outcome.status, outcome.reason) == ("cancelled", "cancelled on the terminal")
    assert simulator.ledger == []


def test_not_verified_is_declined(simulator, terminal):
    outcome = pay(simulator, terminal, "not_verified")
    assert (outcome.status, outcome.reason) == ("declined", "not verified")


def test_slow_answer_within_the_wait_is_approved(simulator, terminal):
    assert pay(simulator, terminal, "slow:0.4").approved
    assert len(simulator.charges_for(REF)) == 1


@pytest.mark.slow
def test_never_answer_ends_unknown_after_the_bounded_wait(simulator, terminal):
    outcome = pay(simulator, terminal, "never_answer")
    assert outcome.status == "unknown"
    assert f"no answer from the terminal within {ANSWER:g} s" in outcome.reason


def test_cancel_flag_stops_the_wait_and_leaves_it_unknown(simulator):
    driver = ConcertTerminal(simulator.port, pos_number=1, step_timeout=STEP, answer_timeout=60,
                             poll_interval=0.02)
    cancel = threading.Event()
    simulator.queue("never_answer")
    stopper = threading.Thread(target=_set_when, args=(lambda: simulator.requests, cancel))
    stopper.start()
    outcome = driver.pay(1250, EUR, REF, cancel=cancel)
    stopper.join()
    driver.close()
    assert outcome.status == "unknown" and "stopped waiting" in outcome.reason


def test_cancel_flag_before_the_request_is_sent_is_a_clean_cancel(simulator, terminal):
    cancel = threading.Event()
    cancel.set()
    outcome = pay(simulator, terminal, "approve", cancel=cancel)
    assert (outcome.status, outcome.reason) == ("cancelled", "stopped before the request was sent")
    assert simulator.requests == [] and simulator.ledger == []


def test_link_drop_after_the_request_is_unknown_never_declined(simulator, terminal):
    outcome = pay(simulator, terminal, "drop")
    assert outcome.status == "unknown" and "link to the terminal lost" in outcome.reason
    assert simulator.dropped and len(simulator.charges_for(REF)) == 1  # the money did move
    after = terminal.pay(1250, EUR, "ATTEMPT002")
    assert after.status == "declined" and "not found" in after.reason


def test_bad_lrc_once_is_naked_and_resent(simulator, terminal):
    assert pay(simulator, terminal, "bad_lrc").approved
    assert len(simulator.charges_for(REF)) == 1


def test_bad_lrc_on_every_resend_fails_cleanly_as_unknown(simulator, terminal):
    outcome = pay(simulator, terminal, "bad-lrc:4")
    assert outcome.status == "unknown" and "unreadable answer after 4 tries" in outcome.reason
    assert pay(simulator, terminal, "approve", reference="ATTEMPT002").approved


def test_nak_then_ack_sends_the_request_again(simulator, terminal):
    assert pay(simulator, terminal, "nak_first").approved
    assert len(simulator.requests) == 1 and len(simulator.charges_for(REF)) == 1


def test_request_refused_four_times_is_declined_and_nothing_charged(simulator, terminal):
    outcome = pay(simulator, terminal, "nak:4")
    assert outcome.status == "declined" and "refused the request 4 times" in outcome.reason
    assert simulator.ledger == []


def test_wrong_private_field_is_never_approval(simulator, terminal):
    outcome = pay(simulator, terminal, "wrong_private")
    assert outcome.status == "unknown"
    assert "does not match the request" in outcome.reason and "reference" in outcome.reason


def test_wrong_amount_is_never_approval(simulator, terminal):
    outcome = pay(simulator, terminal, "wrong_amount")
    assert outcome.status == "unknown" and "amount 1251 instead of 1250" in outcome.reason


def test_terminal_not_answering_the_call_is_declined(simulator, terminal):
    outcome = pay(simulator, terminal, "offline")
    assert (outcome.status, outcome.reason) == ("declined", "terminal not answering")
    assert simulator.requests == []


def test_refund_uses_the_credit_transaction_type(simulator, terminal):
    simulator.queue("approve")
    outcome = terminal.refund(500, CNY, "REFUND0001")
    assert outcome.approved
    assert simulator.requests[0].transaction_type == "1"
    assert [(c.reference, c.amount, c.kind) for c in simulator.ledger] == [("REFUND0001", 500, "credit")]


def test_several_payments_on_one_open_port(simulator, terminal):
    statuses = [pay(simulator, terminal, word, reference=f"ATTEMPT00{n}").status
                for n, word in enumerate(["approve", "decline", "approve", "cancel"])]
    assert statuses == ["approved", "declined", "approved", "cancelled"]


def test_demo_rule_by_amount(simulator, terminal):
    assert terminal.pay(1001, CNY, "ATTEMPT001").status == "declined"
    assert terminal.pay(1003, CNY, "ATTEMPT002").status == "cancelled"
    assert terminal.pay(1009, CNY, "ATTEMPT003").reason == "not verified"
    assert terminal.pay(1000, CNY, "ATTEMPT004").approved


def test_the_full_card_number_never_reaches_the_outcome_or_the_logs(simulator, terminal, caplog):
    caplog.set_level(logging.DEBUG)
    outcomes = [pay(simulator, terminal, word, reference=f"ATTEMPT00{n}")
                for n, word in enumerate(["approve", "decline", "wrong_private", "not_verified"])]
    middle = TEST_CARD_NUMBER[6:-4]
    for outcome in outcomes:
        assert outcome.masked_pan.startswith("476173") and middle not in repr(outcome)
    assert caplog.records and TEST_CARD_NUMBER not in caplog.text and middle not in caplog.text


def test_reasons_are_logged(simulator, terminal, caplog):
    caplog.set_level(logging.INFO, logger="pos_tui.devices.terminal.concert")
    pay(simulator, terminal, "decline")
    assert "ATTEMPT001 of 1250 declined: refused by the terminal" in caplog.text


def test_a_second_payment_while_one_runs_is_refused_before_any_byte(simulator, terminal):
    simulator.queue("slow:0.5")
    first = []
    worker = threading.Thread(target=lambda: first.append(terminal.pay(1250, EUR, REF)))
    worker.start()
    _wait_until(lambda: simulator.requests)
    with pytest.raises(TerminalError, match="busy"):
        terminal.pay(1250, EUR, "ATTEMPT002")
    worker.join()
    assert first[0].approved and len(simulator.requests) == 1


@pytest.mark.parametrize("amount, currency, reference, words", [
    (0, EUR, REF, "amount"),
    (12.5, EUR, REF, "int"),
    (100_000_000, EUR, REF, "amount"),
    (1250, "EUR", REF, "currency"),
    (1250, EUR, "SHORT", "private"),
])
def test_bad_requests_raise_before_anything_is_sent(simulator, terminal, amount, currency, reference, words):
    with pytest.raises(TerminalError, match=words):
        terminal.pay(amount, currency, reference)
    assert terminal.pay(1250, EUR, REF).approved and len(simulator.requests) == 1


def test_missing_port_is_declined_with_the_port_named():
    outcome = ConcertTerminal("/dev/no-such-terminal", pos_number=1, step_timeout=STEP).pay(1250, EUR, REF)
    assert outcome.status == "declined" and "/dev/no-such-terminal" in outcome.reason


def test_reachable(simulator, terminal):
    assert terminal.reachable()
    simulator.queue("offline")
    assert not terminal.reachable()
    assert pay(simulator, terminal, "approve").approved


def test_line_defaults_are_9600_7e1(monkeypatch, simulator):
    opened = []

    def recording_open(url, **kwargs):
        opened.append(kwargs)
        return ports.open_serial(url, **kwargs)

    monkeypatch.setattr(concert, "open_serial", recording_open)
    driver = ConcertTerminal(simulator.port, pos_number=3, step_timeout=STEP)
    assert pay(simulator, driver, "approve").approved
    driver.close()
    assert (opened[0]["baudrate"], opened[0]["bytesize"], opened[0]["parity"], opened[0]["stopbits"]) == (
        9600, 7, "E", 1)


def test_bad_driver_settings_are_refused():
    with pytest.raises(TerminalError, match="POS number"):
        ConcertTerminal("/dev/null", pos_number=100)
    with pytest.raises(TerminalError, match="answer_timeout"):
        ConcertTerminal("/dev/null", pos_number=1, answer_timeout=0)


def _wait_until(condition, limit: float = 5.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.01)


def _set_when(condition, event: threading.Event) -> None:
    _wait_until(condition)
    event.set()
