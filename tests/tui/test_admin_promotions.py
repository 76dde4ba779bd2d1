"""The back office's promotions (F9) through the real app at 80x24 on the demo store's SQLite file:
listed with kind, window and state; a file imported; one stopped and run again by an admin,
journaled; a supervisor refused as for the catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from pos_tui.services.back_office import BackOffice
from pos_tui.services.lane import Lane
from pos_tui.store import journal, users
from pos_tui.store.db import close_database
from pos_tui.store.promotions import list_promotions
from pos_tui.tui.admin.app import AdminApp
from pos_tui.tui.admin.menu import MenuScreen
from pos_tui.tui.admin.prompt import PromptModal
from pos_tui.tui.admin.promotions import PromotionsScreen
from pos_tui.tui.screens.modals import ConfirmModal
from test_admin import ADMIN_PIN, SIZE, box_message, fits_the_console, message, sign_in

COKE = "6901234567892"
PROMOTIONS = """[[promotion]]
id = "cola-3"
name = "可乐3瓶10元"
kind = "multi_buy"
skus = ["6901234567892"]
quantity = 3
price = "10.00"

[[promotion]]
id = "weekend"
name = "周末满100减20"
kind = "spend_save"
tiers = [{ spend = "100.00", off = "20.00" }]
weekdays = ["sat", "sun"]
hours = "09:00-21:00"
"""


@pytest.fixture
def store(tmp_path: Path, make_demo_store):
    config = make_demo_store(tmp_path)
    users.add_user("boss", "admin", ADMIN_PIN, config.security.pin_min_length, actor="test")
    yield config
    close_database()


async def test_promotions_are_imported_listed_stopped_and_run_again(store, tmp_path, feed_terminal, settle,
                                                                    screen_lines):
    good = tmp_path / "promotions.toml"
    good.write_text(PROMOTIONS, encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name,kind,skus,quantity,price\nx,坏,multi_buy,C1,1,10.00\ny,坏,multi_buy,C1,1,10.00\n",
                   encoding="utf-8")
    app = AdminApp(BackOffice(store))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        assert any("F9" in line and "Promotions" in line for line in screen_lines(app))
        await pilot.press("f9")
        await settle(pilot, lambda: isinstance(app.screen, PromotionsScreen))
        assert message(app).startswith("0 promotions")

        await pilot.press("f2")
        await settle(pilot, lambda: isinstance(app.screen, PromptModal))
        feed_terminal(app, f"{bad}\r")
        await settle(pilot, lambda: "no promotion was taken" in box_message(app))
        assert box_message(app) == ("no promotion was taken: line 2, quantity: expected a whole number from 2 "
                                    "to 999 (and 1 more problem)")
        feed_terminal(app, f"{tmp_path / 'missing.toml'}\r")
        await settle(pilot, lambda: "no promotions file" in box_message(app))
        assert not list_promotions()
        feed_terminal(app, f"{good}\r")
        await settle(pilot, lambda: isinstance(app.screen, PromotionsScreen) and "imported" in message(app))
        assert message(app) == "Promotions imported: 2 new, 0 changed, 0 unchanged, 0 stopped"
        lines = screen_lines(app)
        fits_the_console(lines)
        rows = [line for line in lines if "可乐3瓶10元" in line or "周末满100减20" in line]
        assert len(rows) == 2
        assert "multi-buy" in rows[0] and "always" in rows[0] and "running" in rows[0]
        assert "spend & save" in rows[1] and "sat,sun 09:00-21:00" in rows[1] and "running" in rows[1]

        await pilot.press("f4")  # the first: cola-3
        await settle(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await settle(pilot, lambda: "is stopped" in message(app))
        assert message(app) == "可乐3瓶10元 is stopped"
        assert [(p.code, p.active) for p in list_promotions()] == [("weekend", True), ("cola-3", False)]
        lane = Lane(store)
        lane.people.sign_in("cashier", "1234")
        assert lane.items.enter("3*" + COKE).totals.total == 1050  # no longer three for 10.00
        lane.items.void_sale(approval=lane.people.approve("super", "9999", "void_sale"))

        assert app.screen.selected.code == "cola-3"  # still chosen, now listed after the running one
        await pilot.press("f6")
        await settle(pilot, lambda: "runs again" in message(app))
        assert all(p.active for p in list_promotions())
        assert [row.actor for row in journal.entries("promotions.disable") + journal.entries("promotions.enable")] \
            == ["boss", "boss"]
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, MenuScreen))


async def test_a_supervisor_may_not_change_promotions(store, feed_terminal, settle):
    app = AdminApp(BackOffice(store))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle, "super", "9999")
        await pilot.press("f9")
        assert isinstance(app.screen, MenuScreen)
        assert message(app) == "changing the catalog needs an admin"


async def test_the_promotions_screen_in_chinese_fits_80_columns(store, tmp_path, feed_terminal, settle, screen_lines):
    from pos_tui.domain.display_width import cell_width
    from pos_tui.i18n import using_language
    from pos_tui.services.promotions import import_promotions

    good = tmp_path / "promotions.toml"
    good.write_text(PROMOTIONS, encoding="utf-8")
    import_promotions(good, store.currency, actor="test")
    with using_language("zh_CN"):
        app = AdminApp(BackOffice(store))
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(app, pilot, feed_terminal, settle)
            await pilot.press("f9")
            await settle(pilot, lambda: isinstance(app.screen, PromotionsScreen))
            lines = screen_lines(app)
            assert all(cell_width(line) <= SIZE[0] for line in lines)
            assert any("类型" in line and "时段" in line for line in lines)
            assert any("周末满100减20" in line and "满减" in line and "sat,sun 09:00-21:00" in line
                       and "进行中" in line for line in lines)
            assert message(app).startswith("2 项促销")
