"""Who is at the lane: sign-in, lock, and a supervisor's PIN approving one action."""

from __future__ import annotations

import datetime as dt

from pos_tui.domain.permissions import Action, Approval, Role, can, role_name
from pos_tui.i18n import _, ngettext
from pos_tui.services.errors import LaneError
from pos_tui.services.lane.context import LaneContext, LaneView
from pos_tui.store import sales, users
from pos_tui.store.db import StoreBusy, StoreError


# Wrong PINs in the lane's approval box never lock the supervisor's account (a cashier could lock
# out every admin that way); the box itself waits longer after each one past the free ones, and
# each of those is an alert in the journal.
FREE_APPROVAL_TRIES = 2
MAX_APPROVAL_WAIT = 300


def approval_wait(failures: int) -> int:
    """Seconds the approval box waits after ``failures`` wrong PINs in a row: 0, 0, 5, 10, 20 ... 300."""
    if failures <= FREE_APPROVAL_TRIES:
        return 0
    return min(5 * 2 ** (failures - FREE_APPROVAL_TRIES - 1), MAX_APPROVAL_WAIT)


class People:
    def __init__(self, ctx: LaneContext) -> None:
        self.ctx = ctx
        self.approval_failures = 0
        self.approval_wait_until: dt.datetime | None = None

    def sign_in(self, name: str, pin: str) -> LaneView:
        ctx = self.ctx
        ctx.checkout.sign_in()  # raises when someone is signed in already
        sec = ctx.config.security
        try:
            user = users.authenticate(name.strip(), pin, ctx.clock(), sec.max_attempts, sec.lockout_minutes,
                                      sec.pin_max_age_days)
        except StoreBusy:
            raise  # nothing was written: the screen tries again once the store is free
        except StoreError as exc:
            raise LaneError(str(exc)) from None
        ctx.checkout = ctx.checkout.sign_in()
        ctx.user, ctx.role = user, Role.parse(user.role)
        ctx.reload_shift()
        note = _("Signed in as {name} ({role})").format(name=user.name, role=role_name(user.role))
        if ctx.sale is not None and ctx.sale.cart.lines:
            count = len(ctx.sale.cart.lines)
            note += ngettext("; sale with {count} line reopened", "; sale with {count} lines reopened",
                             count).format(count=count)
        return ctx.say(note)

    def lock(self) -> LaneView:
        ctx = self.ctx
        ctx.checkout = ctx.checkout.lock()
        name = ctx.user.name if ctx.user else None
        sales.log_event("user.lock", {"lane": ctx.lane_no}, name)
        ctx.user, ctx.role, ctx.pending_qty = None, None, None
        ctx.pending_member = ""  # shown before any item: the next cashier's customer may be someone else
        return ctx.say(_("Lane locked: the open sale waits") if ctx.sale else _("Lane locked"))

    def approve(self, name: str, pin: str, action: Action | str) -> Approval:
        """A supervisor's PIN for one action: a single-use approval. Wrong PINs do not count toward
        the supervisor's lockout; they make this box wait (``approval_wait``) and are journaled."""
        ctx = self.ctx
        now = ctx.clock()
        if self.approval_wait_until is not None and now < self.approval_wait_until:
            seconds = -(-(self.approval_wait_until - now) // dt.timedelta(seconds=1))
            raise LaneError(_("too many wrong PINs: try again in {seconds} s").format(seconds=seconds))
        sec = ctx.config.security
        try:
            approval = users.approve(name.strip(), pin, action, now, extra_supervisor_actions=sec.supervisor_required_for,
                                     count_failures=False)
        except users.AuthError as exc:
            self.approval_failures += 1
            wait = approval_wait(self.approval_failures)
            self.approval_wait_until = now + dt.timedelta(seconds=wait)
            if wait:
                sales.log_event("lane.approval_throttled", {
                    "lane": ctx.lane_no, "failures": self.approval_failures, "wait_seconds": wait,
                    "name_tried": name.strip()[:64], "action": str(action)}, ctx.user.name if ctx.user else None)
            raise LaneError(str(exc)) from None
        except StoreError as exc:
            raise LaneError(str(exc)) from None
        self.approval_failures, self.approval_wait_until = 0, None
        return approval

    def needs_approval(self, action: Action | str) -> bool:
        """Whether the signed-in user must fetch a supervisor for ``action``."""
        return not can(self.ctx.role, action, self.ctx.config.security.supervisor_required_for)
