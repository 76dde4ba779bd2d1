"""Card and wallet payments through the app at 80x24: the Concert driver talks to the simulated
terminal over a real pty in a worker thread, on the demo store's SQLite file."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual import events

from pos_tui.devices.receipt import render_text
from pos_tui.devices.terminal.concert import ConcertTerminal
from pos_tui.devices.terminal.simulator import TerminalSimulator
from pos_tui.devices.wallet.simulator import SimulatedWallet
from pos_tui.domain.checkout import State
from pos_tui.services.lane import Lane
from pos_tui.store import sales
from pos_tui.store.db import close_database
from pos_tui.tui.app import PosApp
from pos_tui.tui.screens.items import ItemsScreen
from pos_tui.tui.screens.modals import ApprovalModal, ConfirmModal, ResolveModal, WalletCodeModal
from pos_tui.tui.screens.payment import PaymentScreen
from pos_tui.tui.screens.terminal import TerminalScreen
from pos_tui.tui.widgets.message_line import MessageLine
from tests.tui.conftest import _wait_for as wait_for

BREAD = "6901234567908"  # 12.00
ALIPAY_CODE = "281234567890123456"
F3 = "\x1bOR"
SIZE = (80, 24)


class RecordingPrinter:
    def __init__(self) -> None:
        self.printed: list[object] = []

    def print_receipt(self, doc: object, open_drawer: bool = False) -> None:
        self.printed.append(doc)


class AbortableTerminal(ConcertTerminal):
    """A terminal whose protocol can cancel from the register; records each abort asked for."""

    can_abort = True

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.aborts = 0

    def abort(self) -> None:
        self.aborts += 1


@pytest.fixture
def config(tmp_path: Path, make_demo_store) -> Iterator[object]:
    yield make_demo_store(tmp_path)
    close_database()


@pytest.fixture
def simulator() -> Iterator[TerminalSimulator]:
    with TerminalSimulator(step_timeout=1.0) as sim:
        yield sim


@pytest.fixture
def terminals(simulator) -> Iterator[list[ConcertTerminal]]:
    opened: list[ConcertTerminal] = []
    yield opened
    for terminal in opened:
        terminal.close()


def card_lane(config, simulator, terminals, *, answer_timeout: float = 2.0, printer=None, wallets=None,
              kind: type[ConcertTerminal] = ConcertTerminal) -> Lane:
    terminal = kind(simulator.port, pos_number=1, step_timeout=3.0, answer_timeout=answer_timeout,
                    poll_interval=0.02)
    terminals.append(terminal)
    return Lane(config, printer=printer, terminal=terminal, wallets=wallets or {})


def payments(config) -> list[tuple[str, int, str, str | None]]:
    with sqlite3.connect(config.database_path) as con:
        return con.execute("SELECT method, amount, status, auth_code FROM payment ORDER BY id").fetchall()


def message(app: PosApp) -> str:
    return app.base_screen.query_one(MessageLine).text


def text_of(app: PosApp, screen_lines) -> str:
    return "\n".join(screen_lines(app))


async def sign_in(app: PosApp, pilot, feed_terminal, settle) -> None:
    feed_terminal(app, "cashier\r1234\r")
    await settle(pilot, lambda: app.lane.state is not State.LOCKED)


async def at_payment(app: PosApp, pilot, feed_terminal, settle) -> None:
    await sign_in(app, pilot, feed_terminal, settle)
    feed_terminal(app, f"{BREAD}\r")
    await settle(pilot, lambda: len(app.view.lines) == 1)
    await pilot.press("f10")
    await settle(pilot, lambda: isinstance(app.screen, PaymentScreen))


async def payment_done(app: PosApp, pilot, settle) -> None:
    """Wait for the payment worker, then for the screen its outcome leads to."""
    await app.workers.wait_for_complete()
    await settle(pilot, lambda: app.payment is None and app.lane.state is not State.AWAITING_TERMINAL)


async def sale_done(app: PosApp, pilot, settle) -> None:
    await payment_done(app, pilot, settle)
    await wait_for(pilot, lambda: app.lane.state is State.IDLE)  # the receipt queue has printed


async def test_an_approved_card_pays_the_sale_and_prints_its_receipt(config, simulator, terminals, feed_terminal,
                                                                      settle):
    simulator.queue("approve")
    printer = RecordingPrinter()
    app = PosApp(card_lane(config, simulator, terminals, printer=printer))
    async with app.run_test(size=SIZE) as pilot:
        await at_payment(app, pilot, feed_terminal, settle)
        await pilot.press("f3")
        await sale_done(app, pilot, settle)
        assert isinstance(app.screen, ItemsScreen)
        assert message(app).startswith("Sale ") and message(app).endswith("done. Change ¥0.00")
    (reference,) = [request.private for request in simulator.requests]
    assert len(simulator.charges_for(reference)) == 1
    assert payments(config)[0][:3] == ("card", 1200, "approved")
    receipt = render_text(printer.printed[0])
    assert "Card" in receipt and "476173******0010" in receipt


async def test_a_declined_card_goes_back_to_payment_with_the_reason(config, simulator, terminals, feed_terminal,
                                                                    settle, screen_lines):
    simulator.queue("decline")
    app = PosApp(card_lane(config, simulator, terminals))
    async with app.run_test(size=SIZE) as pilot:
        await at_payment(app, pilot, feed_terminal, settle)
        await pilot.press("f3")
        await payment_done(app, pilot, settle)
        assert isinstance(app.screen, PaymentScreen)
        assert app.lane.state is State.CHOOSING_PAYMENT
        assert app.base_screen.query_one(MessageLine).level == "error"
        assert message(app).startswith("Card declined: ")
        screen = text_of(app, screen_lines)
        assert "Card declined: " in screen
        assert "(declined)" in screen and "Balance  ¥12.00" in screen
    assert payments(config) == [("card", 1200, "declined", None)]


@pytest.mark.slow
async def test_no_answer_opens_the_resolution_and_a_supervisor_clears_it(config, simulator, terminals,
                                                                         feed_terminal, settle, screen_lines):
    simulator.queue("never_answer", "approve")
    app = PosApp(card_lane(config, simulator, terminals, printer=RecordingPrinter()))
    async with app.run_test(size=SIZE) as pilot:
        await at_payment(app, pilot, feed_terminal, settle)
        await pilot.press("f3")
        await payment_done(app, pilot, settle)
        await settle(pilot, lambda: isinstance(app.screen, ResolveModal))
        assert isinstance(app.screen, ResolveModal)
        box = text_of(app, screen_lines)
        reference = simulator.requests[0].private
        assert f"Reference  {reference}" in box and "Amount     ¥12.00" in box
        assert "A    approved on the terminal's ticket: enter auth code" in box
        assert "N    not charged" in box
        assert "UNKNOWN" in message(app)

        await pilot.press("escape")  # later: every tender stays refused
        await settle(pilot, lambda: isinstance(app.screen, PaymentScreen))
        assert message(app) == "The payment's outcome is still unknown: F6 resolves it (supervisor)"
        await pilot.press("f3")
        assert "unknown outcome" in message(app)
        feed_terminal(app, "20")
        await pilot.press("f2")
        assert "unknown outcome" in message(app)
        assert len(simulator.requests) == 1

        await pilot.press("f6")
        await settle(pilot, lambda: isinstance(app.screen, ResolveModal))
        await pilot.press("n")
        await settle(pilot, lambda: isinstance(app.screen, ApprovalModal))
        feed_terminal(app, "super\r9999\r")
        await settle(pilot, lambda: not app.view.unresolved)
        assert isinstance(app.screen, PaymentScreen)
        assert message(app) == "Payment marked as not charged"

        await pilot.press("f3")
        await sale_done(app, pilot, settle)
    assert [status for _, _, status, _ in payments(config)] == ["resolved_not_charged", "approved"]
    assert len(simulator.requests) == 2


@pytest.mark.slow
async def test_a_sale_the_back_office_paid_prints_at_the_next_key(config, simulator, terminals, feed_terminal,
                                                                    settle, back_office_resolves):
    simulator.queue("never_answer")
    printer = RecordingPrinter()
    app = PosApp(card_lane(config, simulator, terminals, printer=printer))
    async with app.run_test(size=SIZE) as pilot:
        await at_payment(app, pilot, feed_terminal, settle)
        await pilot.press("f3")
        await payment_done(app, pilot, settle)
        await settle(pilot, lambda: isinstance(app.screen, ResolveModal))
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, PaymentScreen))
        (attempt,) = sales.unresolved_payments(1)
        back_office_resolves(config, attempt.id, charged=True)
        receipt = sales.get_sale(attempt.sale_id).receipt_no
        feed_terminal(app, "20")
        await pilot.press("f2")  # the cashier, not knowing, offers cash
        await wait_for(pilot, lambda: app.lane.state is State.IDLE and isinstance(app.screen, ItemsScreen))
        assert message(app) == f"Sale {receipt} done. Change ¥0.00"
    assert payments(config) == [("card", 1200, "resolved_approved", "A12345")]
    assert len(printer.printed) == 1 and receipt in render_text(printer.printed[0])


@pytest.mark.slow
async def test_f3_twice_and_enter_repeated_send_one_request(config, simulator, terminals, feed_terminal, settle):
    simulator.queue("slow:0.3")
    app = PosApp(card_lane(config, simulator, terminals))
    async with app.run_test(size=SIZE) as pilot:
        await at_payment(app, pilot, feed_terminal, settle)
        feed_terminal(app, F3 + F3 + "\r\r" + F3)
        await sale_done(app, pilot, settle)
    assert len(simulator.requests) == 1
    assert payments(config) == [("card", 1200, "approved", payments(config)[0][3])]


@pytest.mark.slow
async def test_a_restart_mid_payment_opens_on_the_resolution_after_sign_in(config, simulator, terminals,
                                                                           feed_terminal, settle, screen_lines):
    died = card_lane(config, simulator, terminals)
    died.people.sign_in("cashier", "1234")
    died.items.enter(BREAD)
    died.payments.total()
    attempt = died.payments.begin_card()  # committed; the lane stops before a byte goes to the terminal

    app = PosApp(card_lane(config, simulator, terminals, printer=RecordingPrinter()))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await settle(pilot, lambda: isinstance(app.screen, ResolveModal))
        box = text_of(app, screen_lines)
        assert f"Reference  {attempt.reference}" in box
        assert "no answer recorded" in box
        await pilot.press("a")
        feed_terminal(app, "\r")  # no auth code yet: refused in the box
        await settle(pilot, lambda: "auth code" in app.screen.query_one(MessageLine).text)
        assert isinstance(app.screen, ResolveModal)
        feed_terminal(app, "A12345\r")
        await settle(pilot, lambda: isinstance(app.screen, ApprovalModal))
        feed_terminal(app, "super\r9999\r")
        await settle(pilot, lambda: app.lane.state is not State.CHOOSING_PAYMENT)
        await wait_for(pilot, lambda: app.lane.state is State.IDLE)
    assert payments(config) == [("card", 1200, "resolved_approved", "A12345")]
    assert simulator.requests == []


@pytest.mark.slow
async def test_a_wallet_payment_by_scanned_code(config, simulator, terminals, feed_terminal, settle, screen_lines):
    wallet = SimulatedWallet("alipay", ["approve"])
    app = PosApp(card_lane(config, simulator, terminals, wallets={"alipay": wallet}))
    async with app.run_test(size=SIZE) as pilot:
        await at_payment(app, pilot, feed_terminal, settle)
        await pilot.press("f4")
        await settle(pilot, lambda: isinstance(app.screen, WalletCodeModal))
        assert "Amount ¥12.00 (the balance)" in text_of(app, screen_lines)
        feed_terminal(app, "99123\r")  # neither wallet's code: refused, scan again
        await settle(pilot, lambda: app.screen.query_one(MessageLine).text != "")
        assert "not an Alipay or WeChat Pay" in app.screen.query_one(MessageLine).text
        feed_terminal(app, f"{ALIPAY_CODE}\r")
        await sale_done(app, pilot, settle)
    assert [(method, amount, status) for method, amount, status, _ in payments(config)] == [("alipay", 1200, "approved")]
    assert list(wallet.charged().values()) == [1200]


@pytest.mark.slow
async def test_the_clock_line_counts_while_the_terminal_is_slow(config, simulator, terminals, feed_terminal,
                                                                settle, screen_lines):
    simulator.queue("slow:2.5")
    app = PosApp(card_lane(config, simulator, terminals, answer_timeout=6.0))
    async with app.run_test(size=SIZE) as pilot:
        await at_payment(app, pilot, feed_terminal, settle)
        await pilot.press("f3")
        seen = []
        for _ in range(200):
            await pilot.pause(0.05)
            seen.append((app.lane.state, text_of(app, screen_lines)))
            if "Waiting 1 s" in seen[-1][1] or app.lane.state is not State.AWAITING_TERMINAL:
                break
        state, screen = seen[-1]
        assert state is State.AWAITING_TERMINAL
        assert "Waiting 1 s" in screen
        assert "follow the terminal: the customer presents the card" in screen
        assert "Card payment" in screen and "Amount     ¥12.00" in screen
        assert any("Waiting 0 s" in shown for _, shown in seen)
        await sale_done(app, pilot, settle)


@pytest.mark.slow
async def test_esc_says_cancel_on_the_terminal_then_may_stop_waiting(config, simulator, terminals, feed_terminal,
                                                                     settle, screen_lines):
    simulator.queue("never_answer")
    app = PosApp(card_lane(config, simulator, terminals, answer_timeout=30.0))
    async with app.run_test(size=SIZE) as pilot:
        await at_payment(app, pilot, feed_terminal, settle)
        await pilot.press("f3")
        for _ in range(200):
            if app.payment is not None and app.payment.progress.startswith("follow the terminal"):
                break
            await pilot.pause(0.05)
        feed_terminal(app, events.Key("escape", None))
        await settle(pilot, lambda: "Cancel on the terminal" in message(app))
        assert app.lane.state is State.AWAITING_TERMINAL and isinstance(app.screen, TerminalScreen)
        assert not app.payment.cancel.is_set()

        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert "customer was told" in text_of(app, screen_lines)
        await pilot.press("y")
        await payment_done(app, pilot, settle)
        await settle(pilot, lambda: isinstance(app.screen, ResolveModal))
        assert "stopped waiting for the terminal" in text_of(app, screen_lines)
    assert payments(config) == [("card", 1200, "unknown", None)]


@pytest.mark.slow
async def test_esc_sends_the_abort_of_a_terminal_that_has_one(config, simulator, terminals, feed_terminal, settle):
    simulator.queue("slow:1.0")
    app = PosApp(card_lane(config, simulator, terminals, answer_timeout=5.0, kind=AbortableTerminal))
    async with app.run_test(size=SIZE) as pilot:
        await at_payment(app, pilot, feed_terminal, settle)
        await pilot.press("f3")
        await pilot.press("escape")
        await settle(pilot, lambda: app.lane.ctx.terminal.aborts == 1)
        assert not isinstance(app.screen, ConfirmModal)
        assert message(app) == "Cancelling the payment on the terminal…"
        await sale_done(app, pilot, settle)
    assert app.lane.ctx.terminal.aborts == 1


@pytest.mark.slow
async def test_a_scan_or_ctrl_c_while_the_terminal_has_the_payment_is_answered(config, simulator, terminals,
                                                                                feed_terminal, settle):
    simulator.queue("slow:1.5")
    app = PosApp(card_lane(config, simulator, terminals, answer_timeout=6.0))
    async with app.run_test(size=SIZE) as pilot:
        await at_payment(app, pilot, feed_terminal, settle)
        await pilot.press("f3")
        await settle(pilot, lambda: isinstance(app.screen, TerminalScreen))
        feed_terminal(app, f"{BREAD}\r")
        await settle(pilot, lambda: BREAD in message(app))
        assert message(app).startswith(f"Not taken while the terminal has the payment: {BREAD}")
        assert app.lane.state is State.AWAITING_TERMINAL
        feed_terminal(app, "\x03")  # Ctrl+C: not "Ctrl+Q quits" while Ctrl+Q is refused
        await settle(pilot, lambda: "payment is running" in message(app))
        assert "Ctrl+Q" not in message(app)
        await sale_done(app, pilot, settle)
    assert len(simulator.requests) == 1 and payments(config)[0][:3] == ("card", 1200, "approved")
