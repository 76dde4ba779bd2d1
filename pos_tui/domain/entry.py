"""The cashier's entry line: an optional quantity, a star, a code ("3*6901234567892", "1.25*2000001")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pos_tui.domain.barcodes import BarcodeError, classify
from pos_tui.domain.errors import DomainError
from pos_tui.i18n import _


class EntryError(DomainError):
    """An entry line the lane cannot read."""


@dataclass(frozen=True)
class Entry:
    """A parsed entry: ``qty_milli`` None when no quantity was typed; ``code`` "" for a pending quantity."""

    qty_milli: int | None
    code: str


QTY_DECIMALS = 3
_QTY = re.compile(r"^(?P<whole>\d{1,9})(?:\.(?P<frac>\d+))?$", re.ASCII)


def parse_quantity(text: str) -> int:
    """Read a quantity like "3", "1.25" or "1.250" into thousandths; it must be more than 0."""
    raw = text.strip()
    if raw.startswith("-"):
        raise EntryError(_("quantity {qty} must be more than 0").format(qty=repr(raw)))
    m = _QTY.match(raw)
    if not m:
        raise EntryError(_("quantity {qty} is not a number (e.g. 3 or 1.250)").format(qty=repr(raw)))
    frac = m.group("frac") or ""
    if len(frac) > QTY_DECIMALS:
        raise EntryError(_("quantity {qty} has more than {decimals} decimal places").format(
            qty=repr(raw), decimals=QTY_DECIMALS))
    qty_milli = int(m.group("whole")) * 1000 + int(frac.ljust(QTY_DECIMALS, "0"))
    if qty_milli == 0:
        raise EntryError(_("quantity {qty} must be more than 0").format(qty=repr(raw)))
    return qty_milli


def parse_entry(text: str) -> Entry:
    """Split the entry line into quantity and code; the code is checked as a barcode or PLU."""
    raw = text.strip()
    if not raw:
        raise EntryError(_("nothing entered"))
    if raw.count("*") > 1:
        raise EntryError(_("{entry} has more than one '*' (type quantity*code, e.g. 3*6901234567892)").format(
            entry=repr(raw)))
    qty_text, star, code = raw.rpartition("*")
    if star and not qty_text.strip():
        raise EntryError(_("{entry} has no quantity before '*'").format(entry=repr(raw)))
    qty_milli = parse_quantity(qty_text) if star else None
    code = code.strip()
    if code:
        try:
            classify(code)
        except BarcodeError as exc:
            raise EntryError(str(exc)) from exc
    return Entry(qty_milli, code)
