"""The promotions engine: the cart, the member and the moment in; the discounts that are best for
the customer out, each naming its promotion, its amount and its share of every line it touches.

Pure and deterministic: the same lines (in any scan order), promotions and moment give the same
result. The order and the rules (docs/promotions.md says the same for the back office):

1. A line a cashier discounted or re-priced by hand (``PromoLine.manual``) takes no promotion and
   does not count towards a spend threshold: the cashier's price is final for that line. Voided
   lines are not there at all.
2. Item promotions (multi-buy, Nth item, buy X get Y, mix-and-match, member price) are given per
   unit sold each: a unit goes into at most one of them, once. A weighed line is not a countable
   unit (1.250 kg is no "3 for 10"): it takes only a member price (per kg) and counts towards
   spend thresholds by its amount.
3. Spend thresholds (满减) count the eligible lines at their price before item promotions (taking an
   item deal never loses the customer a threshold), department thresholds first, then the sale's,
   each in id order; each takes its discount from what is left of its lines after everything before
   it, shared by what is left, and never more than that.
4. Stacking: all the STACKABLE promotions on offer are used together; an EXCLUSIVE one is used
   alone. The engine works out the stackable set and each exclusive promotion alone and gives the
   one worth most to the customer (a tie keeps the stackable set, then the exclusive one first by
   id).
5. A whole-sale discount a cashier gives (F6 on the sale) comes after all of this, on what the
   customer then owes.

Which units go into which deal is the best for the customer: an exact search over the units that
interact (SKUs linked by a shared promotion) while that search is small (the ``EXACT_*`` bounds;
one SKU alone is always exact), and a greedy pass (the deal worth most, on the dearest units, again
and again) beyond it. Item deals are chosen for the most item discount; a threshold then takes what it
can. Where a threshold is cut to what is left of its lines (item deals took nearly all of them), the
deals are not chosen again to leave it room: only then can another split of the units give more.

A deal's discount is shared over the units in it by their prices (largest remainders; the shares
add up exactly), so returning one of three "3 for 10.00" units refunds what that unit really cost;
a member price sits on its own unit, a threshold on its lines by what is left of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from pos_tui.domain.cart import MILLI, line_amount, spread_discount
from pos_tui.domain.promotions.basket import PromoLine
from pos_tui.domain.promotions.rules import (
    EACH,
    BuyGet,
    Member,
    MemberPrice,
    MixMatch,
    MultiBuy,
    NthItem,
    Promotion,
    SpendSave,
    Stacking,
)

# The exact search's bounds for one group of interacting SKUs: the product of (units + 1), the units,
# the ways to use its deals once, and those ways times the states (the search's work).
EXACT_STATES = 8192
EXACT_UNITS = 300
EXACT_USES = 2000
EXACT_WORK = 60_000
# How many groups' uses a PromotionSet keeps (all are dropped when it is full: a sale rarely needs a tenth).
SOLVED_KEPT = 4096


class LineShare(NamedTuple):
    line_no: int
    amount: int


_new_tuple = tuple.__new__  # a LineShare from a (line_no, amount) pair without NamedTuple's slower __new__


@dataclass(frozen=True)
class Discount:
    """One promotion's part of the result: ``amount`` off in all, given ``times`` times (units for a
    member price), shared as ``lines`` (by line number; the shares add up to ``amount``)."""

    promotion_id: str
    name: str
    kind: str
    amount: int
    times: int
    lines: tuple[LineShare, ...]


@dataclass(frozen=True)
class PromotionResult:
    discounts: tuple[Discount, ...] = ()

    @property
    def total(self) -> int:
        return sum(discount.amount for discount in self.discounts)

    def line_discounts(self) -> dict[int, int]:
        """Line number -> all the promotions take off that line."""
        result: dict[int, int] = {}
        for discount in self.discounts:
            for share in discount.lines:
                result[share.line_no] = result.get(share.line_no, 0) + share.amount
        return result

    def shares_of(self, line_no: int) -> tuple[tuple[str, int], ...]:
        """(promotion id, amount) for each promotion on line ``line_no``: what a return reverses."""
        return tuple((d.promotion_id, s.amount) for d in self.discounts for s in d.lines if s.line_no == line_no)


# ---------------------------------------------------------------------------- the units

class _Class:
    """Units of one SKU at one price (all the "each" lines of it), or one weighed line."""

    __slots__ = ("sku", "price", "count", "lines", "weighed", "amount", "qty_milli", "leaf", "leaf_promo")

    def __init__(self, sku: str, price: int, weighed: bool) -> None:
        self.sku, self.price, self.weighed = sku, price, weighed
        self.count = 0
        self.lines: list[list[int]] = []  # [line_no, units]
        self.amount = 0
        self.qty_milli = 0
        self.leaf = 0  # the member price's discount per unit (the whole line when weighed)
        self.leaf_promo: MemberPrice | None = None


# ---------------------------------------------------------------------------- the item deals

class _Deal:
    """An item promotion over the classes present: ``slots`` are (class indexes, how many units)."""

    __slots__ = ("promo", "slots", "classes", "priced")

    def __init__(self, promo: Promotion, slots: list[tuple[list[int], int]]) -> None:
        self.promo = promo
        self.slots = slots
        # One slot's classes are sorted and distinct already (``_deal_for``).
        self.classes = slots[0][0] if len(slots) == 1 else sorted({c for allowed, _n in slots for c in allowed})
        self.priced = isinstance(promo, (MultiBuy, MixMatch))  # a price for the units together

    def value(self, chosen: list[list[tuple[int, int]]], price: Sequence[int]) -> int:
        promo = self.promo
        if self.priced:
            total = 0
            for slot in chosen:
                for c, n in slot:
                    total += price[c] * n
            return total - promo.price  # type: ignore[attr-defined]
        cheapest = min([price[c] for c, _n in chosen[0]])
        if isinstance(promo, NthItem):
            return promo.percent.of(cheapest)
        assert isinstance(promo, BuyGet)
        got = chosen[1]
        for c, _n in got:
            if price[c] > cheapest:
                return 0
        return sum([promo.percent.of(price[c]) * n for c, n in got])


def _shape(promo: Promotion) -> tuple[tuple[frozenset[str], int], ...] | None:
    """An item deal's slots as (the SKUs it takes, how many units); None for any other kind."""
    if isinstance(promo, MultiBuy):
        return ((promo.skus, promo.quantity),)
    if isinstance(promo, NthItem):
        return ((promo.skus, promo.nth),)
    if isinstance(promo, BuyGet):
        return ((promo.buy_skus, promo.buy), (promo.get_skus, promo.get))
    if isinstance(promo, MixMatch):
        return promo.groups
    return None


def _deal_for(promo: Promotion, sku_classes: dict[str, list[int]],
              shape: tuple[tuple[frozenset[str], int], ...] | None = None) -> _Deal | None:
    """``promo`` over the classes present (``shape``: its ``_shape``, when known), or None when it
    is no item deal or a slot has none of its SKUs."""
    if shape is None:
        shape = _shape(promo)
        if shape is None:
            return None
    slots = []
    for skus, need in shape:
        found = [c for sku in skus for c in sku_classes.get(sku, ())]
        if not found:
            return None
        slots.append((sorted(found) if len(found) > 1 else found, need))
    return _Deal(promo, slots)


def _applications(deal: _Deal, avail: list[int], price: Sequence[int]) -> list[tuple[list[tuple[int, int]], int]]:
    """Each way to give ``deal`` once from ``avail`` that is worth something: (units, value). Each
    slot takes its units as a multiset of its classes (a class's larger counts first), the slots
    one after another."""
    found: list[tuple[list[tuple[int, int]], int]] = []
    slots = deal.slots
    last = len(slots)
    chosen: list[list[tuple[int, int]]] = []
    value_of = deal.value

    def fill(slot: int) -> None:
        if slot == last:
            value = value_of(chosen, price)
            if value > 0:
                found.append(([pair for part in chosen for pair in part], value))
            return
        allowed, need = slots[slot]
        part: list[tuple[int, int]] = []
        size = len(allowed)

        def take(need: int, start: int) -> None:
            if not need:
                chosen.append(part[:])
                fill(slot + 1)
                chosen.pop()
                return
            for i in range(start, size):
                c = allowed[i]
                for n in range(min(avail[c], need), 0, -1):
                    avail[c] -= n
                    part.append((c, n))
                    take(need - n, i + 1)
                    part.pop()
                    avail[c] += n

        take(need, 0)
        take = None  # type: ignore[assignment]  # (see below)

    fill(0)
    # The recursive closures refer to themselves: let go of them, so that reference counting frees
    # everything here at once instead of leaving cycles for the cyclic GC (whose passes stall a scan).
    fill = None  # type: ignore[assignment]
    return found


def _solve_exact(members: list[int], deals: list[_Deal], classes: list[_Class],
                 states: int) -> list[tuple[_Deal, list[tuple[int, int]]]] | None:
    """The best set of deal uses over the classes ``members`` (all of them, searched).

    Every way to use each deal once is listed first (its units and value); then, from the units
    left, the first unit left either takes no deal (its member price, if any) or goes into a use
    that holds it and no unit before it: each set of uses is met once, memoised by units left.
    None when that would be more work than the bounds allow."""
    m = len(members)
    local = {c: i for i, c in enumerate(members)}
    price = [classes[c].price for c in members]
    leaf = [classes[c].leaf for c in members]
    start = tuple(classes[c].count for c in members)
    # per first class: (the classes it takes with how many units, value, deal, units as global classes)
    by_first: list[list[tuple[tuple[tuple[int, int], ...], int, _Deal, list[tuple[int, int]]]]] = [[] for _ in range(m)]
    listed = 0
    for deal in deals:
        local_deal = _Deal(deal.promo, [([local[c] for c in allowed], n) for allowed, n in deal.slots])
        for used, value in _applications(local_deal, list(start), price):
            cons = [0] * m
            for c, n in used:
                cons[c] += n
            takes = tuple((i, n) for i, n in enumerate(cons) if n)
            by_first[takes[0][0]].append((takes, value, deal, [(members[c], n) for c, n in used]))
            listed += 1
            if listed > EXACT_USES or listed * states > EXACT_WORK:
                return None
    memo: dict[tuple[int, ...], tuple[int, object]] = {}

    def best(state: tuple[int, ...]) -> int:
        found = memo.get(state)
        if found is not None:
            return found[0]
        first = 0
        while first < m and not state[first]:
            first += 1
        if first == m:
            memo[state] = (0, None)
            return 0
        after = list(state)
        after[first] -= 1
        top, choice = leaf[first] + best(tuple(after)), None
        for use in by_first[first]:
            takes = use[0]
            for i, n in takes:
                if state[i] < n:
                    break
            else:
                after = list(state)
                for i, n in takes:
                    after[i] -= n
                total = use[1] + best(tuple(after))
                if total > top:
                    top, choice = total, use
        memo[state] = (top, choice)
        return top

    if m == 1:  # fill the memo bottom-up so a long line does not recurse deep
        for n in range(start[0] + 1):
            best((n,))
    best(start)
    best = None  # type: ignore[assignment]  # a recursive closure: no cycle left for the cyclic GC
    uses = []
    state = start
    while any(state):
        choice = memo[state][1]
        after = list(state)
        if choice is None:
            after[next(i for i, n in enumerate(state) if n)] -= 1
        else:
            takes, _value, deal, used = choice  # type: ignore[misc]
            uses.append((deal, used))
            for i, n in takes:
                after[i] -= n
        state = tuple(after)
    return uses


def _solve_single(c: int, deals: list[_Deal], classes: list[_Class]) -> list[tuple[_Deal, list[tuple[int, int]]]]:
    """The exact search for one class alone (the usual case: one SKU and its deals), bottom-up over
    the number of units: f(n) = the better of the n-th unit alone and each use of a deal on it."""
    cls = classes[c]
    price = {c: cls.price}
    uses = []  # (units, value, deal, slot sizes)
    for deal in deals:
        if all(allowed == [c] for allowed, _n in deal.slots):
            sizes = [need for _allowed, need in deal.slots]
            value = deal.value([[(c, need)] for need in sizes], price)  # type: ignore[arg-type]
            if value > 0:
                uses.append((sum(sizes), value, deal, sizes))
    best = [0] * (cls.count + 1)
    choice: list[tuple | None] = [None] * (cls.count + 1)
    for n in range(1, cls.count + 1):
        best[n] = best[n - 1] + cls.leaf
        for use in uses:
            if use[0] <= n and use[1] + best[n - use[0]] > best[n]:
                best[n], choice[n] = use[1] + best[n - use[0]], use
    found = []
    n = cls.count
    while n:
        use = choice[n]
        if use is None:
            n -= 1
        else:
            found.append((use[2], [(c, need) for need in use[3]]))
            n -= use[0]
    return found


def _solve_greedy(deals: list[_Deal], classes: list[_Class]) -> list[tuple[_Deal, list[tuple[int, int]]]]:
    """Again and again the one deal use that gains most over member prices, on the dearest units."""
    avail = [cls.count for cls in classes]
    price = [cls.price for cls in classes]
    by_price = {id(d): [sorted(allowed, key=lambda c: (-price[c], c)) for allowed, _n in d.slots] for d in deals}
    uses = []
    while True:
        top: tuple[int, _Deal, list[tuple[int, int]]] | None = None
        for deal in deals:
            left = avail[:]
            chosen = []
            for (allowed, need), ordered in zip(deal.slots, by_price[id(deal)]):
                if isinstance(deal.promo, BuyGet) and chosen:
                    ceiling = min(price[c] for c, _n in chosen[0])
                    ordered = [c for c in ordered if price[c] <= ceiling]
                part = []
                for c in ordered:
                    n = min(left[c], need)
                    if n:
                        part.append((c, n))
                        left[c] -= n
                        need -= n
                    if not need:
                        break
                if need:
                    break
                chosen.append(part)
            else:
                used = [pair for part in chosen for pair in part]
                gain = deal.value(chosen, price) - sum(classes[c].leaf * n for c, n in used)
                if gain > 0 and (top is None or gain > top[0]):
                    top = (gain, deal, used)
        if top is None:
            return uses
        _gain, deal, used = top
        for c, n in used:
            avail[c] -= n
        uses.append((deal, used))


class _Union:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, a: int) -> int:
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


# ---------------------------------------------------------------------------- one set of promotions

class _Tally:
    """Discounts by promotion as they are given, and what is left of each line."""

    def __init__(self, left: dict[int, int]) -> None:
        self.left = dict(left)
        self.by_promo: dict[str, tuple[Promotion, dict[int, int], list[int]]] = {}

    def entry(self, promo: Promotion) -> tuple[Promotion, dict[int, int], list[int]]:
        entry = self.by_promo.get(promo.id)
        if entry is None:
            entry = self.by_promo[promo.id] = (promo, {}, [0])
        return entry

    def give(self, promo: Promotion, line_no: int, amount: int, times: int = 0) -> None:
        entry = self.entry(promo)
        entry[2][0] += times
        if amount:
            shares = entry[1]
            shares[line_no] = shares.get(line_no, 0) + amount
            self.left[line_no] -= amount

    def give_shares(self, promo: Promotion, line_nos: Sequence[int], amounts: Sequence[int]) -> None:
        """``give`` for many lines of one promotion at once (a threshold shares over every line)."""
        shares, left = self.entry(promo)[1], self.left
        for line_no, amount in zip(line_nos, amounts):
            if amount:
                shares[line_no] = shares.get(line_no, 0) + amount
                left[line_no] -= amount

    def result(self) -> PromotionResult:
        discounts = []
        for promo_id in sorted(self.by_promo):
            promo, shares, times = self.by_promo[promo_id]
            amount = sum(shares.values())
            if amount:
                discounts.append(Discount(promo.id, promo.name, promo.kind, amount, times[0],
                                          tuple([_new_tuple(LineShare, pair) for pair in sorted(shares.items())])))
        return PromotionResult(tuple(discounts))


def _take_units(cls: _Class, cursor: list[int], units: int) -> list[tuple[int, int]]:
    """(line_no, units) for the next ``units`` of ``cls``, in line order; ``cursor`` = units used per line."""
    taken = []
    for i, (line_no, have) in enumerate(cls.lines):
        n = min(have - cursor[i], units)
        if n > 0:
            taken.append((line_no, n))
            cursor[i] += n
            units -= n
        if not units:
            break
    return taken


class _Sale:
    """What each set of promotions is worked out on: the lines (in line order), their unit classes,
    what is left of each line before any promotion, and the lines each threshold counts."""

    def __init__(self, lines: Sequence[PromoLine]) -> None:
        self.lines = lines
        self._touched: set[str] | None = None
        self.left: dict[int, int] = {}
        by_key: dict[tuple, _Class] = {}
        whole: list[int] = []
        by_department: dict[str, list[int]] = {}
        bases: dict[str | None, int] = {None: 0}
        for line in lines:
            if line.manual:
                continue
            line_no, amount = line.line_no, line.amount
            self.left[line_no] = amount
            if amount <= 0:
                continue
            whole.append(line_no)
            bases[None] += amount
            department = line.department
            if department is not None:
                found = by_department.get(department)
                if found is None:
                    found = by_department[department] = []
                    bases[department] = 0
                found.append(line_no)
                bases[department] += amount
            if line.unit == EACH:  # the units of one SKU at one price are one class
                key: tuple = (line.sku, line.unit_price, 0)
                cls = by_key.get(key)
                if cls is None:
                    cls = by_key[key] = _Class(line.sku, line.unit_price, False)
                units = line.qty_milli // MILLI
                cls.count += units
                cls.lines.append([line_no, units])
            else:  # a weighed line is a class of its own
                cls = by_key[(line.sku, line.unit_price, line_no)] = _Class(line.sku, amount, True)
                cls.count = 1
                cls.lines.append([line_no, 1])
                cls.qty_milli = line.qty_milli
            cls.amount += amount
        # In (SKU, price) order, each class's lines in line order (as the lines came).
        self.classes = classes = [by_key[key] for key in sorted(by_key)]
        self.sku_classes: dict[str, list[int]] = {}
        weighed = set()
        for c, cls in enumerate(classes):
            found = self.sku_classes.get(cls.sku)
            if found is None:
                found = self.sku_classes[cls.sku] = []
            found.append(c)
            if cls.weighed:
                weighed.add(cls.sku)
        # The classes sold each, per SKU (the same lists where a SKU has no weighed line: fewer objects
        # made per evaluation, fewer passes of the cyclic GC).
        self.each_classes = {sku: [c for c in found if not classes[c].weighed] if sku in weighed else found
                             for sku, found in self.sku_classes.items()}
        # department (None: the whole sale) -> (its lines a threshold counts, what they add up to)
        self.scopes: dict[str | None, tuple[list[int], int]] = {None: (whole, bases[None])}
        for department, found in by_department.items():
            self.scopes[department] = (found, bases[department])

    def scope(self, department: str | None) -> tuple[list[int], int]:
        return self.scopes.get(department, ((), 0))  # type: ignore[return-value]

    def touched(self, ready: PromotionSet) -> set[str]:
        """The ids of ``ready``'s item deals that name a SKU sold each on this sale."""
        if self._touched is None:
            by_sku = ready.by_sku
            self._touched = set()
            for sku, found in self.each_classes.items():
                if found and sku in by_sku:
                    self._touched.update(by_sku[sku])
        return self._touched


def _feasible(deal: _Deal, classes: list[_Class]) -> bool:
    """Whether ``deal`` could be given once at all (each slot has units enough on its own)."""
    return all(sum(classes[c].count for c in allowed) >= need for allowed, need in deal.slots)


def _solve_group(members: list[int], deals: list[_Deal], classes: list[_Class],
                 solved: dict | None) -> list[tuple[_Deal, list[tuple[int, int]]]]:
    """The deal uses for one group of interacting classes: exact while the search is small enough,
    greedy beyond. ``solved`` (a ``PromotionSet``'s memo, or None) holds the uses found before for
    the same units and deals: what the search reads of a group is its classes' SKUs, prices,
    counts and member-price gains and the deals' promotions, so the same key gives the same uses."""
    if solved is not None:
        key = (tuple([(classes[c].sku, classes[c].price, classes[c].count, classes[c].leaf) for c in members]),
               tuple([deal.promo.id for deal in deals]))
        found = solved.get(key)
        if found is not None:
            return [(deals[d], [(members[i], n) for i, n in used]) for d, used in found]
    if len(members) == 1:
        uses = _solve_single(members[0], deals, classes)
    else:
        states, units = 1, 0
        for c in members:
            states *= classes[c].count + 1
            units += classes[c].count
        exact = _solve_exact(members, deals, classes, states) \
            if states <= EXACT_STATES and units <= EXACT_UNITS else None
        uses = exact if exact is not None else _greedy_on(members, deals, classes)
    if solved is not None:
        if len(solved) >= SOLVED_KEPT:
            solved.clear()
        position = {id(deal): d for d, deal in enumerate(deals)}
        local = {c: i for i, c in enumerate(members)}
        solved[key] = tuple((position[id(deal)], tuple((local[c], n) for c, n in used)) for deal, used in uses)
    return uses


def _evaluate_set(sale: _Sale, promos: Sequence[Promotion], ready: PromotionSet | None = None) -> PromotionResult:
    classes, sku_classes = sale.classes, sale.sku_classes
    tally = _Tally(sale.left)
    for cls in classes:
        cls.leaf, cls.leaf_promo = 0, None
    for promo in promos:
        if isinstance(promo, MemberPrice):
            for sku, member_price in promo.prices:
                for c in sku_classes.get(sku, ()):
                    cls = classes[c]
                    if cls.weighed:
                        gain = cls.amount - line_amount(member_price, cls.qty_milli)
                    else:
                        gain = cls.price - member_price
                    if gain > cls.leaf:
                        cls.leaf, cls.leaf_promo = gain, promo

    each_classes = sale.each_classes
    if ready is None:
        deals = [deal for promo in promos if (deal := _deal_for(promo, each_classes)) is not None]
    else:  # only the deals naming a SKU of the sale
        touched, shapes = sale.touched(ready), ready.shapes
        deals = [deal for promo in promos
                 if promo.id in touched and (deal := _deal_for(promo, each_classes, shapes[promo.id])) is not None]
    uses: list[tuple[_Deal, list[tuple[int, int]]]] = []
    if deals:
        union = _Union(len(classes))
        for deal in deals:
            for c in deal.classes[1:]:
                union.join(deal.classes[0], c)
        groups: dict[int, tuple[list[int], list[_Deal]]] = {}
        for deal in deals:
            # A deal that cannot be given even once still links its classes (the groups, and so
            # which search runs, stay as they are) but is not searched.
            found = groups.setdefault(union.find(deal.classes[0]), ([], []))
            if _feasible(deal, classes):
                found[1].append(deal)
        for c in sorted({c for deal in deals for c in deal.classes}):
            groups[union.find(c)][0].append(c)
        for root in sorted(groups):
            members, group_deals = groups[root]
            if group_deals:
                uses += _solve_group(members, group_deals, classes, ready.solved if ready is not None else None)

    cursors: dict[int, list[int]] = {}  # class -> units given in deals per line, for the classes in any
    prices = [cls.price for cls in classes]
    for deal, used in uses:
        chunks = []  # (line_no, weight)
        for c, n in used:
            cursor = cursors.get(c)
            if cursor is None:
                cursor = cursors[c] = [0] * len(classes[c].lines)
            for line_no, units in _take_units(classes[c], cursor, n):
                chunks.append((line_no, classes[c].price * units))
        value = deal.value(_split_slots(deal, used), prices)
        tally.give(deal.promo, chunks[0][0], 0, times=1)
        if len(chunks) == 1:
            tally.give(deal.promo, chunks[0][0], value)
            continue
        tally.give_shares(deal.promo, [line_no for line_no, _weight in chunks],
                          spread_discount(value, [weight for _line, weight in chunks]))
    for c, cls in enumerate(classes):
        if cls.leaf_promo is None:
            continue
        cursor = cursors.get(c)
        for i, (line_no, have) in enumerate(cls.lines):
            units = have - cursor[i] if cursor is not None else have
            if units:
                tally.give(cls.leaf_promo, line_no, cls.leaf * units, times=units)

    thresholds = sorted((p for p in promos if isinstance(p, SpendSave)), key=lambda p: (p.department is None, p.id))
    left_now = tally.left
    for promo in thresholds:
        eligible, base = sale.scope(promo.department)
        left = [left_now[n] for n in eligible]
        off = min(promo.off_for(base), sum(left))
        if off <= 0:
            continue
        tally.give(promo, eligible[0], 0, times=base // promo.tiers[0][0] if promo.repeat else 1)
        tally.give_shares(promo, eligible, spread_discount(off, left))
    return tally.result()


def _split_slots(deal: _Deal, used: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """``used`` (the deal's units, slot after slot) cut back into its slots, for its value."""
    chosen, rest = [], list(used)
    for _allowed, need in deal.slots:
        part = []
        while need:
            c, n = rest.pop(0)
            take = min(n, need)
            part.append((c, take))
            need -= take
            if n > take:
                rest.insert(0, (c, n - take))
        chosen.append(part)
    return chosen


def _greedy_on(members: list[int], deals: list[_Deal], classes: list[_Class]) -> list[tuple[_Deal, list[tuple[int, int]]]]:
    """The greedy pass over the classes ``members`` only (the others count as none left)."""
    saved = [cls.count for cls in classes]
    inside = set(members)
    for c, cls in enumerate(classes):
        if c not in inside:
            cls.count = 0
    try:
        return _solve_greedy(deals, classes)
    finally:
        for cls, count in zip(classes, saved):
            cls.count = count


# ---------------------------------------------------------------------------- the whole evaluation

def _worth_alone_at_most(promo: Promotion, sale: _Sale) -> int:
    """A bound on what ``promo`` alone could give: all its lines' amounts (a threshold: its off)."""
    classes, sku_classes = sale.classes, sale.sku_classes
    if isinstance(promo, SpendSave):
        return promo.off_for(sale.scope(promo.department)[1])
    if isinstance(promo, MemberPrice):
        bound = 0
        for sku, member_price in promo.prices:
            for c in sku_classes.get(sku, ()):
                cls = classes[c]
                gain = cls.amount - line_amount(member_price, cls.qty_milli) if cls.weighed else \
                    (cls.price - member_price) * cls.count
                bound += max(gain, 0)
        return bound
    if isinstance(promo, BuyGet):
        skus = promo.buy_skus | promo.get_skus
    elif isinstance(promo, MixMatch):
        skus = frozenset().union(*(group for group, _n in promo.groups))
    else:
        skus = promo.skus  # type: ignore[attr-defined]
    return sum(classes[c].amount for sku in skus for c in sku_classes.get(sku, ()))


class PromotionSet:
    """Promotions made ready once for many evaluations (the lane's, after every line change): in
    id order, indexed by the SKUs their deals name, with the uses the search found for each group
    of units (a line change touches one group; the others are found here, as they were)."""

    def __init__(self, promotions: Iterable[Promotion]) -> None:
        self.promotions = tuple(sorted(promotions, key=lambda p: p.id))
        self.solved: dict = {}
        self.shapes = {p.id: shape for p in self.promotions if (shape := _shape(p)) is not None}
        self.by_sku: dict[str, set[str]] = {}  # SKU -> the ids of the item deals that name it
        for promo_id, shape in self.shapes.items():
            for skus, _n in shape:
                for sku in skus:
                    self.by_sku.setdefault(sku, set()).add(promo_id)
        # The departments a spend-and-save counts (the lane reads its products' departments only then).
        self.departments = frozenset(p.department for p in self.promotions
                                     if isinstance(p, SpendSave) and p.department is not None)


def evaluate(lines: Sequence[PromoLine], promotions: Iterable[Promotion] | PromotionSet, *,
             member: Member | None = None, at: datetime) -> PromotionResult:
    """The discounts best for the customer on ``lines`` from the ``promotions`` on offer to
    ``member`` (None: no member) at ``at`` (the lane's local time), under the module's rules.
    Promotion ids are unique (the file loader sees to it); line numbers too. A ``PromotionSet``
    gives the same result as its promotions, sooner when the lines are much as they were."""
    if isinstance(promotions, PromotionSet):
        ready: PromotionSet | None = promotions
        offered = [p for p in promotions.promotions if p.runs_for(member, at)]
    else:
        ready = None
        offered = sorted((p for p in promotions if p.runs_for(member, at)), key=lambda p: p.id)
    if not offered:
        return PromotionResult()
    sale = _Sale(sorted(lines, key=lambda line: line.line_no))  # shares fall the same way whatever the scan order
    if not sale.classes:
        return PromotionResult()
    stackable = [p for p in offered if p.stacking is Stacking.STACKABLE]
    best = _evaluate_set(sale, stackable, ready) if stackable else PromotionResult()
    best_total = best.total
    for promo in offered:
        if promo.stacking is Stacking.EXCLUSIVE and _worth_alone_at_most(promo, sale) > best_total:
            alone = _evaluate_set(sale, [promo], ready)
            if alone.total > best_total:
                best, best_total = alone, alone.total
    return best
