"""PINs: argon2id hashes of the PIN peppered with the store key, the format rule, and lockout
and expiry as pure functions of time.

A stored hash records its own scheme and parameters:
``pepper$$argon2id$v=19$m=...,t=...,p=...$salt$hash`` (argon2id over HMAC-SHA256(pepper, PIN)),
``$argon2id$...`` (no pepper: a store opened without its key file, as in tests of the store alone),
or the older ``scrypt$n$r$p$salt$hash``. ``needs_rehash`` says when a hash that verified should be
made again with today's scheme and cost (done at sign-in).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from datetime import datetime, timedelta

from pos_tui.domain.errors import DomainError
from pos_tui.i18n import _
from pos_tui.domain.frozen_records import FrozenRecord, frozen_record


class PinError(DomainError):
    """A PIN of the wrong form, or a stored hash that cannot be read."""


@frozen_record
class HashCost(FrozenRecord):
    """argon2id cost: passes over ``memory_kib`` KiB with ``parallelism`` lanes."""

    time_cost: int
    memory_kib: int
    parallelism: int = 1


# About 100 ms a hash on the reference machine (2 cores); a 4-digit PIN space then takes over 15
# minutes of one core to search, and nothing at all without the pepper from the key file.
COST = HashCost(time_cost=2, memory_kib=32768)
# Tests of the package set ``pins.COST = CHEAP_COST`` (tests/conftest.py): a hash records its cost.
CHEAP_COST = HashCost(time_cost=1, memory_kib=64)

PEPPER_PREFIX = "pepper$"
SCRYPT_N = 2**14
_MAX_MEMORY = 64 * 1024 * 1024
_BAD_HASH = "stored PIN hash is not in a known form (pepper$$argon2id$..., $argon2id$... or scrypt$...)"


def _hasher(cost: HashCost):
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=cost.time_cost, memory_cost=cost.memory_kib, parallelism=cost.parallelism)


def _secret(pin: str, pepper: bytes | None) -> bytes:
    return hmac.new(pepper, pin.encode(), hashlib.sha256).digest() if pepper else pin.encode()


def hash_pin(pin: str, pepper: bytes | None = None) -> str:
    """A new salted argon2id hash of ``pin``, peppered when the store key gives a pepper."""
    encoded = _hasher(COST).hash(_secret(pin, pepper))
    return PEPPER_PREFIX + encoded if pepper else encoded


def _scrypt_matches(pin: str, stored: str) -> bool:
    scheme, n, r, p, salt_hex, hash_hex = stored.split("$")
    salt, expected = bytes.fromhex(salt_hex), bytes.fromhex(hash_hex)
    if scheme != "scrypt" or not expected:
        raise ValueError(scheme)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=int(n), r=int(r), p=int(p), maxmem=_MAX_MEMORY,
                            dklen=len(expected))
    return hmac.compare_digest(digest, expected)


def verify_pin(pin: str, stored: str, pepper: bytes | None = None) -> bool:
    """Whether ``pin`` matches the stored hash (constant time in the PIN)."""
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    peppered = stored.startswith(PEPPER_PREFIX)
    if peppered and not pepper:
        raise PinError(_("this PIN was set with the store's key file: open the store with it"))
    try:
        if stored.startswith("scrypt$"):
            return _scrypt_matches(pin, stored)
        encoded = stored[len(PEPPER_PREFIX):] if peppered else stored
        if not encoded.startswith("$argon2id$"):
            raise ValueError(encoded[:12])
        return _hasher(COST).verify(encoded, _secret(pin, pepper if peppered else None))
    except VerifyMismatchError:
        return False
    except (ValueError, InvalidHashError, VerificationError):
        raise PinError(_BAD_HASH) from None


def needs_rehash(stored: str, pepper: bytes | None = None) -> bool:
    """Whether a hash that just verified should be made again: an older scheme, no pepper while
    the store has one, or a cost other than today's."""
    if stored.startswith("scrypt$"):
        return True
    peppered = stored.startswith(PEPPER_PREFIX)
    if bool(pepper) != peppered:
        return bool(pepper)
    return _hasher(COST).check_needs_rehash(stored[len(PEPPER_PREFIX):] if peppered else stored)


_DUMMY: dict[HashCost, str] = {}


def spend_like_a_check(pin: str) -> None:
    """Take the time a PIN check takes, for a name that does not exist (so timing does not tell)."""
    if COST not in _DUMMY:
        _DUMMY[COST] = _hasher(COST).hash(os.urandom(16))
    try:
        _hasher(COST).verify(_DUMMY[COST], pin.encode())
    except Exception:  # noqa: BLE001 - a mismatch is the point
        pass


def check_pin_format(pin: str, min_length: int) -> None:
    """Raise PinError unless the PIN is digits only and at least ``min_length`` long."""
    if not (pin.isascii() and pin.isdigit()):
        raise PinError(_("PIN must be digits only"))
    if len(pin) < min_length:
        raise PinError(_("PIN must be at least {length} digits").format(length=min_length))


def after_failed_attempt(
    failed_count: int, max_attempts: int, lockout_minutes: int, now: datetime
) -> tuple[int, datetime | None]:
    """(new failure count, locked until or None) after one more wrong PIN.

    Reaching ``max_attempts`` locks the user and starts the count again for after the lockout;
    ``max_attempts`` 0 never locks.
    """
    count = failed_count + 1
    if max_attempts and count >= max_attempts:
        return 0, now + timedelta(minutes=lockout_minutes)
    return count, None


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and now < locked_until


def minutes_left(locked_until: datetime, now: datetime) -> int:
    """Whole minutes, rounded up, until a lockout ends (0 once it has)."""
    left = locked_until - now
    return max(0, -(-left // timedelta(minutes=1)))


def pin_expired(changed_at: datetime, max_age_days: int, now: datetime) -> bool:
    """Whether a PIN set at ``changed_at`` must be changed now; ``max_age_days`` 0 means never."""
    return max_age_days > 0 and now >= changed_at + timedelta(days=max_age_days)
