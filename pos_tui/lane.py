"""The lane: the one service the screens and the CLI drive. One method per cashier intent.

Each method checks the state machine and the user's role, commits what changed (write before you
show), then updates its in-memory state and returns a fresh ``LaneView``. Methods that talk to a
device (``print_pending``) block: the screens call them from a worker thread.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable

from pos_tui.config import Config, Department
from pos_tui.devices.terminal.base import DECLINED, UNKNOWN, Outcome, TerminalError, derive_reference
from pos_tui.devices.wallet.base import WalletOutcome, settle_wallet_payment
from pos_tui.domain.barcodes import BarcodeError, decode_embedded, is_gtin, validate_gtin
from pos_tui.domain.cart import Cart, CartLine, OverLimit, check_line_amount, check_quantity
from pos_tui.domain.checkout import Checkout, State, TransitionError
from pos_tui.domain.entry import parse_entry
from pos_tui.domain.errors import DomainError
from pos_tui.domain.money import MoneyError, fee, format_amount, parse_amount
from pos_tui.domain.permissions import Action, PermissionDenied, Role, required_role, role_name
from pos_tui.domain.tax import Totals, tax_breakdown
from pos_tui.domain.tender import (
    Balance, cash_due, cash_tender, check_limits, check_within_balance, method_name, wallet_for_code,
)
from pos_tui.i18n import _, ngettext
from pos_tui.lane_settlement import SettlementIntents
from pos_tui.store import catalog, sales, users
from pos_tui.store.catalog import ProductInfo
from pos_tui.store.db import StoreError, checkpoint

log = logging.getLogger(__name__)

_PHASE_STATE = {"items": State.ENTERING_ITEMS, "payment": State.CHOOSING_PAYMENT, "terminal": State.AWAITING_TERMINAL}


class LaneError(Exception):
    """Something the cashier asked for that cannot happen now; ``str()`` is one plain line."""


class NeedsConfirmation(LaneError):
    """A line over a configured bound: the screen asks, then calls again with ``confirmed=True``."""


class PaidElsewhere(LaneError):
    """The sale at payment was paid meanwhile from the back office (a supervisor resolved its unknown
    card payment there as charged). The lane has moved on to printing its receipt: the screen shows
    ``view()`` instead of a refusal."""


# What a lane method may refuse with: each one's str() is the one line the cashier reads.
USER_ERRORS: tuple[type[Exception], ...] = (LaneError, DomainError, MoneyError, StoreError)


@dataclass(frozen=True)
class Approval:
    """A supervisor who approved one action with their PIN on this lane."""

    supervisor: str
    role: Role


@dataclass(frozen=True)
class PrintResult:
    ok: bool
    message: str


@dataclass(frozen=True)
class LaneView:
    """Everything a screen shows, as one immutable snapshot."""

    state: State
    user: str | None
    role: Role | None
    lines: tuple[CartLine, ...]
    totals: Totals
    item_count: int
    paid: int
    payments: tuple[sales.PaymentRecord, ...]
    cash_due: int
    pending_qty_milli: int | None
    receipt_no: str | None
    change: int
    message: str
    message_is_error: bool
    unresolved: tuple[sales.PaymentRecord, ...] = ()

    @property
    def remaining(self) -> int:
        return self.totals.total - self.paid


_EMPTY_TOTALS = Totals(0, {}, 0, 0)


@dataclass
class _Sale:
    """The open sale as this lane holds it in memory (always what is committed)."""

    id: int
    cart: Cart = field(default_factory=Cart)


class Lane(SettlementIntents):
    def __init__(self, config: Config, printer=None, clock: Callable[[], dt.datetime] = dt.datetime.now, *,
                 terminal=None, wallets: dict | None = None):
        self.config = config
        self.currency = config.currency
        self.printer = printer
        self.terminal = terminal
        self.wallets = wallets or {}
        self.clock = clock
        self.user: users.UserInfo | None = None
        self.role: Role | None = None
        self.sale: _Sale | None = None
        self.pending_qty: int | None = None
        self.receipt_no: str | None = None
        self.change = 0
        self.message = ""
        self.message_is_error = False
        self._print_lock = threading.Lock()
        self.checkout = self._restore()
        self._restore_settlement()

    # ------------------------------------------------------------------ state and view

    def _restore(self) -> Checkout:
        """Reopen the lane's open sale after a restart, behind the lock screen."""
        record = sales.open_sale_on_lane(self.config.store.lane)
        if record is None:
            return Checkout()
        self.sale = _Sale(record.id, sales.load_cart(record.id))
        self.message = _("Sale reopened with {count} lines: sign in to go on").format(count=len(self.sale.cart.lines))
        return Checkout.restore(_PHASE_STATE[record.phase], locked=True)

    @property
    def state(self) -> State:
        return self.checkout.state

    def view(self) -> LaneView:
        cart = self.sale.cart if self.sale else Cart()
        payments = tuple(sales.payments_of(self.sale.id)) if self.sale else ()
        totals = self._totals(cart)
        paid = Balance.of(totals.total, (p.amount for p in payments if p.status in sales.SETTLED)).paid
        return LaneView(
            state=self.checkout.state,
            user=self.user.name if self.user else None,
            role=self.role,
            lines=cart.lines,
            totals=totals,
            item_count=cart.item_count,
            paid=paid,
            payments=payments,
            cash_due=cash_due(max(totals.total - paid, 0), self.config.cash.rounding_step),
            pending_qty_milli=self.pending_qty,
            receipt_no=self.receipt_no,
            change=self.change,
            message=self.message,
            message_is_error=self.message_is_error,
            unresolved=tuple(p for p in payments if p.status in sales.UNRESOLVED),
        )

    def _totals(self, cart: Cart) -> Totals:
        if not cart.lines:
            return _EMPTY_TOTALS
        return tax_breakdown(cart.lines, self.config.tax.rates, self.config.tax.prices_include_tax)

    def _say(self, message: str, *, error: bool = False) -> LaneView:
        self.message, self.message_is_error = message, error
        return self.view()

    def money(self, minor: int) -> str:
        return format_amount(minor, self.currency, symbol=True)

    # ------------------------------------------------------------------ people

    def _require_user(self) -> users.UserInfo:
        if self.user is None:
            raise LaneError(_("sign in first"))
        return self.user

    def sign_in(self, name: str, pin: str) -> LaneView:
        self.checkout.sign_in()  # raises when someone is signed in already
        sec = self.config.security
        try:
            user = users.authenticate(name.strip(), pin, self.clock(), sec.max_attempts, sec.lockout_minutes,
                                      sec.pin_max_age_days)
        except StoreError as exc:
            raise LaneError(str(exc)) from None
        self.checkout = self.checkout.sign_in()
        self.user, self.role = user, Role.parse(user.role)
        note = _("Signed in as {name} ({role})").format(name=user.name, role=role_name(user.role))
        if self.sale is not None and self.sale.cart.lines:
            note += _("; sale with {count} lines reopened").format(count=len(self.sale.cart.lines))
        return self._say(note)

    def lock(self) -> LaneView:
        self.checkout = self.checkout.lock()
        name = self.user.name if self.user else None
        sales.log_event("user.lock", {"lane": self.config.store.lane}, name)
        self.user, self.role, self.pending_qty = None, None, None
        return self._say(_("Lane locked: the open sale waits") if self.sale else _("Lane locked"))

    def approve(self, name: str, pin: str, action: Action | str) -> Approval:
        """Check a supervisor's PIN for one action; failed PINs count toward their lockout."""
        sec = self.config.security
        try:
            user = users.authenticate(name.strip(), pin, self.clock(), sec.max_attempts, sec.lockout_minutes)
        except StoreError as exc:
            raise LaneError(str(exc)) from None
        role = Role.parse(user.role)
        needed = required_role(action, sec.supervisor_required_for)
        if role < needed:
            raise PermissionDenied(Action(action), needed)
        return Approval(user.name, role)

    def needs_approval(self, action: Action | str) -> bool:
        """Whether the signed-in user must fetch a supervisor for ``action``."""
        return self.role is None or self.role < required_role(action, self.config.security.supervisor_required_for)

    def _authorize(self, action: Action, approval: Approval | None) -> str | None:
        """None when the user may act alone; the approver's name when a valid approval covers it."""
        needed = required_role(action, self.config.security.supervisor_required_for)
        if self.role is not None and self.role >= needed:
            return None
        if approval is not None and approval.role >= needed:
            return approval.supervisor
        raise PermissionDenied(action, needed)

    # ------------------------------------------------------------------ items

    def enter(self, text: str, *, confirmed: bool = False) -> LaneView:
        """The entry line: a barcode, PLU or SKU, optionally after a quantity ("3*code"); "3*" alone
        sets the quantity for the next scan."""
        user = self._require_user()
        self._authorize(Action.SELL, None)
        self.checkout.scan()  # guard: refuses outside IDLE / ENTERING_ITEMS
        entry = parse_entry(text)
        if not entry.code:
            self.pending_qty = entry.qty_milli
            return self._say(_("Quantity {qty}: now scan the item").format(qty=_qty_text(entry.qty_milli)))
        qty = entry.qty_milli if entry.qty_milli is not None else self.pending_qty
        product, qty, unit_price, unit = self._resolve(entry.code, qty)
        self.pending_qty = None
        return self._add_line(user, product.id, product.sku, product.name, unit, qty, unit_price, product.tax,
                              confirmed)

    def _resolve(self, code: str, qty: int | None) -> tuple[ProductInfo, int, int, str]:
        """The product a code names, the quantity, unit price and unit to sell it by (an embedded
        code carries a price, sold as one item, or a weight in kg)."""
        embedded = decode_embedded(code, self.config.barcodes.embedded) if len(code) == 13 else None
        if embedded is not None:
            product = catalog.find_by_code(embedded.item_code)
            if product is None:
                raise LaneError(_("item {item} of code {code} is not in the catalog").format(item=embedded.item_code, code=code))
            self._check_sellable(product)
            if embedded.price is not None:
                return product, qty or 1000, embedded.price, "each"
            if qty is not None:
                raise LaneError(_("code {code} carries its own weight: scan it without a quantity").format(code=code))
            return product, embedded.weight_milli, product.price, "kg"
        product = catalog.find_by_code(code)
        if product is None:
            if is_gtin(code):
                try:
                    validate_gtin(code)
                except BarcodeError as exc:
                    raise LaneError(_("{reason}: scan it again").format(reason=exc)) from None
            raise LaneError(_("unknown code {code}").format(code=code))
        self._check_sellable(product)
        if qty is None:
            if product.unit == "kg":
                raise LaneError(_("{name} is sold by weight: type the kg then * and scan (1.25*{code})").format(
                    name=product.name, code=code))
            qty = 1000
        return product, qty, product.price, product.unit

    def _check_sellable(self, product: ProductInfo) -> None:
        if not product.active:
            raise LaneError(_("{name} is not for sale (inactive)").format(name=product.name))

    def _add_line(self, user: users.UserInfo, product_id: int | None, sku: str, name: str, unit: str,
                  qty: int, unit_price: int, tax: str, confirmed: bool) -> LaneView:
        self._require_shift()
        limits = self.config.limits
        cart = self.sale.cart if self.sale else Cart()
        new_cart = cart.add(product_id=product_id, sku=sku, name=name, unit=unit, qty_milli=qty,
                            unit_price=unit_price, tax_code=tax)
        line = new_cart.lines[-1]
        if not confirmed:
            try:
                check_quantity(unit, qty, limits.max_quantity_milli, limits.max_weight_milli)
                check_line_amount(line.amount, limits.max_line_amount, self.currency)
            except OverLimit as exc:
                raise NeedsConfirmation(_("{name}: {reason}. Add it anyway?").format(name=name, reason=exc)) from None
        if line.tax_code not in self.config.tax.rates:
            raise LaneError(_("{name} has tax code {code}, which is not configured").format(
                name=name, code=repr(line.tax_code)))
        record = sales.add_line(self.sale.id if self.sale else None, self.config.store.lane, line, user.name,
                                self.clock())
        self.sale = _Sale(record.id, new_cart)
        self.checkout = self.checkout.scan()
        self.receipt_no, self.change = None, 0
        qty_note = f" x {_qty_text(qty, unit)}" if qty != 1000 or unit == "kg" else ""
        return self._say(_("Added {name}{qty}  {amount}").format(name=name, qty=qty_note, amount=self.money(line.amount)))

    def sell_department(self, department: Department, amount_text: str, *, confirmed: bool = False) -> LaneView:
        """An open-price item: the amount typed, then the department's key."""
        user = self._require_user()
        self.checkout.scan()
        amount = parse_amount(amount_text, self.currency)
        if amount <= 0:
            raise LaneError(_("type the amount before the {department} key").format(department=department.name))
        return self._add_line(user, None, f"DEPT-{department.code}", department.name, "each", 1000, amount,
                              department.tax, confirmed)

    def void_line(self, line_no: int, approval: Approval | None = None, reason: str = "") -> LaneView:
        user = self._require_user()
        self._pick_up_payment_elsewhere()
        if self.sale is None:
            raise LaneError(_("no sale is open"))
        if self.state is State.CHOOSING_PAYMENT:
            approved_by = self._authorize(Action.VOID_LINE_AFTER_TOTAL, approval)
            if self.view().paid:
                raise LaneError(_("a payment has been taken: lines can no longer be voided"))
        elif self.state is State.ENTERING_ITEMS:
            approved_by = None
        else:
            raise LaneError(_("lines can be voided only while entering items or at payment"))
        new_cart = self.sale.cart.void(line_no, reason or None)
        sales.void_line(self.sale.id, line_no, user.name, self.clock(), reason, approved_by)
        self.sale.cart = new_cart
        line = new_cart.line(line_no)
        return self._say(_("Voided line {line_no}: {name}").format(line_no=line_no, name=line.name))

    def void_sale(self, approval: Approval | None = None) -> LaneView:
        user = self._require_user()
        self._pick_up_payment_elsewhere()
        approved_by = self._authorize(Action.VOID_SALE, approval)
        if self.sale is None:
            raise LaneError(_("no sale is open"))
        next_state = self.checkout.void_sale(paid=self.view().paid)
        sales.void_sale(self.sale.id, user.name, self.clock(), approved_by)
        self.checkout, self.sale, self.pending_qty = next_state, None, None
        return self._say(_("Sale voided"))

    def suspend(self) -> LaneView:
        user = self._require_user()
        self._authorize(Action.SUSPEND, None)
        if self.sale is None:
            raise LaneError(_("no sale is open"))
        next_state = self.checkout.suspend(active_lines=len(self.sale.cart.active_lines))
        sales.suspend_sale(self.sale.id, user.name)
        self.checkout, self.sale = next_state, None
        return self._say(_("Sale suspended: F5 recalls it"))

    def suspended(self) -> list[tuple[sales.SaleRecord, int, int]]:
        return sales.suspended_sales(self.config.store.lane)

    def recall(self, sale_id: int) -> LaneView:
        user = self._require_user()
        self._authorize(Action.RECALL, None)
        next_state = self.checkout.recall()
        record = sales.recall_sale(sale_id, self.config.store.lane, user.name)
        self.checkout, self.sale = next_state, _Sale(record.id, sales.load_cart(record.id))
        return self._say(_("Sale recalled: {count} lines").format(count=len(self.sale.cart.active_lines)))

    def price_check(self, code: str) -> ProductInfo:
        product = catalog.find_by_code(code.strip())
        if product is None:
            raise LaneError(_("unknown code {code}").format(code=code.strip()))
        return product

    def search(self, text: str, limit: int = 50) -> list[ProductInfo]:
        return catalog.search_by_name(text, limit) if text.strip() else []

    # ------------------------------------------------------------------ payment

    def total(self) -> LaneView:
        user = self._require_user()
        if self.sale is None:
            raise LaneError(_("no sale is open: scan an item first"))
        next_state = self.checkout.total(active_lines=len(self.sale.cart.active_lines))
        sales.set_phase(self.sale.id, "payment", user.name)
        self.checkout, self.pending_qty = next_state, None
        view = self.view()
        return self._say(_("Total {total}: type the amount, then the payment key").format(
            total=self.money(view.totals.total)))

    def back_to_items(self) -> LaneView:
        user = self._require_user()
        self._pick_up_payment_elsewhere()
        next_state = self.checkout.back_to_items(paid=self.view().paid)
        sales.set_phase(self.sale.id, "items", user.name)
        self.checkout = next_state
        return self._say(_("Back to items"))

    def tender_cash(self, amount_text: str = "") -> LaneView:
        """Cash: the amount handed over (empty = the balance, rounded to the cash step)."""
        user = self._require_user()
        self._authorize(Action.TENDER, None)
        if self.state is not State.CHOOSING_PAYMENT or self.sale is None:
            raise TransitionError("tender_settled", self.state)
        self._pick_up_payment_elsewhere()
        view = self.view()
        self._refuse_while_unresolved(view)
        step = self.config.cash.rounding_step
        tendered = parse_amount(amount_text, self.currency) if amount_text.strip() else view.cash_due
        method = self.config.payments["cash"]
        if not method.enabled:
            raise LaneError(_("cash is not accepted at this store"))
        tender = cash_tender(view.remaining, tendered, step)
        check_limits("cash", tender.applied, method.min_amount, method.max_amount, self.currency)
        remaining_after = view.remaining - tender.applied
        next_state = self.checkout.tender_settled(remaining=0) if remaining_after <= 0 else self.checkout
        receipt_no = sales.take_cash(
            self.sale.id, amount=tender.applied, tendered=tender.tendered, change=tender.change,
            remaining_after=remaining_after, total=view.totals.total, tax_total=view.totals.tax_total,
            actor=user.name, now=self.clock(),
        )
        if receipt_no is None:
            return self._say(_("Cash {amount} taken; balance {balance}").format(
                amount=self.money(tender.tendered), balance=self.money(remaining_after)))
        self.checkout, self.receipt_no, self.change = next_state, receipt_no, tender.change
        return self._say(_("Paid. Change {change}  Receipt {receipt}").format(
            change=self.money(tender.change), receipt=receipt_no))

    def _pick_up_payment_elsewhere(self) -> None:
        """At payment, before acting on the sale: if the back office has paid it meanwhile, move on to
        printing its receipt (queued for this lane there) and raise PaidElsewhere."""
        if self.sale is None or self.state is not State.CHOOSING_PAYMENT:
            return
        record = sales.get_sale(self.sale.id)
        if record.status != sales.PAID:
            return
        self.checkout = self.checkout.tender_settled(remaining=0)
        self.receipt_no, self.change = record.receipt_no, 0
        self._say(_("Paid in the back office (card resolved as charged). Receipt {receipt}")
                  .format(receipt=record.receipt_no))
        raise PaidElsewhere(self.message)

    def _refuse_while_unresolved(self, view: LaneView) -> None:
        if view.unresolved:
            p = view.unresolved[0]
            raise LaneError(_("the {method} payment of {amount} has an unknown outcome: a supervisor must resolve it "
                              "first").format(method=method_name(p.method), amount=self.money(p.amount)))

    def _electronic_amount(self, method: str, amount_text: str, view: LaneView) -> int:
        """The amount for a card or wallet tender: typed, or the balance; checked against the limits
        and the balance before anything is sent."""
        settings = self.config.payments[method]
        if not settings.enabled:
            raise LaneError(_("{method} is not accepted at this store").format(method=method_name(method)))
        amount = parse_amount(amount_text, self.currency) if amount_text.strip() else view.remaining
        check_limits(method, amount, settings.min_amount, settings.max_amount, self.currency)
        check_within_balance(method, amount, view.remaining, self.currency)
        return amount

    def begin_card(self, amount_text: str = "") -> sales.PaymentRecord:
        """F3: commit a pending card attempt, then the screen runs ``run_card`` in a worker."""
        return self._begin_electronic("card", amount_text)

    def begin_wallet(self, code: str, amount_text: str = "") -> tuple[sales.PaymentRecord, str]:
        """F4: the customer's payment code picks Alipay or WeChat Pay; commit a pending attempt."""
        method = wallet_for_code(code)
        if method not in self.wallets:
            raise LaneError(_("{method} is not set up on this lane").format(method=method_name(method)))
        return self._begin_electronic(method, amount_text), code.strip()

    def _begin_electronic(self, method: str, amount_text: str) -> sales.PaymentRecord:
        user = self._require_user()
        self._authorize(Action.TENDER, None)
        if method == "card" and self.terminal is None:
            raise LaneError(_("card payments: no card terminal is configured on this lane"))
        if self.state is not State.CHOOSING_PAYMENT or self.sale is None:
            raise TransitionError("send_to_terminal", self.state)
        self._pick_up_payment_elsewhere()
        view = self.view()
        self._refuse_while_unresolved(view)
        amount = self._electronic_amount(method, amount_text, view)
        settings = self.config.payments[method]
        next_state = self.checkout.send_to_terminal(unresolved=0)
        reference = derive_reference(uuid.uuid4().hex)
        attempt = sales.begin_attempt(self.sale.id, method=method, amount=amount,
                                      fee=fee(amount, settings.fee_rate, settings.fee_cap), reference=reference,
                                      actor=user.name, now=self.clock())
        self.checkout = next_state
        waiting = _("{method} {amount}: follow the terminal") if method == "card" else \
            _("{method} {amount}: waiting for the customer")
        label = method_name(method).capitalize() if method == "card" else method_name(method)
        self._say(waiting.format(method=label, amount=self.money(amount)))
        return attempt

    def run_card(self, attempt: sales.PaymentRecord, on_progress=None, cancel: threading.Event | None = None):
        """Blocking: the card dialogue with the terminal (call from a worker thread)."""
        try:
            return self.terminal.pay(attempt.amount, self.currency.numeric, attempt.reference, on_progress, cancel)
        except TerminalError as exc:  # the driver refused to send anything: nothing was charged
            return Outcome(DECLINED, reason=str(exc))
        except Exception as exc:  # a driver bug must not look like a decline: money may have moved
            log.exception("terminal failed during attempt %s", attempt.reference)
            return Outcome(UNKNOWN, reason=_("terminal error: {error}").format(error=exc))

    def run_wallet(self, attempt: sales.PaymentRecord, code: str, sleep=time.sleep):
        """Blocking: pay, poll, and reverse on timeout through the wallet gateway (call from a worker)."""
        try:
            return settle_wallet_payment(self.wallets[attempt.method], code, attempt.amount, self.currency.code,
                                         attempt.reference, poll_interval=2.0, max_wait=60.0, sleep=sleep)
        except Exception as exc:
            log.exception("wallet failed during attempt %s", attempt.reference)
            return WalletOutcome("unknown", reason=_("wallet error: {error}").format(error=exc))

    def finish_payment(self, attempt: sales.PaymentRecord, outcome) -> LaneView:
        """Commit what the terminal or wallet said, then move the screen (never before the commit)."""
        user = self._require_user()
        status = outcome.status if outcome.status in sales.OUTCOMES else "unknown"
        view = self.view()
        receipt_no = sales.record_outcome(
            attempt.id, status=status, reason=outcome.reason, masked_pan=getattr(outcome, "masked_pan", ""),
            auth_code=getattr(outcome, "auth_code", ""), terminal_ref=getattr(outcome, "terminal_ref", ""),
            wallet_txn=getattr(outcome, "transaction_id", ""), totals=(view.totals.total, view.totals.tax_total),
            actor=user.name, now=self.clock(),
        )
        result = "approved" if status == "approved" else "unknown" if status == "unknown" else "declined"
        remaining = self.view().remaining
        self.checkout = self.checkout.terminal_result(result, remaining=remaining)
        label = method_name(attempt.method).capitalize() if attempt.method == "card" else method_name(attempt.method)
        if receipt_no is not None:
            self.receipt_no, self.change = receipt_no, 0
            return self._say(_("{method} approved. Paid. Receipt {receipt}").format(method=label, receipt=receipt_no))
        if status == "approved":
            return self._say(_("{method} {amount} approved; balance {balance}").format(
                method=label, amount=self.money(attempt.amount), balance=self.money(remaining)))
        if status == "unknown":
            return self._say(_("{method} outcome UNKNOWN ({reason}): a supervisor must check the terminal's last "
                               "ticket").format(method=label, reason=outcome.reason), error=True)
        refused = _("{method} cancelled: {reason}") if status == "cancelled" else _("{method} declined: {reason}")
        return self._say(refused.format(method=label, reason=outcome.reason), error=True)

    def resolve_payment(self, payment_id: int, *, charged: bool, auth_code: str = "",
                        approval: Approval | None = None) -> LaneView:
        """A supervisor settles an unknown outcome from the terminal's own last ticket."""
        user = self._require_user()
        self._pick_up_payment_elsewhere()
        approved_by = self._authorize(Action.RESOLVE_PAYMENT, approval) or user.name
        if charged and not auth_code.strip():
            raise LaneError(_("enter the auth code printed on the terminal's ticket"))
        view = self.view()
        receipt_no = sales.resolve_attempt(payment_id, charged=charged, auth_code=auth_code.strip(),
                                           supervisor=approved_by, totals=(view.totals.total, view.totals.tax_total),
                                           actor=user.name, now=self.clock())
        if receipt_no is not None:
            self.checkout = self.checkout.tender_settled(remaining=0)
            self.receipt_no, self.change = receipt_no, 0
            return self._say(_("Payment confirmed as charged. Paid. Receipt {receipt}").format(receipt=receipt_no))
        return self._say(_("Payment confirmed as charged") if charged else _("Payment marked as not charged"))

    # ------------------------------------------------------------------ receipts (blocking: call from a worker)

    def print_pending(self) -> PrintResult:
        """Print every queued receipt of this lane; a failure leaves the job queued for F9. Then,
        between customers, fold the write-ahead log into the database (see ``db.checkpoint``)."""
        try:
            return self._print_jobs()
        finally:
            checkpoint()

    def _print_jobs(self) -> PrintResult:
        with self._print_lock:
            jobs = sales.pending_print_jobs(self.config.store.lane)
            if not jobs:
                return PrintResult(True, "")
            if self.printer is None:
                for job in jobs:
                    sales.mark_print_skipped(job.id)
                return PrintResult(True, _("no receipt printer configured"))
            printed = 0
            for job in jobs:
                data, cash = self.receipt_for_job(job)
                doc = self._layout(data)
                try:
                    self.printer.print_receipt(doc, open_drawer=cash and job.kind == "sale")
                except Exception as exc:  # any device failure: the sale is done, the receipt waits
                    reason = str(exc) or type(exc).__name__
                    log.warning("receipt %s not printed: %s", data.receipt_number, reason)
                    sales.mark_print_failed(job.id, reason)
                    return PrintResult(False, _("Receipt {receipt} not printed: {reason}. F9 prints it").format(
                        receipt=data.receipt_number, reason=reason))
                sales.mark_printed(job.id, self.clock())
                printed += 1
            return PrintResult(True, ngettext("Printed {count} receipt", "Printed {count} receipts", printed).format(
                count=printed))

    def _layout(self, data):
        from pos_tui.devices.receipt import layout_receipt

        return layout_receipt(data, self.config.devices.printer.width)

    def finish_printing(self, result: PrintResult | None = None) -> LaneView:
        """PRINTING -> IDLE once the receipt went out (or was queued)."""
        self.checkout = self.checkout.printed()
        self.sale = None
        note = _("Sale {receipt} done. Change {change}").format(receipt=self.receipt_no, change=self.money(self.change)) \
            if self.receipt_no else _("Done")
        if result is not None and not result.ok:
            return self._say(result.message, error=True)
        return self._say(note)

    def request_reprint(self) -> LaneView:
        """F9: print what is queued (a receipt the printer missed); else a copy of the last receipt."""
        user = self._require_user()
        self._authorize(Action.REPRINT, None)
        if sales.pending_print_jobs(self.config.store.lane):
            return self._say(_("Printing the waiting receipt…"))
        last = sales.last_paid_sale(self.config.store.lane)
        if last is None:
            raise LaneError(_("no receipt to reprint yet"))
        sales.queue_reprint(last.id, user.name, self.clock())
        return self._say(_("Reprinting receipt {receipt}…").format(receipt=last.receipt_no))

    def waiting_receipts(self) -> int:
        return len(sales.pending_print_jobs(self.config.store.lane))


def _qty_text(qty_milli: int, unit: str = "each") -> str:
    whole, frac = divmod(qty_milli, 1000)
    if unit == "kg" or frac:
        return f"{whole}.{frac:03d}" + (" kg" if unit == "kg" else "")
    return str(whole)

