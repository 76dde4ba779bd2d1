"""Setting up the store server: ``server init`` (schema, store code, first admin) and ``server
add-lane N`` (the lane's role, in the lanes group, and its credentials file)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from pos_tui.server import schema
from pos_tui.server.connect import ServerError, write_credentials

_STORE_CODE = re.compile(r"^[a-z0-9_]{1,16}$")


def journal(conn: psycopg.Connection, actor: str, kind: str, payload: dict) -> None:
    """An operator's change on the server, in the caller's transaction."""
    from psycopg.types.json import Jsonb

    conn.execute("INSERT INTO admin_journal (actor, kind, payload) VALUES (%s, %s, %s)", (actor, kind, Jsonb(payload)))


def store_code(conn: psycopg.Connection) -> str:
    row = conn.execute("SELECT value FROM pos_meta WHERE key = 'store'").fetchone()
    if row is None:
        raise ServerError("the store server is not set up: run `pos-tui server init` first")
    return row[0]


def init_server(conn: psycopg.Connection, *, store: str, admin: str, pin_hash: str, actor: str) -> int:
    """Schema (migrated), the store's code and its first admin user; returns the schema version.
    Run again on an initialised server it only migrates (the store code and users stay)."""
    if not _STORE_CODE.match(store):
        raise ServerError(f"store code {store!r}: expected 1-16 lowercase letters, digits or _")
    version = schema.migrate(conn)
    with conn.transaction():
        existing = conn.execute("SELECT value FROM pos_meta WHERE key = 'store'").fetchone()
        if existing is not None and existing[0] != store:
            raise ServerError(f"this server is store {existing[0]!r} already")
        conn.execute("INSERT INTO pos_meta (key, value) VALUES ('store', %s) ON CONFLICT DO NOTHING", (store,))
        if not conn.execute("SELECT 1 FROM users WHERE role = 'admin' LIMIT 1").fetchone():
            conn.execute("INSERT INTO users (name, role, pin_hash, pin_changed_at) VALUES (%s, 'admin', %s, "
                         "localtimestamp(0))", (admin, pin_hash))
            journal(conn, actor, "user.add", {"name": admin, "role": "admin"})
    return version


def lane_role(store: str, lane: int) -> str:
    return f"pos_{store}_lane{lane:02d}"


@dataclass(frozen=True)
class LaneCredentials:
    role: str
    credentials: Path


def add_lane(conn: psycopg.Connection, lane: int, credentials_file: str | Path, *, actor: str) -> LaneCredentials:
    """The lane's own login role (member of the lanes group, so it may only write its own rows) with a
    fresh random password, written to ``credentials_file`` (0600). Run again, it gives the lane a
    new password (the old file stops working)."""
    if not 1 <= lane <= 99:
        raise ServerError(f"lane {lane}: expected 1 to 99")
    store = store_code(conn)
    role = lane_role(store, lane)
    password = secrets.token_urlsafe(24)
    with conn.transaction():
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        verb = "ALTER" if exists else "CREATE"
        conn.execute(sql.SQL(verb + " ROLE {} LOGIN INHERIT NOCREATEDB NOCREATEROLE PASSWORD {}").format(
            sql.Identifier(role), sql.Literal(password)))
        conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(schema.LANES_GROUP), sql.Identifier(role)))
        conn.execute("INSERT INTO lanes (store, lane, role_name) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                     (store, lane, role))
        conn.execute("INSERT INTO lane_sync (store, lane) VALUES (%s, %s) ON CONFLICT DO NOTHING", (store, lane))
        journal(conn, actor, "lane.add", {"lane": lane, "role": role})
    return LaneCredentials(role, write_credentials(credentials_file, role, password))
