"""Who may do what: roles in rank order and the least role each action needs."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import field
from enum import IntEnum, StrEnum

from pos_tui.domain.errors import DomainError
from pos_tui.i18n import N_, _
from pos_tui.domain.frozen_records import FrozenRecord, frozen_record


class Role(IntEnum):
    CASHIER = 1
    SUPERVISOR = 2
    ADMIN = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, name: str) -> Role:
        """"cashier", "supervisor" or "admin" (any case)."""
        try:
            return cls[name.strip().upper()]
        except KeyError:
            raise DomainError(f"role {name!r} is not one of cashier, supervisor, admin") from None


class Action(StrEnum):
    SELL = "sell"
    TENDER = "tender"
    SUSPEND = "suspend"
    RECALL = "recall"
    REPRINT = "reprint"
    LOCK = "lock"
    VOID_LINE_AFTER_TOTAL = "void_line_after_total"
    VOID_SALE = "void_sale"
    PRICE_OVERRIDE = "price_override"
    DISCOUNT = "discount"
    REFUND = "refund"
    NO_SALE = "no_sale"
    RESOLVE_PAYMENT = "resolve_payment"
    X_REPORT = "x_report"
    Z_REPORT = "z_report"
    USERS = "users"
    CATALOG = "catalog"
    CONFIG = "config"
    BACKUP = "backup"
    QUIT_KIOSK = "quit_kiosk"
    TYPED_WEIGHT = "typed_weight"  # a weight typed for a weighed item on a lane whose scale is required


_CASHIER = {Action.SELL, Action.TENDER, Action.SUSPEND, Action.RECALL, Action.REPRINT, Action.LOCK}
_SUPERVISOR = {
    Action.VOID_LINE_AFTER_TOTAL, Action.VOID_SALE, Action.PRICE_OVERRIDE, Action.DISCOUNT,
    Action.REFUND, Action.NO_SALE, Action.RESOLVE_PAYMENT, Action.X_REPORT, Action.QUIT_KIOSK, Action.TYPED_WEIGHT,
}
# How a person reads a role and an action in the lane's language (never the identifiers above:
# "the Z report needs an admin", "Supervisor approval: voiding the sale").
ROLE_NAMES = {Role.CASHIER: N_("cashier"), Role.SUPERVISOR: N_("supervisor"), Role.ADMIN: N_("admin")}
ACTION_NAMES = {
    Action.SELL: N_("selling"), Action.TENDER: N_("taking a payment"), Action.SUSPEND: N_("holding a sale"),
    Action.RECALL: N_("recalling a held sale"), Action.REPRINT: N_("a reprint"), Action.LOCK: N_("locking the lane"),
    Action.VOID_LINE_AFTER_TOTAL: N_("voiding a line after the total"), Action.VOID_SALE: N_("voiding the sale"),
    Action.PRICE_OVERRIDE: N_("a price override"), Action.DISCOUNT: N_("a discount"), Action.REFUND: N_("a refund"),
    Action.NO_SALE: N_("a no-sale drawer opening"), Action.RESOLVE_PAYMENT: N_("resolving an unknown payment"),
    Action.X_REPORT: N_("the X report"), Action.Z_REPORT: N_("the Z report"), Action.USERS: N_("managing users"),
    Action.CATALOG: N_("changing the catalog"), Action.CONFIG: N_("changing the settings"),
    Action.BACKUP: N_("a backup"), Action.QUIT_KIOSK: N_("leaving the kiosk"),
    Action.TYPED_WEIGHT: N_("a typed weight"),
}


def role_name(role: Role | str) -> str:
    """The role as a person reads it ("cashier", "收银员"); a name that is not a role comes back as it is."""
    try:
        return _(ROLE_NAMES[Role[role.upper()] if isinstance(role, str) else role])
    except KeyError:
        return str(role)


def action_name(action: Action) -> str:
    """The action as a person reads it ("voiding the sale", "整单作废")."""
    return _(ACTION_NAMES[action])


BASE_ROLE: dict[Action, Role] = {
    action: Role.CASHIER if action in _CASHIER else Role.SUPERVISOR if action in _SUPERVISOR else Role.ADMIN
    for action in Action
}


class PermissionDenied(DomainError):
    """A user whose role is below what the action needs."""

    def __init__(self, action: Action, needed: Role, subject: str | None = None) -> None:
        self.action = action
        self.needed = needed
        self.subject = subject  # what the approval is for, where the action's name says less ("paid in")
        message = _("{action} needs an {role}") if needed is Role.ADMIN else _("{action} needs a {role}")
        super().__init__(message.format(action=action_name(action), role=role_name(needed)))


def parse_action(name: str) -> Action:
    """The action called ``name``; DomainError naming the known ones when there is none."""
    try:
        return Action(name)
    except ValueError:
        known = ", ".join(a.value for a in Action)
        raise DomainError(f"{name!r} is not an action (known: {known})") from None


def required_role(action: Action | str, extra_supervisor_actions: Iterable[str] = ()) -> Role:
    """The least role for ``action``; config may raise cashier actions to supervisor, never lower any."""
    action = parse_action(action)
    base = BASE_ROLE[action]
    if action.value in set(extra_supervisor_actions):
        return max(base, Role.SUPERVISOR)
    return base


@frozen_record
class Approval(FrozenRecord):
    """A supervisor (or admin) who approved one action with their PIN.

    Only the PIN check issues one (``store.users.approve``, through ``approval_issuer``), for one
    action, and ``authorize`` takes it once: an Approval made by hand, or shown a second time,
    approves nothing.
    """

    supervisor: str
    role: Role
    action: Action
    token: int = field(default=0, repr=False, compare=False)


_outstanding: set[int] = set()  # tokens of approvals issued and not yet used
_issuer_taken = False


def approval_issuer() -> Callable[[str, Role, Action], Approval]:
    """The one function that issues approvals, handed out once: to the code that checks PINs."""
    global _issuer_taken
    if _issuer_taken:
        raise RuntimeError("approvals are issued by the PIN check alone (store.users)")
    _issuer_taken = True

    def issue(supervisor: str, role: Role, action: Action) -> Approval:
        import secrets  # on first use: it brings hashlib, hmac and random, none needed before the first frame

        token = secrets.randbits(63) | 1
        _outstanding.add(token)
        return Approval(supervisor, role, parse_action(action), token)

    return issue


def redeem(approval: Approval, action: Action | str, needed: Role = Role.SUPERVISOR) -> str:
    """The approver's name, taking the approval: it must have been issued by a PIN check for
    ``action``, by a role of at least ``needed``, and not used before; PermissionDenied otherwise."""
    action = parse_action(action)
    if (not isinstance(approval, Approval) or approval.token not in _outstanding or approval.action is not action
            or approval.role < needed):
        raise PermissionDenied(action, needed)
    _outstanding.discard(approval.token)
    return approval.supervisor


def authorize(role: Role | None, action: Action | str, approval: Approval | None = None,
              extra_supervisor_actions: Iterable[str] = ()) -> str | None:
    """The one check of who may do what. None when ``role`` may do ``action`` alone; the approver's
    name when ``approval`` covers it (the approval is then used up); PermissionDenied ("voiding the
    sale needs a supervisor") otherwise."""
    needed = required_role(action, extra_supervisor_actions)
    if role is not None and role >= needed:
        return None
    if approval is not None:
        return redeem(approval, action, needed)
    raise PermissionDenied(parse_action(action), needed)


def can(role: Role | None, action: Action | str, extra_supervisor_actions: Iterable[str] = ()) -> bool:
    """Whether ``role`` may do ``action`` alone (``authorize`` without an approval, as a yes or no)."""
    try:
        return authorize(role, action, None, extra_supervisor_actions) is None
    except PermissionDenied:
        return False
