"""The member register for the command line: add, list, show, import a CSV file (docs/members.md),
edit, disable, adjust points. Every write is one journaled transaction; bad input is refused with
what was wrong and nothing changed."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from pos_tui.config import Config
from pos_tui.domain.business_day import business_day
from pos_tui.domain.errors import DomainError
from pos_tui.domain.members import MemberError, check_card, check_member_name, check_phone
from pos_tui.domain.text import check_text
from pos_tui.i18n import _
from pos_tui.store import members as member_store
from pos_tui.store.members import EntryInfo, MemberInfo, MemberRow
from pos_tui.store.sales import masked_member

__all__ = ["CSV_COLUMNS", "EntryInfo", "MemberImportError", "MemberInfo", "add_member", "adjust_points", "check_numbers",
           "edit_member", "find_member", "import_members", "list_members", "masked_member", "member_entries",
           "parse_member_csv", "set_disabled"]

CSV_COLUMNS = ("card", "phone", "name", "points")


class MemberImportError(MemberError):
    """A members file refused: every bad line with its number and reason; nothing was taken."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        self.problems = problems
        super().__init__(_("{count} bad lines: no member was taken").format(count=len(problems)))


@dataclass(frozen=True)
class _Day:
    lane: int
    business_day: dt.date
    now: dt.datetime


def _day(config: Config) -> _Day:
    now = dt.datetime.now().replace(microsecond=0)
    return _Day(config.store.lane, business_day(now, config.store.day_starts_at), now)


def _counted(config: Config) -> bool:
    """A lane on its own keeps the balance itself; a lane of a store server waits for its reconcile."""
    return not config.server.url


def check_numbers(card: str, phone: str) -> tuple[str, str]:
    """A card number and a phone number as kept ("" for none given); MemberError for a bad one."""
    return (check_card(card) if card.strip() else "", check_phone(phone) if phone.strip() else "")


def add_member(config: Config, *, card: str, phone: str, name: str, points: int = 0, actor: str) -> MemberInfo:
    card, phone = check_numbers(card, phone)
    if points < 0:
        raise MemberError(_("an opening balance cannot be below 0 points"))
    day = _day(config)
    return member_store.add_member(card, phone, check_member_name(name), actor=actor, now=day.now, lane=day.lane,
                                   business_day=day.business_day, points=points)


def edit_member(config: Config, number: str, *, card: str | None, phone: str | None, name: str | None,
                actor: str) -> MemberInfo:
    member = find_member(number)
    if card is None and phone is None and name is None:
        raise MemberError(_("nothing to change: give --card, --phone and/or --name"))
    return member_store.edit_member(
        member.code, card=check_card(card) if card else card, phone=check_phone(phone) if phone else phone,
        name=check_member_name(name) if name is not None else None, actor=actor, now=_day(config).now)


def set_disabled(config: Config, number: str, disabled: bool, *, actor: str) -> MemberInfo:
    return member_store.set_disabled(find_member(number).code, disabled, actor=actor, now=_day(config).now)


def adjust_points(config: Config, number: str, points: int, reason: str, *, actor: str) -> MemberInfo:
    reason = check_text(reason.strip(), _("reason"))
    if not reason:
        raise MemberError(_("an adjustment needs a reason"))
    day = _day(config)
    return member_store.adjust_points(find_member(number).code, points, reason, actor=actor, now=day.now,
                                      lane=day.lane, business_day=day.business_day, counted=_counted(config))


def find_member(number: str) -> MemberInfo:
    """The member whose card, phone or code ``number`` is; MemberError naming it when there is none."""
    member = member_store.find(number)
    if member is None:
        raise MemberError(_("no member has card or phone {number}").format(number=number.strip()))
    return member


def list_members() -> list[MemberInfo]:
    return member_store.list_members()


def member_entries(code: str) -> list[EntryInfo]:
    return member_store.entries_of(code)


def parse_member_csv(text: str) -> list[MemberRow]:
    """The rows of a members CSV (header ``card,phone,name,points``; card or phone on each row;
    points an opening balance, may be empty); MemberImportError lists every bad line."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise MemberImportError([(1, _("the file is empty (expected a header: card,phone,name,points)"))])
    columns = [h.strip().lower() for h in header]
    missing = [c for c in ("card", "phone", "name") if c not in columns]
    if missing:
        raise MemberImportError([(1, _("the header lacks {columns}").format(columns=", ".join(missing)))])
    rows: list[MemberRow] = []
    problems: list[tuple[int, str]] = []
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        field = dict(zip(columns, values))
        try:
            card, phone = check_numbers(field.get("card", ""), field.get("phone", ""))
            if not card and not phone:
                raise MemberError(_("a member needs a card number or a phone number"))
            name = check_member_name(field.get("name", ""))
            raw_points = field.get("points", "").strip()
            points = None
            if raw_points:
                if not raw_points.isdigit():
                    raise MemberError(_("points {value} is not a whole number of 0 or more").format(
                        value=repr(raw_points)))
                points = int(raw_points)
        except DomainError as exc:
            problems.append((line, str(exc)))
            continue
        rows.append(MemberRow(line, card, phone, name, points))
    if problems:
        raise MemberImportError(problems)
    return rows


def import_members(config: Config, path: Path, *, actor: str) -> tuple[int, int]:
    """Take the members of the CSV file at ``path`` (all or nothing); returns (added, updated)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise MemberImportError([(1, _("not UTF-8 text (save the file as UTF-8)"))]) from None
    rows = parse_member_csv(text)
    day = _day(config)
    added, updated, problems = member_store.import_members(rows, actor=actor, now=day.now, lane=day.lane,
                                                           business_day=day.business_day, source=path.name)
    if problems:
        raise MemberImportError(problems)
    return added, updated
