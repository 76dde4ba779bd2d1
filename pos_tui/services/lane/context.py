"""What every flow of the lane shares: the config and clock, the devices, who is signed in, the
checkout state machine, the open sale as committed, the shift, and the line the cashier reads.

The flows (items, payments, shift and drawer, returns, receipts, reports, people) each hold this
one context; none holds another flow. ``view()`` is the snapshot a screen draws.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pos_tui.config import Config
from pos_tui.domain.business_day import business_day
from pos_tui.domain.cart import Cart, CartLine
from pos_tui.domain.checkout import Checkout, State
from pos_tui.domain.money import format_amount
from pos_tui.domain.payment import SETTLED, UNRESOLVED, method_name, wallet_methods
from pos_tui.domain.permissions import Action, Approval, PermissionDenied, Role, authorize
from pos_tui.domain.promotions import Discount, PromotionResult
from pos_tui.domain.tax import Totals, tax_breakdown
from pos_tui.domain.tender import Balance, cash_due
from pos_tui.i18n import _, ngettext
from pos_tui.services.errors import LaneError, PaidElsewhere
from pos_tui.services.events import EventBus, LaneEvent, ReceiptsQueued
from pos_tui.domain.members import PointsRule
from pos_tui.store import members as member_store
from pos_tui.store import promotions as promotion_store
from pos_tui.store.members import PointsTerms
from pos_tui.store import sales, shifts
from pos_tui.store.catalog import ProductInfo
from pos_tui.store.shifts import ShiftRecord
from pos_tui.store.users import UserInfo

PHASE_STATE = {"items": State.ENTERING_ITEMS, "payment": State.CHOOSING_PAYMENT, "terminal": State.AWAITING_TERMINAL}
_EMPTY_TOTALS = Totals(0, {}, 0, 0)


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
    rounding: int = 0  # the cash rounding of the sale once cash settled it (抹零/舍入)
    discount_text: str = ""  # a whole-sale discount as typed ("10%"), for its row
    price_wanted_for: str = ""  # an open-price item scanned: the next entry is its price
    promotions: tuple[Discount, ...] = ()  # each under the last line it applies to (``shown_after``)
    member: str = ""  # the member the sale is rung up for, masked (138****8000); "" for none
    member_name: str = ""
    member_points: int | None = None  # the member's points balance (last known and this lane's since)

    def shown_after(self, line_no: int) -> tuple[Discount, ...]:
        """The promotions whose rows come right under line ``line_no``."""
        return tuple(d for d in self.promotions if max(s.line_no for s in d.lines) == line_no)

    @property
    def remaining(self) -> int:
        return self.totals.total - self.paid


@dataclass
class OpenSale:
    """The open sale as this lane holds it in memory: always what is committed. Its payments are
    read once and again only after a payment is written."""

    id: int
    cart: Cart = field(default_factory=Cart)
    _payments: tuple[sales.PaymentRecord, ...] | None = None
    discount_text: str | None = None  # a whole-sale discount as typed; None: not read yet
    promotions: PromotionResult = field(default_factory=PromotionResult)  # what the lines' promotions are
    member: str = ""  # the member's card or phone number, as committed with the sale

    @property
    def sale_discount_text(self) -> str:
        if self.discount_text is None:
            self.discount_text = sales.sale_discount_text(self.id) if self.cart.sale_discount else ""
        return self.discount_text

    @property
    def payments(self) -> tuple[sales.PaymentRecord, ...]:
        if self._payments is None:
            self._payments = tuple(sales.payments_of(self.id))
        return self._payments

    def payments_changed(self) -> None:
        self._payments = None


class LaneContext:
    def __init__(self, config: Config, clock: Callable[[], dt.datetime], *, printer=None, terminal=None,
                 wallets: dict | None = None, events: EventBus | None = None, scale=None) -> None:
        self.config = config
        self.currency = config.currency
        self.clock = clock
        self.printer = printer
        self.terminal = terminal
        self.scale = scale  # a weighed item is weighed on it (services.lane.weighing); None: typed
        self.wallets: dict = wallets or {}
        # Held while the printer is at work (the receipt queue) or asked for its state (DeviceChecks).
        self.printer_lock = threading.Lock()
        self._real_devices = (terminal, self.wallets)
        self.events = events or EventBus()
        self.user: UserInfo | None = None
        self.role: Role | None = None
        self.sale: OpenSale | None = None
        self.pending_qty: int | None = None
        self.pending_price: tuple[ProductInfo, int] | None = None  # an open-price item scanned, its quantity
        self.pending_member = ""  # a member shown before the sale's first item: the sale opens for them
        self.departments: dict[str, str | None] = {}  # SKU -> its product's department, read once a sale
        self.server_online: Callable[[], bool] | None = None  # the sync worker's word (services.opening)
        self.receipt_no: str | None = None
        self.change = 0
        self.message = ""
        self.message_is_error = False
        self.drawer_to_open = False
        self.checkout = self._restore()
        self.shift: ShiftRecord | None = None
        self.reload_shift()

    @property
    def lane_no(self) -> int:
        return self.config.store.lane

    def _restore(self) -> Checkout:
        """Reopen the lane's open sale after a restart, behind the lock screen."""
        record = sales.open_sale_on_lane(self.lane_no)
        if record is None:
            return Checkout()
        self.sale = OpenSale(record.id, sales.load_cart(record.id),
                             promotions=promotion_store.sale_promotions(record.id), member=sales.sale_member(record.id))
        count = len(self.sale.cart.lines)
        self.message = ngettext("Sale reopened with {count} line: sign in to go on",
                                "Sale reopened with {count} lines: sign in to go on", count).format(count=count)
        return Checkout.restore(PHASE_STATE[record.phase], locked=True)

    # ------------------------------------------------------------------ the view

    @property
    def state(self) -> State:
        return self.checkout.state

    def view(self) -> LaneView:
        cart = self.sale.cart if self.sale else Cart()
        payments = self.sale.payments if self.sale else ()
        totals = self.totals(cart)
        paid = Balance.of(totals.total, (p.amount for p in payments if p.status in SETTLED)).paid
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
            unresolved=tuple(p for p in payments if p.status in UNRESOLVED),
            discount_text=self.sale.sale_discount_text if self.sale and cart.sale_discount else "",
            price_wanted_for=self.pending_price[0].name if self.pending_price else "",
            promotions=tuple(sorted(self.sale.promotions.discounts, key=lambda d: (
                max(s.line_no for s in d.lines), d.promotion_id))) if self.sale else (),
            member=sales.masked_member(self.member) if self.member else "",
            **self._member_fields(),
            rounding=sum(p.tendered - p.amount for p in payments
                         if p.method == "cash" and p.tendered and p.status in SETTLED) - self.change
            if payments else 0,
        )

    def _member_fields(self) -> dict:
        found = member_store.shown(self.member) if self.member else None
        return {"member_name": found[0], "member_points": found[1]} if found else {}

    # ------------------------------------------------------------------ points

    def offline(self) -> bool:
        """Whether the lane belongs to a store server it cannot reach right now."""
        return bool(self.config.server.url) and not (self.server_online is not None and self.server_online())

    def points_rule(self) -> PointsRule:
        m = self.config.members
        return PointsRule(m.points_per_yuan, m.value_of_100_points, 10 ** self.currency.digits)

    def points_words(self, sale_id: int) -> str:
        """What a paid sale did to its member's points, to follow the "Paid" message ("" for no member)."""
        member = sales.sale_member(sale_id)
        if not member:
            return ""
        points = member_store.sale_points(sales.get_sale(sale_id).uuid, member)
        return "  " + _("Points {earned:+d}, redeemed {redeemed}, balance {balance}").format(
            earned=points.earned, redeemed=points.redeemed, balance=points.balance)

    def points_terms(self) -> PointsTerms:
        """What the sale's points are written under, now."""
        return PointsTerms(self.points_rule(), self.lane_no, self.business_day(), self.offline(),
                           self.config.members.offline_daily_redeem_cap, counted=not self.config.server.url)

    @property
    def member(self) -> str:
        """The member number the open sale (or the next one) is rung up for; "" for none."""
        return self.sale.member if self.sale else self.pending_member

    def totals(self, cart: Cart) -> Totals:
        return self.totals_of(cart.lines)

    def totals_of(self, lines: Sequence[CartLine]) -> Totals:
        """Subtotal, tax per rate and total of ``lines`` under the store's tax rules."""
        if not lines:
            return _EMPTY_TOTALS
        return tax_breakdown(lines, self.config.tax.rates, self.config.tax.prices_include_tax)

    def say(self, message: str, *, error: bool = False) -> LaneView:
        self.message, self.message_is_error = message, error
        return self.view()

    def money(self, minor: int) -> str:
        return format_amount(minor, self.currency, symbol=True)

    def business_day(self, moment: dt.datetime | None = None) -> dt.date:
        """The store's business day at ``moment`` (default: now by the lane's clock)."""
        return business_day(moment or self.clock(), self.config.store.day_starts_at)

    def publish(self, event: LaneEvent) -> None:
        self.events.publish(event)

    # ------------------------------------------------------------------ who, and may they

    def require_user(self) -> UserInfo:
        if self.user is None:
            raise LaneError(_("sign in first"))
        return self.user

    def authorize(self, action: Action, approval: Approval | None = None, subject: str | None = None) -> str | None:
        """None when the user may act alone; the approver's name when a valid approval covers it.
        ``subject`` (translated) names what a supervisor is asked to approve when the action's name
        would not ("paid in" is approved as a drawer opening)."""
        try:
            return authorize(self.role, action, approval, self.config.security.supervisor_required_for)
        except PermissionDenied as exc:
            if subject is None:
                raise
            raise PermissionDenied(exc.action, exc.needed, subject) from None

    # ------------------------------------------------------------------ the shift

    def reload_shift(self) -> None:
        """Read the lane's shift again (at start, at sign-in and after each shift intent): a scan
        checks the one held here. A shift left in training mode keeps the lane on the training
        stand-ins (a restart must not put a real card terminal behind TRAINING)."""
        self.shift = shifts.open_shift_on_lane(self.lane_no)
        self.use_training_devices(bool(self.shift and self.shift.training))

    def require_shift(self) -> ShiftRecord:
        if self.shift is None:
            self.reload_shift()  # opened elsewhere since (the command line, a test's set-up)
        if self.shift is None:
            raise LaneError(_("no shift is open on this lane: open one by counting the float"))
        return self.shift

    @property
    def training(self) -> bool:
        return bool(self.shift and self.shift.training)

    def use_training_devices(self, on: bool) -> None:
        real_terminal, real_wallets = self._real_devices
        if on:
            from pos_tui.devices.training import TrainingTerminal, TrainingWallet  # (a training shift only)

            self.terminal = TrainingTerminal()
            self.wallets = {m.name: TrainingWallet(m.name) for m in wallet_methods()}
        else:
            self.terminal, self.wallets = real_terminal, real_wallets

    def require_idle(self, doing: str) -> None:
        """``doing`` is marked with N_ where it is written and shown in the lane's language here."""
        if self.state is not State.IDLE:
            raise LaneError(_("finish the sale before {doing}").format(doing=_(doing)))

    # ------------------------------------------------------------------ payments made elsewhere

    def pick_up_payment_elsewhere(self) -> None:
        """At payment, before acting on the sale: if the back office has paid it meanwhile, move on to
        printing its receipt (queued for this lane there) and raise PaidElsewhere."""
        if self.sale is None or self.state is not State.CHOOSING_PAYMENT:
            return
        self.sale.payments_changed()  # the back office may have settled one of them meanwhile
        record = sales.get_sale(self.sale.id)
        if record.status != sales.PAID:
            return
        self.checkout = self.checkout.tender_settled(remaining=0)
        self.receipt_no, self.change = record.receipt_no, 0
        self.say(_("Paid in the back office (card resolved as charged). Receipt {receipt}")
                 .format(receipt=record.receipt_no))
        self.publish(ReceiptsQueued(self.lane_no))
        raise PaidElsewhere(self.message)

    def payment_states_known(self) -> tuple[str, tuple[tuple[int, str], ...]] | None:
        """The sale's payments as this lane last read them (compared with ``sales.payment_states``)."""
        if self.sale is None:
            return None
        return sales.OPEN, tuple((p.id, str(p.status)) for p in self.sale.payments)

    def refuse_while_unresolved(self, view: LaneView) -> None:
        if view.unresolved:
            p = view.unresolved[0]
            raise LaneError(_("the {method} payment of {amount} has an unknown outcome: a supervisor must resolve it "
                              "first").format(method=method_name(p.method), amount=self.money(p.amount)))
