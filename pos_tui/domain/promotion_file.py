"""Promotions from a file's text (TOML or CSV; docs/promotions.md is the format): all of them, or
PromotionFileError listing every bad row with its line and field, and nothing taken.

Pure: the caller reads the file and stores what comes back in one transaction.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from pos_tui.domain.errors import DomainError
from pos_tui.domain.money import PPM, Currency, MoneyError, Rate, format_amount, parse_amount, parse_rate
from pos_tui.domain.promotions.rules import (
    WEEKDAYS,
    BuyGet,
    MemberPrice,
    MixMatch,
    MultiBuy,
    NthItem,
    Promotion,
    SpendSave,
    Stacking,
    TimeWindow,
)
from pos_tui.domain.text import TextError, check_text
from pos_tui.i18n import _

COMMON = ("id", "name", "kind", "stacking", "members_only", "starts", "ends", "weekdays", "hours")
FIELDS: dict[str, tuple[str, ...]] = {
    "multi_buy": ("skus", "quantity", "price"),
    "nth_item": ("skus", "nth", "percent"),
    "buy_get": ("buy_skus", "buy", "get_skus", "get", "percent"),
    "mix_match": ("groups", "price"),
    "spend_save": ("tiers", "department", "repeat"),
    "member_price": ("prices",),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "multi_buy": ("skus", "quantity", "price"), "nth_item": ("skus", "nth", "percent"),
    "buy_get": ("buy_skus", "buy", "get"), "mix_match": ("groups", "price"), "spend_save": ("tiers",),
    "member_price": ("prices",),
}
CSV_COLUMNS = COMMON + tuple(dict.fromkeys(f for fields in FIELDS.values() for f in fields))
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")
_HOURS = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})")


@dataclass(frozen=True)
class Problem:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return _("line {line}, {field}: {problem}").format(line=self.line, field=self.field, problem=self.message)


class PromotionFileError(DomainError):
    """Every problem of a promotions file; none of its promotions is taken."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


class _Bad(Exception):
    def __init__(self, field: str, message: str) -> None:
        self.field, self.message = field, message


# ---------------------------------------------------------------------------- one value each

def _text(field: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Bad(field, _("expected some text"))
    try:
        return check_text(value.strip(), field)
    except TextError as error:
        raise _Bad(field, error.at_column) from None


def _whole(field: str, value: Any, minimum: int) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= 999:
        raise _Bad(field, _("expected a whole number from {minimum} to 999").format(minimum=minimum))
    return value


def _amount(field: str, value: Any, cur: Currency) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise _Bad(field, _('expected an amount in quotes, like "10.00"'))
    try:
        return parse_amount(value, cur)
    except MoneyError as error:
        raise _Bad(field, str(error)) from None


def _percent(field: str, value: Any) -> Rate:
    try:
        rate = parse_rate(value) if isinstance(value, str) else None
    except MoneyError as error:
        raise _Bad(field, str(error)) from None
    if rate is None or rate.ppm <= 0:
        raise _Bad(field, _('expected a percentage above 0, like "50%"'))
    return rate


def _bool(field: str, value: Any) -> bool:
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "yes", "no", "1", "0"):
        return value.strip().lower() in ("true", "yes", "1")
    if not isinstance(value, bool):
        raise _Bad(field, _("expected true or false"))
    return value


def _date(field: str, value: Any) -> date:
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _Bad(field, _("expected a date like 2026-12-31"))


def _list(field: str, value: Any) -> list[str]:
    """A list of words: a TOML array of strings, or a CSV cell with ``|`` between them."""
    items = value.split("|") if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str) and i.strip() for i in items):
        raise _Bad(field, _('expected one or more values (a list, or "a|b" in a CSV cell)'))
    try:
        return [check_text(i.strip(), field) for i in items]
    except TextError as error:
        raise _Bad(field, error.at_column) from None


def _skus(field: str, value: Any) -> frozenset[str]:
    return frozenset(_list(field, value))


def _weekdays(field: str, value: Any) -> frozenset[int]:
    days = [d.lower() for d in _list(field, value)]
    if any(d not in WEEKDAYS for d in days):
        raise _Bad(field, _("expected days among {days}").format(days=", ".join(WEEKDAYS)))
    return frozenset(WEEKDAYS.index(d) for d in days)


def _hours(field: str, value: Any) -> tuple[time, time]:
    found = _HOURS.fullmatch(value.strip()) if isinstance(value, str) else None
    try:
        if found:
            h1, m1, h2, m2 = (int(g) for g in found.groups())
            start, end = time(h1, m1), (time(0) if (h2, m2) == (24, 0) else time(h2, m2))
            if start != end:
                return start, end
    except ValueError:
        pass
    raise _Bad(field, _('expected hours like "17:00-21:00" (an end before the start runs past midnight)'))


def _pairs(field: str, value: Any, items: str, parts: str) -> list[tuple[str, str]]:
    """Pairs from a CSV cell like "a|b:3;c:1" (``items`` ";", ``parts`` ":"); the caller names the
    form expected when the cell has another (an empty message)."""
    if not isinstance(value, str):
        raise _Bad(field, "")
    pairs = []
    for item in value.split(items):
        head, sep, tail = item.rpartition(parts)
        if not sep or not head.strip() or not tail.strip():
            raise _Bad(field, "")
        pairs.append((head.strip(), tail.strip()))
    return pairs


# ---------------------------------------------------------------------------- one promotion

def _groups(value: Any) -> tuple[tuple[frozenset[str], int], ...]:
    message = _('expected groups, each with its SKUs and a count (a CSV cell: "a|b:3;c:1")')
    try:
        if isinstance(value, str):
            raw = [(skus, count) for skus, count in _pairs("groups", value, ";", ":")]
        elif isinstance(value, list) and all(isinstance(g, dict) and set(g) == {"skus", "count"} for g in value):
            raw = [(g["skus"], g["count"]) for g in value]
        else:
            raise _Bad("groups", message)
        groups = tuple((_skus("groups", skus), _whole("groups", count, 1)) for skus, count in raw)
    except _Bad as bad:
        raise _Bad("groups", bad.message or message) from None
    if not groups:
        raise _Bad("groups", message)
    seen: set[str] = set()
    for skus, _count in groups:
        if skus & seen:
            raise _Bad("groups", _("{sku} is in more than one group").format(sku=sorted(skus & seen)[0]))
        seen |= skus
    return groups


def _tiers(value: Any, cur: Currency) -> tuple[tuple[int, int], ...]:
    message = _('expected tiers, each with a spend and an off (a CSV cell: "100.00:20.00|200.00:50.00")')
    try:
        if isinstance(value, str):
            raw = _pairs("tiers", value, "|", ":")
        elif isinstance(value, list) and value and all(isinstance(t, dict) and set(t) == {"spend", "off"} for t in value):
            raw = [(t["spend"], t["off"]) for t in value]
        else:
            raise _Bad("tiers", message)
        tiers = tuple((_amount("tiers", spend, cur), _amount("tiers", off, cur)) for spend, off in raw)
    except _Bad as bad:
        raise _Bad("tiers", bad.message or message) from None
    for i, (spend, off) in enumerate(tiers):
        if not 0 < off < spend:
            raise _Bad("tiers", _("an off must be above 0 and below its spend"))
        if i and (spend <= tiers[i - 1][0] or off < tiers[i - 1][1]):
            raise _Bad("tiers", _("each tier must spend more than the one before and take off no less"))
    return tiers


def _prices(value: Any, cur: Currency) -> tuple[tuple[str, int], ...]:
    message = _('expected a member price for each SKU (a CSV cell: "6901234567892=8.00|6901234567893=5.00")')
    try:
        if isinstance(value, str):
            raw = _pairs("prices", value, "|", "=")
        elif isinstance(value, dict) and value:
            raw = list(value.items())
        else:
            raise _Bad("prices", message)
        prices = {_text("prices", sku): _amount("prices", price, cur) for sku, price in raw}
    except _Bad as bad:
        raise _Bad("prices", bad.message or message) from None
    return tuple(sorted(prices.items()))


def _promotion(row: dict[str, Any], cur: Currency) -> Promotion:
    """One promotion from its fields (TOML values or CSV cells; an empty cell is no value)."""
    row = {k: v for k, v in row.items() if not (isinstance(v, str) and not v.strip())}
    kind = row.get("kind")
    if not isinstance(kind, str) or kind not in FIELDS:
        raise _Bad("kind", _("expected one of {kinds}").format(kinds=", ".join(FIELDS)))
    for field in row:
        if field not in COMMON and field not in FIELDS[kind]:
            raise _Bad(field, _("not a field of {kind} (its fields: {fields})").format(
                kind=kind, fields=", ".join(COMMON + FIELDS[kind])))
    for field in ("id", "name", *REQUIRED[kind]):
        if field not in row:
            raise _Bad(field, _("required for {kind}").format(kind=kind))
    promo_id = _text("id", row["id"])
    if not _ID.fullmatch(promo_id):
        raise _Bad("id", _("expected letters, digits, '.', '_' or '-' (at most 40, a letter or digit first)"))
    stacking = row.get("stacking", "stackable")
    if stacking not in ("stackable", "exclusive"):
        raise _Bad("stacking", _("expected one of {kinds}").format(kinds="stackable, exclusive"))
    starts = _date("starts", row["starts"]) if "starts" in row else None
    ends = _date("ends", row["ends"]) if "ends" in row else None
    if starts and ends and ends < starts:
        raise _Bad("ends", _("the end date is before the start date"))
    common: dict[str, Any] = {
        "id": promo_id, "name": _text("name", row["name"]), "stacking": Stacking(stacking),
        "members_only": _bool("members_only", row["members_only"]) if "members_only" in row else False,
        "window": TimeWindow(starts, ends, _weekdays("weekdays", row["weekdays"]) if "weekdays" in row else None,
                             _hours("hours", row["hours"]) if "hours" in row else None),
    }
    get: Callable[[str], Any] = row.get
    if kind == "multi_buy":
        return MultiBuy(skus=_skus("skus", get("skus")), quantity=_whole("quantity", get("quantity"), 2),
                        price=_amount("price", get("price"), cur), **common)
    if kind == "nth_item":
        return NthItem(skus=_skus("skus", get("skus")), nth=_whole("nth", get("nth"), 2),
                       percent=_percent("percent", get("percent")), **common)
    if kind == "buy_get":
        buy_skus = _skus("buy_skus", get("buy_skus"))
        percent = _percent("percent", get("percent")) if "percent" in row else Rate(PPM)
        return BuyGet(buy_skus=buy_skus, buy=_whole("buy", get("buy"), 1),
                      get_skus=_skus("get_skus", get("get_skus")) if "get_skus" in row else buy_skus,
                      get=_whole("get", get("get"), 1), percent=percent, **common)
    if kind == "mix_match":
        groups = _groups(get("groups"))
        if sum(count for _skus, count in groups) < 2:
            raise _Bad("groups", _("a mix-and-match needs at least 2 units in all"))
        return MixMatch(groups=groups, price=_amount("price", get("price"), cur), **common)
    if kind == "spend_save":
        tiers = _tiers(get("tiers"), cur)
        repeat = _bool("repeat", get("repeat")) if "repeat" in row else False
        if repeat and len(tiers) != 1:
            raise _Bad("repeat", _("repeat needs exactly one tier"))
        department = _text("department", get("department")) if "department" in row else None
        return SpendSave(tiers=tiers, department=department, repeat=repeat, **common)
    return MemberPrice(prices=_prices(get("prices"), cur), **common)


# ---------------------------------------------------------------------------- whole files

def _check_ids(found: list[tuple[int, Promotion]], problems: list[Problem]) -> None:
    first_line: dict[str, int] = {}
    for line, promo in found:
        if promo.id in first_line:
            problems.append(Problem(line, "id", _("{id} is already the id on line {other}").format(
                id=promo.id, other=first_line[promo.id])))
        else:
            first_line[promo.id] = line


def _finish(found: list[tuple[int, Promotion]], problems: list[Problem]) -> tuple[Promotion, ...]:
    _check_ids(found, problems)
    if not found and not problems:
        problems.append(Problem(1, "promotion", _("the file has no promotions")))
    if problems:
        raise PromotionFileError(sorted(problems, key=lambda p: p.line))
    return tuple(promo for _line, promo in found)


def parse_toml(text: str, cur: Currency) -> tuple[Promotion, ...]:
    """The promotions of a TOML file: one ``[[promotion]]`` table each (docs/promotions.md)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        at = re.search(r"line (\d+)", str(error))
        raise PromotionFileError([Problem(int(at.group(1)) if at else 1, "toml", str(error))]) from None
    lines = text.splitlines()
    headers = [i + 1 for i, line in enumerate(lines) if re.match(r"\s*\[\[\s*promotion\s*\]\]", line)]
    problems: list[Problem] = []
    for key in data:
        if key != "promotion":
            problems.append(Problem(1, key, _("expected only [[promotion]] tables")))
    tables = data.get("promotion", [])
    if not isinstance(tables, list):
        tables = []
        problems.append(Problem(1, "promotion", _("expected only [[promotion]] tables")))
    found = []
    for index, table in enumerate(tables):
        header = headers[index] if index < len(headers) else 1
        try:
            found.append((header, _promotion(table, cur)))
        except _Bad as bad:
            problems.append(Problem(_field_line(lines, header, headers[index + 1] if index + 1 < len(headers)
                                                else len(lines) + 1, bad.field), bad.field, bad.message))
    return _finish(found, problems)


def _field_line(lines: list[str], header: int, next_header: int, field: str) -> int:
    """The line of ``field = …`` in the table starting at line ``header``, else the header's."""
    pattern = re.compile(rf"\s*{re.escape(field)}\s*=")
    for number in range(header + 1, next_header):
        if pattern.match(lines[number - 1]):
            return number
    return header


def parse_csv(text: str, cur: Currency) -> tuple[Promotion, ...]:
    """The promotions of a CSV file: a header row of field names, one promotion a row."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = next(reader, None)
    if not header:
        raise PromotionFileError([Problem(1, "header", _("the file has no promotions"))])
    columns = [column.strip() for column in header]
    problems = [Problem(1, column, _("not a column of a promotions file (its columns: {fields})").format(
        fields=", ".join(CSV_COLUMNS))) for column in columns if column not in CSV_COLUMNS]
    if problems:
        raise PromotionFileError(problems)
    found = []
    line = reader.line_num
    for cells in reader:
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(columns):
            problems.append(Problem(start, "row", _("expected {expected} cells, got {got}").format(
                expected=len(columns), got=len(cells))))
            continue
        try:
            found.append((start, _promotion(dict(zip(columns, cells)), cur)))
        except _Bad as bad:
            problems.append(Problem(start, bad.field, bad.message))
    return _finish(found, problems)


def parse_promotions(text: str, filename: str, cur: Currency) -> tuple[Promotion, ...]:
    """The promotions of ``text``, read as CSV when ``filename`` ends in .csv, else as TOML."""
    return parse_csv(text, cur) if filename.lower().endswith(".csv") else parse_toml(text, cur)



# ---------------------------------------------------------------------------- as stored

def promotion_fields(promo: Promotion, cur: Currency) -> dict[str, Any]:
    """``promo`` as the fields of its file (JSON-ready: text, numbers, lists, tables), so the store
    keeps each promotion in the documented format and reads it back with ``promotion_from_fields``."""
    def money(minor: int) -> str:
        return format_amount(minor, cur, grouping=False)

    fields: dict[str, Any] = {"id": promo.id, "name": promo.name, "kind": promo.kind,
                              "stacking": promo.stacking.value}
    if promo.members_only:
        fields["members_only"] = True
    window = promo.window
    if window.starts is not None:
        fields["starts"] = window.starts.isoformat()
    if window.ends is not None:
        fields["ends"] = window.ends.isoformat()
    if window.weekdays is not None:
        fields["weekdays"] = [WEEKDAYS[d] for d in sorted(window.weekdays)]
    if window.hours is not None:
        fields["hours"] = "-".join(t.strftime("%H:%M") for t in window.hours)
    if isinstance(promo, MultiBuy):
        fields.update(skus=sorted(promo.skus), quantity=promo.quantity, price=money(promo.price))
    elif isinstance(promo, NthItem):
        fields.update(skus=sorted(promo.skus), nth=promo.nth, percent=str(promo.percent))
    elif isinstance(promo, BuyGet):
        fields.update(buy_skus=sorted(promo.buy_skus), buy=promo.buy, get_skus=sorted(promo.get_skus),
                      get=promo.get, percent=str(promo.percent))
    elif isinstance(promo, MixMatch):
        fields.update(groups=[{"skus": sorted(skus), "count": count} for skus, count in promo.groups],
                      price=money(promo.price))
    elif isinstance(promo, SpendSave):
        fields["tiers"] = [{"spend": money(spend), "off": money(off)} for spend, off in promo.tiers]
        if promo.department is not None:
            fields["department"] = promo.department
        if promo.repeat:
            fields["repeat"] = True
    elif isinstance(promo, MemberPrice):
        fields["prices"] = {sku: money(price) for sku, price in promo.prices}
    return fields


def promotion_from_fields(fields: dict[str, Any], cur: Currency) -> Promotion:
    """A promotion back from ``promotion_fields``; PromotionFileError naming the field when a
    stored definition is no longer valid."""
    try:
        return _promotion(fields, cur)
    except _Bad as bad:
        raise PromotionFileError([Problem(1, bad.field, bad.message)]) from None
