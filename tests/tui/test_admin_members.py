"""The back office's members (F10) through the real app at 80x24 on the demo store's SQLite file:
a member added, their points adjusted and the member disabled by an admin, journaled, with card and
phone masked on the screen; a supervisor refused as for the catalog; the Chinese screen fits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pos_tui.services.back_office import BackOffice
from pos_tui.services.members import add_member, list_members
from pos_tui.store import journal, users
from pos_tui.store.db import close_database
from pos_tui.tui.admin.app import AdminApp
from pos_tui.tui.admin.members import MembersScreen
from pos_tui.tui.admin.menu import MenuScreen
from pos_tui.tui.admin.prompt import PromptModal
from pos_tui.tui.screens.modals import ConfirmModal
from test_admin import ADMIN_PIN, SIZE, box_message, fits_the_console, message, sign_in

CARD, PHONE = "880012345678", "13800138000"


@pytest.fixture
def store(tmp_path: Path, make_demo_store):
    config = make_demo_store(tmp_path)
    users.add_user("boss", "admin", ADMIN_PIN, config.security.pin_min_length, actor="test")
    yield config
    close_database()


def shown(members) -> list[tuple[str, str, str, int, bool]]:
    return [(m.card, m.phone, m.name, m.balance, m.disabled) for m in members]


async def test_an_admin_adds_a_member_adjusts_their_points_and_disables_them(store, feed_terminal, settle,
                                                                             screen_lines):
    app = AdminApp(BackOffice(store))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle)
        assert any("F10" in line and "Members" in line for line in screen_lines(app))
        await pilot.press("f10")
        await settle(pilot, lambda: isinstance(app.screen, MembersScreen))
        assert message(app).startswith("0 members")

        await pilot.press("f2")
        await settle(pilot, lambda: isinstance(app.screen, PromptModal))
        feed_terminal(app, "12ab\r\r王芳\r")
        await settle(pilot, lambda: "not a member card number" in box_message(app))
        assert list_members() == []
        feed_terminal(app, f"{CARD}\r{PHONE}\r王芳\r")
        await settle(pilot, lambda: isinstance(app.screen, MembersScreen) and "member now" in message(app))
        assert message(app) == "王芳 is a member now"
        assert shown(list_members()) == [(CARD, PHONE, "王芳", 0, False)]

        await pilot.press("f3")
        await settle(pilot, lambda: isinstance(app.screen, PromptModal))
        feed_terminal(app, "lots\rgoodwill\r")
        await settle(pilot, lambda: "not a whole number" in box_message(app))
        feed_terminal(app, "-5\rgoodwill\r")
        await settle(pilot, lambda: "fewer than none" in box_message(app))
        feed_terminal(app, "+120\r\r")
        await settle(pilot, lambda: "needs a reason" in box_message(app))
        assert list_members()[0].balance == 0
        feed_terminal(app, "+120\rgoodwill\r")
        await settle(pilot, lambda: isinstance(app.screen, MembersScreen) and "points now" in message(app))
        assert message(app) == "王芳 has 120 points now"
        assert list_members()[0].balance == 120

        await pilot.press("f4")
        await settle(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("n")
        await settle(pilot, lambda: message(app) == "Nothing changed")
        assert not list_members()[0].disabled
        await pilot.press("f4")
        await settle(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await settle(pilot, lambda: message(app) == "王芳 is disabled")
        assert shown(list_members()) == [(CARD, PHONE, "王芳", 120, True)]

        lines = screen_lines(app)
        fits_the_console(lines)
        rows = [line for line in lines if "王芳" in line and "880" in line]
        assert len(rows) == 1
        assert "880*****5678" in rows[0] and "138****8000" in rows[0]
        assert CARD not in rows[0] and PHONE not in rows[0]
        assert rows[0].split("王芳")[1].split()[:2] == ["120", "disabled"]
        assert [(row.actor, json.loads(row.payload)["member"]) for row in journal.entries("member.add") + journal.entries(
            "member.adjust") + journal.entries("member.disabled")] == [("boss", CARD)] * 3

        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, MenuScreen))


async def test_a_supervisor_may_not_change_members(store, feed_terminal, settle):
    app = AdminApp(BackOffice(store))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, feed_terminal, settle, "super", "9999")
        await pilot.press("f10")
        assert isinstance(app.screen, MenuScreen)
        assert message(app) == "changing the catalog needs an admin"


async def test_the_members_screen_in_chinese_fits_80_columns(store, feed_terminal, settle, screen_lines):
    from pos_tui.domain.display_width import cell_width
    from pos_tui.i18n import using_language

    add_member(store, card=CARD, phone=PHONE, name="王芳", points=35, actor="test")
    with using_language("zh_CN"):
        app = AdminApp(BackOffice(store))
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(app, pilot, feed_terminal, settle)
            assert any("F10" in line and "会员" in line for line in screen_lines(app))
            await pilot.press("f10")
            await settle(pilot, lambda: isinstance(app.screen, MembersScreen))
            lines = screen_lines(app)
            assert all(cell_width(line) <= SIZE[0] for line in lines), lines
            assert any("卡号" in line and "手机" in line and "姓名" in line for line in lines), lines
            assert any("王芳" in line and "35" in line and "正常" in line for line in lines)
            assert message(app).startswith("1 位会员")
