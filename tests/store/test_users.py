import datetime as dt

import pytest

from pos_tui.domain import pins
from pos_tui.domain.pins import PinError
from pos_tui.store import journal, users
from pos_tui.store.users import AuthError, UserError

NOW = dt.datetime(2025, 3, 1, 14, 17)


def _auth(name, pin, now=NOW, max_attempts=3, lockout_minutes=15, pin_max_age_days=0):
    return users.authenticate(name, pin, now, max_attempts, lockout_minutes, pin_max_age_days)


@pytest.fixture
def boss(store_db):
    return users.add_user("boss", "admin", "1234", 4, now=NOW, actor="cli:root")


def test_add_and_list_and_the_pin_is_only_stored_hashed(boss):
    users.add_user("张三", "cashier", "5678", 4, now=NOW)
    assert [(u.name, u.role) for u in users.list_users()] == [("boss", "admin"), ("张三", "cashier")]
    stored = users.User.get(users.User.name == "boss").pin_hash
    assert stored.startswith("$argon2id$") and "1234" not in stored
    payloads = " ".join(e.payload for e in journal.entries())
    assert "1234" not in payloads and "5678" not in payloads and "argon2" not in payloads
    assert [e.kind for e in journal.entries()] == ["user.add", "user.add"]


def test_a_pin_hashed_at_the_production_cost_still_signs_in(store_db, production_pin_cost, monkeypatch):
    users.add_user("boss", "admin", "1234", 4, now=NOW)
    stored = users.User.get(users.User.name == "boss").pin_hash
    assert f"m={production_pin_cost.memory_kib},t={production_pin_cost.time_cost}," in stored
    monkeypatch.setattr(pins, "COST", pins.CHEAP_COST)
    with pytest.raises(AuthError, match="wrong"):
        _auth("boss", "4321")
    assert _auth("boss", "1234").name == "boss"


def test_bad_names_roles_pins_and_duplicates_are_refused(boss):
    with pytest.raises(UserError, match="already exists"):
        users.add_user("boss", "cashier", "1234", 4)
    with pytest.raises(PinError, match="at least 6"):
        users.add_user("amy", "cashier", "1234", 6)
    with pytest.raises(PinError, match="digits only"):
        users.add_user("amy", "cashier", "12a4", 4)
    with pytest.raises(ValueError, match="role 'owner'"):
        users.add_user("amy", "owner", "1234", 4)
    with pytest.raises(UserError, match="1 to 64"):
        users.add_user("  ", "cashier", "1234", 4)


def test_sign_in_with_the_right_pin(boss):
    user = _auth("boss", "1234")
    assert (user.name, user.role, user.must_change_pin) == ("boss", "admin", False)
    assert journal.entries()[-1].kind == "user.sign_in"


def test_wrong_pins_count_down_then_lock_and_the_count_is_committed(boss):
    with pytest.raises(AuthError, match="^wrong name or PIN$"):
        _auth("boss", "0000")
    assert users.get_user("boss").failed_attempts == 1
    with pytest.raises(AuthError, match="^wrong name or PIN$"):
        _auth("boss", "0000")
    with pytest.raises(AuthError, match="^wrong name or PIN$"):
        _auth("boss", "0000")
    assert users.get_user("boss").locked_until == NOW + dt.timedelta(minutes=15)
    with pytest.raises(AuthError, match="^boss is locked until 14:32$"):
        _auth("boss", "1234", now=NOW + dt.timedelta(minutes=14))
    assert _auth("boss", "1234", now=NOW + dt.timedelta(minutes=15)).failed_attempts == 0
    kinds = [e.kind for e in journal.entries()]
    assert kinds[1:] == ["user.sign_in_failed", "user.sign_in_failed", "user.locked", "user.sign_in"]


def test_a_right_pin_resets_the_failure_count(boss):
    with pytest.raises(AuthError):
        _auth("boss", "0000")
    _auth("boss", "1234")
    assert users.get_user("boss").failed_attempts == 0


def test_unlock_ends_a_lockout(boss):
    for _ in range(3):
        with pytest.raises(AuthError):
            _auth("boss", "0000")
    users.unlock_user("boss")
    assert _auth("boss", "1234").name == "boss"


def test_disabled_and_unknown_users_cannot_sign_in(boss):
    users.add_user("amy", "cashier", "1111", 4)
    users.disable_user("amy")
    with pytest.raises(AuthError, match="amy is disabled"):
        _auth("amy", "1111")
    with pytest.raises(AuthError, match="^wrong name or PIN$"):  # the same words as a wrong PIN
        _auth("bob", "1111")
    with pytest.raises(AuthError, match="^wrong name or PIN$"):  # a wrong PIN does not tell amy is disabled
        _auth("amy", "0000")


def test_the_last_enabled_admin_cannot_be_disabled(boss):
    with pytest.raises(UserError, match="last enabled admin"):
        users.disable_user("boss")
    users.add_user("second", "admin", "2222", 4)
    assert users.disable_user("boss").disabled is True


def test_change_pin(boss):
    with pytest.raises(UserError, match="must differ"):
        users.change_pin("boss", "1234", 4)
    users.change_pin("boss", "4321", 4, now=NOW)
    with pytest.raises(AuthError):
        _auth("boss", "1234")
    assert _auth("boss", "4321").name == "boss"
    assert "4321" not in journal.entries("user.pin_changed")[0].payload
    with pytest.raises(UserError, match="no user named 'ghost'"):
        users.change_pin("ghost", "4321", 4)


def test_an_expired_pin_signs_in_but_must_be_changed(boss):
    later = NOW + dt.timedelta(days=91)
    assert _auth("boss", "1234", now=later, pin_max_age_days=90).must_change_pin is True
    assert _auth("boss", "1234", now=later, pin_max_age_days=0).must_change_pin is False
