from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pos_tui.domain.cart import Cart
from pos_tui.domain.money import Rate, parse_rate
from pos_tui.domain.tax import TaxError, Totals, tax_breakdown, tax_included

RATES = {"A": parse_rate("13%"), "B": parse_rate("9%"), "Z": parse_rate("0%")}


def cart_of(*lines: tuple[int, str]) -> Cart:
    cart = Cart()
    for amount, code in lines:
        cart = cart.add(product_id=None, sku="s", name="n", unit="each", qty_milli=1000,
                        unit_price=amount, tax_code=code)
    return cart


def test_inclusive_tax_is_rounded_per_rate_group_not_per_line():
    # Seven lines of 0.10 at 13%: per line 0.10 - 0.0885 -> 0.01 (0.07 in all);
    # on the group 0.70 - 0.6195 = 0.0805 -> 0.08.
    cart = cart_of(*[(10, "A")] * 7)
    totals = tax_breakdown(cart.lines, RATES, prices_include_tax=True)
    assert totals == Totals(subtotal=70, tax_by_rate={"A": 8}, tax_total=8, total=70)


def test_inclusive_example_with_two_rates():
    cart = cart_of((1050, "A"), (1200, "A"), (1100, "B"), (500, "Z"))
    totals = tax_breakdown(cart.lines, RATES, prices_include_tax=True)
    # A: 2250 - 2250/1.13 = 258.85 -> 259; B: 1100 - 1100/1.09 = 90.83 -> 91
    assert totals.tax_by_rate == {"A": 259, "B": 91, "Z": 0}
    assert list(totals.tax_by_rate) == ["A", "B", "Z"]
    assert totals.subtotal == totals.total == 3850
    assert totals.tax_total == 350


def test_exclusive_tax_is_added_per_group():
    cart = cart_of((1050, "A"), (1200, "A"), (1100, "B"))
    totals = tax_breakdown(cart.lines, RATES, prices_include_tax=False)
    assert totals.tax_by_rate == {"A": 293, "B": 99}  # 292.5 -> 293, 99
    assert totals.total == 3350 + 392


def test_voided_and_discounted_lines():
    cart = cart_of((1130, "A"), (1000, "B")).void(2).discount_line(1, 130)
    totals = tax_breakdown(cart.lines, RATES, prices_include_tax=True)
    assert totals.subtotal == 1000
    assert totals.tax_by_rate == {"A": 115}  # 1000 - 1000/1.13 = 115.04
    assert tax_breakdown(Cart().lines, RATES, True) == Totals(0, {}, 0, 0)


def test_unknown_tax_code_is_refused_naming_it():
    with pytest.raises(TaxError, match="tax code 'Q' is not a configured rate"):
        tax_breakdown(cart_of((100, "Q")).lines, RATES, prices_include_tax=True)


def test_tax_included_exact():
    assert tax_included(11300, Rate(130_000)) == 1300
    assert tax_included(-11300, Rate(130_000)) == -1300


lines_strategy = st.lists(
    st.tuples(st.integers(0, 10**7), st.sampled_from(sorted(RATES))), max_size=30
)


@given(lines=lines_strategy, inclusive=st.booleans())
def test_totals_are_ints_and_add_up(lines, inclusive):
    totals = tax_breakdown(cart_of(*lines).lines, RATES, prices_include_tax=inclusive)
    values = [totals.subtotal, totals.tax_total, totals.total, *totals.tax_by_rate.values()]
    assert all(type(v) is int for v in values)
    assert totals.subtotal == sum(amount for amount, _ in lines)
    assert totals.tax_total == sum(totals.tax_by_rate.values())
    if inclusive:
        assert totals.total == totals.subtotal
    else:
        assert totals.total == totals.subtotal + totals.tax_total


@given(lines=lines_strategy, inclusive=st.booleans())
def test_each_group_tax_is_within_half_a_unit_of_exact(lines, inclusive):
    totals = tax_breakdown(cart_of(*lines).lines, RATES, prices_include_tax=inclusive)
    for code, tax in totals.tax_by_rate.items():
        gross = sum(amount for amount, c in lines if c == code)
        r = Fraction(RATES[code].ppm, 1_000_000)
        exact = gross - gross / (1 + r) if inclusive else gross * r
        assert abs(tax - exact) <= Fraction(1, 2)
