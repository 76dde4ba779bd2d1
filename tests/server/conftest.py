"""A real PostgreSQL for the store-server tests: one throwaway cluster per test session (initdb in a
temporary folder as an unprivileged user, unix socket, stopped at the end and when the run is
killed), a fresh database per test (a copy of one migrated once per run) with a store code and the
first admin.

Without PostgreSQL binaries these tests skip, unless POS_TUI_REQUIRE_PG=1 (set by .ci/run): then
they fail.
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

import psycopg
import pytest

from pos_tui.config import Config, ServerConfig, StoreConfig
from pos_tui.domain.pins import hash_pin

_numbers = itertools.count(1)
MEMORY_FILESYSTEM = Path("/dev/shm")  # where tests/conftest.py puts the run's files when it can
CLUSTER_PARENT_PREFIX = "pos-tui-tests-pg-"  # + the worker's pid: swept by tests/conftest.py once that is gone


def _cluster_parent(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """In memory when the run's files are (see tests/conftest.py): each store server is a new
    database, a copy of several MB through the cluster's log, which on the virtual disk costs the
    server ~0.25 s of CPU and in memory ~0.03 s. Not inside the run's folder: the cluster belongs to
    another user, who may not enter it."""
    if not tmp_path_factory.getbasetemp().is_relative_to(MEMORY_FILESYSTEM):
        return None
    parent = MEMORY_FILESYSTEM / f"{CLUSTER_PARENT_PREFIX}{os.getpid()}"
    parent.mkdir(mode=0o755, exist_ok=True)
    atexit.register(shutil.rmtree, parent, ignore_errors=True)  # runs after the cluster's own clean-up
    return parent


@pytest.fixture(scope="session")
def pg_cluster(tmp_path_factory):
    from pos_tui.server.throwaway import PostgresUnavailable, ThrowawayCluster

    try:
        cluster = ThrowawayCluster(parent=_cluster_parent(tmp_path_factory)).init().start()
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


@pytest.fixture(scope="session")
def migrated_server_template(pg_cluster) -> str:
    """A database with the server's schema migrated once per run (no store code, no users yet):
    each store server is a copy of it, which costs a file copy instead of the whole schema's DDL."""
    from pos_tui.server import schema

    name = "store_template"
    url = pg_cluster.create_database(name)
    with psycopg.connect(url, passfile=str(pg_cluster.passfile), autocommit=True) as conn:
        schema.migrate(conn)
    return name


@pytest.fixture
def store_server(pg_cluster, migrated_server_template, tmp_path) -> Iterator[StoreServer]:
    """A store server on a fresh copy of the migrated template; ``init_server`` finds the schema
    up to date and adds the store code and the first admin, as on a server migrated before."""
    from pos_tui.server.admin import init_server

    number = next(_numbers)
    url = pg_cluster.create_database(f"store{number}", template=migrated_server_template)
    server = StoreServer(pg_cluster, url, f"s{number}", pg_cluster.passfile, tmp_path)
    with server.admin() as conn:
        init_server(conn, store=server.store, admin="boss", pin_hash=hash_pin("4321"), actor="test")
    yield server


_lane_store_templates: dict[int, Path] = {}
_templates_folder: list[Path] = []


@pytest.fixture(autouse=True, scope="session")
def lane_store_templates(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Where ``make_lane_store`` keeps each lane's store (catalog and users) made once per run."""
    _templates_folder.append(tmp_path_factory.mktemp("lane-templates"))


def _lane_config(folder: Path, lane: int) -> Config:
    from pos_tui.demo import demo_config

    config = demo_config(folder)
    return replace(config, store=replace(config.store, lane=lane))


def _lane_store_template(lane: int) -> Path:
    """Lane ``lane``'s demo catalog and users, made once per run, closed (its log folded in)."""
    if lane not in _lane_store_templates:
        import datetime as dt
        from importlib import resources

        from pos_tui.demo import DEMO_USERS
        from pos_tui.store import users
        from pos_tui.store.catalog_csv import import_products
        from pos_tui.store.db import close_database, open_database

        if not _templates_folder:  # outside a test run (benchmarks/store_server.py): a folder of its own
            import tempfile

            made = Path(tempfile.mkdtemp(prefix="pos-tui-lane-templates-"))
            atexit.register(shutil.rmtree, made, True)
            _templates_folder.append(made)
        folder = _templates_folder[-1] / f"lane{lane}"
        folder.mkdir()
        config = _lane_config(folder, lane)
        open_database(config.database.url)
        with resources.as_file(resources.files("pos_tui.data") / "demo_catalog.csv") as catalog_file:
            import_products(catalog_file, cur=config.currency, tax_codes=config.tax.rates, actor="demo")
        for name, role, pin in DEMO_USERS:
            users.add_user(name, role, pin, config.security.pin_min_length, now=dt.datetime.now(), actor="demo")
        close_database()
        assert [path.name for path in folder.iterdir()] == ["pos.db"], "the template left more files"
        _lane_store_templates[lane] = folder
    return _lane_store_templates[lane]


def make_lane_store(folder: Path, lane: int) -> Config:
    """A demo store for lane ``lane`` in ``folder`` (catalog, the demo users, its shift open), closed:
    a copy of the run's store for that lane, its shift opened now."""
    from pos_tui.demo import open_demo_shift
    from pos_tui.store.db import close_database, open_database

    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_lane_store_template(lane) / "pos.db", folder / "pos.db")
    config = _lane_config(folder, lane)
    open_database(config.database.url)
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
