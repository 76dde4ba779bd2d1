"""PINs: salted scrypt hashes, the format rule, and lockout and expiry as pure functions of time."""

from __future__ import annotations

import hashlib
import hmac
import os
from datetime import datetime, timedelta

from pos_tui.domain.errors import DomainError
from pos_tui.i18n import _


class PinError(DomainError):
    """A PIN of the wrong form, or a stored hash that cannot be read."""


# The cost of new hashes. Each hash records its own n, r and p and verify_pin reads them back, so
# raising this later keeps old PINs working (and the test suite lowers it for speed: tests/conftest.py).
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32
_MAX_MEMORY = 64 * 1024 * 1024


_BAD_HASH = "stored PIN hash is not in the form scrypt$n$r$p$salt$hash"


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, maxmem=_MAX_MEMORY, dklen=length)


def hash_pin(pin: str) -> str:
    """A new salted hash, stored as "scrypt$n$r$p$salt_hex$hash_hex"."""
    salt = os.urandom(SALT_BYTES)
    digest = _scrypt(pin, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, HASH_BYTES)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    """Whether ``pin`` matches the stored hash, compared in constant time."""
    try:
        scheme, n, r, p, salt_hex, hash_hex = stored.split("$")
        salt, expected = bytes.fromhex(salt_hex), bytes.fromhex(hash_hex)
        if scheme != "scrypt" or not expected:
            raise ValueError(scheme)
        digest = _scrypt(pin, salt, int(n), int(r), int(p), len(expected))
    except ValueError:
        raise PinError(_BAD_HASH) from None
    return hmac.compare_digest(digest, expected)


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
