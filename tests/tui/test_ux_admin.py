"""Issue #12 in `pos-tui admin` at 80x24."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pos_tui.demo import create_demo_store
from pos_tui.services.back_office import BackOffice
from pos_tui.store import users
from pos_tui.store.db import close_database
from pos_tui.tui.admin.app import AdminApp
from pos_tui.tui.admin.menu import MenuScreen
from pos_tui.tui.admin.reports import ReportsScreen
from pos_tui.tui.screens.modals import ConfirmModal
from pos_tui.tui.widgets.message_line import MessageLine

SIZE = (80, 24)
ADMIN_PIN = "2468"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[object]:
    config = create_demo_store(tmp_path, with_open_shift=True)
    users.add_user("boss", "admin", ADMIN_PIN, config.security.pin_min_length, actor="test")
    yield config
    close_database()


def message(app: AdminApp) -> str:
    return app.top.query_one(MessageLine).text


async def sign_in(app: AdminApp, pilot, feed_terminal, settle, name: str = "boss", pin: str = ADMIN_PIN) -> None:
    feed_terminal(app, f"{name}\r{pin}\r")
    await settle(pilot, lambda: isinstance(app.screen, MenuScreen))


async def test_close_day_says_to_close_the_shift_before_asking_yes_or_no(store, feed_terminal, settle):
    app = AdminApp(BackOffice(store))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await pilot.press("f4")
        await settle(pilot, lambda: isinstance(app.screen, ReportsScreen))
        await pilot.press("f5")
        await settle(pilot, lambda: "shift" in message(app))
        assert not isinstance(app.screen, ConfirmModal)
        day = app.office.clock().date().isoformat()  # the open shift's business day
        assert message(app) == f"close the open shift (count the drawer) before the Z report of {day}"


# -- 18. products added and edited in the back office, each change journaled --------------------------


async def test_the_back_office_adds_a_product_that_the_lane_sells_at_once(store, feed_terminal, settle,
                                                                          screen_lines):
    from pos_tui.services.lane import Lane
    from pos_tui.store import catalog, journal
    from pos_tui.tui.admin.products import ProductsScreen
    from pos_tui.tui.admin.prompt import PromptModal

    app = AdminApp(BackOffice(store))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        await pilot.press("f2")
        await settle(pilot, lambda: isinstance(app.screen, ProductsScreen))
        assert "F6 New" in "\n".join(screen_lines(app)) and "F7 Edit" in "\n".join(screen_lines(app))
        await pilot.press("f6")
        await settle(pilot, lambda: isinstance(app.screen, PromptModal))
        feed_terminal(app, "TEA1\r龙井茶 Longjing\r38.00\r\r6901234567915\r\r12\rn\r")
        await settle(pilot, lambda: isinstance(app.screen, ProductsScreen) and "added" in message(app))
        assert message(app) == "龙井茶 Longjing added (SKU TEA1), for sale from the lanes' next scan"
        await pilot.press("f7")
        await settle(pilot, lambda: isinstance(app.screen, PromptModal))
        feed_terminal(app, "西湖龙井\rB\ry\r")
        await settle(pilot, lambda: isinstance(app.screen, ProductsScreen) and "open price" in message(app))
    tea = catalog.get_by_sku("TEA1")
    assert (tea.name, tea.price, tea.tax, tea.stock, tea.barcodes, tea.open_price) == (
        "西湖龙井", 3800, "B", 12000, ("6901234567915",), True)
    kinds = [entry.kind for entry in journal.entries() if entry.kind.startswith("catalog.")]
    assert kinds[-4:] == ["catalog.add", "catalog.name", "catalog.tax", "catalog.open_price"]
    assert [p.sku for p in catalog.search_by_name("xihu")] == ["TEA1"]  # the new name's pinyin

    lane = Lane(store)
    lane.people.sign_in("cashier", "1234")
    view = lane.items.enter("6901234567915")
    assert view.price_wanted_for == "西湖龙井" and view.lines == ()
    view = lane.items.enter("42.50")
    assert [(line.name, line.unit_price) for line in view.lines] == [("西湖龙井", 4250)]


def test_a_new_product_is_checked_before_it_is_written(store):
    from pos_tui.services.errors import USER_ERRORS

    office = BackOffice(store)
    office.sign_in("boss", ADMIN_PIN)
    for args, words in ((("COKE330", "x", "1.00"), "exists already"), (("NEW", "", "1.00"), "needs a name"),
                        (("NEW", "x", "1.00", "Q"), "unknown tax code"), (("NEW", "x", "0"), "more than 0"),
                        (("NEW", "x", "1.00", "", "6901234567892"), "already belongs")):
        try:
            office.add_product(*args)
        except USER_ERRORS as exc:
            assert words in str(exc)
        else:
            raise AssertionError(f"{args} was accepted")
