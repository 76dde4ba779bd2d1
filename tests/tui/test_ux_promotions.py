"""Promotions on the lane's items screen at 80x24: each one a row under the line it applies to,
the total net of it, and a 满减 that a void takes away again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pos_tui.demo import create_demo_store
from pos_tui.domain.checkout import State
from pos_tui.services.lane import Lane
from pos_tui.services.members import add_member
from pos_tui.services.promotions import import_promotions
from pos_tui.store.db import close_database
from pos_tui.tui.app import PosApp

MILK, RICE, BREAD, SOAP, TEA = "6900000000014", "6931234567806", "6901234567908", "4006381333931", "69012341"
SIZE = (80, 24)
PROMOTIONS = """
[[promotion]]
id = "milk-half"
name = "牛奶第二件半价"
kind = "nth_item"
skus = ["MILK1L"]
nth = 2
percent = "50%"

[[promotion]]
id = "spend-100"
name = "满100减20"
kind = "spend_save"
tiers = [{ spend = "100.00", off = "20.00" }]
"""


@pytest.fixture
def config(tmp_path: Path) -> Iterator[object]:
    config = create_demo_store(tmp_path, with_open_shift=True)
    (tmp_path / "p.toml").write_text(PROMOTIONS, encoding="utf-8")
    import_promotions(tmp_path / "p.toml", config.currency, actor="test")
    yield config
    close_database()


def row_with(lines: list[str], text: str) -> int:
    found = [i for i, line in enumerate(lines) if text in line]
    assert found, f"no row shows {text!r}:\n" + "\n".join(lines)
    return found[0]


async def test_the_second_milk_at_half_price_shows_its_row_under_the_milk(config, feed_terminal, settle,
                                                                        screen_lines):
    app = PosApp(Lane(config))
    async with app.run_test(size=SIZE) as pilot:
        feed_terminal(app, "cashier\r1234\r")
        await settle(pilot, lambda: app.lane.state is not State.LOCKED)
        feed_terminal(app, f"{BREAD}\r{MILK}\r{MILK}\r")
        await settle(pilot, lambda: app.view.totals.total == 1200 + 1485)
        lines = screen_lines(app)
        milk = row_with(lines, "牛奶 Milk 1L")
        assert "19.80" in lines[milk] and " 2 " in lines[milk]
        assert "牛奶第二件半价" in lines[milk + 1] and lines[milk + 1].rstrip(" │┃").endswith("-4.95")
        assert "¥26.85" in "\n".join(lines)
        feed_terminal(app, f"{SOAP}\r")  # a line after it: the promotion's row stays under the milk
        await settle(pilot, lambda: len(app.view.lines) == 3)
        lines = screen_lines(app)
        assert row_with(lines, "牛奶第二件半价") == row_with(lines, "牛奶 Milk 1L") + 1
        assert row_with(lines, "Soap") == row_with(lines, "牛奶第二件半价") + 1


async def test_a_void_takes_the_spend_threshold_away_again(config, feed_terminal, settle, screen_lines):
    app = PosApp(Lane(config))
    async with app.run_test(size=SIZE) as pilot:
        feed_terminal(app, "cashier\r1234\r")
        await settle(pilot, lambda: app.lane.state is not State.LOCKED)
        feed_terminal(app, f"{RICE}\r{RICE}\r{BREAD}\r{SOAP}\r")
        await settle(pilot, lambda: app.view.totals.total == 9680)
        assert "满100减20" not in "\n".join(screen_lines(app))
        feed_terminal(app, f"2*{TEA}\r")
        await settle(pilot, lambda: app.view.totals.total == 8580)
        lines = screen_lines(app)
        tea = row_with(lines, "绿茶 Green tea")
        assert "满100减20" in lines[tea + 1] and lines[tea + 1].rstrip(" │┃").endswith("-20.00")
        assert "¥85.80" in "\n".join(lines)
        await pilot.press("f4")  # the tea is still the line selected, not the promotion's row
        await settle(pilot, lambda: app.view.totals.total == 9680)
        text = "\n".join(screen_lines(app))
        assert "满100减20" not in text and "¥96.80" in text
        assert app.view.lines[-1].voided and app.view.lines[-1].sku == "GREENTEA"


async def test_ctrl_v_shows_a_member_and_their_prices_apply(tmp_path, feed_terminal, settle, screen_lines):
    from pos_tui.tui.screens.member import MemberModal

    config = create_demo_store(tmp_path, with_open_shift=True)
    (tmp_path / "m.toml").write_text('[[promotion]]\nid = "mp"\nname = "会员价"\nkind = "member_price"\n'
                                     'prices = { "BREAD" = "10.00" }\n', encoding="utf-8")
    import_promotions(tmp_path / "m.toml", config.currency, actor="test")
    add_member(config, card="", phone="13800138000", name="", actor="test")
    try:
        app = PosApp(Lane(config))
        async with app.run_test(size=SIZE) as pilot:
            feed_terminal(app, "cashier\r1234\r")
            await settle(pilot, lambda: app.lane.state is not State.LOCKED)
            feed_terminal(app, f"{BREAD}\r")
            await settle(pilot, lambda: app.view.totals.total == 1200)
            await pilot.press("ctrl+v")
            await settle(pilot, lambda: isinstance(app.screen, MemberModal))
            feed_terminal(app, "13800138000\r")
            await settle(pilot, lambda: app.view.totals.total == 1000)
            lines = screen_lines(app)
            member = row_with(lines, "Member 138****8000")
            assert "Bread" in lines[member + 1] and "会员价" in lines[member + 2]
            assert "¥10.00" in "\n".join(lines)
    finally:
        close_database()
