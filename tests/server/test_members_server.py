"""Members and points with the store server: the register and balances come down with the feed,
the points a lane wrote (online or not) go up inside its sale documents, and the server makes each
balance again from its ledger and sends it back down (reconcile)."""

from __future__ import annotations

import datetime as dt
import sqlite3

from conftest import import_demo_catalog, make_lane_store

from pos_tui.server import members as server_members
from pos_tui.server import reports
from pos_tui.services.reports import context_of
from pos_tui.services.lane import Lane
from pos_tui.services.sync import SyncWorker
from pos_tui.store.db import close_database, open_database

BREAD = "6901234567908"  # 12.00


def lane_rows(config, sql: str) -> list[tuple]:
    with sqlite3.connect(config.database_path) as con:
        return con.execute(sql).fetchall()


def test_points_made_offline_go_up_and_the_server_balance_comes_back_down(store_server, tmp_path):
    config = store_server.lane_config(make_lane_store(tmp_path / "lane1", 1), 1)
    import_demo_catalog(store_server, config)
    with store_server.admin() as conn:
        server_members.add_member(conn, store_server.store, "8800000001", "13800138000", "王芳", 500, actor="test")
    open_database(config.database.url)
    try:
        worker = SyncWorker(config, poll_seconds=0)
        worker.run_once()
        assert lane_rows(config, "SELECT code, card, phone, name, points FROM member") == [
            ("8800000001", "8800000001", "13800138000", "王芳", 500)]
        lane = Lane(config)
        lane.people.sign_in("cashier", "1234")
        assert lane.ctx.offline()  # no word from a sync worker: the server counts as unreachable
        lane.items.identify_member("13800138000")
        lane.items.enter(BREAD)
        lane.payments.total()
        lane.payments.tender_points("3.00")
        lane.payments.tender_cash("")
        lane.receipts.finish_printing(lane.receipts.print_pending())
        assert lane_rows(config, "SELECT kind, points, offline, counted FROM points_entry WHERE sale IS NOT NULL "
                                 "ORDER BY id") == [("redeem", -300, 1, 0), ("earn", 9, 1, 0)]
        assert lane.items.identify_member("8800000001").member_points == 209  # 500 last known, -300 +9 since
        worker.run_once()  # the sale goes up; the server's balance comes down
        assert store_server.query("SELECT lane, kind, points, value, offline FROM points_ledger ORDER BY kind") == [
            (None, "adjust", 500, 0, False), (1, "earn", 9, 0, True), (1, "redeem", -300, 300, True)]
        assert store_server.query("SELECT points FROM members") == [(209,)]
        assert lane_rows(config, "SELECT points FROM member") == [(209,)]
        assert lane_rows(config, "SELECT COUNT(*) FROM points_entry WHERE counted = 0") == [(0,)]
        with store_server.admin() as conn:  # the store-wide X report counts them from the documents
            report = reports.x_report(conn, store_server.store, context_of(config), dt.date.today())
        assert (report.points.earned, report.points.redeemed, report.points.redeemed_value) == (9, 300, 300)
        with store_server.admin() as conn:
            server_members.adjust_points(conn, store_server.store, "8800000001", 100, "goodwill", actor="test")
            server_members.set_disabled(conn, "13800138000", True, actor="test")
        worker.run_once()
        assert lane_rows(config, "SELECT points, disabled FROM member") == [(309, 1)]
        lane.items.enter(BREAD)
        try:
            lane.items.identify_member("8800000001")
            raise AssertionError("a member disabled on the server is taken at the lane")
        except Exception as exc:  # noqa: BLE001
            assert "is disabled" in str(exc)
        # The same document sent again (a lane restored from a copy) is not counted twice.
        with store_server.admin() as conn:
            conn.execute("SELECT pos_member_balance(ARRAY['8800000001'])")
        assert store_server.query("SELECT points FROM members") == [(309,)]
    finally:
        close_database()


def test_members_commands_work_on_the_server_register(store_server, tmp_path):
    from click.testing import CliRunner

    from pos_tui.cli import main
    from pos_tui.store.keys import create_key_file

    folder = tmp_path / "office"
    folder.mkdir()
    create_key_file(folder / "store.key")
    office = folder / "config.toml"
    office.write_text(f'[paths]\ndata_dir = "{folder}"\n[server]\nurl = "{store_server.url}"\n'
                      f'credentials = "{store_server.passfile}"\n')

    def run(*args: str, stdin: str = ""):
        return CliRunner().invoke(main, ["--config", str(office), "members", *args], input=stdin)

    added = run("add", "--card", "8800000001", "--name", "Ann", "--points", "50", "--as", "boss", "--pin-stdin",
                stdin="4321\n")
    assert added.exit_code == 0, added.output
    assert "added member 8800000001 (50 points) on the store server" in added.output
    bad = run("add", "--phone", "555", "--as", "boss", "--pin-stdin", stdin="4321\n")
    assert bad.exit_code == 1 and "'555' is not a phone number" in bad.output
    wrong = run("adjust", "8800000001", "10", "--reason", "x", "--as", "boss", "--pin-stdin", stdin="0000\n")
    assert wrong.exit_code == 1 and "wrong name or PIN" in wrong.output
    csv = tmp_path / "m.csv"
    csv.write_text("card,phone,name,points\n,13700137000,Bob,20\n8800000001,13800138000,Ann Li,\n", encoding="utf-8")
    imported = run("import", str(csv), "--as", "boss", "--pin-stdin", stdin="4321\n")
    assert imported.exit_code == 0, imported.output
    assert "1 new, 1 updated" in imported.output
    taken = run("adjust", "13800138000", "-30", "--reason", "correction", "--as", "boss", "--pin-stdin",
                stdin="4321\n")
    assert taken.exit_code == 0, taken.output
    assert run("list").output.splitlines() == ["13700137000\t-\t13700137000\tBob\t20\tactive",
                                               "8800000001\t8800000001\t13800138000\tAnn Li\t20\tactive"]
    shown = run("show", "13800138000").output.splitlines()
    assert [line.split("\t")[1:3] for line in shown[1:]] == [["adjust", "-30"], ["adjust", "+50"]]
    assert store_server.query("SELECT actor, kind FROM admin_journal WHERE kind = 'member.adjust'")[0][0].startswith(
        "boss (cli")
    disabled = run("disable", "8800000001", "--as", "boss", "--pin-stdin", stdin="4321\n")
    assert disabled.output.strip().endswith("\tdisabled")
