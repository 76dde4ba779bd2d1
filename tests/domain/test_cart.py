import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pos_tui.domain.cart import (
    Cart,
    CartError,
    OverLimit,
    check_line_amount,
    check_quantity,
    format_qty,
    line_amount,
)
from pos_tui.domain.money import currency


def add(cart: Cart, name: str, qty_milli: int, unit_price: int, unit: str = "each", tax: str = "A") -> Cart:
    return cart.add(
        product_id=len(cart.lines) + 100, sku=f"SKU-{name}", name=name, unit=unit,
        qty_milli=qty_milli, unit_price=unit_price, tax_code=tax,
    )


@pytest.fixture
def cart() -> Cart:
    c = add(Cart(), "可口可乐 330ml", 3000, 350)
    c = add(c, "Bread", 1000, 1200)
    c = add(c, "苹果", 1250, 880, unit="kg")
    return add(c, "Soap", 1000, 500)


def test_line_amount_is_half_up_in_minor_units():
    assert line_amount(350, 3000) == 1050
    assert line_amount(880, 1250) == 1100
    assert line_amount(999, 1235) == 1234  # 1233.765 -> 1234
    assert line_amount(10, 1050) == 11  # 10.5 -> 11
    assert line_amount(10, 1049) == 10


@given(price=st.integers(0, 10**7), qty=st.integers(1, 10**7))
def test_line_amount_is_an_int_within_half_a_unit(price, qty):
    amount = line_amount(price, qty)
    assert type(amount) is int
    assert abs(amount * 1000 - price * qty) <= 500


def test_add_numbers_lines_and_keeps_the_old_cart(cart):
    assert [line.line_no for line in cart.lines] == [1, 2, 3, 4]
    assert [line.amount for line in cart.lines] == [1050, 1200, 1100, 500]
    smaller = Cart(cart.lines[:1])
    assert len(add(smaller, "x", 1000, 1).lines) == 2
    assert len(smaller.lines) == 1


def test_cart_is_immutable(cart):
    with pytest.raises(dataclasses.FrozenInstanceError):
        cart.lines = ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cart.lines[0].amount = 0


def test_void_keeps_the_line_and_drops_its_amount(cart):
    voided = cart.void(4, reason="customer changed mind")
    assert len(voided.lines) == 4
    line = voided.line(4)
    assert line.voided and line.void_reason == "customer changed mind"
    assert line.amount == 500 and line.net == 0
    assert voided.subtotal == 3350
    assert cart.subtotal == 3850
    assert [l.line_no for l in voided.active_lines] == [1, 2, 3]


def test_void_twice_or_a_missing_line_is_refused(cart):
    with pytest.raises(CartError, match="line 4 is already voided"):
        cart.void(4).void(4)
    with pytest.raises(CartError, match="no line 9"):
        cart.void(9)


def test_new_line_after_a_void_gets_the_next_number(cart):
    assert add(cart.void(4), "Tea", 1000, 100).lines[-1].line_no == 5


def test_item_count_counts_each_by_quantity_and_weighed_lines_once(cart):
    assert cart.item_count == 3 + 1 + 1 + 1
    assert cart.void(1).item_count == 3


def test_discount_reduces_net_and_subtotal(cart):
    discounted = cart.discount_line(2, 200)
    assert discounted.line(2).net == 1000
    assert discounted.subtotal == cart.subtotal - 200
    assert discounted.discount_total == 200
    assert discounted.void(2).discount_total == 0
    with pytest.raises(CartError, match="between 0 and the line amount"):
        cart.discount_line(2, 1201)
    with pytest.raises(CartError, match="between 0"):
        cart.discount_line(2, -1)
    with pytest.raises(CartError, match="already voided"):
        cart.void(2).discount_line(2, 1)


def test_price_override_recomputes_the_amount(cart):
    changed = cart.discount_line(1, 1000).override_price(1, 300)
    assert changed.line(1).unit_price == 300
    assert changed.line(1).amount == 900
    assert changed.line(1).discount == 900
    with pytest.raises(CartError, match="negative"):
        cart.override_price(1, -1)


@pytest.mark.parametrize(
    "unit, qty, problem",
    [
        ("each", 1500, "quantity must be whole for items sold each"),
        ("each", 0, "more than 0"),
        ("kg", -5, "more than 0"),
        ("box", 1000, "unit 'box'"),
    ],
)
def test_add_refuses_bad_quantities(unit, qty, problem):
    with pytest.raises(CartError, match=problem):
        add(Cart(), "x", qty, 100, unit=unit)
    with pytest.raises(CartError, match=problem):
        check_quantity(unit, qty, 999_000, 50_000)


def test_add_refuses_a_negative_price():
    with pytest.raises(CartError, match="negative"):
        add(Cart(), "x", 1000, -1)


def test_check_quantity_limits_are_an_over_limit_error():
    check_quantity("each", 999_000, 999_000, 50_000)
    check_quantity("kg", 50_000, 999_000, 50_000)
    with pytest.raises(OverLimit, match="quantity 1,000 is over the limit of 999"):
        check_quantity("each", 1_000_000, 999_000, 50_000)
    with pytest.raises(OverLimit, match="quantity 50.001 kg is over the limit of 50.000 kg"):
        check_quantity("kg", 50_001, 999_000, 50_000)


def test_check_line_amount():
    cny = currency("CNY")
    check_line_amount(1_000_000, 1_000_000, cny)
    check_line_amount(10**12, None, cny)
    with pytest.raises(OverLimit, match="line amount ¥10,000.01 is over the limit of ¥10,000.00"):
        check_line_amount(1_000_001, 1_000_000, cny)


def test_format_qty():
    assert format_qty("each", 3000) == "3"
    assert format_qty("kg", 1250) == "1.250 kg"
    assert format_qty("each", 1500) == "1.5"
    assert format_qty("each", 12_000_000) == "12,000"
