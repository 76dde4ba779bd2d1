"""The promotions a store runs, as values: what each kind gives, on which products, when, to whom.

The kinds: ``MultiBuy`` (3 for 10.00), ``NthItem`` (第二件半价: every 2nd at 50 % off), ``BuyGet`` (buy 2
get 1 free, the same product or another), ``MixMatch`` (any 3 of these drinks for 10.00, or one of each
group for a price), ``SpendSave`` (满100减20 on the sale or a department, stepped or "every"),
``MemberPrice`` (a member's price per product). Each one has a ``Stacking`` and a ``TimeWindow``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, time

from pos_tui.domain.money import PPM, Rate

EACH = "each"
WEIGHED = "kg"


class Stacking(enum.Enum):
    """STACKABLE promotions combine with each other; an EXCLUSIVE one (不与其他优惠同享) is used alone
    in a sale: the engine takes it instead of everything else when that is better for the customer."""

    STACKABLE = "stackable"
    EXCLUSIVE = "exclusive"


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class TimeWindow:
    """When a promotion runs: dates (both inclusive), weekdays (0 = Monday), and hours of the day
    (``start <= t < end``; an end before the start runs past midnight). ``None`` is no limit."""

    starts: date | None = None
    ends: date | None = None
    weekdays: frozenset[int] | None = None
    hours: tuple[time, time] | None = None

    def contains(self, moment: datetime) -> bool:
        day = moment.date()
        if self.starts is not None and day < self.starts:
            return False
        if self.ends is not None and day > self.ends:
            return False
        if self.weekdays is not None and moment.weekday() not in self.weekdays:
            return False
        if self.hours is not None:
            start, end = self.hours
            now = moment.time()
            inside = start <= now < end if start < end else (now >= start or now < end)
            if not inside:
                return False
        return True


ALWAYS = TimeWindow()


@dataclass(frozen=True)
class Member:
    """The customer's membership, when one was shown; ``number`` is the member's card or phone number."""

    number: str


@dataclass(frozen=True, kw_only=True)
class Promotion:
    """What every kind has: a unique id, a name for the receipt, stacking, when, and whether it is
    for members only."""

    id: str
    name: str
    stacking: Stacking = Stacking.STACKABLE
    window: TimeWindow = ALWAYS
    members_only: bool = False

    def runs_for(self, member: Member | None, moment: datetime) -> bool:
        """Whether this promotion is on offer to ``member`` (None: no member) at ``moment``."""
        if (self.members_only or isinstance(self, MemberPrice)) and member is None:
            return False
        return self.window.contains(moment)

    @property
    def kind(self) -> str:
        return KIND_OF[type(self)]


@dataclass(frozen=True, kw_only=True)
class MultiBuy(Promotion):
    """``quantity`` units of any of ``skus`` for ``price`` (minor units) together."""

    skus: frozenset[str]
    quantity: int
    price: int

    def __post_init__(self) -> None:
        _check(bool(self.skus) and self.quantity >= 1 and self.price >= 0, self)


@dataclass(frozen=True, kw_only=True)
class NthItem(Promotion):
    """In every ``nth`` units of ``skus``, the cheapest is ``percent`` off (第二件半价: nth 2, 50 %)."""

    skus: frozenset[str]
    nth: int
    percent: Rate

    def __post_init__(self) -> None:
        _check(bool(self.skus) and self.nth >= 1 and 0 <= self.percent.ppm <= PPM, self)


@dataclass(frozen=True, kw_only=True)
class BuyGet(Promotion):
    """Buy ``buy`` units of ``buy_skus``, get ``get`` units of ``get_skus`` ``percent`` off (100 %:
    free). A unit got is never dearer than the cheapest unit bought for it (equal or lesser value)."""

    buy_skus: frozenset[str]
    buy: int
    get_skus: frozenset[str]
    get: int
    percent: Rate = field(default_factory=lambda: Rate(PPM))

    def __post_init__(self) -> None:
        _check(bool(self.buy_skus and self.get_skus) and self.buy >= 1 and self.get >= 1
               and 0 <= self.percent.ppm <= PPM, self)


@dataclass(frozen=True, kw_only=True)
class MixMatch(Promotion):
    """``count`` units from each group (a group: a set of SKUs; the groups share no SKU) for ``price``
    together: any 3 drinks for 10.00 is one group; a drink and a sandwich for 25.00 is two."""

    groups: tuple[tuple[frozenset[str], int], ...]
    price: int

    def __post_init__(self) -> None:
        _check(bool(self.groups) and all(skus and count >= 1 for skus, count in self.groups) and self.price >= 0, self)


@dataclass(frozen=True, kw_only=True)
class SpendSave(Promotion):
    """满减: when the eligible lines (the whole sale, or one ``department``) reach a tier's ``spend``,
    take that tier's ``off``; the highest tier reached counts. ``repeat`` (one tier only): 每满100减20,
    the off again for every full ``spend``."""

    tiers: tuple[tuple[int, int], ...]  # (spend, off), ascending spend
    department: str | None = None
    repeat: bool = False

    def __post_init__(self) -> None:
        tiers = self.tiers
        _check(bool(tiers) and all(0 < off <= spend for spend, off in tiers)
               and all(a[0] < b[0] for a, b in zip(tiers, tiers[1:])) and not (self.repeat and len(tiers) != 1), self)

    def off_for(self, base: int) -> int:
        """What this promotion takes off eligible lines worth ``base`` (before item promotions)."""
        if self.repeat:
            spend, off = self.tiers[0]
            return (base // spend) * off
        reached = [off for spend, off in self.tiers if base >= spend]
        return max(reached, default=0)


@dataclass(frozen=True, kw_only=True)
class MemberPrice(Promotion):
    """A member's unit price per SKU (per kg for weighed products); members only by nature."""

    prices: tuple[tuple[str, int], ...]  # (sku, price)

    def __post_init__(self) -> None:
        _check(all(price >= 0 for _sku, price in self.prices), self)


def _check(ok: bool, promo: Promotion) -> None:
    """Refuse a promotion the engine cannot give (the file loader names the field first)."""
    if not ok:
        raise ValueError(f"promotion {promo.id!r}: a count below 1, a negative amount or tiers out of order")


KIND_OF: dict[type, str] = {
    MultiBuy: "multi_buy", NthItem: "nth_item", BuyGet: "buy_get", MixMatch: "mix_match",
    SpendSave: "spend_save", MemberPrice: "member_price",
}
