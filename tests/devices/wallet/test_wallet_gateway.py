"""The simulated wallet acquirer and settle_wallet_payment: pay, poll, reverse, refund, idempotency."""

from __future__ import annotations

import pytest

from pos_tui.devices.wallet import SimulatedWallet, WalletError, settle_wallet_payment
from pos_tui.devices.wallet.simulator import WalletScriptError, WalletStep, parse_wallet_step
from pos_tui.domain.payment import Outcome

CODE = "280123456789012345"


class Sleeps:
    """Records the waits instead of sleeping."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def settle(wallet, amount=1250, out_trade_no="ATTEMPT001", poll_interval=2.0, max_wait=10.0, sleep=None):
    return settle_wallet_payment(wallet, CODE, amount, "CNY", out_trade_no, poll_interval, max_wait,
                                 sleep or Sleeps())


def test_approve_at_once():
    wallet = SimulatedWallet("alipay", ["approve"])
    sleeps = Sleeps()
    outcome = settle(wallet, sleep=sleeps)
    assert outcome.status == "approved" and outcome.transaction_id.startswith("ALI")
    assert sleeps.calls == [] and wallet.charged() == {"ATTEMPT001": 1250}


def test_decline_at_once():
    wallet = SimulatedWallet("wechat", ["decline"])
    outcome = settle(wallet)
    assert (outcome.status, outcome.reason) == ("declined", "refused by the wallet")
    assert wallet.charged() == {}


def test_user_paying_is_polled_until_final():
    wallet = SimulatedWallet("alipay", ["user_paying:3"])
    sleeps = Sleeps()
    outcome = settle(wallet, sleep=sleeps)
    assert outcome.status == "approved"
    assert sleeps.calls == [2.0, 2.0, 2.0]
    assert [call for call, _ in wallet.calls] == ["pay", "query", "query", "query"]


def test_user_cancelling_on_the_phone_is_declined():
    wallet = SimulatedWallet("alipay", ["user_cancels"])
    assert settle(wallet).status == "declined" and wallet.charged() == {}


def test_timeout_queries_until_max_wait_then_reverses():
    wallet = SimulatedWallet("alipay", ["timeout"])
    sleeps = Sleeps()
    outcome = settle(wallet, poll_interval=2.0, max_wait=6.0, sleep=sleeps)
    assert outcome.status == "declined" and "reversed" in outcome.reason
    assert sleeps.calls == [2.0, 2.0, 2.0]
    assert [call for call, _ in wallet.calls] == ["pay", "query", "query", "query", "reverse"]
    assert wallet.charged() == {}


def test_a_lost_reply_is_found_by_the_query_and_not_reversed():
    wallet = SimulatedWallet("alipay", ["lost_reply"])
    outcome = settle(wallet)
    assert outcome.status == "approved"
    assert "reverse" not in [call for call, _ in wallet.calls]
    assert wallet.charged() == {"ATTEMPT001": 1250}


def test_a_failed_reversal_leaves_the_payment_unknown():
    class StuckWallet(SimulatedWallet):
        def reverse(self, out_trade_no):
            return Outcome("unknown", "acquirer unreachable")

    outcome = settle(StuckWallet("alipay", ["timeout"]), max_wait=4.0)
    assert outcome.status == "unknown" and "acquirer unreachable" in outcome.reason


def test_paying_twice_with_one_out_trade_no_charges_once():
    wallet = SimulatedWallet("alipay", ["approve", "approve"])
    first = wallet.pay(CODE, 1250, "CNY", "ATTEMPT001")
    again = wallet.pay(CODE, 1250, "CNY", "ATTEMPT001")
    assert first == again and first.approved
    assert wallet.charged() == {"ATTEMPT001": 1250}
    with pytest.raises(WalletError, match="already used"):
        wallet.pay(CODE, 999, "CNY", "ATTEMPT001")


def test_a_reversed_trade_cannot_be_paid_again():
    wallet = SimulatedWallet("alipay", ["timeout"])
    settle(wallet, max_wait=2.0)
    assert wallet.pay(CODE, 1250, "CNY", "ATTEMPT001").status == "declined"
    assert wallet.query("ATTEMPT001").reason == "the trade was reversed"
    assert wallet.charged() == {}


def test_refunds_are_idempotent_and_bounded():
    wallet = SimulatedWallet("alipay", ["approve"])
    settle(wallet, amount=1000)
    first = wallet.refund("ATTEMPT001", 400, "RET1")
    assert first.status == "refunded"
    assert wallet.refund("ATTEMPT001", 400, "RET1") == first
    assert wallet.charged() == {"ATTEMPT001": 600}
    too_much = wallet.refund("ATTEMPT001", 700, "RET2")
    assert too_much.status == "declined" and "600" in too_much.reason
    assert wallet.refund("NOSUCHTRADE", 1, "RET3").status == "declined"


def test_query_of_an_unknown_trade_is_unknown():
    assert SimulatedWallet().query("NEVERPAID").status == "unknown"


def test_a_code_that_is_not_digits_is_declined():
    assert SimulatedWallet().pay("hello", 1250, "CNY", "ATTEMPT001").reason == "not a payment code"


@pytest.mark.parametrize("amount", [0, -5, 12.5])
def test_bad_amounts_are_refused(amount):
    with pytest.raises(WalletError, match="amount"):
        SimulatedWallet().pay(CODE, amount, "CNY", "ATTEMPT001")


def test_demo_rule_by_amount():
    wallet = SimulatedWallet()
    assert wallet.pay(CODE, 1001, "CNY", "A1").status == "declined"
    assert wallet.pay(CODE, 1002, "CNY", "A2").status == "pending"
    assert wallet.pay(CODE, 1003, "CNY", "A3").status == "unknown"
    assert wallet.pay(CODE, 1000, "CNY", "A4").status == "approved"


@pytest.mark.parametrize("word, step", [
    ("approve", WalletStep("approve")),
    ("User-Paying", WalletStep("user_paying", 2)),
    ("user_paying:5", WalletStep("user_paying", 5)),
    ("lost-reply", WalletStep("lost_reply")),
])
def test_wallet_script_words(word, step):
    assert parse_wallet_step(word) == step


@pytest.mark.parametrize("word", ["explode", "approve:2", "user_paying:0", "user_paying:x"])
def test_bad_wallet_script_words(word):
    with pytest.raises(WalletScriptError, match="wallet script word"):
        parse_wallet_step(word)


def test_settle_refuses_a_nonpositive_poll_interval():
    with pytest.raises(WalletError, match="poll_interval"):
        settle(SimulatedWallet(), poll_interval=0)
