"""Money as integer minor units (fen, cents). The only place amounts are parsed and formatted.

Every amount in code and in every table is an ``int`` count of the currency's minor unit.
Rates (tax, fees) are ``Rate`` values: exact integers in parts per million, never floats.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from pos_tui.domain.currencies import ISO_4217
from pos_tui.i18n import _


class MoneyError(ValueError):
    """An amount or rate that cannot be read; the message says what was wrong."""


@dataclass(frozen=True)
class Currency:
    code: str
    numeric: str
    digits: int
    symbol: str

    @property
    def scale(self) -> int:
        return 10**self.digits


_SYMBOLS = {
    "CNY": "¥", "JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "KRW": "₩", "HKD": "HK$",
    "TWD": "NT$", "SGD": "S$", "AUD": "A$", "CAD": "C$", "INR": "₹", "RUB": "₽", "CHF": "CHF ",
    "MOP": "MOP$", "THB": "฿", "VND": "₫", "PHP": "₱", "NZD": "NZ$",
}


def currency(code: str) -> Currency:
    """The ISO 4217 currency for ``code`` (e.g. "CNY"); MoneyError if it is not one."""
    upper = code.strip().upper() if isinstance(code, str) else ""
    if upper not in ISO_4217:
        raise MoneyError(f"{code!r} is not an ISO 4217 currency code (e.g. CNY, EUR, USD)")
    numeric, digits = ISO_4217[upper]
    return Currency(upper, numeric, digits, _SYMBOLS.get(upper, upper + " "))


# The largest amount anywhere: a price, a line, a sale, a tender, a float (999,999,999.99 in a
# two-decimal currency). Far inside SQLite's 64-bit integers even summed over millions of sales.
MAX_AMOUNT = 10**11 - 1


def check_amount(minor: int, cur: Currency) -> int:
    """``minor`` itself, or MoneyError when it is past MAX_AMOUNT either way."""
    if abs(minor) > MAX_AMOUNT:
        raise MoneyError(_("{amount} is over the largest amount the lane takes ({limit})").format(
            amount=format_amount(minor, cur, symbol=True), limit=format_amount(MAX_AMOUNT, cur, symbol=True)))
    return minor


_AMOUNT = re.compile(r"^(?P<sign>[-+]?)(?P<int>\d{1,15}|\d{1,3}(?:,\d{3})+)?(?:\.(?P<frac>\d*))?$")


_PLAIN_AMOUNT = {digits: re.compile(r"\d{1,15}" + (rf"\.\d{{{digits}}}" if digits else "")) for digits in range(4)}


@functools.lru_cache(maxsize=16)
def _amount_prefixes(cur: Currency) -> tuple[str, ...]:
    """What an amount may start with in ``cur`` ("¥", "CNY"), the longest first."""
    return tuple(prefix for prefix in sorted({cur.symbol.strip(), cur.code, "¥", "￥"}, key=len, reverse=True) if prefix)


def parse_amount(text: str, cur: Currency, *, allow_negative: bool = False) -> int:
    """Read "12.5", "12.50", "¥12.50", "1,234.50" into minor units; reject anything inexact.

    Rejects: empty text, exponents ("1e3"), more decimals than the currency has ("12.505"),
    a negative amount unless ``allow_negative``.
    """
    if cur.digits in _PLAIN_AMOUNT and isinstance(text, str) and _PLAIN_AMOUNT[cur.digits].fullmatch(text):
        # Digits and exactly the currency's decimals ("649.87"), as a catalog file holds them: the
        # same value as below, read in one step.
        return check_amount(int(text.replace(".", "", 1)), cur)
    raw = text if isinstance(text, str) else ""
    cleaned = raw.strip()
    unsigned = cleaned.lstrip("-+")
    if unsigned.startswith(_amount_prefixes(cur)):
        for prefix in _amount_prefixes(cur):
            if unsigned.startswith(prefix):
                sign = cleaned[0] if cleaned[:1] in "-+" else ""
                cleaned = sign + unsigned[len(prefix):].strip()
                break
    m = _AMOUNT.match(cleaned)
    if not cleaned or not m or (m.group("int") is None and not m.group("frac")):
        raise MoneyError(_("{text} is not an amount (expected e.g. 12.50)").format(text=repr(raw)))
    frac = m.group("frac") or ""
    if len(frac) > cur.digits:
        if cur.digits == 0:
            raise MoneyError(_("{text}: {currency} has no decimal places").format(text=repr(raw), currency=cur.code))
        raise MoneyError(_("{text}: {currency} has only {digits} decimal places").format(
            text=repr(raw), currency=cur.code, digits=cur.digits))
    whole = int((m.group("int") or "0").replace(",", ""))
    minor = whole * cur.scale + int(frac.ljust(cur.digits, "0") or "0")
    if m.group("sign") == "-":
        if not allow_negative and minor != 0:
            raise MoneyError(_("{text}: a negative amount is not allowed here").format(text=repr(raw)))
        minor = -minor
    return check_amount(minor, cur)


def format_amount(minor: int, cur: Currency, *, symbol: bool = False, grouping: bool = True) -> str:
    """Minor units as text: 123450 -> "1,234.50" (or "¥1,234.50" with ``symbol``)."""
    if not isinstance(minor, int) or isinstance(minor, bool):
        raise TypeError(f"money must be an int of minor units, got {type(minor).__name__}")
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), cur.scale)
    body = f"{whole:,}" if grouping else str(whole)
    if cur.digits:
        body += "." + str(frac).rjust(cur.digits, "0")
    return f"{sign}{cur.symbol if symbol else ''}{body}"


def round_half_up_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero, in integers."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    q, r = divmod(abs(numerator), denominator)
    if 2 * r >= denominator:
        q += 1
    return q if numerator >= 0 else -q


def round_to_step(minor: int, step: int) -> int:
    """Round to a cash step (e.g. 10 fen for 0.10 CNY), half up; step <= 1 leaves it."""
    if step <= 1:
        return minor
    return round_half_up_div(minor, step) * step


PPM = 1_000_000


@dataclass(frozen=True)
class Rate:
    """A percentage held exactly as parts per million: "0.6%" -> Rate(6000)."""

    ppm: int

    def of(self, minor: int) -> int:
        """This rate of an amount, half-up to the minor unit."""
        return round_half_up_div(minor * self.ppm, PPM)

    def __str__(self) -> str:
        whole, frac = divmod(self.ppm, PPM // 100)
        return f"{whole}.{str(frac).rjust(4, '0').rstrip('0')}%".replace(".%", "%")


_PERCENT = re.compile(r"^(\d{1,3})(?:\.(\d{1,4}))?\s*%$")


def parse_rate(text: str) -> Rate:
    """Read a percentage like "0.6%" or "13%" (up to 4 decimals). A bare number is refused."""
    m = _PERCENT.match(text.strip()) if isinstance(text, str) else None
    if not m:
        raise MoneyError(_('expected a percentage like "0.6%", got {text}').format(text=repr(text)))
    ppm = int(m.group(1)) * (PPM // 100) + int((m.group(2) or "").ljust(4, "0"))
    if ppm > PPM:
        raise MoneyError(_("{text} is over 100%").format(text=repr(text)))
    return Rate(ppm)


def fee(minor: int, rate: Rate, cap: int | None = None) -> int:
    """Fee for an amount at a rate, half-up to the minor unit, at most ``cap`` when given."""
    value = rate.of(minor)
    return min(value, cap) if cap is not None else value
