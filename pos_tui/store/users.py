"""Staff: adding users, PIN changes, sign-in with lockout. PINs are never logged or journaled."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pos_tui.domain.permissions import Role
from pos_tui.domain.pins import (
    after_failed_attempt, check_pin_format, hash_pin, is_locked, pin_expired, verify_pin,
)
from pos_tui.store import journal
from pos_tui.i18n import _, ngettext
from pos_tui.store.db import StoreError, write_transaction
from pos_tui.store.models import User


class UserError(StoreError):
    """A staff change that cannot be made (unknown user, name taken, last admin)."""


class AuthError(StoreError):
    """A sign-in refused; the message is what the cashier reads ("wrong PIN, 2 attempts left")."""


@dataclass(frozen=True)
class UserInfo:
    id: int
    name: str
    role: str
    disabled: bool
    failed_attempts: int
    locked_until: dt.datetime | None
    pin_changed_at: dt.datetime
    must_change_pin: bool = False


def _info(user: User, must_change_pin: bool = False) -> UserInfo:
    return UserInfo(
        user.id, user.name, user.role, bool(user.disabled), user.failed_attempts,
        user.locked_until, user.pin_changed_at, must_change_pin,
    )


def _get(name: str) -> User:
    user = User.get_or_none(User.name == name)
    if user is None:
        raise UserError(_("no user named {name}").format(name=repr(name)))
    return user


def _check_name(name: str) -> str:
    clean = name.strip()
    if not clean or len(clean) > 64 or not clean.isprintable():
        raise UserError(_("user name {name} must be 1 to 64 printable characters").format(name=repr(name)))
    return clean


def add_user(
    name: str, role: str, pin: str, min_length: int, *, now: dt.datetime | None = None, actor: str | None = None
) -> UserInfo:
    """Create a user with a hashed PIN; UserError if the name is taken."""
    name = _check_name(name)
    role_name = Role.parse(role).label
    check_pin_format(pin, min_length)
    pin_hash = hash_pin(pin)
    with write_transaction():
        if User.select().where(User.name == name).exists():
            raise UserError(_("a user named {name} already exists").format(name=repr(name)))
        user = User.create(name=name, role=role_name, pin_hash=pin_hash, pin_changed_at=now or dt.datetime.now())
        journal.append("user.add", {"name": name, "role": role_name}, actor)
    return _info(user)


def has_users() -> bool:
    return User.select().exists()


def list_users() -> list[UserInfo]:
    return [_info(user) for user in User.select().order_by(User.name)]


def get_user(name: str) -> UserInfo:
    return _info(_get(name))


def change_pin(
    name: str, new_pin: str, min_length: int, *, now: dt.datetime | None = None, actor: str | None = None
) -> UserInfo:
    """Set a new PIN (it must differ from the old one); clears failed attempts and any lockout."""
    check_pin_format(new_pin, min_length)
    with write_transaction():
        user = _get(name)
        if verify_pin(new_pin, user.pin_hash):
            raise UserError(_("the new PIN must differ from the old one"))
        user.pin_hash = hash_pin(new_pin)
        user.pin_changed_at = now or dt.datetime.now()
        user.failed_attempts = 0
        user.locked_until = None
        user.save()
        journal.append("user.pin_changed", {"name": user.name}, actor)
    return _info(user)


def disable_user(name: str, *, actor: str | None = None) -> UserInfo:
    """Stop a user from signing in; the last enabled admin cannot be disabled."""
    with write_transaction():
        user = _get(name)
        if user.role == Role.ADMIN.label and not user.disabled:
            admins = User.select().where(User.role == Role.ADMIN.label, User.disabled == False).count()  # noqa: E712
            if admins <= 1:
                raise UserError(_("{name} is the last enabled admin and cannot be disabled").format(name=repr(name)))
        user.disabled = True
        user.save()
        journal.append("user.disabled", {"name": user.name}, actor)
    return _info(user)


def unlock_user(name: str, *, actor: str | None = None) -> UserInfo:
    """End a lockout now and clear the failed attempts."""
    with write_transaction():
        user = _get(name)
        user.failed_attempts = 0
        user.locked_until = None
        user.save()
        journal.append("user.unlocked", {"name": user.name}, actor)
    return _info(user)


def _attempts_left(count: int, max_attempts: int) -> str:
    left = max_attempts - count
    return ngettext("{count} attempt left", "{count} attempts left", left).format(count=left)


def authenticate(
    name: str,
    pin: str,
    now: dt.datetime,
    max_attempts: int,
    lockout_minutes: int,
    pin_max_age_days: int = 0,
) -> UserInfo:
    """Sign a user in, or raise AuthError in plain words.

    An empty PIN is refused without counting. A wrong PIN is counted (and committed) even though the sign-in fails; reaching
    ``max_attempts`` locks the user for ``lockout_minutes``. An expired PIN signs in with
    ``must_change_pin`` set.
    """
    if not pin:
        raise AuthError(_("no PIN typed: type the PIN, then Enter"))  # a slip of the Enter key, not a guess
    refusal: str | None = None
    with write_transaction():
        user = User.get_or_none(User.name == name)
        if user is None:
            raise AuthError(_("no user named {name}").format(name=repr(name)))
        if user.disabled:
            raise AuthError(_("{name} is disabled").format(name=user.name))
        if is_locked(user.locked_until, now):
            raise AuthError(_("{name} is locked until {time}").format(name=user.name, time=f"{user.locked_until:%H:%M}"))
        if verify_pin(pin, user.pin_hash):
            if user.failed_attempts or user.locked_until:
                user.failed_attempts, user.locked_until = 0, None
                user.save()
            journal.append("user.sign_in", {"name": user.name}, user.name)
            return _info(user, pin_expired(user.pin_changed_at, pin_max_age_days, now))
        user.failed_attempts, user.locked_until = after_failed_attempt(
            user.failed_attempts, max_attempts, lockout_minutes, now
        )
        user.save()
        if user.locked_until is not None:
            journal.append("user.locked", {"name": user.name, "until": user.locked_until.isoformat()}, user.name)
            refusal = _("wrong PIN; {name} is locked until {time}").format(name=user.name,
                                                                             time=f"{user.locked_until:%H:%M}")
        else:
            journal.append("user.sign_in_failed", {"name": user.name, "attempts": user.failed_attempts}, user.name)
            refusal = _("wrong PIN, {attempts}").format(attempts=_attempts_left(user.failed_attempts, max_attempts)) \
                if max_attempts else _("wrong PIN")
    raise AuthError(refusal)
