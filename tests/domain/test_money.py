from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pos_tui.domain.money import (
    MAX_AMOUNT,
    MoneyError,
    Rate,
    currency,
    fee,
    format_amount,
    parse_amount,
    parse_rate,
    round_half_up_div,
    round_to_step,
)

CURRENCIES = [currency("CNY"), currency("JPY"), currency("BHD")]
amounts = st.integers(min_value=-MAX_AMOUNT, max_value=MAX_AMOUNT)


def half_up(value: Fraction) -> int:
    """Reference rounding, half away from zero, computed exactly."""
    sign = -1 if value < 0 else 1
    return sign * int(abs(value) + Fraction(1, 2))


def test_currencies_have_their_iso_minor_digits():
    assert [c.digits for c in CURRENCIES] == [2, 0, 3]


@pytest.mark.parametrize("cur", CURRENCIES, ids=lambda c: c.code)
@given(minor=amounts, symbol=st.booleans(), grouping=st.booleans())
def test_format_then_parse_returns_the_same_minor_units(cur, minor, symbol, grouping):
    text = format_amount(minor, cur, symbol=symbol, grouping=grouping)
    assert parse_amount(text, cur, allow_negative=True) == minor


@pytest.mark.parametrize("cur", CURRENCIES, ids=lambda c: c.code)
@given(whole=st.integers(0, 10**8 - 1), frac=st.integers(0, 999))
def test_parse_reads_every_decimal_the_currency_has(cur, whole, frac):
    frac %= cur.scale
    text = f"{whole}.{str(frac).rjust(cur.digits, '0')}" if cur.digits else str(whole)
    assert parse_amount(text, cur) == whole * cur.scale + frac


def test_format_examples():
    cny = currency("CNY")
    assert format_amount(123450, cny) == "1,234.50"
    assert format_amount(123450, cny, symbol=True) == "¥1,234.50"
    assert format_amount(-5, cny, symbol=True, grouping=False) == "-¥0.05"
    assert format_amount(1234, currency("JPY"), symbol=True) == "¥1,234"
    assert format_amount(1234, currency("BHD")) == "1.234"


@pytest.mark.parametrize("text", ["12.505", "1e3", "", "  ", "abc", "12.5.0", "1,23.00"])
def test_parse_rejects_inexact_or_malformed_amounts(text):
    with pytest.raises(MoneyError):
        parse_amount(text, currency("CNY"))


def test_parse_rejects_negative_unless_allowed():
    cny = currency("CNY")
    with pytest.raises(MoneyError, match="negative"):
        parse_amount("-1", cny)
    assert parse_amount("-1", cny, allow_negative=True) == -100


def test_parse_rejects_decimals_for_a_currency_without_them():
    with pytest.raises(MoneyError, match="no decimal places"):
        parse_amount("12.5", currency("JPY"))


def test_format_refuses_a_float():
    with pytest.raises(TypeError):
        format_amount(12.5, currency("CNY"))


@given(minor=amounts, ppm=st.integers(0, 1_000_000), cap=st.none() | st.integers(0, 10**9))
def test_fee_is_an_exact_int_never_a_float(minor, ppm, cap):
    result = fee(minor, Rate(ppm), cap)
    assert type(result) is int
    expected = half_up(Fraction(minor * ppm, 1_000_000))
    assert result == (expected if cap is None else min(expected, cap))


@given(n=amounts, d=st.integers(1, 10**6))
def test_round_half_up_div_matches_exact_rounding(n, d):
    assert round_half_up_div(n, d) == half_up(Fraction(n, d))


@given(minor=amounts, step=st.integers(2, 1000))
def test_round_to_step_lands_on_the_nearest_step(minor, step):
    rounded = round_to_step(minor, step)
    assert type(rounded) is int
    assert rounded % step == 0
    assert abs(rounded - minor) * 2 <= step


@given(minor=amounts, step=st.integers(-5, 1))
def test_round_to_step_of_one_or_less_changes_nothing(minor, step):
    assert round_to_step(minor, step) == minor


def test_round_to_step_examples():
    assert round_to_step(1234, 10) == 1230
    assert round_to_step(1235, 10) == 1240
    assert round_to_step(-1235, 10) == -1240


def test_parse_rate():
    assert parse_rate("0.6%") == Rate(6000)
    assert parse_rate("13%").of(10000) == 1300
    assert str(Rate(6000)) == "0.6%"
    for bad in ("0.6", "101%", "1e2%", ""):
        with pytest.raises(MoneyError):
            parse_rate(bad)
