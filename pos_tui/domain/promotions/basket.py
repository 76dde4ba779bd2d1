"""What the promotions engine reads of the sale: one ``PromoLine`` per active cart line."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import NamedTuple

from pos_tui.domain.cart import Cart

DEPARTMENT_SKU_PREFIX = "DEPT-"  # open-price department items are sold as DEPT-<code>


class PromoLine(NamedTuple):
    """A sale line as the engine sees it. ``amount`` is the line at its (catalog, or overridden)
    price before any discount; ``manual`` marks a line with a cashier's discount or price override:
    it takes no promotion and does not count towards a spend threshold. (A named tuple: the lane
    makes one per line at every scan, several times faster than a frozen dataclass.)"""

    line_no: int
    sku: str
    unit: str  # "each" or "kg"
    qty_milli: int
    unit_price: int
    amount: int
    department: str | None = None
    manual: bool = False


def promo_lines(cart: Cart, *, departments: Mapping[str, str | None] | None = None,
                manual: Collection[int] = ()) -> tuple[PromoLine, ...]:
    """The cart's active lines for the engine. ``departments`` maps a SKU to its department code (a
    catalog product's; None or absent: none; a DEPT-<code> line is in <code>); ``manual`` holds the
    numbers of the lines a cashier discounted or re-priced by hand (the cart's ``discount`` mixes
    those with shares of a whole-sale discount, so the lane says which are which)."""
    departments = departments or {}
    taken = set(manual)
    result = []
    for line in cart.active_lines:
        department = departments.get(line.sku)
        if department is None and line.sku.startswith(DEPARTMENT_SKU_PREFIX):
            department = line.sku[len(DEPARTMENT_SKU_PREFIX):]
        result.append(PromoLine(line.line_no, line.sku, line.unit, line.qty_milli, line.unit_price, line.amount,
                                department, line.line_no in taken))
    return tuple(result)
