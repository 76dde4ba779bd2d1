import pytest

from pos_tui.domain.errors import DomainError
from pos_tui.domain.permissions import (
    Action,
    Approval,
    PermissionDenied,
    Role,
    can,
    parse_action,
    authorize,
    required_role,
)

CASHIER_ACTIONS = {"sell", "tender", "suspend", "recall", "reprint", "lock"}
SUPERVISOR_ACTIONS = {
    "void_line_after_total", "void_sale", "price_override", "discount", "refund", "no_sale",
    "resolve_payment", "x_report", "quit_kiosk", "typed_weight",
}
ADMIN_ACTIONS = {"z_report", "users", "catalog", "config", "backup"}


def test_roles_are_ranked():
    assert Role.CASHIER < Role.SUPERVISOR < Role.ADMIN
    assert Role.parse(" Supervisor ") is Role.SUPERVISOR
    with pytest.raises(DomainError, match="'owner' is not one of cashier, supervisor, admin"):
        Role.parse("owner")


def test_every_action_has_exactly_one_base_role():
    assert {a.value for a in Action} == CASHIER_ACTIONS | SUPERVISOR_ACTIONS | ADMIN_ACTIONS


@pytest.mark.parametrize("action", sorted(CASHIER_ACTIONS | SUPERVISOR_ACTIONS | ADMIN_ACTIONS))
@pytest.mark.parametrize("role", list(Role))
def test_role_table(role, action):
    needed = (
        Role.CASHIER if action in CASHIER_ACTIONS
        else Role.SUPERVISOR if action in SUPERVISOR_ACTIONS
        else Role.ADMIN
    )
    assert required_role(action) is needed
    assert can(role, action) is (role >= needed)
    assert can(role, Action(action)) is (role >= needed)


def test_config_can_raise_a_cashier_action_to_supervisor():
    assert can(Role.CASHIER, "reprint")
    assert not can(Role.CASHIER, "reprint", ("reprint",))
    assert required_role("reprint", ["reprint", "no_sale"]) is Role.SUPERVISOR


def test_config_never_lowers_an_admin_action():
    assert required_role("users", ("users",)) is Role.ADMIN


def test_permission_denied_messages():
    with pytest.raises(PermissionDenied) as info:
        authorize(Role.CASHIER, "void_sale")
    assert str(info.value) == "voiding the sale needs a supervisor"
    assert info.value.needed is Role.SUPERVISOR and info.value.action is Action.VOID_SALE
    with pytest.raises(PermissionDenied, match="^a backup needs an admin$"):
        authorize(Role.SUPERVISOR, Action.BACKUP)
    assert authorize(Role.ADMIN, "backup") is None
    assert authorize(Role.SUPERVISOR, "void_sale") is None


def test_an_approval_made_by_hand_approves_nothing():
    # Issue #11 item 16: only the PIN check issues approvals (tests/security/test_approvals.py).
    with pytest.raises(PermissionDenied, match="needs a supervisor"):
        authorize(Role.CASHIER, "void_sale", Approval("super", Role.SUPERVISOR, Action.VOID_SALE))
    with pytest.raises(PermissionDenied, match="needs an admin"):
        authorize(Role.CASHIER, "backup", Approval("nobody-at-all", Role.ADMIN, Action.BACKUP, token=12345))
    with pytest.raises(PermissionDenied):
        authorize(None, "sell")
    with pytest.raises(PermissionDenied, match="needs a supervisor"):
        authorize(Role.CASHIER, "sell", None, ("sell",))


def test_unknown_action_names_the_known_ones():
    with pytest.raises(DomainError, match="'fly' is not an action .*void_sale"):
        parse_action("fly")
    with pytest.raises(DomainError):
        can(Role.ADMIN, "fly")


def test_actions_read_as_words_not_identifiers():
    from pos_tui.domain.permissions import action_name

    assert all("_" not in action_name(action) for action in Action)
    assert action_name(Action.Z_REPORT) == "the Z report" and action_name(Action.QUIT_KIOSK) == "leaving the kiosk"
