import pytest
from hypothesis import given
from hypothesis import strategies as st

from pos_tui.domain.money import currency
from pos_tui.domain.tender import (
    Balance,
    CashTender,
    TenderError,
    cash_change,
    cash_due,
    cash_tender,
    check_limits,
    check_within_balance,
)

CNY = currency("CNY")


def test_limits_inside_pass():
    check_limits("card", 100, 100, 5_000_000, CNY)
    check_limits("card", 5_000_000, 100, 5_000_000, CNY)
    check_limits("cash", 10**12, 1, None, CNY)


def test_over_the_maximum_names_the_limit():
    with pytest.raises(TenderError) as info:
        check_limits("card", 5_000_001, 100, 5_000_000, CNY)
    assert str(info.value) == "¥50,000.01 exceeds the card limit of ¥50,000.00"


def test_under_the_minimum_names_the_minimum():
    with pytest.raises(TenderError) as info:
        check_limits("card", 99, 100, 5_000_000, CNY)
    assert str(info.value) == "¥0.99 is below the card minimum of ¥1.00"


def test_wallet_limits_use_the_wallet_name():
    with pytest.raises(TenderError, match="exceeds the WeChat Pay limit of ¥2.00"):
        check_limits("wechat", 201, 1, 200, CNY)


@pytest.mark.parametrize("amount", [0, -100])
def test_zero_or_negative_payments_are_refused(amount):
    with pytest.raises(TenderError, match="must be more than ¥0.00"):
        check_limits("cash", amount, 0, None, CNY)


def test_balance():
    balance = Balance.of(3350, [1000, 350])
    assert balance == Balance(3350, 1350)
    assert balance.remaining == 2000
    assert not balance.settled
    assert Balance.of(3350, [3350]).settled


def test_only_cash_may_exceed_the_balance():
    check_within_balance("cash", 5000, 3350, CNY)
    check_within_balance("card", 3350, 3350, CNY)
    with pytest.raises(TenderError, match="¥33.51 by card is more than the balance of ¥33.50"):
        check_within_balance("card", 3351, 3350, CNY)


def test_cash_change_rounds_the_due_to_the_step():
    assert cash_change(3354, 5000, 10) == (3350, 1650)
    assert cash_change(3355, 5000, 10) == (3360, 1640)
    assert cash_change(3355, 3360, 10) == (3360, 0)
    assert cash_change(3355, 5000, 1) == (3355, 1645)
    with pytest.raises(TenderError, match="does not cover"):
        cash_change(3355, 3350, 10)


def test_cash_due():
    assert cash_due(3354, 10) == 3350
    assert cash_due(3354, 0) == 3354


def test_cash_that_settles_records_rounding_and_change():
    assert cash_tender(3354, 5000, 10) == CashTender(5000, 3354, 1650, -4)
    assert cash_tender(3356, 3360, 10) == CashTender(3360, 3356, 0, 4)
    assert cash_tender(3356, 3360, 10).kept == 3360


def test_cash_below_the_balance_is_a_partial_payment_without_rounding():
    assert cash_tender(3356, 2000, 10) == CashTender(2000, 2000, 0, 0)


def test_cash_between_the_balance_and_the_rounded_balance_is_refused():
    with pytest.raises(TenderError, match="does not cover"):
        cash_tender(350, 351, 100)
    assert cash_tender(350, 400, 100) == CashTender(400, 350, 0, 50)


def test_a_balance_that_rounds_to_nothing_settles_with_no_cash():
    assert cash_tender(4, 0, 10) == CashTender(0, 4, 0, -4)
    assert cash_tender(2, 1, 5) == CashTender(1, 2, 1, -2)


@pytest.mark.parametrize(
    "remaining, tendered, problem",
    [(3356, 0, "no cash tendered"), (3356, -1, "negative"), (0, 100, "nothing is left to pay")],
)
def test_bad_cash_tenders(remaining, tendered, problem):
    with pytest.raises(TenderError, match=problem):
        cash_tender(remaining, tendered, 10)


@given(
    remaining=st.integers(1, 10**8),
    tendered=st.integers(1, 10**8),
    step=st.sampled_from([1, 5, 10, 50, 100]),
)
def test_cash_tender_accounting_holds(remaining, tendered, step):
    rounded = cash_due(remaining, step)
    if remaining <= tendered < rounded:
        with pytest.raises(TenderError, match="does not cover"):
            cash_tender(remaining, tendered, step)
        return
    result = cash_tender(remaining, tendered, step)
    assert result.tendered == tendered
    assert result.kept == result.applied + result.rounding
    assert result.change >= 0
    assert result.applied <= remaining
    assert abs(result.rounding) * 2 <= step
    if tendered >= rounded:
        assert result.applied == remaining
    else:
        assert (result.applied, result.change, result.rounding) == (tendered, 0, 0)
