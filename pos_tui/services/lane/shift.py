"""The shift and the drawer: open with a counted float, the blind close, training mode, paid-in,
paid-out and no-sale, and kicking the drawer they open."""

from __future__ import annotations

from collections.abc import Mapping

from pos_tui.domain.text import check_text
from pos_tui.domain.permissions import Action, Approval
from pos_tui.domain.money import parse_amount
from pos_tui.i18n import N_, _
from pos_tui.services.errors import LaneError
from pos_tui.services.events import ShiftClosed, ShiftOpened
from pos_tui.services.lane.context import LaneContext, LaneView, PrintResult
from pos_tui.store import shifts
from pos_tui.store.shifts import ShiftRecord
from pos_tui.domain.frozen_records import FrozenRecord, frozen_record

# Training is a supervisor's switch on the shift, like the X report of that shift.
TRAINING_ACTION = Action.X_REPORT
DRAWER_ACTION = Action.NO_SALE  # every drawer opening without a sale: no-sale, paid-in, paid-out
DRAWER_SUBJECTS = {"paid_in": N_("paid in"), "paid_out": N_("paid out"), "no_sale": N_("a no-sale drawer opening")}


@frozen_record
class ClosedShift(FrozenRecord):
    """The close as the cashier sees it AFTER the count was committed."""

    shift: ShiftRecord
    counted: int
    expected: int

    @property
    def over_short(self) -> int:
        return self.counted - self.expected


class ShiftDrawer:
    def __init__(self, ctx: LaneContext) -> None:
        self.ctx = ctx

    @property
    def current(self) -> ShiftRecord | None:
        return self.ctx.shift

    def suggested_float(self) -> int:
        """What the drawer should hold to open a shift: what the last shift left, else the default."""
        return shifts.suggested_float(self.ctx.lane_no, self.ctx.config.cash.default_float)

    def _counted(self, amount_text: str, denominations: Mapping[int, int] | None, default: int | None) -> int:
        if denominations:
            from pos_tui.domain.report import counted_total

            return counted_total(denominations)
        if amount_text.strip():
            return parse_amount(amount_text, self.ctx.currency)
        if default is None:
            raise LaneError(_("type the counted cash (or count it by denomination)"))
        return default

    def open_shift(self, float_text: str = "", denominations: Mapping[int, int] | None = None) -> LaneView:
        """Open the lane's shift with the float counted (empty: the suggested float, confirmed)."""
        ctx = self.ctx
        user = ctx.require_user()
        ctx.require_idle(N_("opening a shift"))
        suggested = self.suggested_float()
        counted = self._counted(float_text, denominations, suggested)
        now = ctx.clock()
        clock_day = ctx.business_day(now)
        shift = shifts.open_shift(ctx.lane_no, counted, actor=user.name, now=now,
                                  suggested=suggested, denominations=denominations, clock_day=clock_day)
        ctx.reload_shift()
        ctx.publish(ShiftOpened(ctx.lane_no, shift.id, counted))
        note = _("Shift {shift} open with a float of {amount}").format(shift=shift.id, amount=ctx.money(counted))
        if counted != suggested:
            note += _(" (expected {amount})").format(amount=ctx.money(suggested))
        if shift.business_day != clock_day:  # the clock's day is closed by a Z already (the clock went back)
            note += _("; business day {day}").format(day=shift.business_day.isoformat())
        return ctx.say(note)

    def shift_blockers(self) -> list[str]:
        """What must be finished before the shift can close (shown before the count is asked)."""
        return shifts.closing_blockers(self.ctx.lane_no, self.ctx.currency)

    def close_shift(self, counted_text: str = "", denominations: Mapping[int, int] | None = None,
                    left_in_drawer_text: str = "") -> ClosedShift:
        """The blind close: the count is committed first; only then is the expected amount known
        to the screen, with the over/short."""
        ctx = self.ctx
        user = ctx.require_user()
        ctx.require_idle(N_("closing the shift"))
        ctx.require_shift()
        counted = self._counted(counted_text, denominations, None)
        keep = parse_amount(left_in_drawer_text, ctx.currency) if left_in_drawer_text.strip() else None
        closed = shifts.close_shift(ctx.lane_no, counted, cur=ctx.currency, actor=user.name,
                                    now=ctx.clock(), denominations=denominations, left_in_drawer=keep)
        ctx.reload_shift()
        ctx.publish(ShiftClosed(ctx.lane_no, closed.id, counted, closed.expected))
        result = ClosedShift(closed, counted, closed.expected)
        diff = result.over_short
        words = _("balanced") if diff == 0 else _("over by {amount}").format(amount=ctx.money(diff)) if diff > 0 \
            else _("short by {amount}").format(amount=ctx.money(-diff))
        ctx.say(_("Shift {shift} closed: counted {counted}, expected {expected}, {result}").format(
            shift=closed.id, counted=ctx.money(counted), expected=ctx.money(closed.expected), result=words))
        return result

    def set_training(self, on: bool, approval: Approval | None = None) -> LaneView:
        """Training mode for the shift: receipts say TRAINING, nothing reaches reports or stock,
        and card and wallet go to stand-ins that charge nobody."""
        ctx = self.ctx
        user = ctx.require_user()
        approved_by = ctx.authorize(TRAINING_ACTION, approval)
        ctx.require_idle(N_("switching training mode"))
        shifts.set_training(ctx.lane_no, on, actor=user.name, approved_by=approved_by)
        ctx.reload_shift()
        return ctx.say(_("Training mode ON: nothing is charged or counted") if on else _("Training mode off"))

    # ------------------------------------------------------------------ the drawer

    def _drawer_movement(self, kind: str, amount: int, reason: str, approval: Approval | None) -> None:
        check_text(reason, _("reason"))
        ctx = self.ctx
        user = ctx.require_user()
        ctx.require_idle(N_("opening the drawer"))
        ctx.require_shift()
        approved_by = ctx.authorize(DRAWER_ACTION, approval, _(DRAWER_SUBJECTS[kind]))
        shifts.record_movement(ctx.lane_no, kind, amount, reason, actor=user.name,
                               approved_by=approved_by, now=ctx.clock())
        ctx.drawer_to_open = True

    def paid_in(self, amount_text: str, reason: str, approval: Approval | None = None) -> LaneView:
        """Cash put into the drawer (change from the bank, ...); the drawer opens next."""
        amount = parse_amount(amount_text, self.ctx.currency)
        self._drawer_movement("paid_in", amount, reason, approval)
        return self.ctx.say(_("Paid in {amount}: {reason}").format(amount=self.ctx.money(amount),
                                                                   reason=reason.strip()))

    def paid_out(self, amount_text: str, reason: str, approval: Approval | None = None) -> LaneView:
        """Cash taken out of the drawer (a supplier paid, ...); the drawer opens next."""
        amount = parse_amount(amount_text, self.ctx.currency)
        self._drawer_movement("paid_out", amount, reason, approval)
        return self.ctx.say(_("Paid out {amount}: {reason}").format(amount=self.ctx.money(amount),
                                                                    reason=reason.strip()))

    def no_sale(self, reason: str, approval: Approval | None = None) -> LaneView:
        """F8: open the drawer without a sale, with a reason and a supervisor."""
        self._drawer_movement("no_sale", 0, reason, approval)
        return self.ctx.say(_("No sale: {reason}").format(reason=reason.strip()))

    def open_drawer(self) -> PrintResult:
        """Blocking: kick the drawer the last committed movement asked for (call from a worker)."""
        ctx = self.ctx
        user = ctx.require_user()
        if not ctx.drawer_to_open:
            return PrintResult(True, "")
        ctx.drawer_to_open = False
        if ctx.printer is None:
            shifts.log_drawer_opened(ctx.lane_no, user.name, False, "no printer with a drawer")
            return PrintResult(True, _("no cash drawer is connected: open it with the key"))
        try:
            ctx.printer.kick_drawer()
        except Exception as exc:  # any device failure: the movement stands, the cashier uses the key
            reason = str(exc) or type(exc).__name__
            shifts.log_drawer_opened(ctx.lane_no, user.name, False, reason)
            return PrintResult(False, _("drawer did not open: {reason}").format(reason=reason))
        shifts.log_drawer_opened(ctx.lane_no, user.name, True)
        return PrintResult(True, _("Drawer open"))
