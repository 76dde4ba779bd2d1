"""The promotions engine, one kind at a time, on carts a cashier would ring up."""

from datetime import date, datetime, time

import pytest

from pos_tui.domain.cart import Cart
from pos_tui.domain.money import Rate
from pos_tui.domain.promotions import (
    BuyGet,
    Member,
    MemberPrice,
    MixMatch,
    MultiBuy,
    NthItem,
    PromoLine,
    SpendSave,
    Stacking,
    TimeWindow,
    evaluate,
    promo_lines,
)

THURSDAY_NOON = datetime(2026, 12, 3, 12, 0)
MEMBER = Member("13800000000")


def each(line_no: int, sku: str, qty: int, price: int, department: str | None = None, manual: bool = False) -> PromoLine:
    return PromoLine(line_no, sku, "each", qty * 1000, price, qty * price, department, manual)


def weighed(line_no: int, sku: str, qty_milli: int, price_per_kg: int) -> PromoLine:
    return PromoLine(line_no, sku, "kg", qty_milli, price_per_kg, price_per_kg * qty_milli // 1000)


def shares(result, promotion_id: str) -> dict[int, int]:
    found = [d for d in result.discounts if d.promotion_id == promotion_id]
    return {share.line_no: share.amount for share in found[0].lines} if found else {}


def half_off_second(skus=("milk",), **kw) -> NthItem:
    return NthItem(id="second-half", name="第二件半价", skus=frozenset(skus), nth=2, percent=Rate(500_000), **kw)


# ------------------------------------------------------------------ 第二件半价

@pytest.mark.parametrize(("units", "off"), [(1, 0), (2, 500), (3, 500), (4, 1000)])
def test_second_item_half_price_once_per_pair(units, off):
    result = evaluate([each(1, "milk", units, 1000)], [half_off_second()], at=THURSDAY_NOON)
    assert result.total == off


def test_second_item_half_price_discounts_the_cheaper_of_the_pair():
    lines = [each(1, "milk", 1, 1000), each(2, "oat", 1, 600)]
    result = evaluate(lines, [half_off_second(("milk", "oat"))], at=THURSDAY_NOON)
    assert result.total == 300
    assert sum(shares(result, "second-half").values()) == 300


def test_pairs_are_made_so_the_customer_gets_the_most():
    # 10, 10, 6, 6: pairing dear with dear gives 5 + 3 = 8; dear with cheap would give 3 + 3.
    lines = [each(1, "milk", 2, 1000), each(2, "oat", 2, 600)]
    assert evaluate(lines, [half_off_second(("milk", "oat"))], at=THURSDAY_NOON).total == 800


# ------------------------------------------------------------------ 满100减20

def _cart_for_spend() -> Cart:
    cart = Cart()
    for sku, price in (("rice", 5_000), ("oil", 4_000), ("salt", 300), ("tea", 1_200)):
        cart = cart.add(product_id=None, sku=sku, name=sku, unit="each", qty_milli=1000, unit_price=price, tax_code="A")
    return cart


def test_spend_threshold_crossed_then_uncrossed_by_voiding_a_line():
    promo = SpendSave(id="100-20", name="满100减20", tiers=((10_000, 2_000),))
    cart = _cart_for_spend()  # 105.00
    crossed = evaluate(promo_lines(cart), [promo], at=THURSDAY_NOON)
    assert crossed.total == 2_000
    assert sum(crossed.line_discounts().values()) == 2_000
    assert set(crossed.line_discounts()) == {1, 2, 3, 4}
    uncrossed = evaluate(promo_lines(cart.void(4)), [promo], at=THURSDAY_NOON)  # 93.00
    assert uncrossed.total == 0 and uncrossed.discounts == ()


def test_stepped_spend_takes_the_highest_tier_reached():
    promo = SpendSave(id="tiers", name="满100减20 满200减50", tiers=((10_000, 2_000), (20_000, 5_000)))
    assert evaluate([each(1, "tv", 1, 9_999)], [promo], at=THURSDAY_NOON).total == 0
    assert evaluate([each(1, "tv", 1, 15_000)], [promo], at=THURSDAY_NOON).total == 2_000
    assert evaluate([each(1, "tv", 1, 20_000)], [promo], at=THURSDAY_NOON).total == 5_000


def test_every_full_spend_repeats_the_off():
    promo = SpendSave(id="every", name="每满100减20", tiers=((10_000, 2_000),), repeat=True)
    result = evaluate([each(1, "tv", 1, 35_000)], [promo], at=THURSDAY_NOON)
    assert (result.total, result.discounts[0].times) == (6_000, 3)


def test_department_threshold_counts_only_its_department():
    promo = SpendSave(id="drinks", name="饮料满50减5", tiers=((5_000, 500),), department="drinks")
    lines = [each(1, "cola", 10, 450, "drinks"), each(2, "bread", 1, 2_000, "bakery")]
    assert evaluate(lines, [promo], at=THURSDAY_NOON).total == 0  # 45.00 of drinks
    lines.append(each(3, "juice", 1, 800, "drinks"))
    result = evaluate(lines, [promo], at=THURSDAY_NOON)
    assert result.total == 500 and set(shares(result, "drinks")) == {1, 3}


def test_department_lines_of_open_price_items_come_from_their_sku():
    cart = Cart().add(product_id=None, sku="DEPT-drinks", name="Drinks", unit="each", qty_milli=1000,
                      unit_price=6_000, tax_code="A")
    promo = SpendSave(id="drinks", name="饮料满50减5", tiers=((5_000, 500),), department="drinks")
    assert evaluate(promo_lines(cart), [promo], at=THURSDAY_NOON).total == 500


def test_threshold_counts_prices_before_item_deals_and_takes_only_what_is_left():
    multi = MultiBuy(id="a-multi", name="3 for 60", skus=frozenset({"wine"}), quantity=3, price=6_000)
    spend = SpendSave(id="b-spend", name="满100减20", tiers=((10_000, 2_000),))
    result = evaluate([each(1, "wine", 3, 4_000)], [multi, spend], at=THURSDAY_NOON)
    # 120.00 reaches the threshold although the customer pays 60.00 for the wine after the deal.
    assert (result.total, shares(result, "a-multi"), shares(result, "b-spend")) == (8_000, {1: 6_000}, {1: 2_000})
    cap = SpendSave(id="b-spend", name="满100减70", tiers=((10_000, 7_000),))
    capped = evaluate([each(1, "wine", 3, 4_000)], [multi, cap], at=THURSDAY_NOON)
    assert capped.total == 12_000 and capped.line_discounts() == {1: 12_000}  # never below zero


# ------------------------------------------------------------------ buy X get Y, multi-buy, mix-and-match

@pytest.mark.parametrize(("units", "free"), [(2, 0), (3, 1), (5, 1), (6, 2), (7, 2), (9, 3)])
def test_buy_two_get_one_applies_as_many_times_as_it_fits(units, free):
    promo = BuyGet(id="b2g1", name="买二送一", buy_skus=frozenset({"soap"}), buy=2, get_skus=frozenset({"soap"}), get=1)
    result = evaluate([each(1, "soap", units, 500)], [promo], at=THURSDAY_NOON)
    assert result.total == free * 500
    assert result.discounts[0].times == free if free else result.discounts == ()


def test_buy_one_get_another_product_free_only_of_equal_or_lesser_value():
    promo = BuyGet(id="shampoo", name="买洗发水送护发素", buy_skus=frozenset({"shampoo"}), buy=1,
                   get_skus=frozenset({"conditioner"}), get=1)
    cheap = [each(1, "shampoo", 1, 3_000), each(2, "conditioner", 1, 2_000)]
    assert evaluate(cheap, [promo], at=THURSDAY_NOON).total == 2_000
    dear = [each(1, "shampoo", 1, 3_000), each(2, "conditioner", 1, 3_500)]
    assert evaluate(dear, [promo], at=THURSDAY_NOON).total == 0


def test_multi_buy_shares_the_saving_so_a_return_refunds_what_the_unit_cost():
    promo = MultiBuy(id="cola3", name="3 for 10.00", skus=frozenset({"cola"}), quantity=3, price=1_000)
    lines = [each(1, "cola", 1, 350), each(2, "cola", 1, 350), each(3, "cola", 1, 350), each(4, "cola", 1, 350)]
    result = evaluate(lines, [promo], at=THURSDAY_NOON)
    assert result.total == 50
    given = shares(result, "cola3")
    assert sorted(given.values()) == [16, 17, 17] and set(given) == {1, 2, 3}
    # What each of the three really cost adds up to the 10.00 paid for them.
    assert sum(350 - given[n] for n in given) == 1_000
    assert result.shares_of(1) == (("cola3", given[1]),) and result.shares_of(4) == ()


def test_mix_and_match_any_three_drinks_for_a_price():
    drinks = frozenset({"cola", "juice", "tea"})
    promo = MixMatch(id="drinks3", name="任选3瓶10元", groups=((drinks, 3),), price=1_000)
    lines = [each(1, "cola", 1, 350), each(2, "juice", 2, 500), each(3, "tea", 1, 400), each(4, "bread", 1, 900)]
    result = evaluate(lines, [promo], at=THURSDAY_NOON)
    # Four drinks: the dearest three (5.00, 5.00, 4.00) go together for 10.00.
    assert result.total == 400 and set(shares(result, "drinks3")) == {2, 3}


def test_mix_and_match_meal_deal_needs_one_of_each_group():
    meal = MixMatch(id="meal", name="饮料+三明治 25元",
                    groups=((frozenset({"cola"}), 1), (frozenset({"sandwich"}), 1)), price=2_500)
    assert evaluate([each(1, "cola", 2, 500)], [meal], at=THURSDAY_NOON).total == 0
    result = evaluate([each(1, "cola", 2, 500), each(2, "sandwich", 1, 2_400)], [meal], at=THURSDAY_NOON)
    assert result.total == 400 and result.discounts[0].times == 1


def test_a_unit_takes_one_item_deal_and_the_better_combination_wins():
    multi = MultiBuy(id="multi", name="2 for 15.00", skus=frozenset({"wine"}), quantity=2, price=1_500)
    half = half_off_second(("wine",))
    result = evaluate([each(1, "wine", 4, 1_200)], [multi, half], at=THURSDAY_NOON)
    assert (result.total, [d.promotion_id for d in result.discounts]) == (1_800, ["multi"])  # 9.00 x 2 > 6.00 x 2
    result = evaluate([each(1, "wine", 4, 800)], [multi, half], at=THURSDAY_NOON)
    assert (result.total, [d.promotion_id for d in result.discounts]) == (800, ["second-half"])  # 4.00 x 2 > 1.00 x 2
    result = evaluate([each(1, "wine", 5, 800)], [multi, half], at=THURSDAY_NOON)
    assert result.total == 800  # the fifth bottle has no partner in either deal


def test_weighed_lines_are_not_units_of_a_multi_buy():
    promo = MultiBuy(id="apples", name="3 for 10", skus=frozenset({"apple"}), quantity=3, price=1_000)
    assert evaluate([weighed(1, "apple", 3_000, 880)], [promo], at=THURSDAY_NOON).total == 0


# ------------------------------------------------------------------ members

def test_member_price_only_for_a_member():
    promo = MemberPrice(id="member", name="会员价", prices=(("milk", 800), ("apple", 700)))
    lines = [each(1, "milk", 2, 1_000), weighed(2, "apple", 1_250, 880)]
    assert evaluate(lines, [promo], at=THURSDAY_NOON).total == 0
    result = evaluate(lines, [promo], member=MEMBER, at=THURSDAY_NOON)
    # milk 2 x 2.00; apples 1.250 kg: 11.00 at 8.80/kg, 8.75 at 7.00/kg.
    assert shares(result, "member") == {1: 400, 2: 225}
    assert result.discounts[0].times == 3


def test_members_only_deal_needs_a_member():
    promo = half_off_second(members_only=True)
    assert evaluate([each(1, "milk", 2, 1_000)], [promo], at=THURSDAY_NOON).total == 0
    assert evaluate([each(1, "milk", 2, 1_000)], [promo], member=MEMBER, at=THURSDAY_NOON).total == 500


def test_member_price_or_a_deal_whichever_gives_more():
    member = MemberPrice(id="member", name="会员价", prices=(("milk", 900),))
    multi = MultiBuy(id="multi", name="3 for 25.00", skus=frozenset({"milk"}), quantity=3, price=2_500)
    result = evaluate([each(1, "milk", 4, 1_000)], [member, multi], member=MEMBER, at=THURSDAY_NOON)
    assert result.total == 500 + 100  # three in the deal, the fourth at the member price


# ------------------------------------------------------------------ time windows

@pytest.mark.parametrize(("window", "moment", "runs"), [
    (TimeWindow(starts=date(2026, 12, 1), ends=date(2026, 12, 3)), datetime(2026, 12, 3, 23, 59), True),
    (TimeWindow(starts=date(2026, 12, 1), ends=date(2026, 12, 3)), datetime(2026, 12, 4, 0, 0), False),
    (TimeWindow(starts=date(2026, 12, 1)), datetime(2026, 11, 30, 12), False),
    (TimeWindow(weekdays=frozenset({5, 6})), datetime(2026, 12, 5, 12), True),  # a Saturday
    (TimeWindow(weekdays=frozenset({5, 6})), THURSDAY_NOON, False),
    (TimeWindow(hours=(time(17), time(21))), datetime(2026, 12, 3, 17, 0), True),
    (TimeWindow(hours=(time(17), time(21))), datetime(2026, 12, 3, 21, 0), False),
    (TimeWindow(hours=(time(22), time(2))), datetime(2026, 12, 3, 1, 30), True),  # past midnight
    (TimeWindow(hours=(time(22), time(2))), datetime(2026, 12, 3, 12, 0), False),
])
def test_time_window_inside_and_outside(window, moment, runs):
    result = evaluate([each(1, "milk", 2, 1_000)], [half_off_second(window=window)], at=moment)
    assert result.total == (500 if runs else 0)


# ------------------------------------------------------------------ stacking and manual prices

def test_stackable_promotions_add_up():
    half = half_off_second()
    spend = SpendSave(id="spend", name="满10减1", tiers=((1_000, 100),))
    result = evaluate([each(1, "milk", 2, 1_000)], [half, spend], at=THURSDAY_NOON)
    assert (result.total, [d.promotion_id for d in result.discounts]) == (600, ["second-half", "spend"])


def test_an_exclusive_promotion_is_used_alone_when_it_gives_more():
    half = half_off_second()
    spend = SpendSave(id="spend", name="满10减1", tiers=((1_000, 100),))
    big = SpendSave(id="big", name="满20减7 不与其他优惠同享", tiers=((2_000, 700),), stacking=Stacking.EXCLUSIVE)
    result = evaluate([each(1, "milk", 2, 1_000)], [half, spend, big], at=THURSDAY_NOON)
    assert (result.total, [d.promotion_id for d in result.discounts]) == (700, ["big"])


def test_an_exclusive_promotion_that_gives_less_is_not_used():
    half = half_off_second()
    spend = SpendSave(id="spend", name="满10减1", tiers=((1_000, 100),))
    small = SpendSave(id="small", name="满20减3 不与其他优惠同享", tiers=((2_000, 300),), stacking=Stacking.EXCLUSIVE)
    result = evaluate([each(1, "milk", 2, 1_000)], [half, spend, small], at=THURSDAY_NOON)
    assert (result.total, [d.promotion_id for d in result.discounts]) == (600, ["second-half", "spend"])


def test_a_line_priced_by_hand_takes_no_promotion_and_does_not_count_towards_a_threshold():
    spend = SpendSave(id="spend", name="满10减1", tiers=((1_000, 100),))
    lines = [each(1, "milk", 1, 1_000, manual=True), each(2, "milk", 1, 1_000)]
    assert evaluate(lines, [half_off_second(), spend], at=THURSDAY_NOON).total == 100
    result = evaluate(lines, [half_off_second(), spend], at=THURSDAY_NOON)
    assert 1 not in result.line_discounts()


def test_promo_lines_reads_the_cart_and_leaves_out_voided_lines():
    cart = _cart_for_spend().void(2)
    lines = promo_lines(cart, departments={"rice": "grain"}, manual={3})
    assert [(l.line_no, l.sku, l.department, l.manual) for l in lines] == [
        (1, "rice", "grain", False), (3, "salt", None, True), (4, "tea", None, False)]


def test_the_same_cart_and_promotions_give_the_same_result_whatever_order_the_promotions_come_in():
    promos = [half_off_second(), SpendSave(id="spend", name="满10减1", tiers=((1_000, 100),)),
              MultiBuy(id="multi", name="2 for 15.00", skus=frozenset({"milk"}), quantity=2, price=1_500)]
    lines = [each(1, "milk", 3, 1_000), each(2, "milk", 2, 1_000)]
    assert evaluate(lines, promos, at=THURSDAY_NOON) == evaluate(lines, promos[::-1], at=THURSDAY_NOON)
