"""The open sale's lines as an immutable value: adding, voiding (never deleting), counting, summing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from pos_tui.domain.errors import DomainError
from pos_tui.domain.money import MAX_AMOUNT, Currency, format_amount, round_half_up_div
from pos_tui.i18n import _


class CartError(DomainError):
    """A line the cart refuses."""


class OverLimit(CartError):
    """A quantity or amount past a configured bound; the lane may ask the cashier to confirm it."""


UNITS = ("each", "kg")
MILLI = 1000


@dataclass(frozen=True)
class CartLine:
    line_no: int
    product_id: int | None
    sku: str
    name: str
    unit: str
    qty_milli: int
    unit_price: int
    tax_code: str
    amount: int
    voided: bool = False
    void_reason: str | None = None
    discount: int = 0
    sale_discount: int = 0  # of ``discount``, this line's share of a discount on the whole sale
    promo_discount: int = 0  # of ``discount``, what promotions take off this line

    @property
    def line_discount(self) -> int:
        """The discount a cashier gave on this line itself (the promotions' and the sale
        discount's parts are shown apart)."""
        return self.discount - self.sale_discount - self.promo_discount

    @property
    def shown_net(self) -> int:
        """The line's amount as its row shows it: after its own discount, before promotions and
        the sale's."""
        return 0 if self.voided else self.amount - self.line_discount

    @property
    def net(self) -> int:
        """What this line adds to the sale: nothing once voided, else amount less discount."""
        return 0 if self.voided else self.amount - self.discount


def line_amount(unit_price: int, qty_milli: int) -> int:
    """Unit price times quantity (thousandths), half-up to the minor unit."""
    return round_half_up_div(unit_price * qty_milli, MILLI)


def spread_discount(total: int, weights: list[int]) -> list[int]:
    """Share ``total`` out over lines in proportion to ``weights`` (their amounts), largest
    remainders first, so the shares add up to ``total`` exactly and none passes its weight."""
    base = sum(weights)
    if not 0 <= total <= base:
        raise ValueError("the discount must be between 0 and what the lines add up to")
    if total == 0:
        return [0] * len(weights)
    shares = [total * w // base for w in weights]
    short = total - sum(shares)
    if short:
        behind = [-(total * w % base) for w in weights]
        for i in sorted(range(len(weights)), key=behind.__getitem__)[:short]:  # stable: ties in line order
            shares[i] += 1
    return shares


def format_qty(unit: str, qty_milli: int) -> str:
    """A quantity as the cashier reads it: "3" for items sold each, "1.250 kg" for weighed ones."""
    whole, frac = divmod(qty_milli, MILLI)
    if unit == "kg":
        return f"{whole:,}.{frac:03d} kg"
    return f"{whole:,}" if frac == 0 else f"{whole:,}.{frac:03d}".rstrip("0")


def check_unit_quantity(unit: str, qty_milli: int) -> None:
    """Raise CartError for an unknown unit, a quantity not above 0, or a fraction of an item sold each."""
    if unit not in UNITS:
        raise CartError(f"unit {unit!r} is not one of {', '.join(UNITS)}")
    if qty_milli <= 0:
        raise CartError(_("quantity must be more than 0"))
    if unit == "each" and qty_milli % MILLI:
        raise CartError(_("quantity must be whole for items sold each (got {qty})").format(
            qty=format_qty(unit, qty_milli)))


def check_quantity(unit: str, qty_milli: int, max_each_milli: int, max_weight_milli: int) -> None:
    """Raise CartError for a bad quantity, OverLimit for one past the configured bound."""
    check_unit_quantity(unit, qty_milli)
    limit = max_weight_milli if unit == "kg" else max_each_milli
    if qty_milli > limit:
        raise OverLimit(
            _("quantity {qty} is over the limit of {limit}").format(
                qty=format_qty(unit, qty_milli), limit=format_qty(unit, limit))
        )


def check_line_amount(amount: int, max_line_amount: int | None, cur: Currency) -> None:
    """Raise OverLimit for a line amount past the configured bound (None: no bound)."""
    if max_line_amount is not None and amount > max_line_amount:
        raise OverLimit(
            _("line amount {amount} is over the limit of {limit}").format(
                amount=format_amount(amount, cur, symbol=True), limit=format_amount(max_line_amount, cur, symbol=True))
        )


def _bounded_line_amount(name: str, unit_price: int, qty_milli: int) -> int:
    """The line amount; CartError past MAX_AMOUNT (no confirmation can take such a line)."""
    amount = line_amount(unit_price, qty_milli)
    if unit_price > MAX_AMOUNT or amount > MAX_AMOUNT:
        raise CartError(_("{name}: the line amount is past the largest amount the lane takes").format(
            name=repr(name)))
    return amount


@dataclass(frozen=True)
class Cart:
    lines: tuple[CartLine, ...] = ()

    def add(
        self,
        *,
        product_id: int | None,
        sku: str,
        name: str,
        unit: str,
        qty_milli: int,
        unit_price: int,
        tax_code: str,
    ) -> Cart:
        """A new cart with one more line, numbered after the last."""
        check_unit_quantity(unit, qty_milli)
        if unit_price < 0:
            raise CartError(_("price of {name} cannot be negative").format(name=repr(name)))
        line_no = max((line.line_no for line in self.lines), default=0) + 1
        amount = _bounded_line_amount(name, unit_price, qty_milli)
        line = CartLine(line_no, product_id, sku, name, unit, qty_milli, unit_price, tax_code, amount)
        cart = Cart(self.lines + (line,))
        if cart.subtotal > MAX_AMOUNT:
            raise CartError(_("{name} would take the sale past the largest total the lane takes").format(
                name=repr(name)))
        return cart

    def line(self, line_no: int) -> CartLine:
        """The line numbered ``line_no``; CartError when there is none."""
        for line in self.lines:
            if line.line_no == line_no:
                return line
        raise CartError(_("there is no line {line_no}").format(line_no=line_no))

    def _active_line(self, line_no: int) -> CartLine:
        line = self.line(line_no)
        if line.voided:
            raise CartError(_("line {line_no} is already voided").format(line_no=line_no))
        return line

    def _with(self, changed: CartLine) -> Cart:
        return Cart(tuple(changed if line.line_no == changed.line_no else line for line in self.lines))

    def void(self, line_no: int, reason: str | None = None) -> Cart:
        """The line stays, marked voided; its amount no longer counts."""
        return self._with(replace(self._active_line(line_no), voided=True, void_reason=reason))

    def discount_line(self, line_no: int, discount: int, *, sale_share: int | None = None,
                      promo: int | None = None) -> Cart:
        """Set a line's discount (minor units), from 0 up to the line amount; ``sale_share`` says how
        much of it is the line's share of a whole-sale discount, ``promo`` how much the promotions'
        (each kept as it was when None)."""
        line = self._active_line(line_no)
        if not 0 <= discount <= line.amount:
            raise CartError(_("discount on line {line_no} must be between 0 and the line amount").format(line_no=line_no))
        share = min(line.sale_discount if sale_share is None else sale_share, discount)
        promo = min(line.promo_discount if promo is None else promo, discount - share)
        return self._with(replace(line, discount=discount, sale_discount=share, promo_discount=promo))

    def set_quantity(self, line_no: int, qty_milli: int) -> Cart:
        """A new quantity on a line: its amount follows, its discounts are capped at it."""
        line = self._active_line(line_no)
        check_unit_quantity(line.unit, qty_milli)
        amount = _bounded_line_amount(line.name, line.unit_price, qty_milli)
        discount = min(line.discount, amount)
        cart = self._with(_capped(replace(line, qty_milli=qty_milli, amount=amount, discount=discount)))
        if cart.subtotal > MAX_AMOUNT:
            raise CartError(_("{name} would take the sale past the largest total the lane takes").format(
                name=repr(line.name)))
        return cart

    def same_item_line(self, product_id: int | None, sku: str, unit_price: int) -> CartLine | None:
        """The active line a repeated scan of this item adds to: sold each, same price, no discount
        but the promotions' (worked out again once it grows)."""
        if product_id is None:
            return None
        for line in reversed(self.active_lines):
            if (line.product_id, line.sku, line.unit, line.unit_price, line.discount - line.promo_discount) == (
                    product_id, sku, "each", unit_price, 0):
                return line
        return None

    def override_price(self, line_no: int, unit_price: int) -> Cart:
        """Set a new unit price on a line; the amount follows; a discount is capped at it."""
        line = self._active_line(line_no)
        if unit_price < 0:
            raise CartError(_("price on line {line_no} cannot be negative").format(line_no=line_no))
        amount = _bounded_line_amount(line.name, unit_price, line.qty_milli)
        discount = min(line.discount, amount)
        return self._with(_capped(replace(line, unit_price=unit_price, amount=amount, discount=discount)))

    @property
    def active_lines(self) -> tuple[CartLine, ...]:
        return tuple(line for line in self.lines if not line.voided)

    @property
    def item_count(self) -> int:
        """Items sold each count by quantity; a weighed line counts once."""
        return sum(
            1 if line.unit == "kg" else line.qty_milli // MILLI for line in self.active_lines
        )

    @property
    def subtotal(self) -> int:
        return sum(line.net for line in self.lines)

    @property
    def discount_total(self) -> int:
        return sum(line.discount for line in self.active_lines)

    @property
    def sale_discount(self) -> int:
        """What a discount on the whole sale takes off (its shares on the lines still sold)."""
        return sum(line.sale_discount for line in self.active_lines)

    @property
    def promo_discount(self) -> int:
        """What promotions take off the lines still sold."""
        return sum(line.promo_discount for line in self.active_lines)

    def with_promotions(self, line_discounts: Mapping[int, int]) -> Cart:
        """The cart with the promotions' discount of each line (line number -> amount; absent: none)
        in place of the one it had. A line keeps its cashier's discount and sale-discount share; the
        promotion is cut to what they leave of it (a sale discount given before items were added)."""
        lines = []
        for line in self.lines:
            kept = line.discount - line.promo_discount
            promo = 0 if line.voided else min(line_discounts.get(line.line_no, 0), line.amount - kept)
            lines.append(line if promo == line.promo_discount else _with_promo(line, kept + promo, promo))
        return Cart(tuple(lines))


def _with_promo(line: CartLine, discount: int, promo: int) -> CartLine:
    """``line`` with a new discount and promotions' part of it, copied field by field: a threshold
    moves the share of every line at each scan, and ``dataclasses.replace`` (through ``__init__`` by
    keyword, some 8 µs a line) would cost a 100-line sale most of a millisecond."""
    new = object.__new__(CartLine)
    fields = new.__dict__
    fields.update(line.__dict__)
    fields["discount"], fields["promo_discount"] = discount, promo
    return new


def _capped(line: CartLine) -> CartLine:
    """``line`` with its sale share and promotions' part cut to its (new) discount."""
    share = min(line.sale_discount, line.discount)
    return replace(line, sale_discount=share, promo_discount=min(line.promo_discount, line.discount - share))
