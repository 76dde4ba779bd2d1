"""Properties of the promotions engine on generated carts and promotions: it never gives more than
the cart, never takes a line below zero, does not care about scan order, and on small carts gives
exactly the best a brute force finds over every allowed combination."""

import itertools
import random
from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pos_tui.domain.cart import line_amount
from pos_tui.domain.money import PPM, Rate, round_half_up_div
from pos_tui.domain.promotions import (
    BuyGet,
    Member,
    MemberPrice,
    MixMatch,
    MultiBuy,
    NthItem,
    PromoLine,
    PromotionSet,
    SpendSave,
    Stacking,
    evaluate,
)

AT = datetime(2026, 12, 3, 12, 0)
SKUS = ("a", "b", "c", "d", "e")
DEPARTMENT = {"a": "d1", "b": "d1", "c": "d2", "d": "d2", "e": None}
PRICES = (100, 150, 200, 300, 500)

sku_sets = st.frozensets(st.sampled_from(SKUS), min_size=1, max_size=3)
stacking = st.sampled_from([Stacking.STACKABLE, Stacking.STACKABLE, Stacking.EXCLUSIVE])


@st.composite
def line_specs(draw, max_lines: int, max_qty: int, max_units: int = 1_000):
    """(sku, unit, qty_milli, unit_price, manual) for each line, at most ``max_units`` units sold each."""
    specs = []
    for _ in range(draw(st.integers(1, max_lines))):
        if max_units < 1:
            break
        sku = draw(st.sampled_from(SKUS))
        price = draw(st.sampled_from(PRICES))
        if draw(st.integers(0, 9)) == 0:
            specs.append((sku, "kg", draw(st.integers(100, 2_000)), price, False))
        else:
            qty = draw(st.integers(1, min(max_qty, max_units)))
            max_units -= qty
            specs.append((sku, "each", qty * 1000, price, draw(st.integers(0, 9)) == 0))
    return specs


def to_lines(specs) -> list[PromoLine]:
    return [PromoLine(n, sku, unit, qty, price, line_amount(price, qty), DEPARTMENT[sku], manual)
            for n, (sku, unit, qty, price, manual) in enumerate(specs, start=1)]


# Item deals give at most half of what their units cost and a threshold at most a quarter of what it
# counts (checked in the brute force), so a threshold's share is never cut to what is left of its lines.
@st.composite
def promotions(draw, max_promotions: int = 4):
    promos = []
    thresholds = 0
    for i in range(draw(st.integers(1, max_promotions))):
        kind = draw(st.sampled_from(["multi", "nth", "buyget", "mix", "member", "spend"]))
        common = {"id": f"p{i}", "name": f"promotion {i}", "stacking": draw(stacking),
                  "members_only": draw(st.integers(0, 4)) == 0}
        if kind == "multi":
            quantity = draw(st.integers(2, 3))
            promos.append(MultiBuy(skus=draw(sku_sets), quantity=quantity,
                                   price=draw(st.integers(quantity * 250, quantity * 400)), **common))
        elif kind == "nth":
            promos.append(NthItem(skus=draw(sku_sets), nth=draw(st.integers(2, 3)),
                                  percent=Rate(draw(st.integers(1, 100)) * PPM // 100), **common))
        elif kind == "buyget":
            buy = draw(sku_sets)
            promos.append(BuyGet(buy_skus=buy, buy=draw(st.integers(1, 2)), get_skus=draw(st.sampled_from([buy, *(
                frozenset({s}) for s in SKUS)])), get=1, percent=Rate(draw(st.integers(50, 100)) * PPM // 100), **common))
        elif kind == "mix":
            chosen = draw(st.permutations(SKUS))
            cut = draw(st.integers(1, 3))
            groups = [(frozenset(chosen[:cut]), draw(st.integers(1, 2)))]
            if draw(st.booleans()):
                groups.append((frozenset(chosen[cut:cut + 2]), 1))
            count = sum(n for _g, n in groups)
            promos.append(MixMatch(groups=tuple(groups), price=draw(st.integers(count * 250, count * 400)), **common))
        elif kind == "member":
            skus = sorted(draw(sku_sets))
            promos.append(MemberPrice(prices=tuple((s, draw(st.integers(250, 500))) for s in skus), **common))
        elif thresholds < 2:
            thresholds += 1
            spend = draw(st.integers(300, 2_000))
            tiers = [(spend, draw(st.integers(1, spend // 4)))]
            repeat = draw(st.booleans())
            if not repeat and draw(st.booleans()):
                tiers.append((spend * 2, draw(st.integers(tiers[0][1], spend // 2))))
            promos.append(SpendSave(tiers=tuple(tiers), repeat=repeat, department=draw(st.sampled_from(
                [None, "d1", "d2"])), **common))
    return promos


# ------------------------------------------------------------------ the brute force

def _deal_value(promo, slots: list[list[tuple[str, int]]]) -> int:
    """What one use of an item deal gives with these units in its slots (units: (sku, price)), or
    -1 when they do not fit it."""
    if isinstance(promo, (MultiBuy, MixMatch)):
        groups = [(promo.skus, promo.quantity)] if isinstance(promo, MultiBuy) else list(promo.groups)
        if any(len(slot) != n or any(s not in skus for s, _p in slot) for slot, (skus, n) in zip(slots, groups)):
            return -1
        return sum(p for slot in slots for _s, p in slot) - promo.price
    if isinstance(promo, NthItem):
        (slot,) = slots
        if len(slot) != promo.nth or any(s not in promo.skus for s, _p in slot):
            return -1
        return round_half_up_div(min(p for _s, p in slot) * promo.percent.ppm, PPM)
    bought, got = slots
    if (len(bought) != promo.buy or len(got) != promo.get or any(s not in promo.buy_skus for s, _p in bought)
            or any(s not in promo.get_skus for s, _p in got)):
        return -1
    if max(p for _s, p in got) > min(p for _s, p in bought):
        return 0
    return sum(round_half_up_div(p * promo.percent.ppm, PPM) for _s, p in got)


def _slot_sizes(promo) -> list[int]:
    if isinstance(promo, MultiBuy):
        return [promo.quantity]
    if isinstance(promo, MixMatch):
        return [n for _g, n in promo.groups]
    if isinstance(promo, NthItem):
        return [promo.nth]
    return [promo.buy, promo.get]


def _best_item_uses(units: list[tuple[str, int, str | None, int]], deals, leaf) -> list[dict[str | None, int]]:
    """Every total of item discount by department reachable by putting units (sku, price, department,
    id) into deal uses, each unit at most once; units in none take their best member price."""
    results = []

    def walk(left: list, by_department: dict):
        if not left:
            results.append(dict(by_department))
            return
        first, rest = left[0], left[1:]
        alone = dict(by_department)
        alone[first[2]] = alone.get(first[2], 0) + leaf.get((first[0], first[1]), 0)
        walk(rest, alone)
        for promo in deals:
            sizes = _slot_sizes(promo)
            for others in itertools.combinations(range(len(rest)), sum(sizes) - 1):
                members = [first] + [rest[i] for i in others]
                for order in set(itertools.permutations(range(len(members)))):
                    slots, at = [], 0
                    for size in sizes:
                        slots.append([(members[i][0], members[i][1]) for i in order[at:at + size]])
                        at += size
                    value = _deal_value(promo, slots)
                    if value <= 0:
                        continue
                    given = dict(by_department)
                    shares = _shares(value, [m[1] for m in members])
                    for unit, share in zip(members, shares):
                        given[unit[2]] = given.get(unit[2], 0) + share
                    walk([u for i, u in enumerate(rest) if i not in others], given)

    walk(units, {})
    return results


def _shares(total: int, weights: list[int]) -> list[int]:
    base = sum(weights)
    shares = [total * w // base for w in weights]
    for i in sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % base), i))[: total - sum(shares)]:
        shares[i] += 1
    return shares


def brute_force(lines: list[PromoLine], promos, member) -> int:
    offered = [p for p in promos if p.runs_for(member, AT)]
    sets = [[p for p in offered if p.stacking is Stacking.STACKABLE]] + [
        [p] for p in offered if p.stacking is Stacking.EXCLUSIVE]
    best = 0
    for chosen in sets:
        eligible = [line for line in lines if not line.manual and line.amount > 0]
        leaf: dict = {}
        weighed_off: dict[str | None, int] = {}
        for promo in chosen:
            if isinstance(promo, MemberPrice):
                for sku, price in promo.prices:
                    for line in eligible:
                        if line.sku == sku and line.unit == "each":
                            leaf[(sku, line.unit_price)] = max(leaf.get((sku, line.unit_price), 0), line.unit_price - price)
        for line in eligible:
            if line.unit == "kg":
                gains = [line.amount - line_amount(price, line.qty_milli) for promo in chosen
                         if isinstance(promo, MemberPrice) for sku, price in promo.prices if sku == line.sku]
                weighed_off[line.department] = weighed_off.get(line.department, 0) + max([0, *gains])
        units = [(line.sku, line.unit_price, line.department, n) for line in eligible if line.unit == "each"
                 for n in range(line.qty_milli // 1000)]
        deals = [p for p in chosen if isinstance(p, (MultiBuy, NthItem, BuyGet, MixMatch))]
        gross = {}
        for line in eligible:
            gross[line.department] = gross.get(line.department, 0) + line.amount
        thresholds = sorted((p for p in chosen if isinstance(p, SpendSave)), key=lambda p: (p.department is None, p.id))
        for items in _best_item_uses(units, deals, leaf):
            for department, off in weighed_off.items():
                items[department] = items.get(department, 0) + off
            total = sum(items.values())
            left = {d: gross[d] - items.get(d, 0) for d in gross}
            for promo in thresholds:
                scope = [d for d in gross if promo.department is None or d == promo.department]
                base = sum(gross[d] for d in scope)
                off = promo.off_for(base)
                assert off * 4 <= base  # generated so that a threshold is never cut to what is left
                assert off <= sum(left[d] for d in scope)
                total += off
                if not off:
                    continue
                if promo.department is not None:
                    left[promo.department] -= off
                else:  # department thresholds all come first: what the sale's take is shared afterwards
                    for d, share in zip(scope, _shares(off, [left[d] for d in scope])):
                        left[d] -= share
            best = max(best, total)
    return best


# ------------------------------------------------------------------ the properties

def _check_result(lines: list[PromoLine], result) -> None:
    by_line = {line.line_no: line for line in lines}
    assert result.total <= sum(line.amount for line in lines if not line.manual)
    for discount in result.discounts:
        assert discount.amount > 0 and discount.amount == sum(s.amount for s in discount.lines)
        assert all(s.amount > 0 for s in discount.lines)
    for line_no, off in result.line_discounts().items():
        line = by_line[line_no]
        assert not line.manual and 0 < off <= line.amount


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(line_specs(max_lines=6, max_qty=3, max_units=9), promotions(), st.booleans())
def test_small_carts_get_exactly_the_best_combination(specs, promos, is_member):
    lines = to_lines(specs)
    member = Member("1") if is_member else None
    result = evaluate(lines, promos, member=member, at=AT)
    _check_result(lines, result)
    assert result.total == brute_force(lines, promos, member)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(line_specs(max_lines=30, max_qty=6), promotions(max_promotions=8), st.booleans(), st.randoms())
def test_never_more_than_the_cart_never_below_zero_and_scan_order_does_not_matter(specs, promos, is_member, rnd):
    member = Member("1") if is_member else None
    lines = to_lines(specs)
    result = evaluate(lines, promos, member=member, at=AT)
    _check_result(lines, result)
    shuffled = lines[:]
    rnd.shuffle(shuffled)
    assert evaluate(shuffled, promos, member=member, at=AT) == result
    rescanned = to_lines([specs[i] for i in random.Random(rnd.random()).sample(range(len(specs)), len(specs))])
    again = evaluate(rescanned, promos, member=member, at=AT)
    _check_result(rescanned, again)
    assert again.total == result.total


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(12, 40), promotions(max_promotions=6))
def test_large_groups_of_interacting_units_are_shared_out_within_the_rules(units, promos):
    # Five SKUs of many units each: past the exact search, the greedy pass must keep the rules too.
    lines = to_lines([(sku, "each", units * 1000, price, False) for sku, price in zip(SKUS, PRICES)])
    result = evaluate(lines, promos, member=Member("1"), at=AT)
    _check_result(lines, result)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(line_specs(max_lines=25, max_qty=6), promotions(max_promotions=8), st.booleans(), st.randoms())
def test_a_promotion_set_kept_across_line_changes_gives_what_a_fresh_evaluation_gives(specs, promos, is_member, rnd):
    # The lane keeps one PromotionSet and evaluates after every scan, void and quantity change: the
    # uses it remembers for groups of units must never change a result.
    member = Member("1") if is_member else None
    kept = PromotionSet(promos)
    lines = to_lines(specs)
    shown: list[PromoLine] = []
    for line in lines:
        shown.append(line)
        if rnd.random() < 0.2:  # a void
            shown.pop(rnd.randrange(len(shown)))
        if shown and rnd.random() < 0.2:  # a quantity change
            i = rnd.randrange(len(shown))
            old = shown[i]
            if old.unit == "each":
                qty = old.qty_milli + 1000
                shown[i] = PromoLine(old.line_no, old.sku, old.unit, qty, old.unit_price,
                                     line_amount(old.unit_price, qty), old.department, old.manual)
        assert evaluate(shown, kept, member=member, at=AT) == evaluate(shown, promos, member=member, at=AT)
