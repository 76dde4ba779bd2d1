"""Returns against a receipt: find what is left to return, start a return with its refund plan,
pick up one left unfinished, cancel one. The refunds themselves are payments (``payments``)."""

from __future__ import annotations

from collections.abc import Mapping

from pos_tui.domain.cart import CartLine
from pos_tui.domain.payment import SETTLED, UNRESOLVED, PaymentStatus, is_wallet, kind_of, method_name
from pos_tui.domain.permissions import Action, Approval
from pos_tui.domain.money import parse_amount, round_to_step
from pos_tui.domain.text import check_text
from pos_tui.i18n import N_, _
from pos_tui.services.errors import LaneError
from pos_tui.services.events import SalePaid
from pos_tui.services.lane.context import LaneContext, LaneView
from pos_tui.store import returns, sales
from pos_tui.domain.frozen_records import FrozenRecord, frozen_record


NO_RECEIPT_SKU = "NO-RECEIPT"


@frozen_record
class ReturnView(FrozenRecord):
    return_id: int
    original_receipt: str
    status: str
    total: int
    refunds: tuple[sales.PaymentRecord, ...]
    receipt_no: str | None
    message: str

    @property
    def refunded(self) -> int:
        return sum(p.amount for p in self.refunds if p.status in SETTLED)

    @property
    def done(self) -> bool:
        return self.receipt_no is not None

    @property
    def planned(self) -> tuple[sales.PaymentRecord, ...]:
        return tuple(p for p in self.refunds if p.status == PaymentStatus.PLANNED)

    @property
    def settled(self) -> tuple[sales.PaymentRecord, ...]:
        """The refunds made (approved, or resolved as made)."""
        return tuple(p for p in self.refunds if p.status in SETTLED)

    @property
    def unresolved(self) -> tuple[sales.PaymentRecord, ...]:
        return tuple(p for p in self.refunds if p.status in UNRESOLVED)


def return_view(ctx: LaneContext, return_id: int, message: str) -> ReturnView:
    """The return as committed, with ``message`` (and its receipt number once refunded)."""
    record = sales.get_sale(return_id)
    kind = sales.receipt_kind(return_id)
    refunds = tuple(returns.refunds_of(return_id))
    if record.receipt_no:
        ctx.receipt_no, ctx.change = record.receipt_no, 0
        message += _(". Refunded. Receipt {receipt}").format(receipt=record.receipt_no)
    ctx.say(message)
    return ReturnView(record.id, kind.original_receipt or "", record.status, record.total, refunds,
                      record.receipt_no, message)


def announce_if_refunded(ctx: LaneContext, view: ReturnView) -> ReturnView:
    """A return just refunded in full has its refund receipt queued: tell the subscribers."""
    if view.done:
        ctx.publish(SalePaid(ctx.lane_no, view.return_id, view.receipt_no, -view.total, 0))
    return view


@frozen_record
class ReturnPreview(FrozenRecord):
    """What a return would refund, before anyone approves it: the total and, per tender, what goes
    back (cash as it leaves the drawer, rounded to the cash step)."""

    total: int
    refunds: tuple[tuple[str, int], ...]

    @property
    def paid_out(self) -> int:
        return sum(amount for _method, amount in self.refunds)


class Returns:
    def __init__(self, ctx: LaneContext) -> None:
        self.ctx = ctx

    def _plan(self, receipt_no: str, picks: Mapping[int, int], to_cash: bool):
        """The return's lines, totals and refund plan, checked (nothing committed)."""
        ctx = self.ctx
        original = returns.returnable_sale(receipt_no)
        lines: list[tuple[CartLine, int]] = []
        for number, (line_no, qty) in enumerate(sorted(picks.items()), start=1):
            line = original.line(line_no)
            if qty <= 0:
                raise LaneError(_("line {line_no}: the quantity to return must be above 0").format(line_no=line_no))
            if line.unit == "each" and qty % 1000:
                raise LaneError(_("line {line_no}: {name} is returned in whole items").format(line_no=line_no,
                                                                                               name=line.name))
            if qty > line.returnable_milli:
                raise LaneError(_("line {line_no} ({name}): only {left:g} left to return").format(
                    line_no=line_no, name=line.name, left=line.returnable_milli / 1000))
            before = line.returned_milli
            lines.append((CartLine(
                number, line.product_id, line.sku, line.name, line.unit, qty, line.unit_price, line.tax_code,
                returns.refund_share(line.amount, line.qty_milli, before, qty),
                discount=returns.refund_share(line.discount, line.qty_milli, before, qty),
            ), line.line_id))
        totals = ctx.totals_of([cart_line for cart_line, _ in lines])
        plan = returns.plan_refunds(original.payments, original.refunded, totals.total, to_cash=to_cash)
        return original, lines, totals, plan

    def preview_return(self, receipt_no: str, picks: Mapping[int, int], *, to_cash: bool = False) -> ReturnPreview:
        """The refund of ``picks``, shown while the cashier picks the lines (no approval, nothing written)."""
        self.ctx.require_user()
        if not picks:
            return ReturnPreview(0, ())
        _original, _lines, totals, plan = self._plan(receipt_no, picks, to_cash)
        step = self.ctx.config.cash.rounding_step
        return ReturnPreview(totals.total, tuple(
            (s.method, round_to_step(s.amount, step) if s.method == "cash" else s.amount) for s in plan))

    def find_return(self, receipt_no: str) -> returns.ReturnableSale:
        """F7: the sale behind a receipt number (typed or scanned), with what is left to return."""
        self.ctx.require_user()
        return returns.returnable_sale(receipt_no)

    def start_return(self, receipt_no: str, picks: Mapping[int, int], *, to_cash: bool = False, reason: str = "",
                     approval: Approval | None = None) -> ReturnView:
        """Return ``picks`` ({line number: quantity in thousandths}) of a receipt. The refund goes
        back to the original tenders, or all in cash with ``to_cash``; a supervisor approves."""
        check_text(reason, _("reason"))
        ctx = self.ctx
        user = ctx.require_user()
        ctx.require_idle(N_("a return"))
        if ctx.require_shift().training:
            raise LaneError(_("returns are not taken in training mode"))
        original, lines, totals, plan = self._plan(receipt_no, picks, to_cash)
        # Checked and priced first: the supervisor is asked for the refund of an amount they can see.
        approved_by = ctx.authorize(Action.REFUND, approval, _("refund {amount}").format(amount=ctx.money(totals.total)))
        for step in plan:
            if kind_of(step.method) == "card" and ctx.terminal is None:
                raise LaneError(_("no card terminal on this lane: refund in cash instead"))
            if is_wallet(step.method) and step.method not in ctx.wallets:
                raise LaneError(_("{method} is not set up on this lane: refund in cash instead").format(
                    method=method_name(step.method)))
        record = returns.create_return(
            original.sale.id, lines, lane=ctx.lane_no, total=totals.total, tax_total=totals.tax_total,
            plan=plan, reason=reason, actor=user.name, approved_by=approved_by, now=ctx.clock(),
            cash_step=ctx.config.cash.rounding_step, points=ctx.points_terms(),
        )
        return announce_if_refunded(ctx, return_view(ctx, record.id, _("Return of {amount} against {receipt}").format(
            amount=ctx.money(totals.total), receipt=original.sale.receipt_no)))

    def start_return_without_receipt(self, amount_text: str, reason: str, approval: Approval | None = None
                                     ) -> ReturnView:
        """A return with no receipt to go back to: an amount and a reason, a supervisor, paid out in
        cash (rounded to the cash step); journaled, and counted apart on the X and Z reports."""
        ctx = self.ctx
        check_text(reason, _("reason"))
        user = ctx.require_user()
        ctx.require_idle(N_("a return"))
        if ctx.require_shift().training:
            raise LaneError(_("returns are not taken in training mode"))
        if not reason.strip():
            raise LaneError(_("a return without a receipt needs a reason"))
        amount = parse_amount(amount_text, ctx.currency)
        if amount <= 0:
            raise LaneError(_("type the amount to refund"))
        line = CartLine(1, None, NO_RECEIPT_SKU, _("Return without receipt"), "each", 1000, amount,
                        ctx.config.tax.default, amount)
        totals = ctx.totals_of([line])
        approved_by = ctx.authorize(Action.REFUND, approval, _("return without receipt, {amount} in cash").format(
            amount=ctx.money(amount)))
        record = returns.create_return_without_receipt(
            line, lane=ctx.lane_no, total=totals.total, tax_total=totals.tax_total, reason=reason.strip(),
            actor=user.name, approved_by=approved_by or user.name, now=ctx.clock(),
            cash_step=ctx.config.cash.rounding_step)
        return announce_if_refunded(ctx, return_view(ctx, record.id, _("Return without receipt: {amount}").format(
            amount=ctx.money(totals.total))))

    def open_return(self) -> ReturnView | None:
        """A return left unfinished on this lane (after a restart, or a declined refund)."""
        record = returns.open_return_on_lane(self.ctx.lane_no)
        return return_view(self.ctx, record.id, _("Return waiting for its refund")) if record else None

    def cancel_return(self, return_id: int, approval: Approval | None = None) -> LaneView:
        ctx = self.ctx
        user = ctx.require_user()
        ctx.authorize(Action.REFUND, approval)
        returns.cancel_return(return_id, actor=user.name, now=ctx.clock())
        return ctx.say(_("Return cancelled"))
