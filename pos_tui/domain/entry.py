"""The cashier's entry line: an optional quantity, a star, a code ("3*6901234567892", "1.25*2000001")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pos_tui.domain.barcodes import BarcodeError, classify
from pos_tui.domain.errors import DomainError


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
        raise EntryError(f"quantity {raw!r} must be more than 0")
    m = _QTY.match(raw)
    if not m:
        raise EntryError(f"quantity {raw!r} is not a number (e.g. 3 or 1.250)")
    frac = m.group("frac") or ""
    if len(frac) > QTY_DECIMALS:
        raise EntryError(f"quantity {raw!r} has more than {QTY_DECIMALS} decimal places")
    qty_milli = int(m.group("whole")) * 1000 + int(frac.ljust(QTY_DECIMALS, "0"))
    if qty_milli == 0:
        raise EntryError(f"quantity {raw!r} must be more than 0")
    return qty_milli


def parse_entry(text: str) -> Entry:
    """Split the entry line into quantity and code; the code is checked as a barcode or PLU."""
    raw = text.strip()
    if not raw:
        raise EntryError("nothing entered")
    if raw.count("*") > 1:
        raise EntryError(f"{raw!r} has more than one '*' (type quantity*code, e.g. 3*6901234567892)")
    qty_text, star, code = raw.rpartition("*")
    if star and not qty_text.strip():
        raise EntryError(f"{raw!r} has no quantity before '*'")
    qty_milli = parse_quantity(qty_text) if star else None
    code = code.strip()
    if code:
        try:
            classify(code)
        except BarcodeError as exc:
            raise EntryError(str(exc)) from exc
    return Entry(qty_milli, code)
