"""A new payment method is one registry entry plus its gateway: registered here as a wallet with its
own payment codes, enabled in the config, it is paid with, refunded to and reported through the real
lane with no other change to the package."""

from __future__ import annotations

import copy
import sqlite3
from dataclasses import replace

import pytest

from pos_tui.config import ConfigError, TerminalConfig, parse_config
from pos_tui.demo import DEMO_SETTINGS, create_demo_store
from pos_tui.devices.wallet.simulator import SimulatedWallet
from pos_tui.domain.checkout import State
from pos_tui.domain.money import parse_rate
from pos_tui.domain.payment import METHODS, WalletCode, register_method, unregister_method, wallet_for_code
from pos_tui.domain.report import render_text
from pos_tui.services.lane import Lane
from pos_tui.services.lane.receipts import receipt_for_sale
from pos_tui.services.opening import lane_devices
from pos_tui.store.db import close_database

BREAD = "6901234567908"  # 12.00
UNIONPAY_CODE = "6212345678901234567"  # 19 digits from 62: a UnionPay QR payment code


@pytest.fixture
def unionpay():
    """The one place the new method is declared; taken out again so no other test sees it."""
    entry = register_method("unionpay_qr", "wallet", "UnionPay QR", matches_code=WalletCode(("62",), (19,)))
    yield entry
    unregister_method("unionpay_qr")
    assert "unionpay_qr" not in METHODS


@pytest.fixture
def config(tmp_path, unionpay):
    settings = copy.deepcopy(DEMO_SETTINGS)
    settings["payments"]["unionpay_qr"] = {"enabled": True, "gateway": "simulator", "fee_rate": "0.5%",
                                           "max": "1000.00"}
    cfg = create_demo_store(tmp_path)
    cfg = replace(cfg, payments=parse_config(settings, tmp_path).payments,
                  devices=replace(cfg.devices, terminal=TerminalConfig()))
    yield cfg
    close_database()


def payment_rows(config):
    with sqlite3.connect(config.database_path) as con:
        return con.execute("SELECT method, amount, status, fee, wallet_txn IS NOT NULL FROM payment "
                           "ORDER BY id").fetchall()


def test_the_config_reads_the_new_methods_table(config):
    settings = config.payments["unionpay_qr"]
    assert (settings.enabled, settings.gateway, settings.fee_rate, settings.max_amount) == (
        True, "simulator", parse_rate("0.5%"), 1000_00)
    assert wallet_for_code(UNIONPAY_CODE) == "unionpay_qr"


def test_a_sale_is_paid_with_the_new_wallet_refunded_to_it_and_reported(config):
    with lane_devices(config) as devices:  # the gateway comes from [payments.unionpay_qr] gateway
        gateway = devices.wallets["unionpay_qr"]
        assert isinstance(gateway, SimulatedWallet) and gateway.name == "unionpay_qr"
        lane = Lane(config, terminal=devices.terminal, wallets=devices.wallets)
        lane.people.sign_in("super", "9999")
        lane.items.enter(BREAD)
        lane.payments.total()
        lane.payments.tender_cash("5")
        attempt, code = lane.payments.begin_wallet(UNIONPAY_CODE)
        assert (attempt.method, attempt.amount, code) == ("unionpay_qr", 700, UNIONPAY_CODE)
        view = lane.payments.finish_payment(attempt, lane.payments.run_wallet(attempt, code, sleep=lambda s: None))
        assert view.state is State.PRINTING
        assert view.message.startswith("UnionPay QR approved. Paid. Receipt ")
        receipt_no = view.receipt_no
        assert payment_rows(config) == [("cash", 500, "approved", 0, 0), ("unionpay_qr", 700, "approved", 4, 1)]
        assert gateway.charged() == {attempt.reference: 700}

        receipt, _cash = receipt_for_sale(attempt.sale_id, config)
        assert [(p.label, p.amount, p.wallet) for p in receipt.payments] == [
            ("Cash", 500, None), ("UnionPay QR", 700, "UnionPay QR")]
        lane.receipts.finish_printing(lane.receipts.print_pending())

        report = lane.reports.x_report()
        assert [(m.method, m.taken, m.fee) for m in report.methods] == [("cash", 500, 0), ("unionpay_qr", 700, 4)]
        assert "UnionPay QR" in render_text(report, 42)

        ret = lane.returns.start_return(receipt_no, {1: 1000})  # refunds go to the wallet first
        assert [(p.method, p.amount, p.status) for p in ret.refunds] == [
            ("unionpay_qr", 700, "planned"), ("cash", 500, "approved")]
        refund = lane.payments.begin_refund(ret.return_id)
        ret = lane.payments.finish_refund(refund, lane.payments.run_refund(refund))
        assert ret.done and ret.refunded == 1200
        assert gateway.charged() == {attempt.reference: 0}


def test_without_its_registry_entry_the_methods_table_is_refused(tmp_path):
    assert "unionpay_qr" not in METHODS
    with pytest.raises(ConfigError, match=r"^payments\.unionpay_qr: unknown key"):
        parse_config({"payments": {"unionpay_qr": {"enabled": True}}}, tmp_path)
    with pytest.raises(ConfigError, match=r"^payments\.card\.gateway: unknown key"):
        parse_config({"payments": {"card": {"gateway": "simulator"}}}, tmp_path)
