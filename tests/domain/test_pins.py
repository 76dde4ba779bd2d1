from datetime import datetime, timedelta

import pytest

from pos_tui.domain import pins
from pos_tui.domain.pins import (
    PinError,
    after_failed_attempt,
    check_pin_format,
    hash_pin,
    is_locked,
    minutes_left,
    pin_expired,
    verify_pin,
)

NOW = datetime(2025, 3, 1, 14, 32)


@pytest.fixture(scope="module")
def stored() -> str:
    return hash_pin("1234")


def test_hash_format(production_pin_cost):
    stored = hash_pin("1234")
    scheme, n, r, p, salt, digest = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert len(bytes.fromhex(salt)) == 16
    assert len(bytes.fromhex(digest)) == 32
    assert "1234" not in stored


def test_verify(stored):
    assert verify_pin("1234", stored)
    assert not verify_pin("1235", stored)
    assert not verify_pin("", stored)


def test_a_hash_keeps_its_cost_and_verifies_whatever_the_cost_is_now(stored, production_pin_cost, monkeypatch):
    assert stored.split("$")[1] == "16"  # the cheap cost every other test hashes at
    strong = hash_pin("1234")
    assert strong.split("$")[1:4] == [str(production_pin_cost), "8", "1"] == ["16384", "8", "1"]
    monkeypatch.setattr(pins, "SCRYPT_N", 2**4)
    assert verify_pin("1234", strong) and not verify_pin("1235", strong)
    monkeypatch.setattr(pins, "SCRYPT_N", production_pin_cost)
    assert verify_pin("1234", stored) and not verify_pin("1235", stored)


def test_each_hash_has_its_own_salt(stored):
    again = hash_pin("1234")
    assert again != stored
    assert verify_pin("1234", again)


def test_a_changed_digest_no_longer_verifies(stored):
    head, digest = stored.rsplit("$", 1)
    flipped = f"{head}${(int(digest[0], 16) ^ 1):x}{digest[1:]}"
    assert not verify_pin("1234", flipped)


@pytest.mark.parametrize(
    "bad",
    ["", "plain1234", "bcrypt$16384$8$1$00$00", "scrypt$16384$8$1$zz$00", "scrypt$x$8$1$00$00",
     "scrypt$16384$8$1$00$", "scrypt$1000$8$1$00$00", "scrypt$1073741824$8$1$00$00"],
)
def test_unreadable_stored_hashes_are_an_error(bad):
    with pytest.raises(PinError, match="scrypt\\$n\\$r\\$p\\$salt\\$hash"):
        verify_pin("1234", bad)


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
