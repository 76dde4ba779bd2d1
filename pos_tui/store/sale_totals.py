"""What an open sale comes to, read from its committed lines: for anyone settling it who does
not hold the sale in memory (the back office resolving a payment a lane left unknown)."""

from __future__ import annotations

from collections.abc import Mapping

from pos_tui.domain.money import Rate
from pos_tui.domain.tax import Totals, tax_breakdown
from pos_tui.store.sales import load_cart


def sale_totals(sale_id: int, rates: Mapping[str, Rate], prices_include_tax: bool) -> Totals:
    """Subtotal, tax and total of the sale's lines as committed (voids and discounts applied)."""
    return tax_breakdown(load_cart(sale_id).lines, rates, prices_include_tax)
