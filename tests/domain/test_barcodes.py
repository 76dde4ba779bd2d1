import pytest
from hypothesis import given
from hypothesis import strategies as st

from pos_tui.domain.barcodes import (
    BarcodeError,
    Embedded,
    EmbeddedLayout,
    check_layouts,
    classify,
    decode_embedded,
    ean_check_digit,
    is_gtin,
    validate_gtin,
)
from pos_tui.domain.errors import DomainError


def with_check(body: str) -> str:
    return body + str(ean_check_digit(body))


@pytest.mark.parametrize(
    "code, kind",
    [("6901234567892", "ean13"), ("4006381333931", "ean13"), ("96385074", "ean8"), ("036000291452", "upca")],
)
def test_known_codes_validate_and_classify(code, kind):
    validate_gtin(code)
    assert is_gtin(code)
    assert classify(code) == kind


@pytest.mark.parametrize("code", ["6901234567893", "96385075", "036000291453"])
def test_a_wrong_check_digit_is_refused_with_the_code_and_the_expected_digit(code):
    with pytest.raises(BarcodeError) as info:
        validate_gtin(code)
    assert code in str(info.value)
    assert "should be" in str(info.value)
    with pytest.raises(BarcodeError):
        classify(code)


@given(body=st.text(alphabet="0123456789", min_size=12, max_size=12), wrong=st.integers(1, 9))
def test_every_single_digit_change_of_the_check_digit_is_caught(body, wrong):
    good = with_check(body)
    validate_gtin(good)
    bad = body + str((int(good[-1]) + wrong) % 10)
    with pytest.raises(BarcodeError):
        validate_gtin(bad)


@pytest.mark.parametrize("code", ["1234567", "12345678901", "12345678901234", "69012345678a2", ""])
def test_only_8_12_13_digit_codes_are_gtins(code):
    assert not is_gtin(code)
    with pytest.raises(BarcodeError, match="not an EAN-8, UPC-A or EAN-13"):
        validate_gtin(code)


def test_non_ascii_digits_are_not_a_gtin():
    assert not is_gtin("６９０１２３４５６７８９２")


@pytest.mark.parametrize("code", ["1", "4011", "SKU-001", "abc_12.3", "12345678901234567890", "1234567"])
def test_other_codes_are_plu(code):
    assert classify(code) == "plu"


@pytest.mark.parametrize(
    "code, problem",
    [
        ("", "empty"),
        ("12 34", "space"),
        ("12\x0734", "control"),
        ("123456789012345678901", "longer than 20"),
        ("-abc", "letters, digits"),
        ("可乐", "letters, digits"),
    ],
)
def test_bad_codes_are_refused_naming_the_problem(code, problem):
    with pytest.raises(BarcodeError, match=problem):
        classify(code)


def test_barcode_error_is_a_domain_error():
    assert issubclass(BarcodeError, DomainError)
    assert issubclass(DomainError, ValueError)


def test_layout_parse_finds_the_fields():
    layout = EmbeddedLayout.parse("20 IIIII PPPPP C")
    assert layout.prefix == "20"
    assert layout.value_kind == "price"
    assert "2012345012345"[layout.item] == "12345"
    assert "2012345012345"[layout.value] == "01234"


def test_layout_with_flag_and_price_check_digits():
    layout = EmbeddedLayout.parse("2FIIIIVWWWWWC")
    assert layout.prefix == "2"
    assert layout.value_kind == "weight"
    assert (layout.item.start, layout.item.stop) == (2, 6)
    assert (layout.value.start, layout.value.stop) == (7, 12)


@pytest.mark.parametrize(
    "pattern, problem",
    [
        ("20IIIIIPPPPP", "12 positions"),
        ("20IIIIIPPPPPCC", "14 positions"),
        ("20IIIIIPPPPCP", "last position"),
        ("20IIIIIPPPPXC", "unknown letter 'X'"),
        ("20III2IPPPPPC", "only at the start"),
        ("20IIIIIIIIIIC", "P or weight"),
        ("20IIIIPPWWWWC", "P or weight"),
        ("20IIPPPIIPPPC", "one run of item"),
        ("20IIPPPPPIIIC", "one run of item"),
        ("20PPPPPPPPPPC", "one run of item"),
        ("20IIIVVPPPPPC", "at most one"),
    ],
)
def test_bad_layouts_are_refused(pattern, problem):
    with pytest.raises(BarcodeError, match=problem):
        EmbeddedLayout.parse(pattern)


LAYOUTS = {"20": "20IIIIIPPPPPC", "21": "21IIIIIWWWWWC", "22": "2FIIIIVPPPPPC"}


def test_decode_price_embedded_code():
    code = with_check("201234501250")
    assert decode_embedded(code, LAYOUTS) == Embedded("12345", 1250, None)


def test_decode_weight_embedded_code_in_grams_as_thousandths_of_a_kg():
    code = with_check("210004201250")
    assert decode_embedded(code, LAYOUTS) == Embedded("00042", None, 1250)


def test_decode_skips_flag_and_price_check_digits():
    code = with_check("229876512345")
    assert decode_embedded(code, LAYOUTS) == Embedded("9876", 12345, None)


def test_decode_returns_none_without_a_layout_for_the_prefix():
    assert decode_embedded(with_check("230000001000"), LAYOUTS) is None
    assert decode_embedded("6901234567892", LAYOUTS) is None
    assert decode_embedded("96385074", LAYOUTS) is None
    assert decode_embedded("SKU-1", LAYOUTS) is None


def test_decode_verifies_the_check_digit():
    good = with_check("201234501250")
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    with pytest.raises(BarcodeError, match="check digit"):
        decode_embedded(bad, LAYOUTS)


def test_decode_refuses_a_layout_whose_literal_prefix_does_not_match():
    with pytest.raises(BarcodeError, match="does not match"):
        decode_embedded(with_check("201234501250"), {"20": "21IIIIIPPPPPC"})


@given(item=st.integers(0, 99999), price=st.integers(0, 99999))
def test_decode_round_trips_any_item_and_price(item, price):
    code = with_check(f"20{item:05d}{price:05d}")
    assert decode_embedded(code, LAYOUTS) == Embedded(f"{item:05d}", price, None)


def test_check_layouts_accepts_a_good_table():
    check_layouts(LAYOUTS)


@pytest.mark.parametrize(
    "layouts, problem",
    [
        ({"30": "30IIIIIPPPPPC"}, "from 20 to 29"),
        ({"2": "2FIIIIIPPPPPC"}, "from 20 to 29"),
        ({"20": "21IIIIIPPPPPC"}, "does not start with its prefix 20"),
        ({"20": "20IIIIIPPPPP"}, "positions"),
    ],
)
def test_check_layouts_refuses_a_bad_table(layouts, problem):
    with pytest.raises(BarcodeError, match=problem):
        check_layouts(layouts)
