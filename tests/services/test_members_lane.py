"""Members at the lane on a real store: Ctrl+V looks the number up in the register, points are
earned on money paid in the sale's own transaction, redeemed as a tender within the balance (and,
while the store server is unreachable, within the day's cap), shown on screen and on the receipt."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from pos_tui.config import MembersConfig, ServerConfig
from pos_tui.devices.receipt import layout_receipt, render_text
from pos_tui.domain.checkout import State
from pos_tui.domain.errors import DomainError
from pos_tui.services.errors import LaneError
from pos_tui.services.lane import Lane
from pos_tui.services.lane.receipts import receipt_for_sale
from pos_tui.services.members import add_member, set_disabled
from pos_tui.store.db import close_database

BREAD = "6901234567908"  # 12.00


@pytest.fixture
def config(tmp_path: Path, make_demo_store):
    cfg = make_demo_store(tmp_path)
    add_member(cfg, card="8800000001", phone="13800138000", name="王芳", points=500, actor="test")
    add_member(cfg, card="8800000002", phone="", name="Gone", actor="test")
    set_disabled(cfg, "8800000002", True, actor="test")
    yield cfg
    close_database()


def rows(config, sql: str) -> list[tuple]:
    with sqlite3.connect(config.database_path) as con:
        return con.execute(sql).fetchall()


def signed_in(config) -> Lane:
    lane = Lane(config)
    lane.people.sign_in("cashier", "1234")
    return lane


def test_unknown_and_disabled_numbers_are_refused_and_change_nothing(config):
    lane = signed_in(config)
    lane.items.enter(BREAD)
    with pytest.raises(LaneError, match=r"139\*+9000 is not a member"):
        lane.items.identify_member("13900139000")
    with pytest.raises(LaneError, match=r"member 880\*+0002 is disabled"):
        lane.items.identify_member("8800000002")
    assert rows(config, "SELECT member FROM sale") == [("",)]
    assert rows(config, "SELECT COUNT(*) FROM journal_entry WHERE kind = 'sale.member'") == [(0,)]
    view = lane.items.identify_member("138 0013 8000".replace(" ", ""))  # by phone
    assert (view.member, view.member_name, view.member_points) == ("880***0001", "王芳", 500)
    assert rows(config, "SELECT member FROM sale") == [("8800000001",)]


def test_a_sale_paid_partly_with_points_earns_on_the_money_only(config):
    lane = signed_in(config)
    lane.items.identify_member("8800000001")
    lane.items.enter(BREAD)
    lane.payments.total()
    with pytest.raises(DomainError, match="member has 500 points: 600 cannot be redeemed"):
        lane.payments.tender_points("6.00")
    assert rows(config, "SELECT COUNT(*) FROM payment") == [(0,)]
    view = lane.payments.tender_points("3.00")
    assert view.remaining == 900 and view.member_points == 200
    view = lane.payments.tender_cash("")
    assert view.state is State.PRINTING
    assert view.message.endswith("Points +9, redeemed 300, balance 209")
    sale_uuid = rows(config, "SELECT uuid FROM sale")[0][0]
    assert rows(config, "SELECT kind, points, value, sale, offline, counted FROM points_entry "
                        "WHERE sale IS NOT NULL ORDER BY id") == [
        ("redeem", -300, 300, sale_uuid, 0, 1), ("earn", 9, 0, sale_uuid, 0, 1)]
    assert rows(config, "SELECT points FROM member WHERE code = '8800000001'") == [(209,)]
    assert rows(config, "SELECT method, amount FROM payment ORDER BY id") == [("points", 300), ("cash", 900)]
    text = render_text(layout_receipt(receipt_for_sale(lane.ctx.sale.id, config)[0], 42))
    shown = [" ".join(row.split()) for row in text.splitlines()]
    for row in ("Member 880***0001 王芳", "Points 3.00", "Cash 9.00", "Points earned +9", "Points redeemed -300",
                "Points balance 209"):
        assert row in shown, text
    (outbox,) = rows(config, "SELECT payload FROM outbox WHERE kind = 'sale.paid'")
    assert '"kind":"earn"' in outbox[0] and '"points":-300' in outbox[0]


def test_points_need_a_member(config):
    lane = signed_in(config)
    lane.items.enter(BREAD)
    lane.payments.total()
    with pytest.raises(LaneError, match="show the member first"):
        lane.payments.tender_points("")


def test_offline_the_lane_earns_and_redeems_up_to_the_day_cap(config):
    offline = replace(config, server=ServerConfig(url="postgresql://pos_main_lane01@nowhere.invalid/pos"),
                      members=MembersConfig(offline_daily_redeem_cap=250))
    lane = signed_in(offline)
    assert lane.ctx.offline()
    lane.items.identify_member("8800000001")
    lane.items.enter(BREAD)
    lane.payments.total()
    with pytest.raises(DomainError, match="at most 250 points a day may be redeemed [(]250 left today[)]"):
        lane.payments.tender_points("3.00")
    lane.payments.tender_points("2.00")
    with pytest.raises(DomainError, match="[(]50 left today[)]"):
        lane.payments.tender_points("1.00")
    view = lane.payments.tender_cash("")
    assert view.state is State.PRINTING
    assert rows(config, "SELECT kind, points, offline, counted FROM points_entry WHERE sale IS NOT NULL "
                        "ORDER BY id") == [("redeem", -200, 1, 0), ("earn", 10, 1, 0)]
    # The balance last known stays as the server left it; the lane adds what it did since.
    assert rows(config, "SELECT points FROM member WHERE code = '8800000001'") == [(500,)]
    lane.receipts.finish_printing(lane.receipts.print_pending())
    view = lane.items.identify_member("8800000001")
    assert view.member_points == 310


def test_a_return_gives_points_tendered_back_as_points_and_takes_back_what_was_earned(config):
    lane = Lane(config)
    lane.people.sign_in("super", "9999")
    lane.items.identify_member("8800000001")
    lane.items.enter("2*" + BREAD)  # 24.00
    lane.payments.total()
    lane.payments.tender_points("4.00")  # 400 points
    lane.payments.tender_cash("")  # 20.00: 20 points earned
    receipt = lane.ctx.receipt_no
    lane.receipts.finish_printing(lane.receipts.print_pending())
    assert lane.items.identify_member("8800000001").member_points == 120
    lane.people.lock()
    lane.people.sign_in("super", "9999")
    ret = lane.returns.start_return(receipt, {1: 1000})  # one bread: 12.00
    assert ret.total == 1200
    return_uuid = rows(config, "SELECT uuid FROM sale WHERE kind = 'return'")[0][0]
    # A sixth of the sale was paid in points: 2.00 of the refund comes back as 200 points, 10.00 in
    # cash; the 10.00 of the 20.00 paid in money takes back half of the 20 points earned.
    assert rows(config, "SELECT method, amount, status FROM payment WHERE sale_id = "
                        "(SELECT id FROM sale WHERE kind = 'return') ORDER BY id") == [
        ("points", 200, "approved"), ("cash", 1000, "approved")]
    assert rows(config, f"SELECT kind, points, value FROM points_entry WHERE sale = '{return_uuid}' ORDER BY id") == [
        ("redeem", 200, -200), ("reverse", -10, 0)]
    assert rows(config, "SELECT points FROM member WHERE code = '8800000001'") == [(310,)]
    (sale_id,) = rows(config, "SELECT id FROM sale WHERE kind = 'return'")[0]
    text = render_text(layout_receipt(receipt_for_sale(sale_id, config)[0], 42))
    shown = [" ".join(row.split()) for row in text.splitlines()]
    assert "Points earned -10" in shown and "Points redeemed +200" in shown and "Points balance 310" in shown, text
    second = lane.returns.start_return(receipt, {1: 1000})  # the other one: what is left of both
    assert second.total == 1200
    assert rows(config, "SELECT SUM(points) FROM points_entry WHERE kind IN ('reverse', 'earn') "
                        "AND member = '8800000001'") == [(0,)]
    assert rows(config, "SELECT points FROM member WHERE code = '8800000001'") == [(500,)]


def test_the_x_report_counts_points_earned_and_redeemed_net_of_returns(config):
    from pos_tui.domain.report import render_csv, render_text as report_text, report_from_dict, report_to_dict

    lane = Lane(config)
    lane.people.sign_in("super", "9999")
    for member, points in (("8800000001", "1.00"), ("8800000001", ""), (None, "")):
        if member:
            lane.items.identify_member(member)
        lane.items.enter("2*" + BREAD)  # 24.00
        lane.payments.total()
        if points:
            lane.payments.tender_points(points)
        lane.payments.tender_cash("")
        receipt = lane.ctx.receipt_no
        lane.receipts.finish_printing(lane.receipts.print_pending())
    lane.people.lock()
    lane.people.sign_in("super", "9999")
    lane.returns.start_return(receipt, {1: 1000})  # the last sale's: nobody's, no points
    report = lane.reports.x_report()
    p = report.points
    # 23.00 and 24.00 paid in money: 23 + 24 points worth 0.47; 100 points paid 1.00.
    assert (p.earned_count, p.earned, p.earned_value, p.redeemed_count, p.redeemed, p.redeemed_value) == (
        2, 47, 47, 1, 100, 100)
    assert report.method("points").gross == 100
    rows = [" ".join(row.split()) for row in report_text(report, 42).splitlines()]
    assert "Earned in 2 sales: 47 points 0.47" in rows and "Redeemed in 1 sale: 100 points 1.00" in rows
    assert "points,redeemed_value,1.00" in render_csv(report).splitlines()
    assert report_from_dict(report_to_dict(report)) == report


def test_a_reprint_shows_the_balance_the_sale_left(config):
    lane = signed_in(config)
    lane.items.identify_member("8800000001")
    lane.items.enter(BREAD)
    lane.payments.total()
    lane.payments.tender_cash("")  # 12 points: 512
    sale_id = lane.ctx.sale.id
    lane.receipts.finish_printing(lane.receipts.print_pending())
    lane.items.identify_member("8800000001")
    lane.items.enter(BREAD)
    lane.payments.total()
    lane.payments.tender_points("")  # 12.00 in points: 1,200 wanted, 512 there: 5.12 of it
    lane.payments.tender_cash("")
    assert rows(config, "SELECT points FROM member WHERE code = '8800000001'") == [(6,)]
    first = [" ".join(r.split()) for r in render_text(layout_receipt(receipt_for_sale(sale_id, config)[0], 42))
             .splitlines()]
    assert "Points balance 512" in first and "Points earned +12" in first
