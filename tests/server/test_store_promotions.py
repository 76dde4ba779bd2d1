"""Promotions kept on the store server: `pos-tui promotions import|list|disable|enable` there (by a
staff member of the server, journaled), and a promotion imported there reaching a running lane,
whose next scan gets it."""

from __future__ import annotations

import getpass
import time
from pathlib import Path

from conftest import import_demo_catalog, make_lane_store
from test_store_operators import last_journal, office, run  # noqa: F401  the back-office machine's config

from pos_tui.services.lane import Lane
from pos_tui.services.sync import SyncWorker
from pos_tui.store.db import close_database, open_database

COLA = "6901234567892"
PROMOTIONS = """[[promotion]]
id = "cola-3"
name = "可乐3瓶10元"
kind = "multi_buy"
skus = ["6901234567892"]
quantity = 3
price = "10.00"

[[promotion]]
id = "spend"
name = "满100减20"
kind = "spend_save"
tiers = [{ spend = "100.00", off = "20.00" }]
weekdays = ["sat", "sun"]
"""


def promotions_file(folder: Path, text: str = PROMOTIONS, name: str = "promotions.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_promotions_are_imported_listed_and_stopped_on_the_server_by_its_staff(office, store_server, tmp_path):
    file = promotions_file(tmp_path)
    refused = run(office, "promotions", "import", str(file), "--as", "boss", "--pin-stdin", stdin="9999\n")
    assert refused.exit_code == 1 and not store_server.query("SELECT 1 FROM promotions")
    done = run(office, "promotions", "import", str(file), "--as", "boss", "--pin-stdin", stdin="4321\n")
    assert done.exit_code == 0, done.output
    assert "2 new, 0 changed, 0 unchanged, 0 stopped" in done.stdout
    # The barcode in the file is kept as the product's SKU, as on a lane.
    assert store_server.query("SELECT definition->'skus' FROM promotions WHERE code = 'cola-3'") == [(["COKE330"],)]
    actor, kind = last_journal(store_server)
    assert kind == "promotions.import" and actor.startswith("boss (cli")
    listed = run(office, "promotions", "list").stdout.splitlines()
    assert listed == ["cola-3\tmulti_buy\trunning\t可乐3瓶10元\talways", "spend\tspend_save\trunning\t满100减20\tsat,sun"]

    unknown = run(office, "promotions", "disable", "nope", "--as", "boss", "--pin-stdin", stdin="4321\n")
    assert unknown.exit_code == 1 and "no promotion 'nope'" in unknown.output
    stopped = run(office, "promotions", "disable", "spend", "--as", "boss", "--pin-stdin", stdin="4321\n")
    assert stopped.exit_code == 0, stopped.output
    assert store_server.query("SELECT code, active FROM promotions ORDER BY code") == [("cola-3", True),
                                                                                        ("spend", False)]
    assert last_journal(store_server)[1] == "promotions.disable"
    again = run(office, "promotions", "enable", "spend", "--as", "boss", "--pin-stdin", stdin="4321\n")
    assert again.exit_code == 0 and store_server.query("SELECT active FROM promotions WHERE code = 'spend'") == [(True,)]

    bad = promotions_file(tmp_path, "id,name,kind,skus,quantity,price\nx,坏,multi_buy,C1,1,10.00\n", "bad.csv")
    result = run(office, "promotions", "import", str(bad), "--as", "boss", "--pin-stdin", stdin="4321\n")
    assert result.exit_code == 1 and "line 2, quantity" in result.stderr
    assert store_server.query("SELECT count(*) FROM promotions WHERE active") == [(2,)]  # nothing taken


def test_a_promotion_imported_on_the_server_reaches_a_running_lane_at_its_next_scan(office, store_server, tmp_path):
    config = store_server.lane_config(make_lane_store(tmp_path / "lane1", 1), 1, sync_seconds=0.1)
    import_demo_catalog(store_server, config)
    open_database(config.database.url)
    try:
        lane = Lane(config)
        lane.people.sign_in("cashier", "1234")
        worker = SyncWorker(config, poll_seconds=0.1).start()
        lane.sync = worker
        try:
            view = lane.items.enter("2*" + COLA)
            assert view.totals.total == 700 and not view.promotions
            done = run(office, "promotions", "import", str(promotions_file(tmp_path)), "--as", "boss",
                       "--pin-stdin", stdin="4321\n")
            assert done.exit_code == 0, done.output
            from pos_tui.store.promotions import list_promotions

            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and len(list_promotions()) < 2:
                time.sleep(0.05)
            view = lane.items.enter(COLA)  # the third cola: three for 10.00
            assert view.totals.total == 1000
            assert [(d.promotion_id, d.amount) for d in view.promotions] == [("cola-3", 50)]
            stopped = run(office, "promotions", "disable", "cola-3", "--as", "boss", "--pin-stdin", stdin="4321\n")
            assert stopped.exit_code == 0
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and any(p.active for p in list_promotions() if p.code == "cola-3"):
                time.sleep(0.05)
            view = lane.items.enter(COLA)
            assert view.totals.total == 4 * 350 and not view.promotions
        finally:
            worker.stop()
        from pos_tui.store.models import JournalEntry

        assert JournalEntry.select().where(JournalEntry.kind == "sync.promotions").count() == 2
    finally:
        close_database()


MILK = "6900000000014"
TWO_KINDS = """[[promotion]]
id = "cola-3"
name = "可乐3瓶10元"
kind = "multi_buy"
skus = ["COKE330"]
quantity = 3
price = "10.00"

[[promotion]]
id = "milk-half"
name = "牛奶第二件半价"
kind = "nth_item"
skus = ["6900000000014"]
nth = 2
percent = "50%"
"""


def sell_and_send(config, baskets: list[list[str]]):
    """Cash sales on the lane (after taking the store's promotions), sent up; the lane's own X."""
    import datetime as dt

    from pos_tui.store import reports
    from pos_tui.store.reports import context_of

    open_database(config.database.url)
    try:
        SyncWorker(config).run_once()  # the promotions come down
        till = Lane(config)
        till.people.sign_in("cashier", "1234")
        for basket in baskets:
            for code in basket:
                till.items.enter(code)
            till.payments.total()
            till.payments.tender_cash("")
            till.receipts.finish_printing(till.receipts.print_pending())
        local = reports.x_report(context_of(config), dt.datetime.now(), actor="test")
        SyncWorker(config).run_once()
        return local
    finally:
        close_database()


def test_sales_carry_their_promotions_up_and_the_store_x_and_z_add_up_the_lanes(office, store_server, tmp_path):
    import datetime as dt

    from pos_tui.server import reports as server_reports
    from pos_tui.store.reports import context_of

    done = run(office, "promotions", "import", str(promotions_file(tmp_path, TWO_KINDS)), "--as", "boss",
               "--pin-stdin", stdin="4321\n")
    assert done.exit_code == 0, done.output
    one_config = store_server.lane_config(make_lane_store(tmp_path / "lane1", 1), 1)
    two_config = store_server.lane_config(make_lane_store(tmp_path / "lane2", 2), 2)
    one = sell_and_send(one_config, [["3*" + COLA, MILK, MILK], ["3*" + COLA]])
    two = sell_and_send(two_config, [["6*" + COLA], [MILK]])
    assert {(p.code, p.count, p.amount) for p in one.promotions} == {("cola-3", 2, 100), ("milk-half", 1, 495)}
    assert {(p.code, p.count, p.amount) for p in two.promotions} == {("cola-3", 1, 100)}

    # Each line's shares travel with the sale and are kept on the server.
    shares = store_server.query("SELECT lane, promotion, sum(amount) FROM document_promotions "
                                "GROUP BY lane, promotion ORDER BY lane, promotion")
    assert shares == [(1, "cola-3", 100), (1, "milk-half", 495), (2, "cola-3", 100)]

    ctx = context_of(one_config)
    with store_server.admin() as conn:
        store_x = server_reports.x_report(conn, store_server.store, ctx, dt.date.today())
        lane_x = server_reports.x_report(conn, store_server.store, ctx, dt.date.today(), lane=1)
        store_z = server_reports.take_store_z(conn, store_server.store, ctx, dt.date.today(), actor="test")
    summed: dict[str, tuple[str, int, int]] = {}
    for p in one.promotions + two.promotions:
        name, count, amount = summed.get(p.code, (p.name, 0, 0))
        summed[p.code] = (name, count + p.count, amount + p.amount)
    expected = sorted((code, *values) for code, values in summed.items())
    for report in (store_x, store_z):
        assert sorted((p.code, p.name, p.count, p.amount) for p in report.promotions) == expected
        assert report.net == one.net + two.net and report.discounts == one.discounts + two.discounts
    assert lane_x.promotions == one.promotions
    from pos_tui.domain.report import render_text

    assert "牛奶第二件半价 (1)" in render_text(store_x)  # the printed store X names each promotion


async def test_the_servers_back_office_lists_imports_and_stops_promotions_at_80x24(office, store_server, tmp_path):
    from test_store_office import SIZE, feed, message, screen_lines, settle, sign_in

    from pos_tui.config import load_config
    from pos_tui.services.store_office import StoreOffice
    from pos_tui.tui.admin.app import AdminApp
    from pos_tui.tui.admin.prompt import PromptModal
    from pos_tui.tui.admin.promotions import PromotionsScreen
    from pos_tui.tui.screens.modals import ConfirmModal

    file = promotions_file(tmp_path)
    app = AdminApp(StoreOffice(load_config(office)))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot)
        await pilot.press("f9")
        await settle(pilot, lambda: isinstance(app.screen, PromotionsScreen))
        await pilot.press("f2")
        await settle(pilot, lambda: isinstance(app.screen, PromptModal))
        feed(app, f"{file}\r")
        await settle(pilot, lambda: isinstance(app.screen, PromotionsScreen) and "imported" in message(app))
        assert message(app) == "Promotions imported: 2 new, 0 changed, 0 unchanged, 0 stopped"
        lines = screen_lines(app)
        assert all(len(line) <= SIZE[0] for line in lines)
        assert any("可乐3瓶10元" in line and "multi-buy" in line and "running" in line for line in lines)
        assert any("满100减20" in line and "sat,sun" in line for line in lines)
        await pilot.press("f4")
        await settle(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await settle(pilot, lambda: "is stopped" in message(app))
    assert store_server.query("SELECT code, active FROM promotions ORDER BY code") == [("cola-3", False),
                                                                                        ("spend", True)]
    actor = f"boss (admin:{getpass.getuser()})"
    assert store_server.query("SELECT actor, kind FROM admin_journal WHERE kind LIKE 'promotions.%' ORDER BY id") == [
        (actor, "promotions.import"), (actor, "promotions.disable")]


def test_a_lane_newer_than_its_server_still_syncs_without_promotions(store_server, tmp_path):
    """A server not migrated yet (no promotions table): the lane sends its documents and takes the
    catalog, and stays online."""
    from pos_tui.server import catalog
    from pos_tui.store.catalog import get_by_sku
    from pos_tui.store.outbox import counts

    config = store_server.lane_config(make_lane_store(tmp_path / "lane1", 1), 1)
    import_demo_catalog(store_server, config)
    with store_server.admin() as conn:
        conn.execute("DROP TABLE promotions CASCADE")
        catalog.set_price(conn, "COKE330", 399, actor="test")
    open_database(config.database.url)
    try:
        worker = SyncWorker(config)
        worker.run_once()
        assert worker.status().online and counts(1).waiting == 0
        assert get_by_sku("COKE330").price == 399
    finally:
        close_database()
