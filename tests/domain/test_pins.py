import hashlib
from datetime import datetime, timedelta

import pytest

from pos_tui.domain import pins
from pos_tui.domain.pins import (
    PinError,
    needs_rehash,
    after_failed_attempt,
    check_pin_format,
    hash_pin,
    is_locked,
    minutes_left,
    pin_expired,
    verify_pin,
)

NOW = datetime(2025, 3, 1, 14, 32)


PEPPER = b"p" * 32


@pytest.fixture(scope="module")
def stored() -> str:
    return hash_pin("1234")


def _old_scrypt(pin: str) -> str:
    """A hash as the store wrote them before argon2id (scrypt, N=16384, no pepper)."""
    salt = bytes(range(16))
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=16384, r=8, p=1, maxmem=64 * 1024 * 1024, dklen=32)
    return f"scrypt$16384$8$1${salt.hex()}${digest.hex()}"


def test_hash_format_records_its_parameters(stored):
    assert stored.startswith("$argon2id$v=19$m=64,t=1,p=1$")  # the tests' cheap cost (tests/conftest.py)
    assert "1234" not in stored
    peppered = hash_pin("1234", PEPPER)
    assert peppered.startswith("pepper$$argon2id$")


def test_the_real_cost_is_argon2id_at_32_mib_and_two_passes():
    assert (pins.COST, pins.CHEAP_COST) == (pins.CHEAP_COST, pins.CHEAP_COST)  # tests run cheap
    assert "m=32768,t=2,p=1" in pins._hasher(pins.HashCost(2, 32768)).hash(b"x")


def test_verify(stored):
    assert verify_pin("1234", stored)
    assert not verify_pin("1235", stored)
    assert not verify_pin("", stored)


def test_a_peppered_hash_needs_the_pepper():
    peppered = hash_pin("1234", PEPPER)
    assert verify_pin("1234", peppered, PEPPER)
    assert not verify_pin("1234", peppered, b"q" * 32)
    with pytest.raises(PinError, match="key file"):
        verify_pin("1234", peppered)


def test_old_scrypt_hashes_still_verify_and_need_rehashing(stored):
    old = _old_scrypt("1234")
    assert verify_pin("1234", old, PEPPER) and not verify_pin("4321", old)
    assert needs_rehash(old, PEPPER) and needs_rehash(old)
    assert needs_rehash(stored, PEPPER)  # no pepper while the store has one
    assert not needs_rehash(stored) and not needs_rehash(hash_pin("1234", PEPPER), PEPPER)
    assert needs_rehash(pins._hasher(pins.HashCost(2, 128)).hash(b"1234"))  # another cost


def test_each_hash_has_its_own_salt(stored):
    again = hash_pin("1234")
    assert again != stored
    assert verify_pin("1234", again)


def test_a_changed_digest_no_longer_verifies(stored):
    head, digest = stored.rsplit("$", 1)
    flipped = f"{head}${'B' if digest[0] == 'A' else 'A'}{digest[1:]}"
    assert not verify_pin("1234", flipped)


@pytest.mark.parametrize(
    "bad",
    ["", "plain1234", "bcrypt$16384$8$1$00$00", "scrypt$16384$8$1$zz$00", "scrypt$x$8$1$00$00",
     "scrypt$16384$8$1$00$", "scrypt$1000$8$1$00$00", "scrypt$1073741824$8$1$00$00", "$argon2id$garbage",
     "pepper$nothing"],
)
def test_unreadable_stored_hashes_are_an_error(bad):
    with pytest.raises(PinError, match="not in a known form"):
        verify_pin("1234", bad, PEPPER)


def test_pin_format():
    check_pin_format("1234", 4)
    check_pin_format("123456", 4)
    with pytest.raises(PinError, match="^PIN must be at least 4 digits$"):
        check_pin_format("123", 4)
    with pytest.raises(PinError, match="^PIN must be at least 6 digits$"):
        check_pin_format("12345", 6)
    for bad in ("12a4", "12 34", "１２３４", ""):
        with pytest.raises(PinError, match="digits only"):
            check_pin_format(bad, 4)


def test_failed_attempts_count_up_then_lock_and_start_again():
    count, until = 0, None
    for expected in (1, 2, 3, 4):
        count, until = after_failed_attempt(count, 5, 15, NOW)
        assert (count, until) == (expected, None)
    count, until = after_failed_attempt(count, 5, 15, NOW)
    assert (count, until) == (0, NOW + timedelta(minutes=15))


def test_zero_max_attempts_never_locks():
    assert after_failed_attempt(99, 0, 15, NOW) == (100, None)


def test_is_locked():
    until = NOW + timedelta(minutes=15)
    assert is_locked(until, NOW)
    assert is_locked(until, until - timedelta(seconds=1))
    assert not is_locked(until, until)
    assert not is_locked(None, NOW)


def test_minutes_left_rounds_up():
    until = NOW + timedelta(minutes=15)
    assert minutes_left(until, NOW) == 15
    assert minutes_left(until, NOW + timedelta(seconds=1)) == 15
    assert minutes_left(until, until - timedelta(seconds=1)) == 1
    assert minutes_left(until, until + timedelta(hours=1)) == 0


def test_pin_expiry():
    changed = NOW - timedelta(days=90)
    assert pin_expired(changed, 90, NOW)
    assert not pin_expired(changed, 91, NOW)
    assert not pin_expired(changed, 0, NOW)
    assert not pin_expired(datetime(2000, 1, 1), 0, NOW)
