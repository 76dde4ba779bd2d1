import pytest
from hypothesis import given
from hypothesis import strategies as st

from pos_tui.domain.display_width import cell_width, pad_cells, truncate_cells, wrap_cells


@pytest.mark.parametrize(
    "text, width",
    [
        ("", 0),
        ("Bread", 5),
        ("可口可乐 330ml", 14),
        ("ＡＢＣ", 6),  # fullwidth Latin
        ("café", 4),
        ("cafe\u0301", 4),  # e + combining acute
        ("a\u200bb", 2),  # zero-width space
        ("한국어", 6),
        ("¥12.50", 6),
    ],
)
def test_cell_width(text, width):
    assert cell_width(text) == width


def test_pad_cells():
    assert pad_cells("苹果", 6) == "苹果  "
    assert pad_cells("苹果", 6, "right") == "  苹果"
    assert pad_cells("苹果", 7, "center") == " 苹果  "
    assert pad_cells("苹果苹果", 4) == "苹果苹果"
    with pytest.raises(ValueError, match="align"):
        pad_cells("x", 3, "middle")


def test_truncate_never_splits_a_wide_character():
    assert truncate_cells("可口可乐", 5) == "可口 "
    assert truncate_cells("可口可乐", 4) == "可口"
    assert truncate_cells("Coca可乐", 5) == "Coca "
    assert truncate_cells("Bread", 10) == "Bread"
    assert truncate_cells("cafe\u0301s", 4) == "cafe\u0301"
    assert truncate_cells("可", 0) == ""


def test_wrap_at_spaces_and_between_wide_characters():
    assert wrap_cells("可口可乐 Coca-Cola Zero Sugar 330ml 罐装饮料", 10) == [
        "可口可乐", "Coca-Cola", "Zero Sugar", "330ml 罐装", "饮料",
    ]
    assert wrap_cells("abcdefghijkl", 5) == ["abcde", "fghij", "kl"]
    assert wrap_cells("", 8) == [""]
    assert wrap_cells("one\ntwo", 8) == ["one", "two"]
    with pytest.raises(ValueError):
        wrap_cells("x", 1)


text_strategy = st.text(
    alphabet=st.sampled_from(list("ab xyz12可口乐苹果ＡＢ\u0301")), max_size=60
)


@given(text=text_strategy, width=st.integers(0, 40))
def test_truncate_fits_exactly(text, width):
    cut = truncate_cells(text, width)
    assert cell_width(cut) == min(cell_width(text), width)
    assert text.startswith(cut.rstrip(" ")) or cut.strip() == ""


@given(text=text_strategy, width=st.integers(2, 40))
def test_wrap_keeps_every_visible_character_and_fits(text, width):
    lines = wrap_cells(text, width)
    assert all(cell_width(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
