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
        return psycopg.connect(self.url, passfile=str(self.passfile))

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
