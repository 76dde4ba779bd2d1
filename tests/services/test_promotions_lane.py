"""Promotions on the lane, on a real SQLite store: worked out again after every line change,
written with the change, in the totals, and the same after a restart."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from pos_tui.demo import create_demo_store
from pos_tui.domain.checkout import State
from pos_tui.services.errors import LaneError
from pos_tui.services.lane import Lane
from pos_tui.services.members import add_member
from pos_tui.services.promotions import import_promotions
from pos_tui.store.db import close_database
from pos_tui.store.keys import open_store

MILK, RICE, BREAD, SOAP, TEA, COKE = "6900000000014", "6931234567806", "6901234567908", "4006381333931", "69012341", \
    "6901234567892"
PROMOTIONS = """
[[promotion]]
id = "milk-half"
name = "牛奶第二件半价"
kind = "nth_item"
skus = ["6900000000014"]
nth = 2
percent = "50%"

[[promotion]]
id = "spend-100"
name = "满100减20"
kind = "spend_save"
tiers = [{ spend = "100.00", off = "20.00" }]

[[promotion]]
id = "cola-3"
name = "可乐3瓶10元"
kind = "multi_buy"
skus = ["COKE330"]
quantity = 3
price = "10.00"
"""


@pytest.fixture
def config(tmp_path: Path, make_demo_store):
    cfg = make_demo_store(tmp_path)
    file = tmp_path / "promotions.toml"
    file.write_text(PROMOTIONS, encoding="utf-8")
    import_promotions(file, cfg.currency, actor="test")
    yield cfg
    close_database()


@pytest.fixture
def lane(config):
    lane = Lane(config)
    lane.people.sign_in("cashier", "1234")
    return lane


def rows(config, sql: str) -> list[tuple]:
    with sqlite3.connect(config.database_path) as con:
        return con.execute(sql).fetchall()


def test_a_second_item_at_half_price_merges_and_a_restart_shows_the_same(lane, config):
    lane.items.enter(MILK)
    view = lane.items.enter(MILK)
    (line,) = view.lines
    assert (line.qty_milli, line.amount, line.promo_discount, line.line_discount) == (2000, 1980, 495, 0)
    assert view.totals.total == 1485
    assert [(d.promotion_id, d.name, d.amount) for d in view.promotions] == [("milk-half", "牛奶第二件半价", 495)]
    assert rows(config, "SELECT discount, promo_discount FROM sale_line") == [(495, 495)]
    assert rows(config, "SELECT line_no, promotion, name, amount FROM sale_line_promotion") == [
        (1, "milk-half", "牛奶第二件半价", 495)]
    close_database()
    open_store(config)
    restarted = Lane(config)
    view = restarted.people.sign_in("cashier", "1234")
    assert view.totals.total == 1485
    assert [(d.promotion_id, d.amount, tuple(d.lines)) for d in view.promotions] == [("milk-half", 495, ((1, 495),))]
    view = restarted.items.enter(MILK)  # a third: still one half price
    assert view.totals.total == 3 * 990 - 495


def test_a_threshold_is_crossed_then_uncrossed_by_a_void(lane, config):
    for code in (RICE, RICE, BREAD, SOAP):
        view = lane.items.enter(code)
    assert view.totals.total == 9680 and not view.promotions
    view = lane.items.enter("2*" + TEA)
    assert view.totals.total == 10580 - 2000
    assert [(d.name, d.amount) for d in view.promotions] == [("满100减20", 2000)]
    assert sum(line.promo_discount for line in view.lines) == 2000
    assert rows(config, "SELECT SUM(amount) FROM sale_line_promotion") == [(2000,)]
    view = lane.items.void_line(view.lines[-1].line_no)
    assert view.totals.total == 9680 and not view.promotions
    assert rows(config, "SELECT COUNT(*) FROM sale_line_promotion") == [(0,)]
    assert rows(config, "SELECT SUM(promo_discount), SUM(discount) FROM sale_line") == [(0, 0)]


def test_a_quantity_down_takes_the_deal_away(lane):
    view = lane.items.enter("3*" + COKE)
    assert view.totals.total == 1000
    view = lane.items.set_quantity(1, "2")
    assert view.totals.total == 700 and not view.promotions


def test_a_cashier_discount_replaces_the_promotion_and_a_sale_discount_comes_after(lane, config):
    lane.items.enter("2*" + MILK)
    view = lane.items.enter(BREAD)
    assert view.totals.total == 1485 + 1200
    approval = lane.people.approve("super", "9999", "discount")
    view = lane.items.discount_line(1, "1.00", approval=approval)
    assert (view.lines[0].line_discount, view.lines[0].promo_discount) == (100, 0)
    assert not view.promotions and view.totals.total == 1880 + 1200
    view = lane.items.discount_line(1, "0", approval=lane.people.approve("super", "9999", "discount"))
    assert view.lines[0].promo_discount == 495 and view.totals.total == 2685
    view = lane.items.discount_sale("10%", approval=lane.people.approve("super", "9999", "discount"))
    assert sum(line.sale_discount for line in view.lines) == 269  # 10 % of what is owed after the promotion
    assert view.totals.total == 2685 - 269
    lane.payments.total()
    view = lane.payments.tender_cash("")
    assert view.state is State.PRINTING
    assert rows(config, "SELECT total FROM sale") == [(2416,)]


def test_a_recalled_sale_keeps_its_promotions(lane, config):
    lane.items.enter("3*" + COKE)
    lane.items.suspend()
    (sale, _lines, _total), = lane.items.suspended()
    view = lane.items.recall(sale.id)
    assert view.totals.total == 1000 and [d.promotion_id for d in view.promotions] == ["cola-3"]


def test_the_receipt_prints_each_promotion_under_its_line_and_the_savings(lane, config):
    from pos_tui.devices.receipt import layout_receipt, render_text
    from pos_tui.i18n import using_language
    from pos_tui.services.lane.receipts import receipt_for_sale

    lane.items.enter("2*" + MILK)
    lane.items.enter("3*" + COKE)
    view = lane.items.enter(BREAD)
    sale_id = lane.ctx.sale.id
    lane.payments.total()
    lane.payments.tender_cash("")
    data, _cash = receipt_for_sale(sale_id, config)
    text = render_text(layout_receipt(data, 42))
    rows = [row.strip() for row in text.splitlines()]
    milk = rows.index(next(r for r in rows if r.startswith("牛奶 Milk")))
    assert rows[milk + 1].startswith("2 x 9.90") and rows[milk + 1].endswith("19.80")
    assert rows[milk + 2].startswith("牛奶第二件半价") and rows[milk + 2].endswith("-4.95")
    cola = rows.index(next(r for r in rows if r.startswith("可口可乐")))
    assert rows[cola + 2].startswith("可乐3瓶10元") and rows[cola + 2].endswith("-0.50")
    assert view.totals.total == 1485 + 1000 + 1200
    assert "You saved ¥5.45" in rows
    with using_language("zh_CN"):
        text = render_text(layout_receipt(receipt_for_sale(sale_id, config)[0], 42))
    assert "本单共节省 ¥5.45" in [row.strip() for row in text.splitlines()]


def test_returning_one_of_three_multi_buy_items_refunds_what_it_really_cost(config):
    lane = Lane(config)
    lane.people.sign_in("super", "9999")
    lane.items.enter("3*" + COKE)
    lane.items.enter("2*" + MILK)
    lane.payments.total()
    lane.payments.tender_cash("")
    receipt = lane.ctx.receipt_no
    lane.receipts.finish_printing(lane.receipts.print_pending())
    assert rows(config, "SELECT total FROM sale") == [(1000 + 1485,)]
    refunds = [lane.returns.start_return(receipt, {1: 1000}).total for _ in range(3)]
    assert refunds == [333, 334, 333] and sum(refunds) == 1000  # 3 for 10.00, never 3.50 back
    milk = lane.returns.start_return(receipt, {2: 1000}).total
    assert milk == 990 - 248  # half of the half price off each of the two
    assert rows(config, "SELECT SUM(total) FROM sale WHERE kind = 'return'") == [(1000 + 742,)]


def test_the_x_report_shows_the_discounts_by_promotion(config):
    from pos_tui.domain.report import render_csv, render_text, report_from_dict, report_to_dict

    lane = Lane(config)
    lane.people.sign_in("super", "9999")
    for codes in (("3*" + COKE, "2*" + MILK), ("6*" + COKE,), (BREAD,)):
        for code in codes:
            lane.items.enter(code)
        lane.payments.total()
        lane.payments.tender_cash("")
        lane.receipts.finish_printing(lane.receipts.print_pending())
    report = lane.reports.x_report()
    assert [(p.code, p.name, p.count, p.amount) for p in report.promotions] == [
        ("milk-half", "牛奶第二件半价", 1, 495), ("cola-3", "可乐3瓶10元", 2, 150)]
    assert report.discounts == 150 + 495
    rows = render_text(report, 42).splitlines()
    discounts = rows.index(next(row for row in rows if row.strip().startswith("Discounts")))
    assert rows[discounts + 1].split() == ["牛奶第二件半价", "(1)", "-4.95"]
    assert rows[discounts + 2].split() == ["可乐3瓶10元", "(2)", "-1.50"]
    assert "promotions,可乐3瓶10元,1.50" in render_csv(report).splitlines()
    assert report_from_dict(report_to_dict(report)) == report  # a Z report is stored as this JSON


def test_the_demo_store_runs_its_promotions(tmp_path):
    from pos_tui.demo import open_demo_store

    config = open_demo_store(tmp_path)
    try:
        lane = Lane(config)
        lane.people.sign_in("cashier", "1234")
        view = lane.items.enter("2*" + TEA)
        assert [d.name for d in view.promotions] == ["绿茶第二件半价"] and view.totals.total == 675
        lane.items.enter("3*" + MILK)
        view = lane.items.enter("3*" + RICE)
        assert sorted(d.name for d in view.promotions) == ["满100减20", "牛奶 3瓶25元", "绿茶第二件半价"]
        assert view.totals.total == 900 + 2970 + 11970 - 225 - 470 - 2000
    finally:
        close_database()


MEMBER_PRICES = """
[[promotion]]
id = "member-bread"
name = "会员价 面包"
kind = "member_price"
prices = { "BREAD" = "10.00" }
"""


@pytest.fixture
def member_config(tmp_path: Path, make_demo_store):
    cfg = make_demo_store(tmp_path)
    (tmp_path / "m.toml").write_text(MEMBER_PRICES, encoding="utf-8")
    import_promotions(tmp_path / "m.toml", cfg.currency, actor="test")
    add_member(cfg, card="", phone="13800138000", name="", actor="test")
    yield cfg
    close_database()


def test_a_member_shown_mid_sale_gets_member_prices_and_a_restart_keeps_them(member_config):
    config = member_config
    lane = Lane(config)
    lane.people.sign_in("cashier", "1234")
    view = lane.items.enter("2*" + BREAD)
    assert view.totals.total == 2400 and not view.member
    with pytest.raises(Exception, match="6 to 20 digits"):
        lane.items.identify_member("13800x")
    with pytest.raises(LaneError, match="139[*]+9000 is not a member"):
        lane.items.identify_member("13900139000")
    view = lane.items.identify_member("13800138000")
    assert view.totals.total == 2000 and view.member == "138****8000"
    assert [(d.name, d.amount) for d in view.promotions] == [("会员价 面包", 400)]
    assert rows(config, "SELECT member FROM sale") == [("13800138000",)]
    (payload,) = rows(config, "SELECT payload FROM journal_entry WHERE kind = 'sale.member'")
    assert "138****8000" in payload[0] and "13800138000" not in payload[0]
    close_database()
    open_store(config)
    restarted = Lane(config)
    view = restarted.people.sign_in("cashier", "1234")
    assert view.member == "138****8000" and view.totals.total == 2000
    view = restarted.items.enter(BREAD)  # worked out again for the member after the restart
    assert view.totals.total == 3000


def test_a_member_shown_first_opens_the_sale_for_them_and_the_receipt_says_so(member_config):
    from pos_tui.devices.receipt import layout_receipt, render_text
    from pos_tui.services.lane.receipts import receipt_for_sale

    lane = Lane(member_config)
    lane.people.sign_in("cashier", "1234")
    view = lane.items.identify_member("13800138000")
    assert view.member == "138****8000" and not view.lines
    view = lane.items.enter(BREAD)
    assert view.totals.total == 1000
    sale_id = lane.ctx.sale.id
    lane.payments.total()
    lane.payments.tender_cash("")
    text = render_text(layout_receipt(receipt_for_sale(sale_id, member_config)[0], 42))
    assert [row.split() for row in text.splitlines() if row.startswith("Member")] == [["Member", "138****8000"]]
    assert "You saved ¥2.00" in text
    lane.receipts.finish_printing(lane.receipts.print_pending())
    view = lane.items.enter(BREAD)  # the next sale is nobody's
    assert view.totals.total == 1200 and not view.member
    lane.payments.total()
    lane.payments.tender_cash("")
    lane.receipts.finish_printing(lane.receipts.print_pending())
    lane.items.identify_member("13800138000")
    lane.people.lock()  # a member shown before any item is forgotten when the lane locks
    lane.people.sign_in("cashier", "1234")
    view = lane.items.enter(BREAD)
    assert view.totals.total == 1200 and not view.member


def test_a_recall_writes_the_promotions_again_only_when_they_changed(lane, config, tmp_path):
    lane.items.enter("3*" + COKE)
    lane.items.suspend()
    (sale, _lines, _total), = lane.items.suspended()
    lane.items.recall(sale.id)
    assert rows(config, "SELECT COUNT(*) FROM journal_entry WHERE kind = 'sale.promotions'") == [(0,)]
    lane.items.suspend()
    (tmp_path / "none.toml").write_text(PROMOTIONS.split("[[promotion]]\nid = \"spend-100\"")[0], encoding="utf-8")
    import_promotions(tmp_path / "none.toml", config.currency, actor="test")  # the cola deal has stopped
    view = lane.items.recall(sale.id)
    assert view.totals.total == 1050 and not view.promotions
    assert rows(config, "SELECT COUNT(*) FROM journal_entry WHERE kind = 'sale.promotions'") == [(1,)]
    assert rows(config, "SELECT SUM(promo_discount) FROM sale_line") == [(0,)]


def test_a_line_and_its_promotions_are_written_together_or_not_at_all(lane, config):
    lane.items.enter("2*" + COKE)
    with sqlite3.connect(config.database_path) as con:  # the store fails half-way through the next write
        con.execute("CREATE TRIGGER fail_shares BEFORE INSERT ON sale_line_promotion "
                    "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END")
    with pytest.raises(Exception, match="disk I/O error"):
        lane.items.enter(COKE)  # the third cola completes the deal
    assert rows(config, "SELECT line_no, qty_milli, discount, promo_discount FROM sale_line") == [(1, 2000, 0, 0)]
    assert rows(config, "SELECT COUNT(*) FROM sale_line_promotion") == [(0,)]
    view = lane.ctx.view()
    assert view.lines[0].qty_milli == 2000 and view.totals.total == 700  # the screen shows what is committed
    with sqlite3.connect(config.database_path) as con:
        con.execute("DROP TRIGGER fail_shares")
    view = lane.items.enter(COKE)
    assert view.totals.total == 1000 and rows(config, "SELECT SUM(amount) FROM sale_line_promotion") == [(50,)]


def test_only_the_shares_that_changed_are_written_and_the_rows_stay_what_a_fresh_evaluation_gives(lane, config):
    from pos_tui.domain.promotions import evaluate, promo_lines
    from pos_tui.store.promotions import active_promotions

    def written() -> list[tuple]:
        return rows(config, "SELECT line_no, promotion, amount FROM sale_line_promotion ORDER BY line_no, promotion")

    def fresh() -> list[tuple]:
        result = evaluate(promo_lines(lane.ctx.sale.cart), active_promotions(config.currency), at=lane.ctx.clock())
        return sorted((s.line_no, d.promotion_id, s.amount) for d in result.discounts for s in d.lines)

    with sqlite3.connect(config.database_path) as con:  # each row a statement touches, seen by a trigger
        con.execute("CREATE TABLE share_log (what TEXT)")
        for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            con.execute(f"CREATE TRIGGER log_{event.lower()} AFTER {event} ON sale_line_promotion BEGIN "
                        f"INSERT INTO share_log VALUES ('{event} ' || {row}.line_no || ' ' || {row}.promotion); END")
    touched = 0
    for step in ("2*" + MILK, RICE, RICE, "3*" + COKE, BREAD, SOAP, "2*" + TEA, MILK, "void 3", "qty 4 2", RICE):
        before = {(n, code): amount for n, code, amount in written()}
        if step.startswith("void"):
            lane.items.void_line(int(step.split()[1]))
        elif step.startswith("qty"):
            lane.items.set_quantity(int(step.split()[1]), step.split()[2])
        else:
            lane.items.enter(step)
        assert written() == fresh()
        after = {(n, code): amount for n, code, amount in written()}
        differ = [key for key in before.keys() | after.keys() if before.get(key) != after.get(key)]
        log = rows(config, "SELECT COUNT(*) FROM share_log")[0][0]
        assert log - touched == len(differ), step  # the rows that changed, and no other
        touched = log


DRINKS_PROMOTION = """
[[promotion]]
id = "drinks-100"
name = "饮料满100减20"
kind = "spend_save"
department = "DRINKS"
tiers = [{ spend = "100.00", off = "20.00" }]
"""


@pytest.fixture
def drinks_config(tmp_path: Path):
    from pos_tui.store.catalog_csv import import_products

    cfg = create_demo_store(tmp_path)
    catalog = tmp_path / "drinks.csv"
    catalog.write_text("sku,name,price,barcodes,tax,unit,stock,department\n"
                       "JUICE1L,橙汁 1L,60.00,6900000000021,A,each,,DRINKS\n"
                       "CAKE,蛋糕,60.00,6900000000038,A,each,,\n", encoding="utf-8")
    import_products(catalog, cur=cfg.currency, tax_codes=cfg.tax.rates, actor="test")
    file = tmp_path / "promotions.toml"
    file.write_text(DRINKS_PROMOTION, encoding="utf-8")
    import_promotions(file, cfg.currency, actor="test")
    yield cfg
    close_database()


def test_a_department_spend_and_save_counts_the_catalog_products_of_that_department(drinks_config):
    lane = Lane(drinks_config)
    lane.people.sign_in("cashier", "1234")
    lane.items.enter("6900000000021")
    view = lane.items.enter("6900000000038")  # 120.00 in all, but only 60.00 of drinks
    assert view.totals.total == 12000 and not view.promotions
    view = lane.items.enter("6900000000021")  # 120.00 of drinks
    assert [(d.promotion_id, d.amount) for d in view.promotions] == [("drinks-100", 2000)]
    assert view.totals.total == 16000
    juice = [line for line in view.lines if line.sku == "JUICE1L"]
    assert sum(line.promo_discount for line in juice) == 2000  # on the drinks, none on the cake
    assert rows(drinks_config, "SELECT line_no, amount FROM sale_line_promotion ORDER BY line_no") == [
        (line.line_no, line.promo_discount) for line in juice if line.promo_discount]
    view = lane.items.set_quantity(juice[0].line_no, "1")  # back under 100.00 of drinks
    assert view.totals.total == 12000 and not view.promotions


def test_the_x_report_counts_a_catalog_product_in_its_department(drinks_config):
    lane = Lane(drinks_config)
    lane.people.sign_in("super", "9999")
    for code in ("2*6900000000021", "6900000000038", "5.00 ctrl+d"):
        if code.endswith("ctrl+d"):
            lane.items.sell_department(drinks_config.departments[0], "5.00")
        else:
            lane.items.enter(code)
    lane.payments.total()
    lane.payments.tender_cash("")
    lane.receipts.finish_printing(lane.receipts.print_pending())
    report = lane.reports.x_report()
    assert [(d.name, d.amount) for d in report.departments] == [
        ("DRINKS", 12000 - 2000), ("Catalog items", 6000), ("Services 服务", 500)]
