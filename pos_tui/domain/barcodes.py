"""Barcodes the lane reads: GTINs (EAN-8, UPC-A, EAN-13), PLU/SKU codes, price/weight-embedded EAN-13."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from pos_tui.domain.errors import DomainError
from pos_tui.i18n import _


class BarcodeError(DomainError):
    """A code that cannot be read, or a layout that cannot describe one."""


GTIN_KINDS = {8: "ean8", 12: "upca", 13: "ean13"}
_GTIN_NAMES = {8: "EAN-8", 12: "UPC-A", 13: "EAN-13"}
MAX_PLU_LENGTH = 20
_PLU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def ean_check_digit(body: str) -> int:
    """The GS1 check digit for the digits before it (weights 3,1,3,... from the right)."""
    if not _is_digits(body):
        raise BarcodeError(f"{body!r}: a check digit needs digits only")
    backwards = body[::-1]
    total = 3 * sum(map(int, backwards[0::2])) + sum(map(int, backwards[1::2]))
    return (10 - total % 10) % 10


def is_gtin(code: str) -> bool:
    """Whether the code has the shape of a GTIN (8, 12 or 13 digits); the check digit is not judged."""
    return _is_digits(code) and len(code) in GTIN_KINDS


def validate_gtin(code: str) -> None:
    """Raise BarcodeError unless ``code`` is an EAN-8, UPC-A or EAN-13 with a right check digit."""
    if not is_gtin(code):
        raise BarcodeError(_("{code} is not an EAN-8, UPC-A or EAN-13 code (8, 12 or 13 digits)").format(code=repr(code)))
    expected = ean_check_digit(code[:-1])
    if int(code[-1]) != expected:
        name = _GTIN_NAMES[len(code)]
        raise BarcodeError(_("{kind} {code}: check digit is {digit}, should be {expected}").format(
            kind=name, code=code, digit=code[-1], expected=expected))


def _check_code_characters(code: str) -> None:
    if len(code) <= MAX_PLU_LENGTH and code.isascii() and _PLU.match(code):
        return  # letters, digits, ". _ -": none of the faults below (most codes, read in bulk by an import)
    if not code:
        raise BarcodeError(_("the code is empty"))
    for char in code:
        if char.isspace():
            raise BarcodeError(_("code {code} contains a space").format(code=repr(code)))
        if unicodedata.category(char).startswith("C"):
            raise BarcodeError(_("code {code} contains a control character").format(code=repr(code)))
    if len(code) > MAX_PLU_LENGTH:
        raise BarcodeError(_("code {code} is longer than {length} characters").format(
            code=repr(code), length=MAX_PLU_LENGTH))
    if not _PLU.match(code):
        raise BarcodeError(
            _("code {code} may hold only letters, digits, '.', '_' and '-', starting with a letter or digit").format(
                code=repr(code))
        )


def classify(code: str) -> str:
    """"ean8", "upca" or "ean13" for a valid GTIN (check digit verified), else "plu" for a SKU/PLU code."""
    _check_code_characters(code)
    if is_gtin(code):
        validate_gtin(code)
        return GTIN_KINDS[len(code)]
    return "plu"


_LAYOUT_LETTERS = {
    "F": "a flag digit",
    "I": "item code",
    "P": "price",
    "W": "weight",
    "V": "price check digit",
    "C": "check digit",
}


def _runs(pattern: str, letter: str) -> list[slice]:
    return [slice(m.start(), m.end()) for m in re.finditer(f"{letter}+", pattern)]


@dataclass(frozen=True)
class EmbeddedLayout:
    """Where an in-store EAN-13 keeps its item code and its price (minor units) or weight (grams)."""

    pattern: str
    prefix: str
    item: slice
    value: slice
    value_kind: str  # "price" or "weight"

    @classmethod
    def parse(cls, pattern: str) -> EmbeddedLayout:
        """Read a 13-character pattern like "20IIIIIPPPPPC" (spaces ignored)."""
        compact = "".join(pattern.split())
        where = f"barcode layout {pattern!r}"
        if len(compact) != 13:
            raise BarcodeError(f"{where} has {len(compact)} positions, an EAN-13 needs 13")
        prefix = re.match(r"[0-9]*", compact).group()
        for char in compact[len(prefix):]:
            if char.isdigit():
                raise BarcodeError(f"{where}: literal digits belong only at the start")
            if char not in _LAYOUT_LETTERS:
                raise BarcodeError(f"{where}: unknown letter {char!r} (use F, I, P, W, V, C)")
        if compact.count("C") != 1 or not compact.endswith("C"):
            raise BarcodeError(f"{where}: the check digit C must be the last position, once")
        if compact.count("V") > 1:
            raise BarcodeError(f"{where}: at most one price check digit V")
        items = _runs(compact, "I")
        if len(items) != 1:
            raise BarcodeError(f"{where}: needs one run of item code digits I")
        prices, weights = _runs(compact, "P"), _runs(compact, "W")
        if len(prices) + len(weights) != 1:
            raise BarcodeError(f"{where}: needs exactly one run of price digits P or weight digits W")
        value, kind = (prices[0], "price") if prices else (weights[0], "weight")
        return cls(compact, prefix, items[0], value, kind)


@dataclass(frozen=True)
class Embedded:
    """What an embedded code carries: the item code and either a price or a weight."""

    item_code: str
    price: int | None
    weight_milli: int | None


def decode_embedded(code: str, layouts: dict[str, str]) -> Embedded | None:
    """Decode a price/weight-embedded EAN-13 by its 2-digit prefix; None when no layout claims it."""
    if not (_is_digits(code) and len(code) == 13):
        return None
    pattern = layouts.get(code[:2])
    if pattern is None:
        return None
    validate_gtin(code)
    layout = EmbeddedLayout.parse(pattern)
    if not code.startswith(layout.prefix):
        raise BarcodeError(f"barcode layout {pattern!r} for prefix {code[:2]} does not match {code}")
    value = int(code[layout.value])
    if layout.value_kind == "price":
        return Embedded(code[layout.item], value, None)
    return Embedded(code[layout.item], None, value)


def check_layouts(layouts: dict[str, str]) -> None:
    """Raise BarcodeError unless every key is a prefix 20-29 and its pattern parses and agrees with it."""
    for key, pattern in layouts.items():
        if not (_is_digits(key) and len(key) == 2 and key.startswith("2")):
            raise BarcodeError(f"embedded barcode prefix {key!r} must be two digits from 20 to 29")
        literal = EmbeddedLayout.parse(pattern).prefix[:2]
        if not key.startswith(literal):
            raise BarcodeError(f"barcode layout {pattern!r} does not start with its prefix {key}")
