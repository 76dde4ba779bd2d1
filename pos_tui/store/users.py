"""Staff: adding users, PIN changes, sign-in with lockout, and supervisor approvals (the one place
that issues them). PINs are never logged or journaled; they are hashed with the pepper of the store
key the database was opened with, and an older hash is made again at the next right PIN."""

from __future__ import annotations

import datetime as dt

from pos_tui.domain.text import check_text
from collections.abc import Iterable

from pos_tui.domain.permissions import Action, Approval, Role, approval_issuer, authorize, parse_action
from pos_tui.domain.pins import (
    after_failed_attempt, check_pin_format, hash_pin, is_locked, needs_rehash, pin_expired, spend_like_a_check,
    verify_pin,
)
from pos_tui.store import journal
from pos_tui.i18n import _
from pos_tui.store.db import StoreError, current_key, write_transaction
from pos_tui.store.models import User
from pos_tui.domain.frozen_records import FrozenRecord, frozen_record


class UserError(StoreError):
    """A staff change that cannot be made (unknown user, name taken, last admin)."""


class AuthError(StoreError):
    """A sign-in refused; the message is what the cashier reads ("wrong name or PIN"). An unknown
    name and a wrong PIN read the same, so the box does not tell which names exist."""


_issue_approval = approval_issuer()


def _pepper() -> bytes | None:
    key = current_key()
    return key.pin_pepper if key else None


def wrong_name_or_pin() -> str:
    return _("wrong name or PIN")


@frozen_record
class UserInfo(FrozenRecord):
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
    clean = check_text(name, _("user name")).strip()
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
    pin_hash = hash_pin(pin, _pepper())
    with write_transaction():
        taken = User.get_or_none(User.name == name)
        if taken is not None and taken.disabled:
            raise UserError(_("a user named {name} already exists, disabled: `pos-tui users enable {plain}` brings "
                              "them back").format(name=repr(name), plain=name))
        if taken is not None:
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
        if verify_pin(new_pin, user.pin_hash, _pepper()):
            raise UserError(_("the new PIN must differ from the old one"))
        user.pin_hash = hash_pin(new_pin, _pepper())
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


def enable_user(name: str, *, actor: str | None = None) -> UserInfo:
    """Let a disabled user sign in again."""
    with write_transaction():
        user = _get(name)
        user.disabled = False
        user.save()
        journal.append("user.enabled", {"name": user.name}, actor)
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


def _pin_matches(user: User, pin: str) -> bool:
    """Check the PIN; a right PIN under an older scheme or cost is hashed again now (same transaction)."""
    pepper = _pepper()
    if not verify_pin(pin, user.pin_hash, pepper):
        return False
    if needs_rehash(user.pin_hash, pepper):
        user.pin_hash = hash_pin(pin, pepper)
        user.save()
        journal.append("user.pin_rehashed", {"name": user.name}, user.name)
    return True


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
    ``must_change_pin`` set. An unknown name and a wrong PIN get the same answer, in about the
    same time.
    """
    if not pin:
        raise AuthError(_("no PIN typed: type the PIN, then Enter"))  # a slip of the Enter key, not a guess
    with write_transaction():
        user = User.get_or_none(User.name == name)
        if user is None:
            spend_like_a_check(pin)
            raise AuthError(wrong_name_or_pin())
        if is_locked(user.locked_until, now):
            raise AuthError(_("{name} is locked until {time}").format(name=user.name, time=f"{user.locked_until:%H:%M}"))
        if _pin_matches(user, pin):
            if user.disabled:
                raise AuthError(_("{name} is disabled").format(name=user.name))
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
        else:
            journal.append("user.sign_in_failed", {"name": user.name, "attempts": user.failed_attempts}, user.name)
    raise AuthError(wrong_name_or_pin())


def check_pin(name: str, pin: str, now: dt.datetime) -> UserInfo:
    """The user whose PIN this is, without counting a wrong one against their account (the lane's
    approval box throttles itself instead); AuthError in the same words as ``authenticate``."""
    with write_transaction():
        user = User.get_or_none(User.name == name)
        if user is None:
            spend_like_a_check(pin)
            raise AuthError(wrong_name_or_pin())
        if not _pin_matches(user, pin):
            raise AuthError(wrong_name_or_pin())
        if user.disabled:
            raise AuthError(_("{name} is disabled").format(name=user.name))
        if is_locked(user.locked_until, now):
            raise AuthError(_("{name} is locked until {time}").format(name=user.name, time=f"{user.locked_until:%H:%M}"))
    return _info(user)


def approve(name: str, pin: str, action: Action | str, now: dt.datetime, *, extra_supervisor_actions: Iterable[str] = (),
            max_attempts: int = 0, lockout_minutes: int = 0, count_failures: bool = True) -> Approval:
    """A single-use approval of ``action`` by the user whose PIN this is; the only way to get one.

    ``count_failures`` counts a wrong PIN toward the user's lockout like a sign-in; without it (the
    lane's approval box) the caller throttles. PermissionDenied when the user's role is too low.
    """
    if count_failures:
        user = authenticate(name, pin, now, max_attempts, lockout_minutes)
    else:
        user = check_pin(name, pin, now)
    role = Role.parse(user.role)
    authorize(role, action, None, extra_supervisor_actions)
    return _issue_approval(user.name, role, parse_action(action))
