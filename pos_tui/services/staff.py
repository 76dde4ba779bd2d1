"""The store's staff, for the command line: add, list, change a PIN, disable, enable, unlock, and
the PIN check of an operator naming themselves with ``--as``. (The back office's own staff methods
are ``BackOffice``'s; both call ``store.users``.)"""

from __future__ import annotations

import datetime as dt

from pos_tui.config import Config
from pos_tui.domain.permissions import Role, authorize
from pos_tui.store import users
from pos_tui.store.users import UserInfo


def has_users() -> bool:
    return users.has_users()


def list_users() -> list[UserInfo]:
    return users.list_users()


def get_user(name: str) -> UserInfo:
    """The user named ``name``; UserError if there is none."""
    return users.get_user(name)


def add_user(config: Config, name: str, role: str, pin: str, *, actor: str,
             now: dt.datetime | None = None) -> UserInfo:
    return users.add_user(name, role, pin, config.security.pin_min_length, now=now, actor=actor)


def change_pin(config: Config, name: str, pin: str, *, actor: str) -> UserInfo:
    return users.change_pin(name, pin, config.security.pin_min_length, actor=actor)


def disable_user(name: str, *, actor: str) -> UserInfo:
    return users.disable_user(name, actor=actor)


def enable_user(name: str, *, actor: str) -> UserInfo:
    return users.enable_user(name, actor=actor)


def unlock_user(name: str, *, actor: str) -> UserInfo:
    return users.unlock_user(name, actor=actor)


def operator_for(config: Config, name: str, pin: str, action: str) -> str:
    """The name of the staff member ``name`` when ``pin`` is theirs and their role allows ``action``;
    a wrong PIN counts towards their lockout as at sign-in (AuthError), a role short of it is
    PermissionDenied."""
    sec = config.security
    user = users.authenticate(name.strip(), pin, dt.datetime.now(), sec.max_attempts, sec.lockout_minutes)
    authorize(Role.parse(user.role), action, None, sec.supervisor_required_for)
    return user.name
