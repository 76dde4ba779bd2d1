"""The lane at 80x24 through each real wallet gateway (Alipay, WeChat Pay, Shouqianba) against its
double over HTTP on 127.0.0.1: F4, scan the customer's code, and the sale (or refusal) that follows;
a refund of a wallet sale through F7; and the bill against the database."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from pos_tui.cli import main
from pos_tui.config import parse_config
from pos_tui.demo import DEMO_SETTINGS, create_demo_store
from pos_tui.devices.receipt import render_text
from pos_tui.domain.checkout import State
from pos_tui.gateways.factory import open_gateway
from pos_tui.services.lane import Lane
from pos_tui.services.wallet_reconcile import reconcile
from pos_tui.store.db import close_database
from pos_tui.tui.app import PosApp
from pos_tui.tui.screens.modals import ApprovalModal, WalletCodeModal
from pos_tui.tui.screens.payment import PaymentScreen
from pos_tui.tui.screens.returns import RefundDoneModal, ReturnModal
from pos_tui.tui.screens.terminal import TerminalScreen
from tests.gateways.doubles import AlipayDouble, ShouqianbaDouble, WeChatDouble, config_toml, payments_config

BREAD = "6901234567908"  # 12.00
SOAP = "4006381333931"  # 5.00
CODES = {"alipay": "281234567890123456", "wechat": "134567890123456789", "shouqianba": "6212345678901234567"}
DOUBLES = {"alipay": AlipayDouble, "wechat": WeChatDouble, "shouqianba": ShouqianbaDouble}
METHOD = {"alipay": "alipay", "wechat": "wechat", "shouqianba": "wechat"}
SIZE = (80, 24)


class RecordingPrinter:
    def __init__(self) -> None:
        self.docs: list[object] = []

    def print_receipt(self, doc: object, open_drawer: bool = False) -> None:
        self.docs.append(doc)

    def kick_drawer(self, pin: int | None = None) -> None:
        pass

    def texts(self) -> list[str]:
        return [render_text(doc) for doc in self.docs]


@pytest.fixture(params=sorted(DOUBLES))
def acquirer(request, tmp_path: Path, make_demo_store):
    """(double, config of the demo store whose wallet method goes through it)."""
    with DOUBLES[request.param](tmp_path / "keys") as double:
        config = make_demo_store(tmp_path)
        tables = payments_config(**{request.param: double}, poll_interval=0.05, max_wait=1.0)
        config = replace(config, payments=parse_config({"payments": tables}, tmp_path).payments)
        yield double, config
        close_database()
        assert double.problems == [], f"the {double.name} double refused requests: {double.problems}"


def lane_for(config, printer=None) -> Lane:
    wallets = {name: open_gateway(settings) for name, settings in config.payments.items()
               if settings.gateway in ("alipay", "wechat", "shouqianba")}
    return Lane(config, printer=printer or RecordingPrinter(), wallets=wallets)


def rows(config, sql: str) -> list[tuple]:
    with sqlite3.connect(config.database_path) as con:
        return con.execute(sql).fetchall()


def text_of(app: PosApp, screen_lines) -> str:
    return "\n".join(screen_lines(app))


async def pay_by_wallet(app: PosApp, pilot, feed_terminal, settle, code: str, *, amount: str = "") -> None:
    feed_terminal(app, "cashier\r1234\r")
    await settle(pilot, lambda: app.lane.state is not State.LOCKED)
    feed_terminal(app, f"{BREAD}\r")
    await settle(pilot, lambda: len(app.view.lines) == 1)
    await pilot.press("f10")
    await settle(pilot, lambda: isinstance(app.screen, PaymentScreen))
    if amount:
        feed_terminal(app, amount)
    await pilot.press("f4")
    await settle(pilot, lambda: isinstance(app.screen, WalletCodeModal))
    feed_terminal(app, f"{code}\r")


async def payment_done(app: PosApp, pilot, settle) -> None:
    await app.workers.wait_for_complete()
    await settle(pilot, lambda: app.payment is None and app.lane.state is not State.AWAITING_TERMINAL)
    await app.workers.wait_for_complete()


async def test_f4_pays_the_sale_through_the_acquirer(acquirer, feed_terminal, settle):
    double, config = acquirer
    double.queue("approve")
    printer = RecordingPrinter()
    app = PosApp(lane_for(config, printer))
    async with app.run_test(size=SIZE) as pilot:
        await pay_by_wallet(app, pilot, feed_terminal, settle, CODES[double.name])
        await payment_done(app, pilot, settle)
        await settle(pilot, lambda: app.lane.state is State.IDLE)
    (trade,) = double.trades.values()
    assert rows(config, "SELECT method, amount, status, reference, wallet_txn FROM payment") == [
        (METHOD[double.name], 1200, "approved", trade.number, trade.trade_no)]
    assert double.charged() == {trade.number: 1200}
    assert trade.trade_no in printer.texts()[0]


@pytest.mark.slow
async def test_the_lane_shows_the_customer_confirming_then_the_sale_is_paid(acquirer, feed_terminal, settle,
                                                                            screen_lines):
    double, config = acquirer
    double.queue("userpaying:6")
    app = PosApp(lane_for(config))
    seen = []
    async with app.run_test(size=SIZE) as pilot:
        await pay_by_wallet(app, pilot, feed_terminal, settle, CODES[double.name])
        for _ in range(400):
            await pilot.pause(0.02)
            if isinstance(app.screen, TerminalScreen):
                seen.append(text_of(app, screen_lines))
            if app.lane.state is not State.AWAITING_TERMINAL:
                break
        await payment_done(app, pilot, settle)
        await settle(pilot, lambda: app.lane.state is State.IDLE)
    assert any("customer confirming on the phone (" in screen for screen in seen)
    assert rows(config, "SELECT status FROM payment") == [("approved",)]
    assert list(double.charged().values()) == [1200]


@pytest.mark.parametrize("word, shown", [("forge", "not confirmed within 1 s; the payment was reversed"),
                                         ("code_invalid", "payment code is invalid or has expired"),
                                         ("userpaying_forever", "not confirmed within 1 s; the payment was reversed")])
@pytest.mark.slow
async def test_refused_and_forged_answers_charge_nothing(acquirer, feed_terminal, settle, screen_lines, word, shown):
    double, config = acquirer
    double.queue(word)
    app = PosApp(lane_for(config))
    async with app.run_test(size=SIZE) as pilot:
        await pay_by_wallet(app, pilot, feed_terminal, settle, CODES[double.name])
        await payment_done(app, pilot, settle)
        await settle(pilot, lambda: isinstance(app.screen, PaymentScreen))
        screen = text_of(app, screen_lines)
    assert "declined" in screen and shown[:40] in screen.replace("\n", " ") or shown[:30] in screen
    assert "\x1b" not in screen and "pwned" not in screen and "blink" not in screen
    assert rows(config, "SELECT status FROM payment") == [("declined",)]
    assert double.charged() == {}


async def test_a_connection_reset_after_the_request_is_queried_and_charged_once(acquirer, feed_terminal, settle):
    double, config = acquirer
    double.queue("reset")
    app = PosApp(lane_for(config))
    async with app.run_test(size=SIZE) as pilot:
        await pay_by_wallet(app, pilot, feed_terminal, settle, CODES[double.name])
        await payment_done(app, pilot, settle)
        await settle(pilot, lambda: app.lane.state is State.IDLE)
    assert rows(config, "SELECT status FROM payment") == [("approved",)]
    assert list(double.charged().values()) == [1200]


async def test_f7_refunds_part_of_a_wallet_sale_through_the_acquirer(acquirer, feed_terminal, settle):
    double, config = acquirer
    double.queue("approve")
    printer = RecordingPrinter()
    lane = lane_for(config, printer)
    lane.people.sign_in("cashier", "1234")
    lane.items.enter(BREAD)
    lane.items.enter(SOAP)
    lane.payments.total()
    attempt, code = lane.payments.begin_wallet(CODES[double.name])
    lane.payments.finish_payment(attempt, lane.payments.run_wallet(attempt, code, sleep=lambda s: None))
    receipt = lane.ctx.receipt_no
    lane.receipts.finish_printing(lane.receipts.print_pending())
    lane.people.lock()
    app = PosApp(lane)
    async with app.run_test(size=SIZE) as pilot:
        feed_terminal(app, "cashier\r1234\r")
        await settle(pilot, lambda: app.lane.state is not State.LOCKED)
        await pilot.press("f7")
        await settle(pilot, lambda: isinstance(app.screen, ReturnModal))
        feed_terminal(app, f"{receipt}\r")
        await settle(pilot, lambda: app.screen.sale is not None)
        await pilot.press("down")  # the soap
        feed_terminal(app, "\r")
        await settle(pilot, lambda: len(app.screen.picks) == 1)
        await pilot.press("f10")
        await settle(pilot, lambda: isinstance(app.screen, ApprovalModal))
        feed_terminal(app, "super\r9999\r")
        await app.workers.wait_for_complete()
        await settle(pilot, lambda: app.payment is None and isinstance(app.screen, RefundDoneModal))
        await app.workers.wait_for_complete()
    assert double.charged() == {attempt.reference: 1200}  # 17.00 paid, 5.00 back
    assert rows(config, "SELECT method, amount, status FROM payment WHERE refund_of IS NOT NULL") == [
        (METHOD[double.name], 500, "approved")]


def sell(lane: Lane, code: str, *items: str) -> str:
    lane.people.sign_in("cashier", "1234")
    for item in items:
        lane.items.enter(item)
    lane.payments.total()
    attempt, code = lane.payments.begin_wallet(code)
    outcome = lane.payments.run_wallet(attempt, code, sleep=lambda s: None)
    lane.payments.finish_payment(attempt, outcome)
    assert outcome.approved, outcome
    lane.receipts.finish_printing(lane.receipts.print_pending())
    lane.people.lock()
    return attempt.reference


@pytest.mark.parametrize("name", ["alipay", "wechat"])
def test_reconcile_lists_the_trade_missing_from_the_bill_and_the_extra_one(tmp_path, name):
    with DOUBLES[name](tmp_path / "keys") as double:
        config = create_demo_store(tmp_path)
        tables = payments_config(**{name: double}, poll_interval=0.05, max_wait=1.0)
        config = replace(config, payments=parse_config({"payments": tables}, tmp_path).payments)
        lane = lane_for(config)
        first, second = sell(lane, CODES[name], BREAD), sell(lane, CODES[name], SOAP)
        today = dt.date.today()
        clean = reconcile(config, today, lane.ctx.wallets)
        assert (clean.checked, clean.differences) == ((name,), ())
        double.bill_missing.add(first)
        double.bill_extra.append(("payment", "NOTOURS0001", 888))
        result = reconcile(config, today, lane.ctx.wallets)
        assert sorted((d.number, d.problem, d.bill_amount, d.database_amount) for d in result.differences) == sorted([
            ("NOTOURS0001", "in the bill, not in the database", 888, None),
            (first, "in the database, not in the bill", None, 1200)])
        assert second not in {d.number for d in result.differences}
        settings = {**DEMO_SETTINGS, "payments": tables, "database": {"url": config.database.url},
                    "security": {"key_file": str(config.key_path)}}
        config_file = tmp_path / "config.toml"
        config_file.write_text(config_toml(settings))
        close_database()
        run = CliRunner().invoke(main, ["--config", str(config_file), "wallets", "reconcile", "--date",
                                        today.isoformat()])
        assert run.exit_code == 1, run.output
        assert "NOTOURS0001" in run.output and first in run.output and "¥8.88" in run.output
        double.bill_missing.clear()
        double.bill_extra.clear()
        run = CliRunner().invoke(main, ["--config", str(config_file), "wallets", "reconcile", "--date",
                                        today.isoformat()])
        assert run.exit_code == 0 and "match the database" in run.output, run.output
