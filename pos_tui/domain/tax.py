"""Sale totals and tax per rate, from the lines' net amounts, rounded once per rate group."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from pos_tui.domain.errors import DomainError
from pos_tui.domain.money import PPM, Rate, round_half_up_div
from pos_tui.i18n import _


class TaxError(DomainError):
    """A line whose tax code is not a configured rate."""


class TaxableLine(Protocol):
    tax_code: str
    voided: bool

    @property
    def net(self) -> int: ...


@dataclass(frozen=True)
class Totals:
    subtotal: int
    tax_by_rate: dict[str, int]
    tax_total: int
    total: int


def tax_included(gross: int, rate: Rate) -> int:
    """The tax inside a tax-inclusive amount: gross - gross / (1 + rate), with the net half-up."""
    return gross - round_half_up_div(gross * PPM, PPM + rate.ppm)


def tax_breakdown(
    lines: Iterable[TaxableLine], rates: Mapping[str, Rate], prices_include_tax: bool
) -> Totals:
    """Subtotal, tax per rate code (sorted by code), tax total and the total the customer pays.

    Tax is rounded on each rate group's sum, not per line, so a receipt's per-rate lines add up.
    """
    groups: dict[str, int] = {}
    for line in lines:
        if line.tax_code not in rates:
            known = ", ".join(sorted(rates)) or _("none configured")
            raise TaxError(_("tax code {code} is not a configured rate (known: {known})").format(
                code=repr(line.tax_code), known=known))
        if not line.voided:
            groups[line.tax_code] = groups.get(line.tax_code, 0) + line.net
    subtotal = sum(groups.values())
    if prices_include_tax:
        tax_by_rate = {code: tax_included(groups[code], rates[code]) for code in sorted(groups)}
    else:
        tax_by_rate = {code: rates[code].of(groups[code]) for code in sorted(groups)}
    tax_total = sum(tax_by_rate.values())
    total = subtotal if prices_include_tax else subtotal + tax_total
    return Totals(subtotal, tax_by_rate, tax_total, total)
