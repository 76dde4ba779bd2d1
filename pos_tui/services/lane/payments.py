"""Taking the money, and giving it back: totalling, cash, card and wallet tenders of a sale, the
refunds of a return, and a supervisor's word on an outcome nobody knows.

Never charge twice: an attempt is committed as pending before the first byte goes to the terminal
or the acquirer (``begin_*``), the dialogue runs in a worker (``run_*``, blocking), and its outcome
is committed (``finish_*``) before the screen moves on.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from typing import TYPE_CHECKING

from pos_tui.devices.terminal.base import TerminalError, derive_reference
from pos_tui.devices.wallet.base import settle_wallet_payment
from pos_tui.domain.checkout import State, TransitionError
from pos_tui.domain.money import fee, parse_amount
from pos_tui.domain.payment import (
    OUTCOMES,
    Outcome,
    PaymentStatus,
    TenderError,
    kind_of,
    method_label,
    method_name,
    status_name,
    wallet_for_code,
)
from pos_tui.domain.permissions import Action, Approval
from pos_tui.domain.tender import cash_tender, check_limits, check_within_balance
from pos_tui.i18n import _
from pos_tui.services.errors import LaneError, NeedsConfirmation
from pos_tui.services.events import SalePaid, SaleTotalled, TenderSettled, TenderStarted
from pos_tui.services.lane.context import LaneContext, LaneView
from pos_tui.store import sales
from pos_tui.store.sales import POINTS
from pos_tui.store.db import current_database
from pos_tui.store.users import UserInfo

if TYPE_CHECKING:  # a return's refunds import the returns where they run: a lane opens without them
    from pos_tui.services.lane.returns import ReturnView
    from pos_tui.store.returns import RefundAttempt

log = logging.getLogger(__name__)


class Payments:
    def __init__(self, ctx: LaneContext) -> None:
        self.ctx = ctx

    # ------------------------------------------------------------------ the sale's tenders

    def total(self) -> LaneView:
        ctx = self.ctx
        user = ctx.require_user()
        if ctx.sale is None:
            raise LaneError(_("no sale is open: scan an item first"))
        next_state = ctx.checkout.total(active_lines=len(ctx.sale.cart.active_lines))
        sales.set_phase(ctx.sale.id, "payment", user.name)
        ctx.checkout, ctx.pending_qty = next_state, None
        view = ctx.view()
        ctx.publish(SaleTotalled(ctx.lane_no, ctx.sale.id, view.totals.total))
        return ctx.say(_("Total {total}: type the amount, then the payment key").format(
            total=ctx.money(view.totals.total)))

    def back_to_items(self) -> LaneView:
        ctx = self.ctx
        user = ctx.require_user()
        ctx.pick_up_payment_elsewhere()
        next_state = ctx.checkout.back_to_items(paid=ctx.view().paid)
        sales.set_phase(ctx.sale.id, "items", user.name)
        ctx.checkout = next_state
        return ctx.say(_("Back to items"))

    def _open_tender(self, event: str) -> tuple[UserInfo, LaneView]:
        """What every tender checks first: who may take it, that the sale is at payment, and that no
        payment of it waits for a supervisor; the cashier and the sale as it stands now."""
        ctx = self.ctx
        user = ctx.require_user()
        ctx.authorize(Action.TENDER)
        if ctx.state is not State.CHOOSING_PAYMENT or ctx.sale is None:
            raise TransitionError(event, ctx.state)
        ctx.pick_up_payment_elsewhere()
        view = ctx.view()
        ctx.refuse_while_unresolved(view)
        return user, view

    def tender_cash(self, amount_text: str = "", *, confirmed: bool = False) -> LaneView:
        """Cash: the amount handed over (empty = the balance, rounded to the cash step). Far more
        than is due is asked about (``[cash] tender_confirm_multiple``); past ``tender_max`` refused."""
        ctx = self.ctx
        user, view = self._open_tender("tender_settled")
        step = ctx.config.cash.rounding_step
        tendered = parse_amount(amount_text, ctx.currency) if amount_text.strip() else view.cash_due
        method = ctx.config.payments["cash"]
        if not method.enabled:
            raise LaneError(_("cash is not accepted at this store"))
        tender = cash_tender(view.remaining, tendered, step)
        check_limits("cash", tender.applied, method.min_amount, method.max_amount, ctx.currency)
        self._check_cash_handed_over(tender.tendered, view.cash_due, tender.change, confirmed)
        remaining_after = view.remaining - tender.applied
        next_state = ctx.checkout.tender_settled(remaining=0) if remaining_after <= 0 else ctx.checkout
        sale_id = ctx.sale.id
        receipt_no = sales.take_cash(
            sale_id, amount=tender.applied, tendered=tender.tendered, change=tender.change,
            remaining_after=remaining_after, total=view.totals.total, tax_total=view.totals.tax_total,
            actor=user.name, now=ctx.clock(), points=ctx.points_terms(),
        )
        ctx.sale.payments_changed()
        ctx.publish(TenderSettled(ctx.lane_no, sale_id, "cash", tender.applied, PaymentStatus.APPROVED,
                                  max(remaining_after, 0)))
        if receipt_no is None:
            return ctx.say(_("Cash {amount} taken; balance {balance}").format(
                amount=ctx.money(tender.tendered), balance=ctx.money(remaining_after)))
        ctx.checkout, ctx.receipt_no, ctx.change = next_state, receipt_no, tender.change
        ctx.publish(SalePaid(ctx.lane_no, sale_id, receipt_no, view.totals.total, tender.change))
        return ctx.say(_("Paid. Change {change}  Receipt {receipt}").format(
            change=ctx.money(tender.change), receipt=receipt_no) + ctx.points_words(sale_id))

    def tender_points(self, amount_text: str = "") -> LaneView:
        """The member's points as a tender: the amount typed (empty: as much of the balance as their
        points pay). Refused without a member, past their balance, or, while the store server is
        unreachable, past the day's cap; settled at once (no device)."""
        ctx = self.ctx
        user, view = self._open_tender("tender_settled")
        if not ctx.member:
            raise LaneError(_("points are paid by a member: show the member first (Ctrl+V)"))
        settings = ctx.config.payments[POINTS]
        if not settings.enabled:
            raise LaneError(_("{method} is not accepted at this store").format(method=method_name(POINTS)))
        rule = ctx.points_rule()
        balance = view.member_points or 0
        amount = parse_amount(amount_text, ctx.currency) if amount_text.strip() else min(
            view.remaining, rule.value_of(balance))
        if amount <= 0:
            raise LaneError(_("the member has {points} points: not enough to pay anything").format(points=balance))
        check_limits(POINTS, amount, settings.min_amount, settings.max_amount, ctx.currency)
        check_within_balance(POINTS, amount, view.remaining, ctx.currency)
        used = rule.points_for(amount)
        remaining_after = view.remaining - amount
        next_state = ctx.checkout.tender_settled(remaining=0) if remaining_after <= 0 else ctx.checkout
        sale_id = ctx.sale.id
        receipt_no = sales.take_points(sale_id, amount=amount, points_used=used, terms=ctx.points_terms(),
                                       remaining_after=remaining_after, total=view.totals.total,
                                       tax_total=view.totals.tax_total, actor=user.name, now=ctx.clock())
        ctx.sale.payments_changed()
        ctx.publish(TenderSettled(ctx.lane_no, sale_id, POINTS, amount, PaymentStatus.APPROVED,
                                  max(remaining_after, 0)))
        if receipt_no is None:
            return ctx.say(_("{points} points pay {amount}; balance {balance}").format(
                points=used, amount=ctx.money(amount), balance=ctx.money(remaining_after)))
        ctx.checkout, ctx.receipt_no, ctx.change = next_state, receipt_no, 0
        ctx.publish(SalePaid(ctx.lane_no, sale_id, receipt_no, view.totals.total, 0))
        return ctx.say(_("{points} points pay {amount}. Paid. Receipt {receipt}").format(
            points=used, amount=ctx.money(amount), receipt=receipt_no) + ctx.points_words(sale_id))

    def _check_cash_handed_over(self, tendered: int, due: int, change: int, confirmed: bool) -> None:
        ctx = self.ctx
        cash = ctx.config.cash
        if tendered > cash.tender_max:
            raise LaneError(_("cash handed over of {amount} is over the most the lane takes at once ({limit})").format(
                amount=ctx.money(tendered), limit=ctx.money(cash.tender_max)))
        multiple = cash.tender_confirm_multiple
        if (not confirmed and multiple and tendered > cash.tender_confirm_above
                and tendered > multiple * max(due, 0)):
            raise NeedsConfirmation(_("Cash {amount} for {due} due gives {change} change. Is that right?").format(
                amount=ctx.money(tendered), due=ctx.money(due), change=ctx.money(change)))

    def _electronic_amount(self, method: str, amount_text: str, view: LaneView) -> int:
        """The amount for a card or wallet tender: typed, or the balance; checked against the limits
        and the balance before anything is sent."""
        ctx = self.ctx
        settings = ctx.config.payments[method]
        if not settings.enabled:
            raise LaneError(_("{method} is not accepted at this store").format(method=method_name(method)))
        amount = parse_amount(amount_text, ctx.currency) if amount_text.strip() else view.remaining
        check_limits(method, amount, settings.min_amount, settings.max_amount, ctx.currency)
        check_within_balance(method, amount, view.remaining, ctx.currency)
        return amount

    def begin_card(self, amount_text: str = "") -> sales.PaymentRecord:
        """F3: commit a pending card attempt, then the screen runs ``run_card`` in a worker."""
        return self._begin_electronic("card", amount_text)

    def begin_wallet(self, code: str, amount_text: str = "") -> tuple[sales.PaymentRecord, str]:
        """F4: the customer's payment code picks Alipay or WeChat Pay; commit a pending attempt.
        A code no wallet set up here claims goes to an aggregator (Shouqianba) when one is set up."""
        method = self._wallet_for(code)
        if method not in self.ctx.wallets:
            raise LaneError(_("{method} is not set up on this lane").format(method=method_name(method)))
        return self._begin_electronic(method, amount_text), code.strip()

    def _wallet_for(self, code: str) -> str:
        aggregators = [name for name, gateway in self.ctx.wallets.items() if getattr(gateway, "routes_any_code", False)]
        try:
            method = wallet_for_code(code)
        except TenderError:
            if aggregators and code.strip().isascii() and code.strip().isdigit():
                return aggregators[0]
            raise
        return method if method in self.ctx.wallets or not aggregators else aggregators[0]

    def _begin_electronic(self, method: str, amount_text: str) -> sales.PaymentRecord:
        ctx = self.ctx
        user, view = self._open_tender("send_to_terminal")
        if kind_of(method) == "card" and ctx.terminal is None:
            raise LaneError(_("card payments: no card terminal is configured on this lane"))
        amount = self._electronic_amount(method, amount_text, view)
        settings = ctx.config.payments[method]
        next_state = ctx.checkout.send_to_terminal(unresolved=0)
        reference = derive_reference(uuid.uuid4().hex)
        attempt = sales.begin_attempt(ctx.sale.id, method=method, amount=amount,
                                      fee=fee(amount, settings.fee_rate, settings.fee_cap), reference=reference,
                                      actor=user.name, now=ctx.clock())
        ctx.sale.payments_changed()
        ctx.checkout = next_state
        ctx.publish(TenderStarted(ctx.lane_no, ctx.sale.id, method, amount, reference))
        waiting = _("{method} {amount}: follow the terminal") if kind_of(method) == "card" else \
            _("{method} {amount}: waiting for the customer")
        ctx.say(waiting.format(method=method_label(method), amount=ctx.money(amount)))
        return attempt

    def run_card(self, attempt: sales.PaymentRecord, on_progress=None, cancel: threading.Event | None = None):
        """Blocking: the card dialogue with the terminal (call from a worker thread)."""
        try:
            return self.ctx.terminal.pay(attempt.amount, self.ctx.currency.numeric, attempt.reference, on_progress,
                                         cancel)
        except TerminalError as exc:  # the driver refused to send anything: nothing was charged
            return Outcome(PaymentStatus.DECLINED, str(exc))
        except Exception as exc:  # a driver bug must not look like a decline: money may have moved
            log.exception("terminal failed during attempt %s", attempt.reference)
            return Outcome(PaymentStatus.UNKNOWN, _("terminal error: {error}").format(error=exc))

    def run_wallet(self, attempt: sales.PaymentRecord, code: str, sleep=time.sleep, on_progress=None):
        """Blocking: pay, poll, and reverse on timeout through the wallet gateway (call from a worker)."""
        settings = self.ctx.config.payments[attempt.method]
        try:
            return settle_wallet_payment(self.ctx.wallets[attempt.method], code, attempt.amount,
                                         self.ctx.currency.code, attempt.reference,
                                         poll_interval=settings.poll_interval, max_wait=settings.max_wait,
                                         sleep=sleep, on_progress=on_progress)
        except Exception as exc:
            log.exception("wallet failed during attempt %s", attempt.reference)
            return Outcome(PaymentStatus.UNKNOWN, _("wallet error: {error}").format(error=exc))

    @property
    def can_abort_card(self) -> bool:
        """Whether the lane can stop a running card payment itself (its terminal's protocol has an abort)."""
        return bool(self.ctx.terminal is not None and self.ctx.terminal.can_abort)

    def abort_card(self) -> None:
        """Blocking (call from a worker): ask the terminal to stop the running card payment."""
        self.ctx.terminal.abort()

    def finish_payment(self, attempt: sales.PaymentRecord, outcome: Outcome) -> LaneView:
        """Commit what the terminal or wallet said, then move the screen (never before the commit)."""
        ctx = self.ctx
        user = ctx.require_user()
        status = outcome.status if outcome.status in OUTCOMES else PaymentStatus.UNKNOWN
        view = ctx.view()
        receipt_no = sales.record_outcome(
            attempt.id, status=status, reason=outcome.reason, masked_pan=outcome.masked_pan,
            auth_code=outcome.auth_code, terminal_ref=outcome.terminal_ref, wallet_txn=outcome.transaction_id,
            totals=(view.totals.total, view.totals.tax_total), actor=user.name, now=ctx.clock(),
            points=ctx.points_terms(),
        )
        ctx.sale.payments_changed()
        remaining = ctx.view().remaining
        ctx.checkout = ctx.checkout.terminal_result(status, remaining=remaining)
        ctx.publish(TenderSettled(ctx.lane_no, attempt.sale_id, attempt.method, attempt.amount, status,
                                  max(remaining, 0)))
        label = method_label(attempt.method)
        if receipt_no is not None:
            ctx.receipt_no, ctx.change = receipt_no, 0
            ctx.publish(SalePaid(ctx.lane_no, attempt.sale_id, receipt_no, view.totals.total, 0))
            return ctx.say(_("{method} approved. Paid. Receipt {receipt}").format(method=label, receipt=receipt_no)
                           + ctx.points_words(attempt.sale_id))
        if status == PaymentStatus.APPROVED:
            return ctx.say(_("{method} {amount} approved; balance {balance}").format(
                method=label, amount=ctx.money(attempt.amount), balance=ctx.money(remaining)))
        if status == PaymentStatus.UNKNOWN:
            return ctx.say(_("{method} outcome UNKNOWN ({reason}): a supervisor must check the terminal's last "
                             "ticket").format(method=label, reason=outcome.reason), error=True)
        refused = _("{method} cancelled: {reason}") if status == PaymentStatus.CANCELLED else \
            _("{method} declined: {reason}")
        return ctx.say(refused.format(method=label, reason=outcome.reason), error=True)

    def resolve_payment(self, payment_id: int, *, charged: bool, auth_code: str = "",
                        approval: Approval | None = None) -> LaneView:
        """A supervisor settles an unknown outcome from the terminal's own last ticket."""
        ctx = self.ctx
        user = ctx.require_user()
        ctx.pick_up_payment_elsewhere()
        if charged and not auth_code.strip():  # before the approval is taken: it is good for one use
            raise LaneError(_("enter the auth code printed on the terminal's ticket"))
        approved_by = ctx.authorize(Action.RESOLVE_PAYMENT, approval) or user.name
        view = ctx.view()
        receipt_no = sales.resolve_attempt(payment_id, charged=charged, auth_code=auth_code.strip(),
                                           supervisor=approved_by, totals=(view.totals.total, view.totals.tax_total),
                                           actor=user.name, now=ctx.clock(), points=ctx.points_terms())
        ctx.sale.payments_changed()
        if receipt_no is not None:
            ctx.checkout = ctx.checkout.tender_settled(remaining=0)
            ctx.receipt_no, ctx.change = receipt_no, 0
            ctx.publish(SalePaid(ctx.lane_no, ctx.sale.id, receipt_no, view.totals.total, 0))
            return ctx.say(_("Payment confirmed as charged. Paid. Receipt {receipt}").format(receipt=receipt_no))
        return ctx.say(_("Payment confirmed as charged") if charged else _("Payment marked as not charged"))

    # ------------------------------------------------------------------ changes made elsewhere

    def payment_states(self, sale_id: int) -> tuple[str, tuple[tuple[int, str], ...]]:
        """Blocking but cheap (two indexed reads; call from a worker): the sale's payments as the
        database has them now. The worker's own connection is closed after it."""
        try:
            return sales.payment_states(sale_id)
        finally:
            current_database().close()

    def changed_elsewhere(self, sale_id: int, states: tuple) -> bool:
        """Whether ``states`` (read in a worker) differ from what this lane shows for that sale."""
        ctx = self.ctx
        return (ctx.sale is not None and ctx.sale.id == sale_id and ctx.state is State.CHOOSING_PAYMENT
                and states != ctx.payment_states_known())

    def pick_up_changes(self) -> LaneView:
        """Show what the back office changed on this sale's payments while the lane waited at
        payment, and say what: a payment resolved, the new balance (or the sale paid: its receipt)."""
        ctx = self.ctx
        ctx.require_user()
        before = {p.id: p for p in ctx.sale.payments} if ctx.sale else {}
        ctx.pick_up_payment_elsewhere()  # re-reads the payments; a sale paid there moves on to its receipt
        view = ctx.view()
        changes = []
        for p in view.payments:
            old = before.get(p.id)
            if old is not None and old.status == p.status:
                continue
            what = {PaymentStatus.RESOLVED_APPROVED: _("resolved as charged"),
                    PaymentStatus.RESOLVED_NOT_CHARGED: _("resolved as not charged")}.get(p.status, status_name(p.status))
            changes.append(_("{method} {amount} {what}").format(method=method_name(p.method),
                                                                  amount=ctx.money(p.amount), what=what))
        if not changes:
            return view
        return ctx.say(_("Changed in the back office: {changes}. Balance now {balance}").format(
            changes="; ".join(changes), balance=ctx.money(max(view.remaining, 0))))

    # ------------------------------------------------------------------ a return's refunds

    def begin_refund(self, return_id: int) -> RefundAttempt | None:
        """Commit the next card or wallet refund as pending (before it is sent); None when the
        return needs no more of them."""
        from pos_tui.store import returns

        user = self.ctx.require_user()
        return returns.begin_refund(return_id, derive_reference(uuid.uuid4().hex), actor=user.name,
                                    now=self.ctx.clock())

    def run_refund(self, attempt: RefundAttempt, on_progress=None,
                   cancel: threading.Event | None = None) -> Outcome:
        """Blocking: the card credit on the terminal, or the wallet's refund (call from a worker)."""
        ctx = self.ctx
        try:
            if kind_of(attempt.method) == "card":
                return ctx.terminal.refund(attempt.amount, ctx.currency.numeric, attempt.reference, on_progress,
                                           cancel)
            outcome = ctx.wallets[attempt.method].refund(attempt.original_reference, attempt.amount,
                                                         attempt.reference)
            if outcome.status in (PaymentStatus.REFUNDED, PaymentStatus.APPROVED):
                return Outcome(PaymentStatus.APPROVED, outcome.reason, transaction_id=outcome.transaction_id)
            if outcome.status == PaymentStatus.DECLINED:
                return outcome
            return Outcome(PaymentStatus.UNKNOWN, outcome.reason or _("no answer"),
                           transaction_id=outcome.transaction_id)
        except Exception as exc:  # a driver bug must not look like a decline: money may have moved
            log.exception("refund failed during attempt %s", attempt.reference)
            return Outcome(PaymentStatus.UNKNOWN, _("refund error: {error}").format(error=exc))

    def finish_refund(self, attempt: RefundAttempt, outcome: Outcome) -> ReturnView:
        """Commit what the terminal or wallet said about the refund, then answer."""
        from pos_tui.services.lane.returns import announce_if_refunded, return_view
        from pos_tui.store import returns

        ctx = self.ctx
        user = ctx.require_user()
        status = outcome.status if outcome.status in OUTCOMES else PaymentStatus.UNKNOWN
        returns.record_refund_outcome(
            attempt.id, status=status, reason=outcome.reason, masked_pan=outcome.masked_pan,
            auth_code=outcome.auth_code, terminal_ref=outcome.terminal_ref, wallet_txn=outcome.transaction_id,
            actor=user.name, now=ctx.clock(),
        )
        label = method_name(attempt.method)
        if status == PaymentStatus.APPROVED:
            message = _("{method} refund of {amount} approved").format(method=label, amount=ctx.money(attempt.amount))
        elif status == PaymentStatus.UNKNOWN:
            message = _("{method} refund outcome UNKNOWN ({reason}): a supervisor must check the terminal's last "
                        "ticket").format(method=label, reason=outcome.reason)
        else:
            refused = _("{method} refund cancelled: {reason}; refund in cash with a supervisor") \
                if status == PaymentStatus.CANCELLED else \
                _("{method} refund declined: {reason}; refund in cash with a supervisor")
            message = refused.format(method=label, reason=outcome.reason)
        return announce_if_refunded(ctx, return_view(ctx, attempt.sale_id, message))

    def resolve_refund(self, payment_id: int, *, refunded: bool, auth_code: str = "",
                       approval: Approval | None = None) -> ReturnView:
        from pos_tui.services.lane.returns import announce_if_refunded, return_view
        from pos_tui.store import returns

        ctx = self.ctx
        user = ctx.require_user()
        if refunded and not auth_code.strip():  # before the approval is taken: it is good for one use
            raise LaneError(_("enter the auth code printed on the terminal's ticket"))
        approved_by = ctx.authorize(Action.RESOLVE_PAYMENT, approval) or user.name
        return_id = returns.resolve_refund(payment_id, refunded=refunded, auth_code=auth_code.strip(),
                                           supervisor=approved_by, actor=user.name, now=ctx.clock())
        return announce_if_refunded(ctx, return_view(
            ctx, return_id, _("Refund confirmed") if refunded else _("Refund marked as not made")))

    def refund_rest_in_cash(self, return_id: int, approval: Approval | None = None) -> ReturnView:
        """What the return still owes, paid from the drawer (supervisor)."""
        from pos_tui.services.lane.returns import announce_if_refunded, return_view
        from pos_tui.store import returns

        ctx = self.ctx
        user = ctx.require_user()
        approved_by = ctx.authorize(Action.REFUND, approval)
        returns.refund_rest_in_cash(return_id, actor=user.name, approved_by=approved_by, now=ctx.clock(),
                                    cash_step=ctx.config.cash.rounding_step)
        return announce_if_refunded(ctx, return_view(ctx, return_id, _("Refunded in cash")))


