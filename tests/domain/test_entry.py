import pytest

from pos_tui.domain.entry import Entry, EntryError, parse_entry, parse_quantity


@pytest.mark.parametrize(
    "text, entry",
    [
        ("6901234567892", Entry(None, "6901234567892")),
        ("  6901234567892 ", Entry(None, "6901234567892")),
        ("3*6901234567892", Entry(3000, "6901234567892")),
        ("1.25*2000001", Entry(1250, "2000001")),
        ("1.250*4011", Entry(1250, "4011")),
        ("0.005*4011", Entry(5, "4011")),
        ("3*", Entry(3000, "")),
        ("12 * SKU-1", Entry(12000, "SKU-1")),
        ("4011", Entry(None, "4011")),
    ],
)
def test_good_entries(text, entry):
    assert parse_entry(text) == entry


@pytest.mark.parametrize(
    "text, problem",
    [
        ("0*x", "more than 0"),
        ("0.000*x", "more than 0"),
        ("-1*x", "more than 0"),
        ("1.2345*x", "more than 3 decimal places"),
        ("abc*x", "not a number"),
        ("1.*x", "not a number"),
        ("1e3*x", "not a number"),
        ("３*x", "not a number"),
        ("3**x", "more than one '\\*'"),
        ("*x", "no quantity"),
        ("", "nothing entered"),
        ("   ", "nothing entered"),
        ("3*69012345678 92", "space"),
        ("6901234567893", "check digit"),
    ],
)
def test_bad_entries_name_the_problem(text, problem):
    with pytest.raises(EntryError, match=problem):
        parse_entry(text)


def test_quantity_in_thousandths():
    assert parse_quantity("3") == 3000
    assert parse_quantity("1.25") == 1250
    assert parse_quantity("1.250") == 1250
    assert type(parse_quantity("0.5")) is int
