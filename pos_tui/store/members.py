"""The member register and the points ledger on the lane.

A member's ``points`` is the balance as last known: the store server's (it comes down with the
catalog feed) or, on a lane without a server, kept here. Every change of points is a ledger row;
a row the balance does not count yet (``counted`` false: made on this lane, not yet reconciled by
the server) is added to it, so the balance the lane shows is always the last known one plus what
this lane did since. Each write is one journaled transaction, or runs inside the sale's own.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuidlib
from collections.abc import Iterable, Sequence

import peewee

from pos_tui.domain.members import (
    ADJUST, EARN, REDEEM, REVERSE, MemberError, PointsRule, points_facts, share_of,
)
from pos_tui.i18n import _
from pos_tui.store import journal, statements
from pos_tui.store.db import current_database, write_transaction
from pos_tui.store.models import Member, PointsEntry
from pos_tui.domain.frozen_records import FrozenRecord, frozen_record


@frozen_record
class MemberInfo(FrozenRecord):
    code: str
    card: str
    phone: str
    name: str
    balance: int  # points: the last known balance and what this lane did since
    disabled: bool
    updated_at: dt.datetime


@frozen_record
class EntryInfo(FrozenRecord):
    uuid: str
    member: str
    kind: str
    points: int
    value: int
    sale: str
    business_day: str
    offline: bool
    lane: int
    actor: str
    reason: str
    at: dt.datetime


@frozen_record
class MemberRow(FrozenRecord):
    """One member as an import file gives it; ``line`` is the file's line number."""

    line: int
    card: str
    phone: str
    name: str
    points: int | None


@frozen_record
class PointsTerms(FrozenRecord):
    """What a sale's points are written under: the store's rule, the lane and business day, whether
    the store server is unreachable (and the day's cap then), whether the balance counts the rows
    at once (a lane on its own) or when the server reconciles them."""

    rule: PointsRule
    lane: int
    business_day: dt.date
    offline: bool
    offline_cap: int
    counted: bool


@frozen_record
class SalePoints(FrozenRecord):
    """What a sale did to its member's points (for the receipt and the screen), and the balance after it."""

    member: str
    earned: int
    redeemed: int
    balance: int


def _pending(code: str) -> int:
    return PointsEntry.select(peewee.fn.COALESCE(peewee.fn.SUM(PointsEntry.points), 0)).where(
        (PointsEntry.member == code) & (PointsEntry.counted == False)).scalar()  # noqa: E712


def _info(member: Member) -> MemberInfo:
    return MemberInfo(member.code, member.card or "", member.phone or "", member.name,
                      member.points + _pending(member.code), bool(member.disabled), member.updated_at)


def _entry(row: PointsEntry) -> EntryInfo:
    return EntryInfo(row.uuid, row.member, row.kind, row.points, row.value, row.sale or "", row.business_day,
                     bool(row.offline), row.lane, row.actor, row.reason, row.at)


def find(number: str) -> MemberInfo | None:
    """The member whose card, phone or code ``number`` is; None when nobody's is."""
    number = number.strip()
    member = (Member.get_or_none(Member.card == number) or Member.get_or_none(Member.phone == number)
              or Member.get_or_none(Member.code == number))
    return _info(member) if member else None


def shown(code: str) -> tuple[str, int] | None:
    """The name and balance of member ``code`` as a sale shows them, in one statement (the lane's
    view reads it after every scan); None when the register has no such member."""
    db = current_database()
    member, entry = Member._meta.table_name, PointsEntry._meta.table_name
    sql = (f"SELECT m.name, m.points + COALESCE((SELECT SUM(e.points) FROM {entry} e WHERE e.member = m.code "
           f"AND e.counted = {db.param}), 0) FROM {member} m WHERE m.code = {db.param}")
    return db.execute_sql(sql, (False, code)).fetchone()


def get(code: str) -> MemberInfo:
    member = Member.get_or_none(Member.code == code)
    if member is None:
        raise MemberError(_("no member {number}").format(number=code))
    return _info(member)


def list_members() -> list[MemberInfo]:
    return [_info(m) for m in Member.select().order_by(Member.code)]


def entries_of(code: str, limit: int = 50) -> list[EntryInfo]:
    """The member's newest points changes, newest first."""
    return [_entry(r) for r in PointsEntry.select().where(PointsEntry.member == code)
            .order_by(PointsEntry.id.desc()).limit(limit)]


def _taken(card: str, phone: str, but: str | None = None) -> str | None:
    """Why ``card``/``phone`` cannot be this member's: another member has one of them (as card or phone)."""
    for number, what in ((card, _("card")), (phone, _("phone"))):
        if not number:
            continue
        other = (Member.get_or_none(Member.card == number) or Member.get_or_none(Member.phone == number)
                 or Member.get_or_none(Member.code == number))
        if other is not None and other.code != but:
            return _("{what} {number} is already member {code}'s").format(what=what, number=number, code=other.code)
    return None


def _write_entry(code: str, kind: str, points: int, *, lane: int, business_day: dt.date, actor: str, now: dt.datetime,
                 value: int = 0, sale: str | None = None, offline: bool = False, counted: bool = False,
                 reason: str = "") -> None:
    before = (Member.select(Member.points).where(Member.code == code).scalar() or 0) + _pending(code)
    PointsEntry.create(uuid=uuidlib.uuid4().hex, member=code, kind=kind, points=points, value=value, sale=sale,
                       business_day=business_day.isoformat(), offline=offline, counted=counted, lane=lane,
                       actor=actor, reason=reason, at=now, balance_after=before + points)
    if counted:
        Member.update(points=Member.points + points).where(Member.code == code).execute()


def add_member(card: str, phone: str, name: str, *, actor: str, now: dt.datetime, lane: int,
               business_day: dt.date, points: int = 0) -> MemberInfo:
    """A new member, known by card and/or phone (the card's number is their code, else the phone's),
    with an opening balance (an adjust row) when ``points`` is given; one journaled transaction."""
    if not card and not phone:
        raise MemberError(_("a member needs a card number or a phone number"))
    with write_transaction():
        problem = _taken(card, phone)
        if problem:
            raise MemberError(problem)
        code = card or phone
        Member.create(code=code, card=card or None, phone=phone or None, name=name, points=0, updated_at=now)
        if points:
            _write_entry(code, ADJUST, points, lane=lane, business_day=business_day, actor=actor, now=now,
                         counted=True, reason=_("opening balance"))
        journal.append("member.add", {"member": code, "card": bool(card), "phone": bool(phone), "points": points},
                       actor)
    return get(code)


def edit_member(code: str, *, card: str | None, phone: str | None, name: str | None, actor: str,
                now: dt.datetime) -> MemberInfo:
    """Change a member's card, phone or name (None: unchanged; "": removed); one journaled transaction."""
    with write_transaction():
        member = Member.get_or_none(Member.code == code)
        if member is None:
            raise MemberError(_("no member {number}").format(number=code))
        new_card = member.card or "" if card is None else card
        new_phone = member.phone or "" if phone is None else phone
        if not new_card and not new_phone:
            raise MemberError(_("a member needs a card number or a phone number"))
        problem = _taken(new_card if new_card != (member.card or "") else "",
                         new_phone if new_phone != (member.phone or "") else "", but=code)
        if problem:
            raise MemberError(problem)
        Member.update(card=new_card or None, phone=new_phone or None,
                      name=member.name if name is None else name, updated_at=now).where(Member.id == member.id).execute()
        journal.append("member.edit", {"member": code, "card": card is not None, "phone": phone is not None,
                                       "name": name is not None}, actor)
    return get(code)


def set_disabled(code: str, disabled: bool, *, actor: str, now: dt.datetime) -> MemberInfo:
    with write_transaction():
        if not Member.update(disabled=disabled, updated_at=now).where(Member.code == code).execute():
            raise MemberError(_("no member {number}").format(number=code))
        journal.append("member.disabled" if disabled else "member.enabled", {"member": code}, actor)
    return get(code)


def adjust_points(code: str, points: int, reason: str, *, actor: str, now: dt.datetime, lane: int,
                  business_day: dt.date, counted: bool) -> MemberInfo:
    """Add (or take, when negative) ``points`` by hand, with the reason; never below zero."""
    if points == 0:
        raise MemberError(_("an adjustment of 0 points changes nothing"))
    with write_transaction():
        member = get(code)
        if member.balance + points < 0:
            raise MemberError(_("member {code} has {balance} points: {points} would leave fewer than none").format(
                code=code, balance=member.balance, points=points))
        _write_entry(code, ADJUST, points, lane=lane, business_day=business_day, actor=actor, now=now,
                     counted=counted, reason=reason)
        journal.append("member.adjust", {"member": code, "points": points, "reason": reason}, actor)
    return get(code)


def import_members(rows: Iterable[MemberRow], *, actor: str, now: dt.datetime, lane: int, business_day: dt.date,
                   source: str) -> tuple[int, int, list[tuple[int, str]]]:
    """Add the file's new members and update the name, card and phone of those it names by card or
    phone, all in one journaled transaction; returns (added, updated, problems). With any problem
    (a line's card or phone already another member's, or twice in the file) nothing is written."""
    rows = list(rows)
    problems: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for row in rows:
        for number in (row.card, row.phone):
            if number and number in seen:
                problems.append((row.line, _("{number} is on line {line} too").format(number=number,
                                                                                     line=seen[number])))
            elif number:
                seen[number] = row.line
    if problems:
        return 0, 0, problems
    added = updated = 0
    try:
        with write_transaction():
            added, updated = _import_rows(rows, problems, actor=actor, now=now, lane=lane, business_day=business_day,
                                          source=source)
    except _Rejected:
        return 0, 0, problems
    return added, updated, []


class _Rejected(Exception):
    """A line of the import could not be taken: the transaction rolls back."""


def _import_rows(rows: list[MemberRow], problems: list[tuple[int, str]], *, actor: str, now: dt.datetime, lane: int,
                 business_day: dt.date, source: str) -> tuple[int, int]:
    added = updated = 0
    for row in rows:
        existing = ((Member.get_or_none(Member.card == row.card) if row.card else None)
                    or (Member.get_or_none(Member.phone == row.phone) if row.phone else None))
        if existing is None:
            problem = _taken(row.card, row.phone)
            if problem:
                problems.append((row.line, problem))
                continue
            code = row.card or row.phone
            Member.create(code=code, card=row.card or None, phone=row.phone or None, name=row.name, points=0,
                          updated_at=now)
            if row.points:
                _write_entry(code, ADJUST, row.points, lane=lane, business_day=business_day, actor=actor,
                             now=now, counted=True, reason=_("opening balance ({file})").format(file=source))
            added += 1
            continue
        problem = _taken(row.card if row.card != (existing.card or "") else "",
                         row.phone if row.phone != (existing.phone or "") else "", but=existing.code)
        if row.points is not None and row.points != _info(existing).balance:
            problem = _("member {code} has {balance} points: change them with `members adjust`").format(
                code=existing.code, balance=_info(existing).balance)
        if problem:
            problems.append((row.line, problem))
            continue
        Member.update(card=row.card or existing.card, phone=row.phone or existing.phone, name=row.name,
                      updated_at=now).where(Member.id == existing.id).execute()
        updated += 1
    if problems:
        raise _Rejected()
    journal.append("members.import", {"source": source, "added": added, "updated": updated}, actor)
    return added, updated


def reconcile(rows: Sequence[tuple], *, now: dt.datetime) -> None:
    """The store server's members (code, card, phone, name, points, disabled, ...), inside the
    feed's transaction: each one's balance becomes the server's, and this lane's ledger rows the
    server has counted in it (their document is on the server: marked sent before the feed was
    read) stop being added to it. A card or phone number moving between members moves here too."""
    sent = (f"EXISTS (SELECT 1 FROM outbox o WHERE o.status = 'sent' AND o.uuid LIKE "
            f"{PointsEntry._meta.table_name}.sale || '-%')")
    for code, card, phone, name, points, disabled, *_seq in rows:
        if card:
            Member.update(card=None).where((Member.card == card) & (Member.code != code)).execute()
        if phone:
            Member.update(phone=None).where((Member.phone == phone) & (Member.code != code)).execute()
        Member.insert(code=code, card=card, phone=phone, name=name, points=points, disabled=disabled,
                      updated_at=now).on_conflict(
            conflict_target=[Member.code],
            update={Member.card: card, Member.phone: phone, Member.name: name, Member.points: points,
                    Member.disabled: disabled, Member.updated_at: now}).execute()
        PointsEntry.update(counted=True).where(
            (PointsEntry.member == code) & (PointsEntry.counted == False)  # noqa: E712
            & peewee.SQL(sent)).execute()


# ---------------------------------------------------------------- points on a sale (inside its transaction)


def redeemed_offline_on(code: str, day: dt.date) -> int:
    """Points the member redeemed on ``day`` while the store server was unreachable (net of refunds)."""
    return -PointsEntry.select(peewee.fn.COALESCE(peewee.fn.SUM(PointsEntry.points), 0)).where(
        (PointsEntry.member == code) & (PointsEntry.business_day == day.isoformat())
        & (PointsEntry.kind == REDEEM) & (PointsEntry.offline == True)).scalar()  # noqa: E712


def redeem(code: str, points: int, value: int, *, sale: str, lane: int, business_day: dt.date, offline: bool,
           offline_cap: int, counted: bool, actor: str, now: dt.datetime) -> None:
    """Take ``points`` (paying ``value``) from the member inside the caller's transaction: refused
    past the balance, and offline past the day's cap."""
    member = Member.get_or_none(Member.code == code)
    if member is None or member.disabled:
        raise MemberError(_("member {code} is not in the register or is disabled").format(code=code))
    balance = member.points + _pending(code)
    if points > balance:
        raise MemberError(_("member has {balance} points: {points} cannot be redeemed").format(
            balance=balance, points=points))
    if offline:
        left = offline_cap - redeemed_offline_on(code, business_day)
        if points > left:
            raise MemberError(_("the store server is unreachable: at most {cap} points a day may be redeemed "
                                "({left} left today)").format(cap=offline_cap, left=max(left, 0)))
    _write_entry(code, REDEEM, -points, value=value, sale=sale, lane=lane, business_day=business_day,
                 offline=offline, counted=counted, actor=actor, now=now)


def earn(code: str, paid_in_money: int, rule: PointsRule, *, sale: str, lane: int, business_day: dt.date,
         offline: bool, counted: bool, actor: str, now: dt.datetime) -> int:
    """The points ``paid_in_money`` earns the member, written inside the caller's transaction."""
    if Member.get_or_none((Member.code == code) & (Member.disabled == False)) is None:  # noqa: E712
        return 0
    points = rule.earned(paid_in_money)
    if points:
        _write_entry(code, EARN, points, sale=sale, lane=lane, business_day=business_day, offline=offline,
                     counted=counted, actor=actor, now=now)
    return points


def reverse_for_return(code: str, original_sale: str, return_sale: str, part: int, whole: int, *, lane: int,
                       business_day: dt.date, offline: bool, counted: bool, actor: str, now: dt.datetime) -> int:
    """Take back the share of the original sale's earned points that ``part`` of ``whole`` returned
    is, less what earlier returns of it took back; inside the caller's transaction. Returns the points."""
    rows = list(PointsEntry.select().where(PointsEntry.sale == original_sale))
    earned = sum(r.points for r in rows if r.kind == EARN)
    taken = -sum(r.points for r in PointsEntry.select().where(
        (PointsEntry.kind == REVERSE) & (PointsEntry.reason == original_sale)))
    points = min(share_of(earned, part, whole), earned - taken)
    if points > 0:
        _write_entry(code, REVERSE, -points, sale=return_sale, lane=lane, business_day=business_day,
                     offline=offline, counted=counted, actor=actor, now=now, reason=original_sale)
    return points


def refund_redeemed(code: str, points: int, value: int, *, return_sale: str, lane: int, business_day: dt.date,
                    offline: bool, counted: bool, actor: str, now: dt.datetime) -> None:
    """Points a return gives back for points tendered on the sale (a redeem row of its own, positive)."""
    _write_entry(code, REDEEM, points, value=-value, sale=return_sale, lane=lane, business_day=business_day,
                 offline=offline, counted=counted, actor=actor, now=now)


def earn_for_sale(sale_uuid: str, code: str, paid_in_money: int, terms: PointsTerms, *, actor: str,
                  now: dt.datetime) -> int:
    return earn(code, paid_in_money, terms.rule, sale=sale_uuid, lane=terms.lane, business_day=terms.business_day,
                offline=terms.offline, counted=terms.counted, actor=actor, now=now)


def redeem_for_sale(sale_uuid: str, code: str, points: int, value: int, terms: PointsTerms, *, actor: str,
                    now: dt.datetime) -> None:
    redeem(code, points, value, sale=sale_uuid, lane=terms.lane, business_day=terms.business_day,
           offline=terms.offline, offline_cap=terms.offline_cap, counted=terms.counted, actor=actor, now=now)


def points_for_return(code: str, original_uuid: str, original_total: int, return_uuid: str, refund_total: int,
                      in_points: int, terms: PointsTerms, *, actor: str, now: dt.datetime) -> None:
    """A return against a member's sale, inside its transaction: the points tendered on the sale
    come back as points for ``in_points`` of the refund (in proportion to what they paid), and the
    points the sale earned are taken back in proportion to the money refunded of the money paid."""
    rows = list(PointsEntry.select().where((PointsEntry.sale == original_uuid) & (PointsEntry.kind == REDEEM)))
    redeemed, paid_by_points = -sum(r.points for r in rows), sum(r.value for r in rows)
    if in_points and redeemed:
        refund_redeemed(code, share_of(redeemed, in_points, paid_by_points), in_points, return_sale=return_uuid,
                        lane=terms.lane, business_day=terms.business_day, offline=terms.offline,
                        counted=terms.counted, actor=actor, now=now)
    reverse_for_return(code, original_uuid, return_uuid, refund_total - in_points, original_total - paid_by_points,
                       lane=terms.lane, business_day=terms.business_day, offline=terms.offline, counted=terms.counted,
                       actor=actor, now=now)


def sale_points(sale_uuid: str, code: str) -> SalePoints:
    rows = list(PointsEntry.select().where(PointsEntry.sale == sale_uuid).order_by(PointsEntry.id))
    member = Member.get_or_none(Member.code == code)
    # The balance right after the sale (a reprint shows the same); now, for a sale that moved none.
    balance = rows[-1].balance_after if rows else (member.points + _pending(code) if member else 0)
    return SalePoints(code, sum(r.points for r in rows if r.kind in (EARN, REVERSE)),
                      -sum(r.points for r in rows if r.kind == REDEEM), balance)


def sale_points_facts(sale_uuid: str, value_of_100: int) -> tuple[int, int, int, int]:
    """A sale's (or a return's) points for the reports (``domain.members.points_facts``)."""
    return points_facts(PointsEntry.select(PointsEntry.kind, PointsEntry.points, PointsEntry.value)
                        .where(PointsEntry.sale == sale_uuid).tuples(), value_of_100)


def entries_of_sale(sale_uuid: str) -> list[dict]:
    """The sale's ledger rows as its store-server document carries them."""
    return [{"uuid": r.uuid, "member": r.member, "kind": r.kind, "points": r.points, "value": r.value,
             "business_day": r.business_day, "offline": bool(r.offline), "reason": r.reason}
            for r in statements.fetch_models(PointsEntry, _ENTRIES_OF_SALE, (sale_uuid,))]


_ENTRIES_OF_SALE = statements.Statement(
    lambda: PointsEntry.select().where(PointsEntry.sale == "").order_by(PointsEntry.id))

