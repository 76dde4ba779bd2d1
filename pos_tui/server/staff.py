"""Who is doing a store-wide operation: a staff member of the server's ``users`` table, checked by
PIN on the operator's machine (the hash comes from the server, the pepper from the store's key file,
which never reaches the server), with a wrong PIN counted toward a store-wide lockout.

The store key is one per store: ``server init`` records a fingerprint of it (never the key) in
``pos_meta``, and an operator whose key file is another store's (or a lane's own) is told so before
a PIN is checked or hashed with it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path

import psycopg

from pos_tui.domain.permissions import Action, PermissionDenied, Role, authorize
from pos_tui.domain.pins import (
    after_failed_attempt, hash_pin, is_locked, needs_rehash, spend_like_a_check, verify_pin,
)
from pos_tui.i18n import _
from pos_tui.server.admin import journal
from pos_tui.server.connect import ServerError


class OperatorRefused(ServerError):
    """The named staff member may not do this: wrong name or PIN, disabled, locked, role too low."""


def key_fingerprint(pepper: bytes) -> str:
    """A short public check value of the store key (which cannot be recovered from it)."""
    return hmac.new(pepper, b"pos-tui store key check", hashlib.sha256).hexdigest()[:24]


def check_store_key(conn: psycopg.Connection, pepper: bytes, key_path: str) -> None:
    """Refuse a key file that is not the one this store was set up with; a server set up before
    fingerprints were kept takes the first key it is shown."""
    mine = key_fingerprint(pepper)
    with conn.transaction():
        row = conn.execute("SELECT value FROM pos_meta WHERE key = 'key_check' FOR UPDATE").fetchone()
        if row is None:
            conn.execute("INSERT INTO pos_meta (key, value) VALUES ('key_check', %s) ON CONFLICT DO NOTHING",
                         (mine,))
        elif row[0] != mine:
            raise ServerError(_("key file {path} is not this store's key (the store server was set up with "
                                "another one): use a copy of the store's key file").format(path=key_path))


def store_pepper(conn: psycopg.Connection, key_path: str | Path, *, required: bool) -> bytes | None:
    """The PIN pepper of the store's key file at ``key_path`` (this machine's), checked against the
    fingerprint the server keeps; None when there is no key file and none is ``required`` (a PIN
    hash made without a pepper still verifies)."""
    from pos_tui.store.keys import load_key_file

    if not required and not Path(key_path).exists():
        return None
    pepper = load_key_file(Path(key_path)).pin_pepper
    check_store_key(conn, pepper, str(key_path))
    return pepper


@dataclass(frozen=True)
class Operator:
    name: str
    role: Role
    actor: str  # what the journals record: the staff member and the OS user ("boss (cli:root)")


def _refused(conn: psycopg.Connection, name: str, reason: str, os_user: str) -> None:
    journal(conn, f"{name} ({os_user})", "operator.refused", {"name": name, "reason": reason})


def authenticate(conn: psycopg.Connection, name: str, pin: str, action: Action | str, *, pepper: bytes | None,
                 os_user: str, now: dt.datetime, max_attempts: int, lockout_minutes: int,
                 extra_supervisor_actions: tuple[str, ...] | list[str] = ()) -> Operator:
    """The staff member ``name`` whose ``pin`` is right and whose role allows ``action``, in one
    transaction; OperatorRefused otherwise (the refusal, and a wrong PIN's count, are committed).
    Reaching ``max_attempts`` wrong PINs locks the user on the server, and so on every lane."""
    if not pin:
        raise OperatorRefused(_("no PIN typed: type the PIN, then Enter"))
    problem: str | None = None
    with conn.transaction():
        row = conn.execute("SELECT name, role, pin_hash, disabled, locked_until FROM users WHERE name = %s "
                           "FOR UPDATE", (name,)).fetchone()
        if row is None:
            spend_like_a_check(pin)
            _refused(conn, name, "unknown name", os_user)
            problem = _("wrong name or PIN")
        else:
            name, role, stored, disabled, locked_until = row
            if is_locked(locked_until, now):
                _refused(conn, name, "locked", os_user)
                problem = _("{name} is locked until {time}").format(name=name, time=f"{locked_until:%H:%M}")
            elif not verify_pin(pin, stored, pepper):
                failed = conn.execute("SELECT count FROM operator_failures WHERE name = %s", (name,)).fetchone()
                count, until = after_failed_attempt(failed[0] if failed else 0, max_attempts, lockout_minutes, now)
                conn.execute("INSERT INTO operator_failures (name, count) VALUES (%s, %s) ON CONFLICT (name) "
                             "DO UPDATE SET count = excluded.count, last_at = now()", (name, count))
                if until is not None:
                    conn.execute("UPDATE users SET locked_until = %s WHERE name = %s", (until, name))
                    journal(conn, f"{name} ({os_user})", "user.locked", {"name": name, "until": until.isoformat()})
                _refused(conn, name, "wrong PIN", os_user)
                problem = _("wrong name or PIN")
            elif disabled:
                _refused(conn, name, "disabled", os_user)
                problem = _("{name} is disabled").format(name=name)
            else:
                conn.execute("DELETE FROM operator_failures WHERE name = %s", (name,))
                if pepper and needs_rehash(stored, pepper):
                    conn.execute("UPDATE users SET pin_hash = %s WHERE name = %s", (hash_pin(pin, pepper), name))
                the_role = Role.parse(role)
                try:
                    authorize(the_role, action, None, extra_supervisor_actions)
                except PermissionDenied as exc:
                    _refused(conn, name, f"role {role} may not do {action}", os_user)
                    problem = str(exc)
    if problem is not None:
        raise OperatorRefused(problem)
    return Operator(name, the_role, f"{name} ({os_user})")

