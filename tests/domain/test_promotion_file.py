"""Promotions files: the example file and the CSV form load; a bad row is refused with its line and
field, and nothing is taken."""

from datetime import date, datetime, time
from pathlib import Path

import pytest

from pos_tui.domain.money import Rate, currency
from pos_tui.domain.promotion_file import PromotionFileError, parse_csv, parse_promotions, parse_toml
from pos_tui.domain.promotions import (
    BuyGet,
    Member,
    MemberPrice,
    MixMatch,
    MultiBuy,
    NthItem,
    PromoLine,
    Stacking,
    evaluate,
)

CNY = currency("CNY")
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "promotions.example.toml"


def test_the_file_knows_every_kind_the_engine_has():
    from pos_tui.domain.promotion_file import FIELDS, REQUIRED
    from pos_tui.domain.promotions.rules import KIND_OF

    assert set(FIELDS) == set(REQUIRED) == set(KIND_OF.values())


def test_the_example_file_loads_every_kind():
    promos = parse_toml(EXAMPLE.read_text(encoding="utf-8"), CNY)
    by_id = {p.id: p for p in promos}
    assert len(by_id) == len(promos) == 10
    assert by_id["cola-3-for-10"] == MultiBuy(id="cola-3-for-10", name="可口可乐 3瓶10元",
                                              skus=frozenset({"6901234567892"}), quantity=3, price=1000)
    assert by_id["milk-second-half"].percent == Rate(500_000) and isinstance(by_id["milk-second-half"], NthItem)
    soap = by_id["soap-buy-2-get-1"]
    assert isinstance(soap, BuyGet) and soap.get_skus == soap.buy_skus and soap.percent == Rate(1_000_000)
    meal = by_id["meal-deal"]
    assert isinstance(meal, MixMatch) and [n for _g, n in meal.groups] == [1, 1]
    assert meal.window.hours == (time(11), time(14))
    assert by_id["spend-100-save-20"].tiers == ((10000, 2000), (20000, 5000))
    assert by_id["drinks-every-50"].department == "drinks" and by_id["drinks-every-50"].repeat
    assert by_id["member-prices"] == MemberPrice(id="member-prices", name="会员价",
                                                 prices=(("2000001", 680), ("6901234500011", 800)))
    weekend = by_id["weekend-members-300-60"]
    assert weekend.stacking is Stacking.EXCLUSIVE and weekend.members_only
    assert (weekend.window.starts, weekend.window.ends, weekend.window.weekdays) == (
        date(2026, 12, 1), date(2026, 12, 31), frozenset({5, 6}))


def test_the_example_file_runs_in_the_engine():
    promos = parse_toml(EXAMPLE.read_text(encoding="utf-8"), CNY)
    lines = [PromoLine(1, "6901234567892", "each", 3000, 450, 1350, "drinks")]
    result = evaluate(lines, promos, member=Member("1"), at=datetime(2026, 12, 3, 12))
    assert (result.total, [d.promotion_id for d in result.discounts]) == (350, ["cola-3-for-10"])


CSV_HEADER = "id,name,kind,skus,quantity,price,nth,percent,tiers,department,groups,prices,stacking,weekdays,hours\n"


def test_the_csv_form_loads_the_same_kinds():
    text = CSV_HEADER + (
        'cola,"Cola 3 for 10",multi_buy,6901234567892,3,10.00,,,,,,,,,\n'
        'milk,第二件半价,nth_item,a|b,,,2,50%,,,,,,sat|sun,\n'
        'spend,满100减20 满200减50,spend_save,,,,,,100.00:20.00|200.00:50.00,,,,exclusive,,\n'
        'drinks,任选3瓶,mix_match,,,12.00,,,,,a|b|c:3;d:1,,,,17:00-21:00\n'
        'members,会员价,member_price,,,,,,,,,a=8.00|b=7.50,,,\n'
    )
    promos = {p.id: p for p in parse_csv(text, CNY)}
    assert promos["cola"].price == 1000 and promos["cola"].quantity == 3
    assert promos["milk"].skus == frozenset({"a", "b"}) and promos["milk"].window.weekdays == frozenset({5, 6})
    assert promos["spend"].tiers == ((10000, 2000), (20000, 5000)) and promos["spend"].stacking is Stacking.EXCLUSIVE
    assert promos["drinks"].groups == ((frozenset({"a", "b", "c"}), 3), (frozenset({"d"}), 1))
    assert promos["members"].prices == (("a", 800), ("b", 750))
    assert parse_promotions(text, "PROMOS.CSV", CNY) == parse_csv(text, CNY)


def _toml_with(field_line: str, kind: str = "multi_buy", extra: str = 'skus = ["a"]\nquantity = 3\nprice = "10.00"\n') -> str:
    return ('[[promotion]]\nid = "good"\nname = "Good"\nkind = "nth_item"\nskus = ["a"]\nnth = 2\npercent = "50%"\n\n'
            f'[[promotion]]\nid = "bad"\nname = "Bad"\nkind = "{kind}"\n{extra}{field_line}\n')


@pytest.mark.parametrize(("text", "line", "field", "says"), [
    (_toml_with('price = "10.005"', extra='skus = ["a"]\nquantity = 3\n'), 15, "price", "2 decimal places"),
    (_toml_with("price = 10.5", extra='skus = ["a"]\nquantity = 3\n'), 15, "price", "in quotes"),
    (_toml_with("", extra='skus = ["a"]\nquantity = 1\nprice = "1.00"\n'), 14, "quantity", "from 2"),
    (_toml_with("", kind="discount"), 12, "kind", "one of multi_buy"),
    (_toml_with("colour = 'red'"), 16, "colour", "not a field of multi_buy"),
    (_toml_with("", extra='skus = ["a"]\nquantity = 3\n'), 9, "price", "required"),
    (_toml_with('percent = "150%"', kind="nth_item", extra='skus = ["a"]\nnth = 2\n'), 15, "percent", "over 100%"),
    (_toml_with('weekdays = ["sat", "holiday"]'), 16, "weekdays", "mon, tue"),
    (_toml_with('hours = "9-17"'), 16, "hours", "17:00-21:00"),
    (_toml_with('weekdays = ["sat\\u0007"]'), 16, "weekdays", "U+0007"),
    (_toml_with("starts = 20261201"), 16, "starts", "2026-12-31"),
    (_toml_with("starts = 2026-12-01T10:00:00"), 16, "starts", "2026-12-31"),
    (_toml_with("starts = 2026-12-31\nends = 2026-12-01"), 17, "ends", "before the start"),
    (_toml_with('stacking = "sometimes"'), 16, "stacking", "stackable, exclusive"),
    (_toml_with('tiers = [{spend = "100.00", off = "120.00"}]', kind="spend_save", extra=""), 13, "tiers", "below its spend"),
    (_toml_with('tiers = [{spend = "200.00", off = "50.00"}, {spend = "100.00", off = "20.00"}]', kind="spend_save",
                extra=""), 13, "tiers", "more than the one before"),
    (_toml_with('tiers = [{spend = "100.00", off = "20.00"}, {spend = "200.00", off = "50.00"}]\nrepeat = true',
                kind="spend_save", extra=""), 14, "repeat", "exactly one tier"),
    (_toml_with('groups = [{skus = ["a"], count = 2}, {skus = ["a", "b"], count = 1}]\nprice = "9.00"',
                kind="mix_match", extra=""), 13, "groups", "a is in more than one group"),
    (_toml_with('name = "Bad\\u001b[31m"', extra='skus = ["a"]\nquantity = 3\nprice = "10.00"\n').replace(
        'name = "Bad"\n', ""), 15, "name", "control character U+001B"),
    (_toml_with("", extra='skus = ["a"]\nquantity = 3\nprice = "10.00"\n').replace('id = "bad"', 'id = "good"'),
     9, "id", "already the id on line 1"),
    ('[[promotion]]\nid = "x"\nname = = "y"\n', 3, "toml", "Invalid"),
    ("title = 'promos'\n", 1, "title", "only [[promotion]] tables"),
    ("", 1, "promotion", "no promotions"),
])
def test_a_bad_toml_promotion_is_refused_naming_its_line_and_field(text, line, field, says):
    with pytest.raises(PromotionFileError) as caught:
        parse_toml(text, CNY)
    problems = caught.value.problems
    assert len(problems) == 1, problems
    assert (problems[0].line, problems[0].field) == (line, field)
    assert says in problems[0].message
    assert f"line {line}, {field}: " in str(caught.value)


def test_every_bad_csv_row_is_reported_and_none_is_taken():
    text = CSV_HEADER + (
        'cola,Cola,multi_buy,6901234567892,3,10.00,,,,,,,,,\n'
        'milk,Milk,nth_item,a,,,2,half,,,,,,,\n'
        '"two\nlines",Spend,spend_save,,,,,,100.00-20.00,,,,,,\n'
        'short,row\n'
        'spend,Spend,spend_save,,,,,,100.00-20.00,,,,,,\n'
    )
    with pytest.raises(PromotionFileError) as caught:
        parse_csv(text, CNY)
    assert [(p.line, p.field) for p in caught.value.problems] == [(3, "percent"), (4, "id"), (6, "row"), (7, "tiers")]


def test_an_unknown_csv_column_is_refused():
    with pytest.raises(PromotionFileError) as caught:
        parse_csv("id,name,kind,colour\nx,X,multi_buy,red\n", CNY)
    assert [(p.line, p.field) for p in caught.value.problems] == [(1, "colour")]


def test_the_problem_reads_in_chinese_when_the_lane_does():
    from pos_tui.i18n import using_language

    with using_language("zh_CN"), pytest.raises(PromotionFileError) as caught:
        parse_toml(_toml_with("", kind="discount"), CNY)
    assert str(caught.value).startswith("第 12 行，kind：应为以下之一：multi_buy")


# ------------------------------------------------------------------ anything at all

import json  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from pos_tui.domain.promotion_file import CSV_COLUMNS  # noqa: E402

_values = st.one_of(
    st.text(max_size=12), st.sampled_from(["multi_buy", "nth_item", "buy_get", "mix_match", "spend_save",
                                           "member_price", "10.00", "50%", "a|b:3", "100.00:20.00", "a=1.00",
                                           "2026-12-01", "sat|sun", "17:00-21:00", "true", "exclusive", "3"]),
    st.integers(-5, 1000), st.floats(allow_nan=False, allow_infinity=False), st.booleans(),
    st.lists(st.text(max_size=5), max_size=3),
)


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if "e" not in repr(value) else "1.5"
    return json.dumps(value)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(CSV_COLUMNS), _values, max_size=8), max_size=3))
def test_any_toml_promotions_load_or_are_refused_with_a_problem(tables):
    text = "".join("[[promotion]]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in t.items()) for t in tables)
    try:
        promos = parse_toml(text, CNY)
    except PromotionFileError as error:
        assert error.problems and all(p.line >= 1 and p.field and p.message for p in error.problems)
    else:
        assert len(promos) == len(tables) >= 1


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(CSV_COLUMNS), min_size=1, max_size=10, unique=True),
       st.lists(st.lists(st.text(max_size=10), min_size=0, max_size=10), max_size=3))
def test_any_csv_promotions_load_or_are_refused_with_a_problem(columns, rows):
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows(rows)
    try:
        parse_csv(out.getvalue(), CNY)
    except PromotionFileError as error:
        assert error.problems and all(p.line >= 1 and p.field and p.message for p in error.problems)
