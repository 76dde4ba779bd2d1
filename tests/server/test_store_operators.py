"""Store-wide commands are done by a staff member of the server (``--as NAME`` and their PIN, checked
against the server's staff with the store key's pepper, the role allowing the action) and journaled
on the server with that member and the OS user; refusals change nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import import_demo_catalog, make_lane_store

from pos_tui.cli import main
from pos_tui.demo import demo_config
from pos_tui.services.sync import SyncWorker
from pos_tui.store.db import close_database, open_database
from pos_tui.store.keys import create_key_file

SKU = "BREAD"


@pytest.fixture
def office(store_server, tmp_path) -> Path:
    """The back-office machine's config: the store server and the store's key file."""
    folder = tmp_path / "office"
    folder.mkdir()
    create_key_file(folder / "store.key")
    path = folder / "config.toml"
    path.write_text(f'[paths]\ndata_dir = "{folder}"\n[server]\nurl = "{store_server.url}"\n'
                    f'credentials = "{store_server.passfile}"\n')
    import_demo_catalog(store_server, demo_config(tmp_path))
    return path


def run(config: Path, *args: str, stdin: str = ""):
    return CliRunner().invoke(main, ["--config", str(config), *args], input=stdin)


def price(store_server) -> int:
    return store_server.query("SELECT price FROM products WHERE sku = %s", SKU)[0][0]


def last_journal(store_server) -> tuple[str, str]:
    return store_server.query("SELECT actor, kind FROM admin_journal ORDER BY id DESC LIMIT 1")[0]


def test_a_price_edit_needs_the_right_pin_of_a_role_that_may(office, store_server):
    before = price(store_server)
    result = run(office, "users", "add", "carol", "--role", "cashier", "--as", "boss", "--pin-stdin",
                 stdin="4321\n5555\n")
    assert result.exit_code == 0, result.output
    carol_hash = store_server.query("SELECT pin_hash FROM users WHERE name = 'carol'")[0][0]
    assert carol_hash.startswith("pepper$$argon2id$")  # peppered with the store key, which stays off the server
    actor, kind = last_journal(store_server)
    assert kind == "user.add" and actor.startswith("boss (cli")

    wrong_pin = run(office, "products", "edit", SKU, "--price", "9.99", "--as", "boss", "--pin-stdin", stdin="0000\n")
    assert wrong_pin.exit_code == 1 and "wrong name or PIN" in wrong_pin.output
    assert price(store_server) == before
    assert last_journal(store_server)[1] == "operator.refused"

    wrong_role = run(office, "products", "edit", SKU, "--price", "9.99", "--as", "carol", "--pin-stdin",
                     stdin="5555\n")
    assert wrong_role.exit_code == 1 and "changing the catalog needs an admin" in wrong_role.output
    assert price(store_server) == before

    unknown = run(office, "products", "edit", SKU, "--price", "9.99", "--as", "nobody", "--pin-stdin", stdin="5555\n")
    assert unknown.exit_code == 1 and "wrong name or PIN" in unknown.output

    no_one = run(office, "products", "edit", SKU, "--price", "9.99")
    assert no_one.exit_code == 2 and "--as NAME" in no_one.output
    assert price(store_server) == before

    right = run(office, "products", "edit", SKU, "--price", "9.99", "--as", "boss", "--pin-stdin", stdin="4321\n")
    assert right.exit_code == 0, right.output
    assert price(store_server) == 999 and before == 1200
    actor, kind = last_journal(store_server)
    assert kind == "catalog.price" and actor.startswith("boss (cli")
    # boss's PIN, set without a pepper by the fixture, was hashed again with it at the right PIN
    boss_hash = store_server.query("SELECT pin_hash FROM users WHERE name = 'boss'")[0][0]
    assert boss_hash.startswith("pepper$")


def test_wrong_pins_lock_the_operator_on_the_server(office, store_server):
    for _ in range(5):
        result = run(office, "users", "disable", "boss", "--as", "boss", "--pin-stdin", stdin="0000\n")
        assert result.exit_code == 1
    assert store_server.query("SELECT locked_until IS NOT NULL FROM users WHERE name = 'boss'")[0][0]
    result = run(office, "report", "z", "--store", "--as", "boss", "--pin-stdin", stdin="4321\n")
    assert result.exit_code == 1 and "locked until" in result.output
    assert store_server.query("SELECT count(*) FROM store_z_reports")[0][0] == 0


def test_a_key_file_of_another_store_is_refused(office, store_server, tmp_path):
    store_x = run(office, "report", "x", "--store")
    assert store_x.exit_code == 0  # reading asks no one
    assert "All lanes" in store_x.output.splitlines()[2] and "Lane 00" not in store_x.output
    assert run(office, "users", "unlock", "boss", "--as", "boss", "--pin-stdin", stdin="4321\n").exit_code == 0
    other = office.parent / "other.key"
    create_key_file(other)
    config = office.read_text() + f'[security]\nkey_file = "{other}"\n'
    elsewhere = tmp_path / "elsewhere.toml"
    elsewhere.write_text(config)
    result = run(elsewhere, "users", "unlock", "boss", "--as", "boss", "--pin-stdin", stdin="4321\n")
    assert result.exit_code == 1 and "is not this store's key" in result.output


def test_disable_and_enable_on_the_server_reach_the_lane(office, store_server, tmp_path):
    from pos_tui.store import users

    assert run(office, "users", "add", "dave", "--role", "supervisor", "--as", "boss", "--pin-stdin",
               stdin="4321\n6666\n").exit_code == 0
    config = store_server.lane_config(make_lane_store(tmp_path / "lane1", 1), 1)
    open_database(config.database.url)
    try:
        assert run(office, "users", "disable", "dave", "--as", "boss", "--pin-stdin", stdin="4321\n").exit_code == 0
        SyncWorker(config).run_once()
        assert users.get_user("dave").disabled
        # A new PIN leaves a disabled user disabled, as on a lane.
        assert run(office, "users", "passwd", "dave", "--as", "boss", "--pin-stdin",
                   stdin="4321\n7777\n").exit_code == 0
        assert store_server.query("SELECT disabled FROM users WHERE name = 'dave'")[0][0]
        same = run(office, "users", "passwd", "dave", "--as", "boss", "--pin-stdin", stdin="4321\n7777\n")
        assert same.exit_code == 1 and "must differ" in same.output
        result = run(office, "users", "enable", "dave", "--as", "boss", "--pin-stdin", stdin="4321\n")
        assert result.exit_code == 0 and "enabled dave on the store server" in result.output
        assert last_journal(store_server)[1] == "user.enabled"
        SyncWorker(config).run_once()
        assert not users.get_user("dave").disabled
    finally:
        close_database()


def test_unknown_payments_of_every_lane_are_listed_by_server_status(office, store_server, tmp_path):
    import json

    from pos_tui.services.lane import Lane
    from pos_tui.store import sales

    references, configs = {}, {}
    for number in (1, 2):
        config = store_server.lane_config(make_lane_store(tmp_path / f"lane{number}", number), number)
        open_database(config.database.url)
        try:
            lane = Lane(config)
            lane.people.sign_in("cashier", "1234")
            lane.items.enter("6901234567908")
            lane.payments.total()
            now = dt.datetime.now()
            attempt = sales.begin_attempt(lane.ctx.sale.id, method="card", amount=1200, fee=0,
                                          reference=f"ref-{number}", actor="cashier", now=now)
            if number == 1:  # lane 1's terminal link dropped; lane 2 is still waiting for its terminal
                sales.record_outcome(attempt.id, status="unknown", reason="link lost", totals=(1200, 0),
                                     actor="cashier", now=now)
            references[number], configs[number] = attempt.id, config
            SyncWorker(config).run_once()
        finally:
            close_database()
    result = run(office, "server", "status", "--format", "json")
    assert result.exit_code == 0, result.output
    unknown = {u["lane"]: u for u in json.loads(result.output)["unknown_payments"]}
    assert set(unknown) == {1, 2}
    assert (unknown[1]["status"], unknown[1]["reason"], unknown[1]["amount"]) == ("unknown", "link lost", 1200)
    assert (unknown[2]["status"], unknown[2]["method"], unknown[2]["reference"]) == ("pending", "card", "ref-2")
    text = run(office, "server", "status").output
    assert "unknown payment: lane 1 card ¥12.00 reference ref-1" in text and "resolve it on lane 1 - link lost" in text
    assert "pending payment: lane 2 card ¥12.00 reference ref-2" in text

    # Lane 1's supervisor resolves it: once the lane has sent its journal, the store's list loses it.
    open_database(configs[1].database.url)
    try:
        sales.resolve_attempt(references[1], charged=False, auth_code="", supervisor="supervisor", totals=(1200, 0),
                              actor="supervisor", now=dt.datetime.now())
        SyncWorker(configs[1]).run_once()
    finally:
        close_database()
    unknown = json.loads(run(office, "server", "status", "--format", "json").output)["unknown_payments"]
    assert [u["lane"] for u in unknown] == [2]


def test_a_lane_whose_key_file_is_not_the_stores_keeps_its_own_staff_and_says_why(office, store_server, tmp_path):
    from pos_tui.store import users
    from pos_tui.store.keys import key_from_secret

    assert run(office, "users", "add", "erin", "--role", "cashier", "--as", "boss", "--pin-stdin",
               stdin="4321\n5555\n").exit_code == 0  # the server now knows the store key's fingerprint
    config = store_server.lane_config(make_lane_store(tmp_path / "lane1", 1), 1)
    open_database(config.database.url, key=key_from_secret(b"another lane's own secret"))
    try:
        worker = SyncWorker(config)
        worker.run_once()
        assert worker.status().problem.startswith("key: this lane's key file is not the store's")
        assert "erin" not in [u.name for u in users.list_users()]
        assert users.authenticate("cashier", "1234", dt.datetime.now(), 5, 15).name == "cashier"
    finally:
        close_database()


def test_a_store_wide_import_is_done_by_an_admin_of_the_server(office, store_server, tmp_path):
    csv = tmp_path / "prices.csv"
    csv.write_text("sku,name,price,barcodes,tax,unit,stock\nTEA,Green tea,6.50,6900000000991,A,each,\n",
                   encoding="utf-8")
    refused = run(office, "products", "import", str(csv), "--as", "boss", "--pin-stdin", stdin="9999\n")
    assert refused.exit_code == 1 and not store_server.query("SELECT 1 FROM products WHERE sku = 'TEA'")
    done = run(office, "products", "import", str(csv), "--as", "boss", "--pin-stdin", stdin="4321\n")
    assert done.exit_code == 0, done.output
    assert store_server.query("SELECT price FROM products WHERE sku = 'TEA'") == [(650,)]
    actor, kind = last_journal(store_server)
    assert kind == "catalog.import" and actor.startswith("boss (cli")
