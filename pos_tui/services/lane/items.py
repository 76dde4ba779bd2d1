"""The sale's lines: scan, open-price departments, voids, hold and recall, price check, search,
discounts and price overrides. Each intent checks the state and the role, commits, then answers
with a fresh view (write before you show) and publishes what changed."""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING

from pos_tui.config import Department
from pos_tui.domain.text import check_text
from pos_tui.domain.barcodes import BarcodeError, decode_embedded, is_gtin, validate_gtin
from pos_tui.domain.cart import (
    Cart, CartLine, OverLimit, check_line_amount, check_quantity, format_qty, line_amount, spread_discount,
)
from pos_tui.domain.checkout import State
from pos_tui.domain.entry import parse_entry, parse_quantity
from pos_tui.domain.errors import DomainError
from pos_tui.domain.money import parse_amount, parse_rate
from pos_tui.domain.permissions import Action, Approval
from pos_tui.i18n import _, ngettext
from pos_tui.services.errors import LaneError, NeedsConfirmation
from pos_tui.services.events import LineAdded, LineVoided, PromotionsChanged, SaleVoided
from pos_tui.services.lane import weighing
from pos_tui.services.lane.promotions import reprice, same_shares
from pos_tui.services.lane.context import LaneContext, LaneView, OpenSale
from pos_tui.store import catalog, sales
from pos_tui.store import members as member_store
from pos_tui.store import promotions as promotion_store
from pos_tui.store.catalog import ProductInfo
from pos_tui.store.users import UserInfo

if TYPE_CHECKING:
    from pos_tui.devices.scale import WeightReading


class Items:
    def __init__(self, ctx: LaneContext) -> None:
        self.ctx = ctx

    # ------------------------------------------------------------------ adding lines

    def enter(self, text: str, *, confirmed: bool = False, approval: Approval | None = None) -> LaneView:
        """The entry line: a barcode, PLU or SKU, optionally after a quantity ("3*code"); "3*" alone
        sets the quantity for the next scan. A weighed item on a lane with a scale raises
        NeedsWeight (see ``weighing``); a typed weight there may need a supervisor's ``approval``."""
        ctx = self.ctx
        user = ctx.require_user()
        ctx.authorize(Action.SELL)
        ctx.checkout.scan()  # guard: refuses outside IDLE / ENTERING_ITEMS
        if ctx.pending_price is not None:
            return self._price_typed(user, text, confirmed)
        entry = parse_entry(text)
        if not entry.code:
            ctx.pending_qty = entry.qty_milli
            return ctx.say(_("Quantity {qty}: now scan the item").format(qty=format_qty("each", entry.qty_milli)))
        qty = entry.qty_milli if entry.qty_milli is not None else ctx.pending_qty
        typed = qty is not None
        product, qty, unit_price, unit = self._resolve(entry.code, qty)
        source = (weighing.TYPED if typed else weighing.BARCODE) if unit == "kg" else None
        approved_by = weighing.typed_weight_approved_by(ctx, approval) if source == weighing.TYPED else None
        pending, ctx.pending_qty = ctx.pending_qty, None
        if product.open_price and unit_price == product.price:
            ctx.pending_price = (product, qty)
            return ctx.say(_("{name} has no fixed price: type its price, Enter (Esc: not sold)").format(
                name=product.name))
        # A catalog item sold each at its catalog price adds to the line it already has (weighed and
        # price-embedded codes carry their own weight or price: they stay lines of their own).
        mergeable = unit == "each" and unit_price == product.price and ctx.config.sale.merge_identical_scans
        try:
            return self._add_line(user, product.id, product.sku, product.name, unit, qty, unit_price, product.tax,
                                  confirmed, mergeable=mergeable, weight_source=source, approved_by=approved_by)
        except Exception:  # not added (a busy store, a line to confirm): "3*" still holds for the retry
            ctx.pending_qty = pending
            raise

    def _resolve(self, code: str, qty: int | None) -> tuple[ProductInfo, int, int, str]:
        """The product a code names, the quantity, unit price and unit to sell it by (an embedded
        code carries a price, sold as one item, or a weight in kg)."""
        embedded = decode_embedded(code, self.ctx.config.barcodes.embedded) if len(code) == 13 else None
        if embedded is not None:
            product = catalog.find_by_code(embedded.item_code)
            if product is None:
                raise LaneError(_("item {item} of code {code} is not in the catalog").format(item=embedded.item_code, code=code))
            _check_sellable(product)
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
        _check_sellable(product)
        if qty is None:
            if product.unit == "kg":
                weighing.refuse_unweighed(self.ctx, code, product.name)
                raise LaneError(_("{name} is sold by weight: type the kg then * and scan (1.25*{code})").format(
                    name=product.name, code=code))
            qty = 1000
        if product.price <= 0 and not product.open_price:
            # A zero price is kept for items sold by price-embedded labels: never sold at 0.00.
            raise LaneError(_("{name} has no price in the catalog: scan its price label, or sell it with a "
                              "department key").format(name=product.name))
        return product, qty, product.price, product.unit

    def _add_line(self, user: UserInfo, product_id: int | None, sku: str, name: str, unit: str,
                  qty: int, unit_price: int, tax: str, confirmed: bool, *, mergeable: bool = False,
                  weight_source: str | None = None, approved_by: str | None = None) -> LaneView:
        ctx = self.ctx
        ctx.require_shift()
        limits = ctx.config.limits
        cart = ctx.sale.cart if ctx.sale else Cart()
        same = cart.same_item_line(product_id, sku, unit_price) if mergeable and ctx.sale else None
        if same is not None:
            return self._add_to_line(user, same, qty, confirmed)
        new_cart, promoted = reprice(ctx, cart.add(product_id=product_id, sku=sku, name=name, unit=unit,
                                                   qty_milli=qty, unit_price=unit_price, tax_code=tax))
        line = new_cart.lines[-1]
        if not confirmed:
            try:
                check_quantity(unit, qty, limits.max_quantity_milli, limits.max_weight_milli)
                check_line_amount(line.amount, limits.max_line_amount, ctx.currency)
            except OverLimit as exc:
                raise NeedsConfirmation(_("{name}: {reason}. Add it anyway?").format(name=name, reason=exc)) from None
        if line.tax_code not in ctx.config.tax.rates:
            raise LaneError(_("{name} has tax code {code}, which is not configured").format(
                name=name, code=repr(line.tax_code)))
        record = sales.add_line(ctx.sale.id if ctx.sale else None, ctx.lane_no, line, user.name, ctx.clock(),
                                weight_source=weight_source, approved_by=approved_by, promotions=promoted,
                                member="" if ctx.sale else ctx.pending_member)
        ctx.sale = OpenSale(record.id, new_cart, ctx.sale.payments if ctx.sale else (),
                            ctx.sale.discount_text if ctx.sale else "", member=ctx.member)
        ctx.pending_member = ""
        self._keep(promoted)
        ctx.checkout = ctx.checkout.scan()
        ctx.receipt_no, ctx.change = None, 0
        qty_note = f" x {format_qty(unit, qty)}" if qty != 1000 or unit == "kg" else ""
        view = ctx.say(_("Added {name}{qty}  {amount}").format(name=name, qty=qty_note, amount=ctx.money(line.amount)))
        ctx.publish(LineAdded(ctx.lane_no, record.id, line, view.totals.total))
        return view

    def weigh(self, code: str, name: str = "", cancel: threading.Event | None = None) -> WeightReading:
        """Blocking (call it from a worker thread): a steady weight from the scale for the item
        ``code`` (``name`` for the messages), or LaneError in plain words; nothing is added."""
        return weighing.read_scale(self.ctx, name or code, cancel)

    def add_weighed(self, code: str, reading: WeightReading, *, confirmed: bool = False) -> LaneView:
        """Add the weighed item ``code`` with the scale's ``reading``; the line records the scale."""
        ctx = self.ctx
        user = ctx.require_user()
        ctx.authorize(Action.SELL)
        ctx.checkout.scan()
        product = catalog.find_by_code(code)
        if product is None or product.unit != "kg":
            raise LaneError(_("{code} is not an item sold by weight").format(code=code))
        _check_sellable(product)
        ctx.pending_qty = None
        return self._add_line(user, product.id, product.sku, product.name, "kg", reading.weight_milli, product.price,
                              product.tax, confirmed, weight_source=weighing.SCALE)
    def _price_typed(self, user: UserInfo, text: str, confirmed: bool) -> LaneView:
        """The price of the open-price item just scanned; the line is added at it."""
        ctx = self.ctx
        product, qty = ctx.pending_price
        price = parse_amount(text, ctx.currency)
        if price <= 0:
            raise LaneError(_("type the price of {name}").format(name=product.name))
        view = self._add_line(user, product.id, product.sku, product.name, product.unit, qty, price, product.tax,
                              confirmed)
        ctx.pending_price = None
        return view

    def drop_pending_price(self) -> LaneView:
        """Esc while the lane waits for an open-price item's price: the item is not sold."""
        ctx = self.ctx
        if ctx.pending_price is None:
            return ctx.view()
        name = ctx.pending_price[0].name
        ctx.pending_price = None
        return ctx.say(_("{name} not sold").format(name=name))

    def _add_to_line(self, user: UserInfo, line: CartLine, qty: int, confirmed: bool) -> LaneView:
        """A repeated scan: the line's quantity grows (committed before it is shown)."""
        ctx = self.ctx
        new_cart, promoted = reprice(ctx, ctx.sale.cart.set_quantity(line.line_no, line.qty_milli + qty))
        changed = new_cart.line(line.line_no)
        self._check_bounds(changed, confirmed)
        sales.set_quantity(ctx.sale.id, changed, actor=user.name, scanned=True, promotions=promoted)
        ctx.sale.cart = new_cart
        self._keep(promoted)
        ctx.receipt_no, ctx.change = None, 0
        view = ctx.say(_("Added {name}: now {qty}  {amount}").format(
            name=line.name, qty=format_qty(line.unit, changed.qty_milli), amount=ctx.money(changed.amount)))
        ctx.publish(LineAdded(ctx.lane_no, ctx.sale.id, changed, view.totals.total))
        return view

    def _check_bounds(self, line: CartLine, confirmed: bool) -> None:
        if confirmed:
            return
        limits = self.ctx.config.limits
        try:
            check_quantity(line.unit, line.qty_milli, limits.max_quantity_milli, limits.max_weight_milli)
            check_line_amount(line.amount, limits.max_line_amount, self.ctx.currency)
        except OverLimit as exc:
            raise NeedsConfirmation(_("{name}: {reason}. Add it anyway?").format(name=line.name, reason=exc)) from None

    def set_quantity(self, line_no: int, text: str, *, confirmed: bool = False) -> LaneView:
        """F6 on a line: a new quantity. Going down is a partial void: the same approval rule as F4
        (none while entering items; a supervisor after the total). The input is checked first."""
        ctx = self.ctx
        user = ctx.require_user()
        if ctx.sale is None or ctx.state is not State.ENTERING_ITEMS:
            raise LaneError(_("quantities change while entering items"))
        line = ctx.sale.cart.line(line_no)
        try:
            qty = parse_quantity(text)
        except DomainError as exc:
            raise LaneError(str(exc)) from None
        new_cart, promoted = reprice(ctx, ctx.sale.cart.set_quantity(line_no, qty))
        changed = new_cart.line(line_no)
        self._check_bounds(changed, confirmed)
        # Down is a partial void, and a void while entering items needs nobody's approval (after the
        # total no quantity changes: F4 voids the line, with a supervisor).
        sales.set_quantity(ctx.sale.id, changed, actor=user.name, promotions=promoted)
        ctx.sale.cart = new_cart
        self._keep(promoted)
        view = ctx.say(_("{name}: quantity {qty} (was {was})").format(
            name=line.name, qty=format_qty(line.unit, qty), was=format_qty(line.unit, line.qty_milli)))
        ctx.publish(LineAdded(ctx.lane_no, ctx.sale.id, changed, view.totals.total))
        return view

    def sell_department(self, department: Department, amount_text: str, *, confirmed: bool = False) -> LaneView:
        """An open-price item: the amount typed, then the department's key."""
        user = self.ctx.require_user()
        self.ctx.checkout.scan()
        amount = parse_amount(amount_text, self.ctx.currency)
        if amount <= 0:
            raise LaneError(_("type the amount before the {department} key").format(department=department.name))
        return self._add_line(user, None, f"DEPT-{department.code}", department.name, "each", 1000, amount,
                              department.tax, confirmed)

    # ------------------------------------------------------------------ voids, hold and recall

    def void_line(self, line_no: int, approval: Approval | None = None, reason: str = "") -> LaneView:
        check_text(reason, _("reason"))
        ctx = self.ctx
        user = ctx.require_user()
        ctx.pick_up_payment_elsewhere()
        if ctx.sale is None:
            raise LaneError(_("no sale is open"))
        if ctx.state is State.CHOOSING_PAYMENT:
            approved_by = ctx.authorize(Action.VOID_LINE_AFTER_TOTAL, approval)
            if ctx.view().paid:
                raise LaneError(_("a payment has been taken: lines can no longer be voided"))
        elif ctx.state is State.ENTERING_ITEMS:
            approved_by = None
        else:
            raise LaneError(_("lines can be voided only while entering items or at payment"))
        new_cart, promoted = reprice(ctx, ctx.sale.cart.void(line_no, reason or None))
        sales.void_line(ctx.sale.id, line_no, user.name, ctx.clock(), reason, approved_by, promotions=promoted)
        ctx.sale.cart = new_cart
        self._keep(promoted)
        line = new_cart.line(line_no)
        view = ctx.say(_("Voided line {line_no}: {name}").format(line_no=line_no, name=line.name))
        ctx.publish(LineVoided(ctx.lane_no, ctx.sale.id, line, view.totals.total))
        return view

    def void_sale(self, approval: Approval | None = None) -> LaneView:
        ctx = self.ctx
        user = ctx.require_user()
        ctx.pick_up_payment_elsewhere()
        approved_by = ctx.authorize(Action.VOID_SALE, approval)
        if ctx.sale is None:
            raise LaneError(_("no sale is open"))
        next_state = ctx.checkout.void_sale(paid=ctx.view().paid)
        sale_id = ctx.sale.id
        sales.void_sale(sale_id, user.name, ctx.clock(), approved_by)
        ctx.checkout, ctx.sale, ctx.pending_qty = next_state, None, None
        ctx.publish(SaleVoided(ctx.lane_no, sale_id))
        return ctx.say(_("Sale voided"))

    def suspend(self) -> LaneView:
        ctx = self.ctx
        user = ctx.require_user()
        ctx.authorize(Action.SUSPEND)
        if ctx.sale is None:
            raise LaneError(_("no sale is open"))
        next_state = ctx.checkout.suspend(active_lines=len(ctx.sale.cart.active_lines))
        sales.suspend_sale(ctx.sale.id, user.name)
        ctx.checkout, ctx.sale = next_state, None
        return ctx.say(_("Sale suspended: F5 recalls it"))

    def suspended(self) -> list[tuple[sales.SaleRecord, int, int]]:
        return sales.suspended_sales(self.ctx.lane_no)

    def recall(self, sale_id: int) -> LaneView:
        ctx = self.ctx
        user = ctx.require_user()
        ctx.authorize(Action.RECALL)
        next_state = ctx.checkout.recall()
        record = sales.recall_sale(sale_id, ctx.lane_no, user.name)
        ctx.checkout, ctx.sale = next_state, OpenSale(record.id, sales.load_cart(record.id),
                                                      promotions=promotion_store.sale_promotions(record.id),
                                                      member=sales.sale_member(record.id))
        # Worked out again for now (a promotion may have started or ended while it was held).
        new_cart, promoted = reprice(ctx, ctx.sale.cart)
        if promoted is not None and not same_shares(promoted.result, ctx.sale.promotions):
            sales.reprice_promotions(record.id, promoted, user.name)
            ctx.sale.cart = new_cart
            self._keep(promoted)
        count = len(ctx.sale.cart.active_lines)
        return ctx.say(ngettext("Sale recalled: {count} line", "Sale recalled: {count} lines", count).format(
            count=count))

    # ------------------------------------------------------------------ members

    def identify_member(self, text: str) -> LaneView:
        """A member's card scanned or phone number typed: looked up in the member register (card,
        then phone); a member it knows and has not disabled has member prices on the open sale (or,
        shown before the first item, on the sale it opens), worked out again and committed. A number
        the register does not know, or a disabled member, is refused and nothing changes."""
        ctx = self.ctx
        user = ctx.require_user()
        ctx.authorize(Action.SELL)
        number = text.strip()
        if not _MEMBER_NUMBER.fullmatch(number):
            raise LaneError(_("a member number is 6 to 20 digits (the card's number or a phone number)"))
        found = member_store.find(number)
        if found is None:
            raise LaneError(_("{number} is not a member: no member has this card or phone number").format(
                number=sales.masked_member(number)))
        if found.disabled:
            raise LaneError(_("member {number} is disabled: member prices and points do not apply").format(
                number=sales.masked_member(number)))
        code, shown = found.code, self._member_words(found)
        if ctx.sale is None:
            ctx.checkout.scan()  # guard: a member is shown while selling
            ctx.pending_member = code
            return ctx.say(_("Member {number}: now scan the items").format(number=shown))
        if ctx.state not in (State.ENTERING_ITEMS, State.CHOOSING_PAYMENT):
            raise LaneError(_("a member is shown while entering items or at payment"))
        if ctx.view().paid:
            raise LaneError(_("a payment has been taken: prices and discounts can no longer change"))
        new_cart, promoted = reprice(ctx, ctx.sale.cart, member=code)
        sales.set_member(ctx.sale.id, code, user.name, promoted)
        ctx.sale.member, ctx.sale.cart = code, new_cart
        self._keep(promoted)
        return ctx.say(_("Member {number}: member prices apply").format(number=shown))

    @staticmethod
    def _member_words(member: member_store.MemberInfo) -> str:
        """"138****8000 王芳, 1,250 points"."""
        name = f" {member.name}" if member.name else ""
        return ngettext("{number}{name}, {points} point", "{number}{name}, {points} points", member.balance).format(
            number=sales.masked_member(member.code), name=name, points=member.balance)

    # ------------------------------------------------------------------ looking things up

    def price_check(self, code: str) -> ProductInfo:
        product = catalog.find_by_code(code.strip())
        if product is None:
            raise LaneError(_("unknown code {code}").format(code=code.strip()))
        return product

    def search(self, text: str, limit: int = 50) -> list[ProductInfo]:
        return catalog.search_by_name(text, limit) if text.strip() else []

    # ------------------------------------------------------------------ discounts and price overrides

    def _adjustable_cart(self) -> Cart:
        ctx = self.ctx
        if ctx.sale is None or ctx.state not in (State.ENTERING_ITEMS, State.CHOOSING_PAYMENT):
            raise LaneError(_("discounts and price overrides need an open sale"))
        if ctx.view().paid:
            raise LaneError(_("a payment has been taken: prices and discounts can no longer change"))
        return ctx.sale.cart

    def _discount_amount(self, text: str, base: int) -> int:
        if text.strip().endswith("%"):
            return parse_rate(text).of(base)
        return parse_amount(text, self.ctx.currency)

    def _keep(self, promoted: sales.SalePromotions | None) -> None:
        """The open sale holds the promotions just written with its lines."""
        if promoted is not None:
            self.ctx.sale.promotions = promoted.result
            self.ctx.publish(PromotionsChanged(self.ctx.lane_no, self.ctx.sale.id, tuple(
                (d.promotion_id, d.name, d.amount) for d in promoted.result.discounts)))

    def _commit_lines(self, new_cart: Cart, changed: list[CartLine], kind: str, approved_by: str | None,
                      detail: dict, discount_text: str | None = None) -> None:
        ctx = self.ctx
        user = ctx.require_user()
        new_cart, promoted = reprice(ctx, new_cart)
        changed = [new_cart.line(line.line_no) for line in changed]
        sales.adjust_lines(ctx.sale.id, changed, kind=kind, actor=user.name, approved_by=approved_by, detail=detail,
                           discount_text=discount_text, promotions=promoted)
        ctx.sale.cart = new_cart
        self._keep(promoted)
        if discount_text is not None:
            ctx.sale.discount_text = discount_text

    def discount_line(self, line_no: int, text: str, approval: Approval | None = None) -> LaneView:
        """F6 on a line: an amount ("2.00") or a percent ("10%") off that line."""
        cart = self._adjustable_cart()
        line = cart.line(line_no)
        discount = self._discount_amount(text, line.amount)
        new_cart = cart.discount_line(line_no, discount, promo=0)  # a cashier's price takes no promotion
        approved_by = self.ctx.authorize(Action.DISCOUNT, approval)  # the input is checked before anyone is asked
        self._commit_lines(new_cart, [new_cart.line(line_no)], "discount", approved_by,
                           {"scope": "line", "entered": text.strip()})
        return self.ctx.say(_("Discount {amount} on {name}").format(amount=self.ctx.money(discount), name=line.name))

    def discount_sale(self, text: str, approval: Approval | None = None) -> LaneView:
        """F6 on the sale: an amount or percent off the whole sale, shared over its lines."""
        ctx = self.ctx
        cart = self._adjustable_cart()
        active = cart.active_lines
        if not active:
            raise LaneError(_("the sale has no items to discount"))
        base = sum(line.net for line in active)
        discount = self._discount_amount(text, base)
        if not 0 < discount <= base:
            raise LaneError(_("a sale discount must be above 0 and at most {maximum}").format(maximum=ctx.money(base)))
        new_cart = cart
        for line, share in zip(active, spread_discount(discount, [line.net for line in active])):
            new_cart = new_cart.discount_line(line.line_no, line.discount + share,
                                              sale_share=line.sale_discount + share)
        changed = [new_cart.line(line.line_no) for line in active]
        approved_by = ctx.authorize(Action.DISCOUNT, approval)
        # A second sale discount adds to the first: the row then says the amount, not one percent.
        shown = text.strip() if not cart.sale_discount else ""
        self._commit_lines(new_cart, changed, "discount", approved_by, {"scope": "sale", "entered": text.strip(),
                                                                          "amount": discount}, discount_text=shown)
        return ctx.say(_("Discount {amount} on the sale").format(amount=ctx.money(discount)))

    def override_price(self, line_no: int, price_text: str, approval: Approval | None = None) -> LaneView:
        """A new unit price on a line. A lower price is kept as a discount off the catalog price,
        so the receipt shows the original price and what was taken off; a higher one replaces it."""
        ctx = self.ctx
        cart = self._adjustable_cart()
        line = cart.line(line_no)
        price = parse_amount(price_text, ctx.currency)
        new_amount = line_amount(price, line.qty_milli)
        if new_amount <= line.amount:
            new_cart = cart.discount_line(line_no, line.amount - new_amount, promo=0)
        else:
            new_cart = cart.discount_line(line_no, 0, promo=0).override_price(line_no, price)
        approved_by = ctx.authorize(Action.PRICE_OVERRIDE, approval)
        self._commit_lines(new_cart, [new_cart.line(line_no)], "price_override", approved_by,
                           {"original_price": line.unit_price, "price": price})
        return ctx.say(_("{name}: price {price} (was {was})").format(
            name=line.name, price=ctx.money(price), was=ctx.money(line.unit_price)))


_MEMBER_NUMBER = re.compile(r"[0-9]{6,20}")


def _check_sellable(product: ProductInfo) -> None:
    if not product.active:
        raise LaneError(_("{name} is not for sale (inactive)").format(name=product.name))
