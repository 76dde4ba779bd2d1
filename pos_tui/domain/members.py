"""Members and points, pure: what a card number and a phone number look like, and the store's points
rule as arithmetic (points earned on money paid, what points are worth as a tender)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from pos_tui.domain.errors import DomainError
from pos_tui.domain.text import check_text
from pos_tui.i18n import _
from pos_tui.domain.frozen_records import FrozenRecord, frozen_record

EARN, REDEEM, REVERSE, ADJUST = "earn", "redeem", "reverse", "adjust"
KINDS = (EARN, REDEEM, REVERSE, ADJUST)

_CARD = re.compile(r"[0-9]{6,20}")
# A mainland mobile number (11 digits from 13-19), or a landline with its area code (0 and 9-11 digits).
_PHONE = re.compile(r"1[3-9][0-9]{9}|0[0-9]{9,11}")
NAME_MAX = 40


class MemberError(DomainError):
    """A member's details, or a change of their points, that the rules refuse."""


def check_card(card: str) -> str:
    """A member card's number: 6 to 20 digits."""
    card = card.strip()
    if not _CARD.fullmatch(card):
        raise MemberError(_("{card} is not a member card number (6 to 20 digits)").format(card=repr(card)))
    return card


def check_phone(phone: str) -> str:
    """A phone number: a mobile (11 digits from 13) or a landline with its area code (0...); spaces
    and dashes between the digits are dropped."""
    digits = re.sub(r"[ -]", "", phone.strip())
    if digits.startswith("+86"):
        digits = digits[3:]
    if not _PHONE.fullmatch(digits):
        raise MemberError(_("{phone} is not a phone number (a mobile of 11 digits, or 0 and the area code)")
                          .format(phone=repr(phone)))
    return digits


def check_member_name(name: str) -> str:
    name = check_text(name.strip(), _("member name"))
    if len(name) > NAME_MAX:
        raise MemberError(_("a member's name is at most {count} characters").format(count=NAME_MAX))
    return name


@frozen_record
class PointsRule(FrozenRecord):
    """``points_per_major`` points for each major unit paid in money; 100 points pay ``value_of_100``
    minor units; ``minor_per_major`` is the currency's (100 for CNY)."""

    points_per_major: int
    value_of_100: int
    minor_per_major: int = 100

    def earned(self, paid_in_money: int) -> int:
        """Points earned on ``paid_in_money`` minor units (whole points, rounded down; none on a refund)."""
        return max(paid_in_money, 0) * self.points_per_major // self.minor_per_major

    def points_for(self, value: int) -> int:
        """The points that pay ``value`` minor units (rounded up: points never pay more than they are worth)."""
        return -(-value * 100 // self.value_of_100)

    def value_of(self, points: int) -> int:
        """What ``points`` pay, in minor units (rounded down)."""
        return points * self.value_of_100 // 100


def share_of(points: int, part: int, whole: int) -> int:
    """``points`` in proportion to ``part`` of ``whole`` (rounded down; all of them for all of it)."""
    if whole <= 0 or part >= whole:
        return points
    return points * max(part, 0) // whole


def points_facts(entries: Iterable[tuple[str, int, int]], value_of_100: int) -> tuple[int, int, int, int]:
    """A sale's (or a return's) ledger rows (kind, points, value) as the reports count them: points
    earned and their worth at ``value_of_100``, points redeemed and what they paid (a return's: what
    it took back and gave back, negative)."""
    rows = list(entries)
    earned = sum(points for kind, points, _value in rows if kind in (EARN, REVERSE))
    redeemed = -sum(points for kind, points, _value in rows if kind == REDEEM)
    return earned, earned * value_of_100 // 100, redeemed, sum(value for kind, _p, value in rows if kind == REDEEM)
