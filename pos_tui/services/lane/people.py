"""Who is at the lane: sign-in, lock, and a supervisor's PIN approving one action."""

from __future__ import annotations

from pos_tui.domain.permissions import Action, Approval, Role, authorize, can, role_name
from pos_tui.i18n import _
from pos_tui.services.errors import LaneError
from pos_tui.services.lane.context import LaneContext, LaneView
from pos_tui.store import sales, users
from pos_tui.store.db import StoreBusy, StoreError


class People:
    def __init__(self, ctx: LaneContext) -> None:
        self.ctx = ctx

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
            note += _("; sale with {count} lines reopened").format(count=len(ctx.sale.cart.lines))
        return ctx.say(note)

    def lock(self) -> LaneView:
        ctx = self.ctx
        ctx.checkout = ctx.checkout.lock()
        name = ctx.user.name if ctx.user else None
        sales.log_event("user.lock", {"lane": ctx.lane_no}, name)
        ctx.user, ctx.role, ctx.pending_qty = None, None, None
        return ctx.say(_("Lane locked: the open sale waits") if ctx.sale else _("Lane locked"))

    def approve(self, name: str, pin: str, action: Action | str) -> Approval:
        """Check a supervisor's PIN for one action; failed PINs count toward their lockout."""
        sec = self.ctx.config.security
        try:
            user = users.authenticate(name.strip(), pin, self.ctx.clock(), sec.max_attempts, sec.lockout_minutes)
        except StoreError as exc:
            raise LaneError(str(exc)) from None
        role = Role.parse(user.role)
        authorize(role, action, None, sec.supervisor_required_for)
        return Approval(user.name, role)

    def needs_approval(self, action: Action | str) -> bool:
        """Whether the signed-in user must fetch a supervisor for ``action``."""
        return not can(self.ctx.role, action, self.ctx.config.security.supervisor_required_for)
