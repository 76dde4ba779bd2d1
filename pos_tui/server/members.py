"""The store's member register on the server (the operator's connection): each change is one
transaction with its admin_journal row, and reaches every lane through the change feed. A member's
points are the sum of their ledger: rows the lanes sent with their sales (taken in by the trigger
on ``documents``) and adjustments made here."""

from __future__ import annotations

import datetime as dt
import uuid as uuidlib
from dataclasses import dataclass
from typing import Sequence

import psycopg

from pos_tui.server.admin import journal
from pos_tui.server.connect import ServerError


@dataclass(frozen=True)
class ServerMember:
    code: str
    card: str
    phone: str
    name: str
    balance: int
    disabled: bool


@dataclass(frozen=True)
class ServerEntry:
    at: dt.datetime
    kind: str
    points: int
    business_day: dt.date
    offline: bool
    lane: int | None
    reason: str


_MEMBER = "SELECT code, COALESCE(card, ''), COALESCE(phone, ''), name, points, disabled FROM members"


def members(conn: psycopg.Connection) -> list[ServerMember]:
    return [ServerMember(*row) for row in conn.execute(_MEMBER + " ORDER BY code").fetchall()]


def find(conn: psycopg.Connection, number: str) -> ServerMember:
    """The member whose card, phone or code ``number`` is; ServerError when nobody's is."""
    row = conn.execute(_MEMBER + " WHERE card = %s OR phone = %s OR code = %s ORDER BY card = %s DESC LIMIT 1",
                       (number, number, number, number)).fetchone()
    if row is None:
        raise ServerError(f"no member has card or phone {number} on the store server")
    return ServerMember(*row)


def entries(conn: psycopg.Connection, code: str, limit: int = 50) -> list[ServerEntry]:
    rows = conn.execute("SELECT at, kind, points, business_day, offline, lane, reason FROM points_ledger "
                        "WHERE member = %s ORDER BY at DESC, uuid LIMIT %s", (code, limit)).fetchall()
    return [ServerEntry(*row) for row in rows]


def _taken(conn: psycopg.Connection, numbers: Sequence[str], but: str | None = None) -> None:
    for number in numbers:
        if not number:
            continue
        row = conn.execute("SELECT code FROM members WHERE (card = %s OR phone = %s OR code = %s) "
                           "AND code IS DISTINCT FROM %s", (number, number, number, but)).fetchone()
        if row:
            raise ServerError(f"{number} is already member {row[0]}'s")


def _ledger(conn: psycopg.Connection, store: str, code: str, points: int, reason: str, actor: str) -> None:
    conn.execute("INSERT INTO points_ledger (uuid, store, member, kind, points, business_day, actor, reason) "
                 "VALUES (%s, %s, %s, 'adjust', %s, current_date, %s, %s)",
                 (uuidlib.uuid4().hex, store, code, points, actor, reason))
    conn.execute("SELECT pos_member_balance(%s)", ([code],))


def add_member(conn: psycopg.Connection, store: str, card: str, phone: str, name: str, points: int, *,
               actor: str) -> ServerMember:
    with conn.transaction():
        _taken(conn, (card, phone))
        code = card or phone
        conn.execute("INSERT INTO members (code, card, phone, name) VALUES (%s, %s, %s, %s)",
                     (code, card or None, phone or None, name))
        if points:
            _ledger(conn, store, code, points, "opening balance", actor)
        journal(conn, actor, "member.add", {"member": code, "points": points})
    return find(conn, code)


def edit_member(conn: psycopg.Connection, code: str, *, card: str | None, phone: str | None, name: str | None,
                actor: str) -> ServerMember:
    with conn.transaction():
        member = find(conn, code)
        new_card = member.card if card is None else card
        new_phone = member.phone if phone is None else phone
        if not new_card and not new_phone:
            raise ServerError("a member needs a card number or a phone number")
        _taken(conn, (new_card if new_card != member.card else "", new_phone if new_phone != member.phone else ""),
               but=member.code)
        conn.execute("UPDATE members SET card = %s, phone = %s, name = %s WHERE code = %s",
                     (new_card or None, new_phone or None, member.name if name is None else name, member.code))
        journal(conn, actor, "member.edit", {"member": member.code})
    return find(conn, member.code)


def set_disabled(conn: psycopg.Connection, code: str, disabled: bool, *, actor: str) -> ServerMember:
    with conn.transaction():
        member = find(conn, code)
        conn.execute("UPDATE members SET disabled = %s WHERE code = %s", (disabled, member.code))
        journal(conn, actor, "member.disabled" if disabled else "member.enabled", {"member": member.code})
    return find(conn, member.code)


def adjust_points(conn: psycopg.Connection, store: str, code: str, points: int, reason: str, *,
                  actor: str) -> ServerMember:
    with conn.transaction():
        conn.execute("SELECT 1 FROM members WHERE code = %s FOR UPDATE", (code,))
        member = find(conn, code)
        if points == 0:
            raise ServerError("an adjustment of 0 points changes nothing")
        if member.balance + points < 0:
            raise ServerError(f"member {member.code} has {member.balance} points: {points} would leave fewer "
                              f"than none")
        _ledger(conn, store, member.code, points, reason, actor)
        journal(conn, actor, "member.adjust", {"member": member.code, "points": points, "reason": reason})
    return find(conn, member.code)


def import_members(conn: psycopg.Connection, store: str, rows: Sequence, *, actor: str,
                   source: str) -> tuple[int, int]:
    """Rows checked by the lane's CSV reader (``MemberRow``): new members added (an opening balance
    as an adjustment), those named by card or phone updated; all or nothing."""
    added = updated = 0
    with conn.transaction():
        for row in rows:
            existing = conn.execute("SELECT code, points FROM members WHERE card = %s OR phone = %s LIMIT 1",
                                    (row.card or None, row.phone or None)).fetchone()
            try:
                if existing is None:
                    add_member(conn, store, row.card, row.phone, row.name, row.points or 0, actor=actor)
                    added += 1
                    continue
                if row.points is not None and row.points != existing[1]:
                    raise ServerError(f"member {existing[0]} has {existing[1]} points: change them with "
                                      f"`members adjust`")
                edit_member(conn, existing[0], card=row.card or None, phone=row.phone or None, name=row.name,
                            actor=actor)
                updated += 1
            except ServerError as exc:
                raise ServerError(f"line {row.line}: {exc}") from None
        journal(conn, actor, "members.import", {"source": source, "added": added, "updated": updated})
    return added, updated
