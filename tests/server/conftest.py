"""A real PostgreSQL for the store-server tests: one throwaway cluster per test session (initdb in a
temporary folder as an unprivileged user, unix socket, stopped at the end and when the run is
killed), a fresh database per test with the schema, a store code and the first admin.

Without PostgreSQL binaries these tests skip, unless POS_TUI_REQUIRE_PG=1 (set by .ci/run): then
they fail.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

import psycopg
import pytest

from pos_tui.config import Config, ServerConfig, StoreConfig
from pos_tui.domain.pins import hash_pin

_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def pg_cluster():
    from pos_tui.server.throwaway import PostgresUnavailable, ThrowawayCluster

    try:
        cluster = ThrowawayCluster().init().start()
    except PostgresUnavailable as exc:
        if os.environ.get("POS_TUI_REQUIRE_PG"):
            pytest.fail(f"POS_TUI_REQUIRE_PG is set but PostgreSQL cannot run: {exc}")
        pytest.skip(f"no PostgreSQL here: {exc}")
    yield cluster
    cluster.destroy()


@dataclass
class StoreServer:
    cluster: object
    url: str
    store: str
    passfile: Path
    folder: Path

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(self.url, passfile=str(self.passfile), autocommit=True)

    def lane_config(self, base: Config, lane: int, **server) -> Config:
        """``base`` as lane ``lane`` with this server and a new credentials file for that lane."""
        from pos_tui.server.admin import add_lane

        creds = self.folder / f"lane-{lane:02d}.pgpass"
        with self.admin() as conn:
            role = add_lane(conn, lane, creds, actor="test").role
        lane_url = self.url.replace("posadmin@", f"{role}@")
        return replace(base, store=replace(base.store, lane=lane),
                       server=ServerConfig(url=lane_url, credentials=str(creds), **server))

    def query(self, sql: str, *args) -> list[tuple]:
        with self.admin() as conn:
            return conn.execute(sql, args or None).fetchall()


@pytest.fixture
def store_server(pg_cluster, tmp_path) -> Iterator[StoreServer]:
    from pos_tui.server.admin import init_server

    number = next(_numbers)
    url = pg_cluster.create_database(f"store{number}")
    server = StoreServer(pg_cluster, url, f"s{number}", pg_cluster.passfile, tmp_path)
    with server.admin() as conn:
        init_server(conn, store=server.store, admin="boss", pin_hash=hash_pin("4321"), actor="test")
    yield server


def make_lane_store(folder: Path, lane: int) -> Config:
    """A demo store for lane ``lane`` in ``folder`` (catalog, the demo users, its shift open), closed."""
    import datetime as dt
    from importlib import resources

    from pos_tui.demo import DEMO_USERS, demo_config, open_demo_shift
    from pos_tui.store import users
    from pos_tui.store.catalog_csv import import_products
    from pos_tui.store.db import close_database, open_database

    config = demo_config(folder)
    config = replace(config, store=replace(config.store, lane=lane))
    open_database(config.database.url)
    with resources.as_file(resources.files("pos_tui.data") / "demo_catalog.csv") as catalog_file:
        import_products(catalog_file, cur=config.currency, tax_codes=config.tax.rates, actor="demo")
    for name, role, pin in DEMO_USERS:
        users.add_user(name, role, pin, config.security.pin_min_length, now=dt.datetime.now(), actor="demo")
    open_demo_shift(config)
    close_database()
    return config


def import_demo_catalog(server: StoreServer, config: Config) -> None:
    """The demo catalog on the store server (what `pos-tui products import` does there)."""
    from importlib import resources

    from pos_tui.server.catalog import upsert_products
    from pos_tui.store.catalog_csv import read_products

    with resources.as_file(resources.files("pos_tui.data") / "demo_catalog.csv") as file:
        products, _warnings = read_products(file, cur=config.currency, tax_codes=config.tax.rates)
    with server.admin() as conn:
        upsert_products(conn, products, actor="test")
