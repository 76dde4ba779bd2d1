"""Each acquirer gateway against its double over real HTTP on 127.0.0.1: the scripted cases of a
payment (settle_wallet_payment, as the lane runs it), refunds, and what is never approved."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pos_tui.config import parse_config
from pos_tui.devices.wallet.base import settle_wallet_payment
from pos_tui.gateways.acquirer import AcquirerGateway
from pos_tui.gateways.alipay import beijing_timestamp, raw_member, sign_content
from pos_tui.gateways.factory import open_gateway
from tests.gateways.doubles import AlipayDouble, ShouqianbaDouble, WeChatDouble, payments_config

CODES = {"alipay": "281234567890123456", "wechat": "134567890123456789", "shouqianba": "134567890123456789"}
PAY_CALLS = {"alipay.trade.pay", "POST /v3/pay/transactions/codepay", "/upay/v2/pay"}
DOUBLES = {"alipay": AlipayDouble, "wechat": WeChatDouble, "shouqianba": ShouqianbaDouble}


@pytest.fixture(params=sorted(DOUBLES))
def acquirer(request, tmp_path: Path):
    """(double, gateway opened from the config as the lane opens it)."""
    name = request.param
    with DOUBLES[name](tmp_path) as double:
        payments = payments_config(**{name: double})
        method = "wechat" if name == "shouqianba" else name
        config = parse_config({"payments": payments}, tmp_path)
        gateway = open_gateway(config.payments[method])
        gateway.sleep = lambda seconds: None
        yield double, gateway
        assert double.problems == [], f"the {name} double refused requests: {double.problems}"


def settle(double, gateway, amount=1250, number="ATTEMPT001", max_wait=0.3, progress=None):
    name = "wechat" if double.name == "shouqianba" else double.name
    return settle_wallet_payment(gateway, CODES[name], amount, "CNY", number, poll_interval=0.1, max_wait=max_wait,
                                 sleep=lambda seconds: None, on_progress=progress)


def clean(text: str) -> bool:
    return text.isprintable()


def test_success(acquirer):
    double, gateway = acquirer
    double.queue("approve")
    outcome = settle(double, gateway)
    assert outcome.status == "approved" and outcome.transaction_id == double.trades["ATTEMPT001"].trade_no
    assert double.charged() == {"ATTEMPT001": 1250}


def test_the_customer_confirms_on_the_phone_then_it_is_paid(acquirer):
    double, gateway = acquirer
    double.queue("userpaying:2")
    heard: list[str] = []
    outcome = settle(double, gateway, progress=heard.append)
    assert outcome.status == "approved"
    assert heard == ["customer confirming on the phone (0 s)", "customer confirming on the phone (0 s)"]
    assert double.charged() == {"ATTEMPT001": 1250}


def test_never_confirmed_the_lane_gives_up_and_cancels(acquirer):
    double, gateway = acquirer
    double.queue("userpaying_forever")
    outcome = settle(double, gateway)
    assert outcome.status == "declined" and "reversed" in outcome.reason
    assert double.trades["ATTEMPT001"].cancelled and double.charged() == {}


@pytest.mark.parametrize("word, words", [("code_invalid", "payment code is invalid or has expired"),
                                         ("no_balance", "insufficient balance")])
def test_refusals_are_told_in_our_words(acquirer, word, words):
    double, gateway = acquirer
    double.queue(word)
    outcome = settle(double, gateway)
    assert outcome.status == "declined" and words in outcome.reason and clean(outcome.reason)
    assert double.charged() == {}


def test_a_system_error_is_queried_and_found_paid(acquirer):
    double, gateway = acquirer
    double.queue("system_error")
    outcome = settle(double, gateway)
    assert outcome.status == "approved"
    assert len(double.calls) == 2  # pay, then query before anything else
    assert double.charged() == {"ATTEMPT001": 1250}


def test_connection_reset_after_the_request_was_taken_charges_once(acquirer):
    double, gateway = acquirer
    double.queue("reset")
    outcome = settle(double, gateway)
    assert outcome.status == "approved"
    assert sum(1 for call in double.calls if call in PAY_CALLS) == 1
    assert double.charged() == {"ATTEMPT001": 1250}


@pytest.mark.parametrize("word", ["forge", "unsigned"])
def test_a_forged_or_unsigned_answer_is_never_approved(acquirer, word):
    double, gateway = acquirer
    double.queue(word)
    first = gateway.pay(CODES["wechat" if double.name == "shouqianba" else double.name], 1250, "CNY", "ATTEMPT001")
    assert first.status == "unknown" and "failed its check" in first.reason
    double.queue(word)
    outcome = settle(double, gateway, number="ATTEMPT002")
    assert outcome.status == "declined" and double.charged() == {}


def test_paying_again_with_the_same_number_is_the_same_trade(acquirer):
    double, gateway = acquirer
    double.queue("approve", "approve")
    first, second = settle(double, gateway), settle(double, gateway)
    assert first == second and len(double.trades) == 1 and double.charged() == {"ATTEMPT001": 1250}


def test_partial_refunds_then_a_refund_whose_answer_is_lost(acquirer):
    double, gateway = acquirer
    double.queue("approve")
    assert settle(double, gateway).status == "approved"
    assert gateway.refund("ATTEMPT001", 250, "REFUND0001").status == "refunded"
    assert gateway.refund("ATTEMPT001", 250, "REFUND0001").status == "refunded"  # the same refund: once
    double.lose_refunds.add("REFUND0002")
    lost = gateway.refund("ATTEMPT001", 500, "REFUND0002")
    assert lost.status == "refunded"
    assert double.charged() == {"ATTEMPT001": 500}
    too_much = gateway.refund("ATTEMPT001", 600, "REFUND0003")
    assert too_much.status == "declined" and clean(too_much.reason)
    assert double.charged() == {"ATTEMPT001": 500}


def test_a_refund_of_a_trade_that_was_never_paid_is_declined(acquirer):
    double, gateway = acquirer
    assert gateway.refund("NOSUCHTRADE", 100, "REFUND0009").status == "declined"


def test_no_answer_at_all_is_unknown_never_declined(tmp_path):
    with AlipayDouble(tmp_path) as double:
        gateway = open_gateway(parse_config({"payments": payments_config(double)}, tmp_path).payments["alipay"])
    gateway.sleep = lambda seconds: None  # the double is gone: connection refused
    outcome = settle_wallet_payment(gateway, CODES["alipay"], 100, "CNY", "GONE0001", 0.1, 0.2, lambda s: None)
    assert outcome.status == "unknown" and "last query" in outcome.reason


def test_alipay_signs_sorted_params_and_stamps_beijing_time():
    assert sign_content({"b": "2", "a": "1", "sign": "x", "c": ""}) == "a=1&b=2"
    moment = dt.datetime(2026, 1, 1, 16, 30, tzinfo=dt.timezone.utc)
    assert beijing_timestamp(moment) == "2026-01-02 00:30:00"
    with pytest.raises(ValueError):
        beijing_timestamp(dt.datetime(2026, 1, 1))
    text = '{"alipay_trade_pay_response":{"code":"10000","msg":"Success"},"sign":"abc"}'
    assert raw_member(text, "alipay_trade_pay_response") == '{"code":"10000","msg":"Success"}'
    tricky = '{"x":"\\"alipay_trade_pay_response\\":{}","alipay_trade_pay_response":{"code":"1"},"sign":"s"}'
    assert raw_member(tricky, "alipay_trade_pay_response") == '{"code":"1"}'


def test_every_network_gateway_is_an_acquirer_gateway(acquirer):
    _double, gateway = acquirer
    assert isinstance(gateway, AcquirerGateway)
    assert gateway.routes_any_code == (gateway.name == "shouqianba")


def test_a_trade_cancelled_after_a_forged_answer_says_so(acquirer):
    double, gateway = acquirer
    double.queue("forge")
    outcome = settle(double, gateway)
    assert outcome.status == "declined" and "reversed; first answer:" in outcome.reason
    assert "failed its check" in outcome.reason and clean(outcome.reason)
