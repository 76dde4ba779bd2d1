"""The back office app (here, under Pilot) changes prices on the SQLite file a lane in another
process sells from without pause: every new price is the lane's very next scan, and neither side
ever sees "database is locked"."""

from __future__ import annotations

import pytest
from test_two_processes import SOAP, Seller

from pos_tui.demo import create_demo_store
from pos_tui.store import catalog, journal, users
from pos_tui.store.backup import db_check
from pos_tui.store.db import close_database
from pos_tui.store.keys import open_store
from pos_tui.tui.admin.app import AdminApp
from pos_tui.services.back_office import BackOffice
from pos_tui.tui.admin.menu import MenuScreen
from pos_tui.tui.admin.products import ProductsScreen
from pos_tui.tui.admin.prompt import PromptModal
from pos_tui.tui.admin.reports import ReportsScreen
from pos_tui.tui.widgets.message_line import MessageLine

ROUNDS = 4


@pytest.fixture
def store(tmp_path):
    config = create_demo_store(tmp_path)
    users.add_user("boss", "admin", "2468", config.security.pin_min_length, actor="test")
    yield config
    close_database()


@pytest.fixture
def seller(store, tmp_path):
    lane = Seller(tmp_path)
    yield lane
    lane.kill()


def said(app: AdminApp) -> str:
    return app.top.query_one(MessageLine).text


async def type_keys(pilot, text: str) -> None:
    """Type as an operator does, key by key ("\r" is Enter)."""
    await pilot.press(*("enter" if char == "\r" else char for char in text))


async def settle(pilot, done, rounds: int = 100) -> None:
    """Let the app work until ``done()`` holds (bounded by rounds, not by time)."""
    for _ in range(rounds):
        await pilot.pause()
        if done():
            return
    raise AssertionError("the admin app never got there")


async def test_admin_price_changes_reach_the_selling_lane_at_its_next_scan(store, seller):
    assert seller.reply() == "ready"
    app = AdminApp(BackOffice(store))
    messages = []
    async with app.run_test(size=(80, 24)) as pilot:
        await type_keys(pilot, "boss\r2468\r")
        await settle(pilot, lambda: isinstance(app.screen, MenuScreen))
        await pilot.press("f2")
        await settle(pilot, lambda: isinstance(app.screen, ProductsScreen))
        await type_keys(pilot, SOAP)
        await settle(pilot, lambda: [p.sku for p in app.screen.found] == ["SOAP"])
        for round_no in range(ROUNDS):
            price = 601 + round_no
            await pilot.press("f2")
            await settle(pilot, lambda: isinstance(app.screen, PromptModal))
            await type_keys(pilot, f"{price // 100}.{price % 100:02d}\r")
            await settle(pilot, lambda: isinstance(app.screen, ProductsScreen) and "next scan" in said(app))
            messages.append(said(app))
            assert seller.ask(f"scan {SOAP}") == f"price {SOAP} {price}"
        await pilot.press("escape", "escape", "f4")
        await settle(pilot, lambda: isinstance(app.screen, ReportsScreen))
        await pilot.press("f2")
        await settle(pilot, lambda: "X report of" in said(app))
        messages.append(said(app))

    sold = seller.ask("stop")
    assert seller.process.wait(10) == 0
    stderr = seller.process.stderr.read().decode()
    assert "locked" not in stderr and "Traceback" not in stderr, stderr
    assert int(sold.split()[1]) >= ROUNDS
    assert not [m for m in messages if "locked" in m or "busy" in m]
    assert catalog.get_by_sku("SOAP").price == 600 + ROUNDS
    assert [e.actor for e in journal.entries("catalog.price")] == ["boss"] * ROUNDS
    close_database()
    open_store(store)
    assert db_check().ok
