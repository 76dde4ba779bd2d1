"""The lane's settlement intents: shifts and the drawer, discounts and price overrides, returns
and refunds, training mode, X and Z reports. ``Lane`` inherits them (``class Lane(SettlementIntents)``)
and they use its state: the signed-in user, ``_authorize``, the open sale, the devices.

As everywhere in the lane: check the role and the state, commit (write before you show), then
answer. The methods that talk to a device (``open_drawer``, ``run_refund``, ``print_report``)
block: the screens run them in a worker thread.
"""

from __future__ import annotations

import functools
import logging
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from pos_tui.config import WALLETS, Config
from pos_tui.devices.terminal.base import (
    APPROVED,
    UNKNOWN,
    Outcome,
    PaymentTerminal,
    derive_reference,
)
from pos_tui.devices.wallet.base import REFUNDED, REVERSED, WalletGateway, WalletOutcome
from pos_tui.domain.cart import CartLine, line_amount
from pos_tui.domain.checkout import State
from pos_tui.domain.money import parse_amount, parse_rate
from pos_tui.domain.permissions import Action
from pos_tui.domain.report import Report, counted_total, render_text
from pos_tui.domain.tax import tax_breakdown
from pos_tui.domain.tender import method_name
from pos_tui.i18n import N_, _
from pos_tui.lane_receipts import receipt_for_sale
from pos_tui.store import returns, sales, shifts
from pos_tui.store.backup import backup_into
from pos_tui.store.db import StoreError, current_database
from pos_tui.store.reports import ReportContext, take_z_report, x_report
from pos_tui.store.shifts import ShiftRecord

log = logging.getLogger(__name__)

# Training is a supervisor's switch on the shift, like the X report of that shift.
TRAINING_ACTION = Action.X_REPORT
DRAWER_ACTION = Action.NO_SALE  # every drawer opening without a sale: no-sale, paid-in, paid-out


@dataclass(frozen=True)
class ShiftClosed:
    """The close as the cashier sees it AFTER the count was committed."""

    shift: ShiftRecord
    counted: int
    expected: int

    @property
    def over_short(self) -> int:
        return self.counted - self.expected


@dataclass(frozen=True)
class ReturnView:
    return_id: int
    original_receipt: str
    status: str
    total: int
    refunds: tuple[sales.PaymentRecord, ...]
    receipt_no: str | None
    message: str

    @property
    def refunded(self) -> int:
        return sum(p.amount for p in self.refunds if p.status in sales.SETTLED)

    @property
    def done(self) -> bool:
        return self.receipt_no is not None

    @property
    def planned(self) -> tuple[sales.PaymentRecord, ...]:
        return tuple(p for p in self.refunds if p.status == returns.PLANNED)

    @property
    def unresolved(self) -> tuple[sales.PaymentRecord, ...]:
        return tuple(p for p in self.refunds if p.status in sales.UNRESOLVED)


class TrainingTerminal(PaymentTerminal):
    """Stands in for the card terminal in training mode: approves at once, charges no card."""

    def pay(self, amount, currency_numeric, reference, on_progress=None, cancel=None) -> Outcome:
        return Outcome(APPROVED, auth_code="TRAIN", terminal_ref=reference, masked_pan="000000******0000")

    def refund(self, amount, currency_numeric, reference, on_progress=None, cancel=None) -> Outcome:
        return Outcome(APPROVED, auth_code="TRAIN", terminal_ref=reference, masked_pan="000000******0000")


class TrainingWallet(WalletGateway):
    """Stands in for a wallet acquirer in training mode: every payment approved, none charged."""

    def __init__(self, name: str) -> None:
        self.name = name

    def pay(self, code, amount, currency, out_trade_no) -> WalletOutcome:
        return WalletOutcome(APPROVED, f"TRAINING-{out_trade_no}")

    def query(self, out_trade_no) -> WalletOutcome:
        return WalletOutcome(APPROVED, f"TRAINING-{out_trade_no}")

    def reverse(self, out_trade_no) -> WalletOutcome:
        return WalletOutcome(REVERSED, f"TRAINING-{out_trade_no}")

    def refund(self, out_trade_no, amount, refund_no) -> WalletOutcome:
        return WalletOutcome(REFUNDED, f"TRAINING-{refund_no}")


def report_context(config: Config) -> ReportContext:
    """What the store's reports need from the config (department items are sold as DEPT-<code>)."""
    store = config.store
    return ReportContext(
        store_name=store.name, currency_code=config.currency.code, lane=store.lane, rates=config.tax.rates,
        prices_include_tax=config.tax.prices_include_tax,
        departments={f"DEPT-{d.code}": d.name for d in config.departments},
    )


def _lane_error(message: str) -> Exception:
    from pos_tui.lane import (
        LaneError,  # here, not at the top: lane.py imports this module
    )

    return LaneError(message)


def _refusals_as_lane_errors(method):
    """A store refusal (no shift open, a second Z, more returned than sold) reaches the screen as
    one plain line, like every other lane error."""

    @functools.wraps(method)
    def refusing(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except StoreError as exc:
            raise _lane_error(str(exc)) from None

    return refusing


def spread_discount(total: int, weights: list[int]) -> list[int]:
    """Share ``total`` out over lines in proportion to ``weights`` (their amounts), largest
    remainders first, so the shares add up to ``total`` exactly and none passes its weight."""
    base = sum(weights)
    if not 0 <= total <= base:
        raise ValueError("the discount must be between 0 and what the lines add up to")
    if total == 0:
        return [0] * len(weights)
    shares = [total * w // base for w in weights]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % base), i))
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    return shares


class SettlementIntents:
    """Mixed into ``Lane``; see the module docstring."""

    # ------------------------------------------------------------------ shifts

    def _restore_settlement(self) -> None:
        """At start: no drawer kick is owed, and a shift left in training mode keeps the lane on
        the training stand-ins (a restart must not put a real card terminal behind TRAINING)."""
        self.drawer_to_open = False
        self._real_devices = (self.terminal, self.wallets)
        shift = self.shift
        if shift is not None and shift.training:
            self._use_training_devices(True)

    @property
    def shift(self) -> ShiftRecord | None:
        return shifts.open_shift_on_lane(self.config.store.lane)

    @property
    def training(self) -> bool:
        shift = self.shift
        return bool(shift and shift.training)

    def _require_shift(self) -> ShiftRecord:
        shift = self.shift
        if shift is None:
            raise _lane_error(_("no shift is open on this lane: open one by counting the float"))
        return shift

    def _require_idle(self, doing: str) -> None:
        """``doing`` is marked with N_ where it is written and shown in the lane's language here."""
        if self.state is not State.IDLE:
            raise _lane_error(_("finish the sale before {doing}").format(doing=_(doing)))

    def suggested_float(self) -> int:
        """What the drawer should hold to open a shift: what the last shift left, else the default."""
        return shifts.suggested_float(self.config.store.lane, self.config.cash.default_float)

    def _counted(self, amount_text: str, denominations: Mapping[int, int] | None, default: int | None) -> int:
        if denominations:
            return counted_total(denominations)
        if amount_text.strip():
            return parse_amount(amount_text, self.currency)
        if default is None:
            raise _lane_error(_("type the counted cash (or count it by denomination)"))
        return default

    @_refusals_as_lane_errors
    def open_shift(self, float_text: str = "", denominations: Mapping[int, int] | None = None):
        """Open the lane's shift with the float counted (empty: the suggested float, confirmed)."""
        user = self._require_user()
        self._require_idle(N_("opening a shift"))
        suggested = self.suggested_float()
        counted = self._counted(float_text, denominations, suggested)
        shift = shifts.open_shift(self.config.store.lane, counted, actor=user.name, now=self.clock(),
                                  suggested=suggested, denominations=denominations)
        note = _("Shift {shift} open with a float of {amount}").format(shift=shift.id, amount=self.money(counted))
        if counted != suggested:
            note += _(" (expected {amount})").format(amount=self.money(suggested))
        return self._say(note)

    def shift_blockers(self) -> list[str]:
        """What must be finished before the shift can close (shown before the count is asked)."""
        return shifts.closing_blockers(self.config.store.lane, self.currency)

    @_refusals_as_lane_errors
    def close_shift(self, counted_text: str = "", denominations: Mapping[int, int] | None = None,
                    left_in_drawer_text: str = "") -> ShiftClosed:
        """The blind close: the count is committed first; only then is the expected amount known
        to the screen, with the over/short."""
        user = self._require_user()
        self._require_idle(N_("closing the shift"))
        self._require_shift()
        counted = self._counted(counted_text, denominations, None)
        keep = parse_amount(left_in_drawer_text, self.currency) if left_in_drawer_text.strip() else None
        closed = shifts.close_shift(self.config.store.lane, counted, cur=self.currency, actor=user.name,
                                    now=self.clock(), denominations=denominations, left_in_drawer=keep)
        self._use_training_devices(False)
        result = ShiftClosed(closed, counted, closed.expected)
        diff = result.over_short
        words = _("balanced") if diff == 0 else _("over by {amount}").format(amount=self.money(diff)) if diff > 0 \
            else _("short by {amount}").format(amount=self.money(-diff))
        self._say(_("Shift {shift} closed: counted {counted}, expected {expected}, {result}").format(
            shift=closed.id, counted=self.money(counted), expected=self.money(closed.expected), result=words))
        return result

    @_refusals_as_lane_errors
    def set_training(self, on: bool, approval=None):
        """Training mode for the shift: receipts say TRAINING, nothing reaches reports or stock,
        and card and wallet go to stand-ins that charge nobody."""
        user = self._require_user()
        approved_by = self._authorize(TRAINING_ACTION, approval)
        self._require_idle(N_("switching training mode"))
        shifts.set_training(self.config.store.lane, on, actor=user.name, approved_by=approved_by)
        self._use_training_devices(on)
        return self._say(_("Training mode ON: nothing is charged or counted") if on else _("Training mode off"))

    def _use_training_devices(self, on: bool) -> None:
        real_terminal, real_wallets = self._real_devices
        if on:
            self.terminal = TrainingTerminal()
            self.wallets = {name: TrainingWallet(name) for name in WALLETS}
        else:
            self.terminal, self.wallets = real_terminal, real_wallets

    # ------------------------------------------------------------------ the drawer

    def _drawer_movement(self, kind: str, amount: int, reason: str, approval):
        user = self._require_user()
        approved_by = self._authorize(DRAWER_ACTION, approval)
        self._require_idle(N_("opening the drawer"))
        self._require_shift()
        shifts.record_movement(self.config.store.lane, kind, amount, reason, actor=user.name,
                               approved_by=approved_by, now=self.clock())
        self.drawer_to_open = True

    @_refusals_as_lane_errors
    def paid_in(self, amount_text: str, reason: str, approval=None):
        """Cash put into the drawer (change from the bank, ...); the drawer opens next."""
        amount = parse_amount(amount_text, self.currency)
        self._drawer_movement("paid_in", amount, reason, approval)
        return self._say(_("Paid in {amount}: {reason}").format(amount=self.money(amount), reason=reason.strip()))

    @_refusals_as_lane_errors
    def paid_out(self, amount_text: str, reason: str, approval=None):
        """Cash taken out of the drawer (a supplier paid, ...); the drawer opens next."""
        amount = parse_amount(amount_text, self.currency)
        self._drawer_movement("paid_out", amount, reason, approval)
        return self._say(_("Paid out {amount}: {reason}").format(amount=self.money(amount), reason=reason.strip()))

    @_refusals_as_lane_errors
    def no_sale(self, reason: str, approval=None):
        """F8: open the drawer without a sale, with a reason and a supervisor."""
        self._drawer_movement("no_sale", 0, reason, approval)
        return self._say(_("No sale: {reason}").format(reason=reason.strip()))

    def open_drawer(self):
        """Blocking: kick the drawer the last committed movement asked for (call from a worker)."""
        from pos_tui.lane import PrintResult

        user = self._require_user()
        if not self.drawer_to_open:
            return PrintResult(True, "")
        self.drawer_to_open = False
        if self.printer is None:
            shifts.log_drawer_opened(self.config.store.lane, user.name, False, "no printer with a drawer")
            return PrintResult(True, _("no cash drawer is connected: open it with the key"))
        try:
            self.printer.kick_drawer()
        except Exception as exc:  # any device failure: the movement stands, the cashier uses the key
            reason = str(exc) or type(exc).__name__
            shifts.log_drawer_opened(self.config.store.lane, user.name, False, reason)
            return PrintResult(False, _("drawer did not open: {reason}").format(reason=reason))
        shifts.log_drawer_opened(self.config.store.lane, user.name, True)
        return PrintResult(True, _("Drawer open"))

    # ------------------------------------------------------------------ discounts and price overrides

    def _adjustable_cart(self):
        if self.sale is None or self.state not in (State.ENTERING_ITEMS, State.CHOOSING_PAYMENT):
            raise _lane_error(_("discounts and price overrides need an open sale"))
        if self.view().paid:
            raise _lane_error(_("a payment has been taken: prices and discounts can no longer change"))
        return self.sale.cart

    def _discount_amount(self, text: str, base: int) -> int:
        if text.strip().endswith("%"):
            return parse_rate(text).of(base)
        return parse_amount(text, self.currency)

    def _commit_lines(self, new_cart, changed: list[CartLine], kind: str, approved_by, detail: dict):
        user = self._require_user()
        sales.adjust_lines(self.sale.id, changed, kind=kind, actor=user.name, approved_by=approved_by,
                           detail=detail)
        self.sale.cart = new_cart

    @_refusals_as_lane_errors
    def discount_line(self, line_no: int, text: str, approval=None):
        """F6 on a line: an amount ("2.00") or a percent ("10%") off that line."""
        approved_by = self._authorize(Action.DISCOUNT, approval)
        cart = self._adjustable_cart()
        line = cart.line(line_no)
        discount = self._discount_amount(text, line.amount)
        new_cart = cart.discount_line(line_no, discount)
        self._commit_lines(new_cart, [new_cart.line(line_no)], "discount", approved_by,
                           {"scope": "line", "entered": text.strip()})
        return self._say(_("Discount {amount} on {name}").format(amount=self.money(discount), name=line.name))

    @_refusals_as_lane_errors
    def discount_sale(self, text: str, approval=None):
        """F6 on the sale: an amount or percent off the whole sale, shared over its lines."""
        approved_by = self._authorize(Action.DISCOUNT, approval)
        cart = self._adjustable_cart()
        active = cart.active_lines
        if not active:
            raise _lane_error(_("the sale has no items to discount"))
        base = sum(line.net for line in active)
        discount = self._discount_amount(text, base)
        if not 0 < discount <= base:
            raise _lane_error(_("a sale discount must be above 0 and at most {maximum}").format(maximum=self.money(base)))
        new_cart = cart
        for line, share in zip(active, spread_discount(discount, [line.net for line in active])):
            new_cart = new_cart.discount_line(line.line_no, line.discount + share)
        changed = [new_cart.line(line.line_no) for line in active]
        self._commit_lines(new_cart, changed, "discount", approved_by, {"scope": "sale", "entered": text.strip(),
                                                                          "amount": discount})
        return self._say(_("Discount {amount} on the sale").format(amount=self.money(discount)))

    @_refusals_as_lane_errors
    def override_price(self, line_no: int, price_text: str, approval=None):
        """A new unit price on a line. A lower price is kept as a discount off the catalog price,
        so the receipt shows the original price and what was taken off; a higher one replaces it."""
        approved_by = self._authorize(Action.PRICE_OVERRIDE, approval)
        cart = self._adjustable_cart()
        line = cart.line(line_no)
        price = parse_amount(price_text, self.currency)
        new_amount = line_amount(price, line.qty_milli)
        if new_amount <= line.amount:
            new_cart = cart.discount_line(line_no, line.amount - new_amount)
        else:
            new_cart = cart.discount_line(line_no, 0).override_price(line_no, price)
        self._commit_lines(new_cart, [new_cart.line(line_no)], "price_override", approved_by,
                           {"original_price": line.unit_price, "price": price})
        return self._say(_("{name}: price {price} (was {was})").format(
            name=line.name, price=self.money(price), was=self.money(line.unit_price)))

    # ------------------------------------------------------------------ returns

    @_refusals_as_lane_errors
    def find_return(self, receipt_no: str) -> returns.ReturnableSale:
        """F7: the sale behind a receipt number (typed or scanned), with what is left to return."""
        self._require_user()
        return returns.returnable_sale(receipt_no)

    @_refusals_as_lane_errors
    def start_return(self, receipt_no: str, picks: Mapping[int, int], *, to_cash: bool = False, reason: str = "",
                     approval=None) -> ReturnView:
        """Return ``picks`` ({line number: quantity in thousandths}) of a receipt. The refund goes
        back to the original tenders, or all in cash with ``to_cash``; a supervisor approves."""
        user = self._require_user()
        approved_by = self._authorize(Action.REFUND, approval)
        self._require_idle(N_("a return"))
        if self._require_shift().training:
            raise _lane_error(_("returns are not taken in training mode"))
        original = returns.returnable_sale(receipt_no)
        lines: list[tuple[CartLine, int]] = []
        for number, (line_no, qty) in enumerate(sorted(picks.items()), start=1):
            line = original.line(line_no)
            if qty <= 0:
                raise _lane_error(_("line {line_no}: the quantity to return must be above 0").format(line_no=line_no))
            if line.unit == "each" and qty % 1000:
                raise _lane_error(_("line {line_no}: {name} is returned in whole items").format(line_no=line_no, name=line.name))
            if qty > line.returnable_milli:
                raise _lane_error(_("line {line_no} ({name}): only {left:g} left to return").format(
                    line_no=line_no, name=line.name, left=line.returnable_milli / 1000))
            before = line.returned_milli
            lines.append((CartLine(
                number, line.product_id, line.sku, line.name, line.unit, qty, line.unit_price, line.tax_code,
                returns.refund_share(line.amount, line.qty_milli, before, qty),
                discount=returns.refund_share(line.discount, line.qty_milli, before, qty),
            ), line.line_id))
        totals = tax_breakdown([cart_line for cart_line, _ in lines], self.config.tax.rates,
                               self.config.tax.prices_include_tax)
        plan = returns.plan_refunds(original.payments, original.refunded, totals.total, to_cash=to_cash)
        for step in plan:
            if step.method == "card" and self.terminal is None:
                raise _lane_error(_("no card terminal on this lane: refund in cash instead"))
            if step.method in WALLETS and step.method not in self.wallets:
                raise _lane_error(_("{method} is not set up on this lane: refund in cash instead").format(
                    method=method_name(step.method)))
        record = returns.create_return(
            original.sale.id, lines, lane=self.config.store.lane, total=totals.total, tax_total=totals.tax_total,
            plan=plan, reason=reason, actor=user.name, approved_by=approved_by, now=self.clock(),
        )
        return self._return_view(record.id, _("Return of {amount} against {receipt}").format(
            amount=self.money(totals.total), receipt=original.sale.receipt_no))

    def _return_view(self, return_id: int, message: str) -> ReturnView:
        record = sales.get_sale(return_id)
        kind = sales.receipt_kind(return_id)
        refunds = tuple(returns.refunds_of(return_id))
        if record.receipt_no:
            self.receipt_no, self.change = record.receipt_no, 0
            message += _(". Refunded. Receipt {receipt}").format(receipt=record.receipt_no)
        self._say(message)
        return ReturnView(record.id, kind.original_receipt or "", record.status, record.total, refunds,
                          record.receipt_no, message)

    def open_return(self) -> ReturnView | None:
        """A return left unfinished on this lane (after a restart, or a declined refund)."""
        record = returns.open_return_on_lane(self.config.store.lane)
        return self._return_view(record.id, _("Return waiting for its refund")) if record else None

    @_refusals_as_lane_errors
    def begin_refund(self, return_id: int) -> returns.RefundAttempt | None:
        """Commit the next card or wallet refund as pending (before it is sent); None when the
        return needs no more of them."""
        user = self._require_user()
        return returns.begin_refund(return_id, derive_reference(uuid.uuid4().hex), actor=user.name, now=self.clock())

    def run_refund(self, attempt: returns.RefundAttempt, on_progress=None, cancel: threading.Event | None = None):
        """Blocking: the card credit on the terminal, or the wallet's refund (call from a worker)."""
        try:
            if attempt.method == "card":
                return self.terminal.refund(attempt.amount, self.currency.numeric, attempt.reference, on_progress,
                                            cancel)
            outcome = self.wallets[attempt.method].refund(attempt.original_reference, attempt.amount,
                                                          attempt.reference)
            status = {REFUNDED: APPROVED}.get(outcome.status, outcome.status)
            return WalletOutcome(status if status in (APPROVED, "declined") else UNKNOWN, outcome.transaction_id,
                                 outcome.reason or ("" if status == APPROVED else _("no answer")))
        except Exception as exc:  # a driver bug must not look like a decline: money may have moved
            log.exception("refund failed during attempt %s", attempt.reference)
            return Outcome(UNKNOWN, reason=_("refund error: {error}").format(error=exc))

    @_refusals_as_lane_errors
    def finish_refund(self, attempt: returns.RefundAttempt, outcome) -> ReturnView:
        """Commit what the terminal or wallet said about the refund, then answer."""
        user = self._require_user()
        status = outcome.status if outcome.status in sales.OUTCOMES else UNKNOWN
        returns.record_refund_outcome(
            attempt.id, status=status, reason=outcome.reason, masked_pan=getattr(outcome, "masked_pan", ""),
            auth_code=getattr(outcome, "auth_code", ""), terminal_ref=getattr(outcome, "terminal_ref", ""),
            wallet_txn=getattr(outcome, "transaction_id", ""), actor=user.name, now=self.clock(),
        )
        label = method_name(attempt.method)
        if status == APPROVED:
            return self._return_view(attempt.sale_id, _("{method} refund of {amount} approved").format(
                method=label, amount=self.money(attempt.amount)))
        if status == UNKNOWN:
            return self._return_view(attempt.sale_id, _(
                "{method} refund outcome UNKNOWN ({reason}): a supervisor must check the terminal's last ticket"
            ).format(method=label, reason=outcome.reason))
        refused = _("{method} refund cancelled: {reason}; refund in cash with a supervisor") if status == "cancelled" \
            else _("{method} refund declined: {reason}; refund in cash with a supervisor")
        return self._return_view(attempt.sale_id, refused.format(method=label, reason=outcome.reason))

    @_refusals_as_lane_errors
    def resolve_refund(self, payment_id: int, *, refunded: bool, auth_code: str = "", approval=None) -> ReturnView:
        user = self._require_user()
        approved_by = self._authorize(Action.RESOLVE_PAYMENT, approval) or user.name
        if refunded and not auth_code.strip():
            raise _lane_error(_("enter the auth code printed on the terminal's ticket"))
        return_id = returns.resolve_refund(payment_id, refunded=refunded, auth_code=auth_code.strip(),
                                           supervisor=approved_by, actor=user.name, now=self.clock())
        return self._return_view(return_id, _("Refund confirmed") if refunded else _("Refund marked as not made"))

    @_refusals_as_lane_errors
    def refund_rest_in_cash(self, return_id: int, approval=None) -> ReturnView:
        """What the return still owes, paid from the drawer (supervisor)."""
        user = self._require_user()
        approved_by = self._authorize(Action.REFUND, approval)
        returns.refund_rest_in_cash(return_id, actor=user.name, approved_by=approved_by, now=self.clock())
        return self._return_view(return_id, _("Refunded in cash"))

    @_refusals_as_lane_errors
    def cancel_return(self, return_id: int, approval=None):
        user = self._require_user()
        self._authorize(Action.REFUND, approval)
        returns.cancel_return(return_id, actor=user.name, now=self.clock())
        return self._say(_("Return cancelled"))

    # ------------------------------------------------------------------ receipts and reports

    def receipt_for_job(self, job: sales.PrintJobRecord):
        """The receipt a print job prints: a sale's, a refund's, or a training one."""
        data, cash = receipt_for_sale(job.sale_id, self.config, reprint=job.kind == "reprint")
        kind = sales.receipt_kind(job.sale_id)
        return replace(data, refund=kind.refund, training=kind.training, original_receipt=kind.original_receipt), cash

    def report_context(self) -> ReportContext:
        return report_context(self.config)

    @_refusals_as_lane_errors
    def x_report(self, approval=None) -> Report:
        """The shift so far (supervisor)."""
        user = self._require_user()
        approved_by = self._authorize(Action.X_REPORT, approval)
        report = x_report(self.report_context(), self.clock(), actor=user.name, approved_by=approved_by)
        self._say(_("X report: {count} sales, net {net}").format(count=report.sales_count, net=self.money(report.net)))
        return report

    @_refusals_as_lane_errors
    def z_report(self, approval=None) -> Report:
        """Close the business day of the lane (admin); refused twice a day and while a shift is open."""
        user = self._require_user()
        approved_by = self._authorize(Action.Z_REPORT, approval)
        self._require_idle(N_("the Z report"))
        report = take_z_report(self.report_context(), self.clock(), actor=user.name, approved_by=approved_by)
        self._say(_("Z report {number} taken: net {net}").format(number=report.number, net=self.money(report.net)))
        return report

    def take_backup(self) -> Path:
        """Blocking (call from a worker): a checked copy in the backup folder; the oldest copies
        beyond ``[backup] keep`` are removed."""
        try:
            return backup_into(self.config.backup_dir, keep=self.config.backup.keep,
                               actor=self.user.name if self.user else None)
        finally:
            current_database().close()  # the worker thread's own connection

    def report_doc(self, report: Report):
        """The report laid out for the receipt printer."""
        from pos_tui.devices.receipt import ReceiptDoc, Text

        doc = ReceiptDoc(self.config.devices.printer.width)
        for line in render_text(report, doc.width).splitlines():
            doc.add(Text(line))
        doc.cut()
        return doc

    def print_report(self, report: Report):
        """Blocking: print the report (call from a worker)."""
        from pos_tui.lane import PrintResult

        if self.printer is None:
            return PrintResult(True, _("no receipt printer configured"))
        try:
            self.printer.print_receipt(self.report_doc(report))
        except Exception as exc:  # a device failure: the report is stored (Z) or can be taken again (X)
            return PrintResult(False, _("report not printed: {reason}").format(reason=str(exc) or type(exc).__name__))
        return PrintResult(True, _("{kind} report printed").format(kind=report.kind))

