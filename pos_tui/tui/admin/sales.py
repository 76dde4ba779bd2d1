"""Held sales (every lane's suspended sales) and payments whose outcome is unknown, which a
supervisor resolves here from the terminal's own ticket, with their PIN."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import OptionList

from pos_tui.domain.display_width import pad_cells, truncate_cells
from pos_tui.domain.money import Currency, format_amount
from pos_tui.domain.payment import PaymentStatus, method_name, status_name
from pos_tui.i18n import N_, _, ngettext
from pos_tui.domain.permissions import Approval
from pos_tui.services.errors import USER_ERRORS
from pos_tui.services.views import SaleRecord, UnknownPayment
from pos_tui.tui.admin.listed import ListScreen
from pos_tui.tui.admin.screen import keys
from pos_tui.tui.screens.modals import ApprovalModal, ConfirmModal, Resolution, ResolveModal

if TYPE_CHECKING:
    from pos_tui.services.store_office import StoreUnknownPayment

MOVE_KEYS = (("up", "move(-1)", N_("Previous"), False), ("down", "move(1)", N_("Next"), False))


def cells(text: str, width: int, align: str = "left") -> str:
    """``text`` cut and padded to ``width`` terminal cells (a Chinese name takes two a character)."""
    return pad_cells(truncate_cells(text, width), width, align)


def held_row(sale: SaleRecord, items: int, total: int, cur: Currency) -> str:
    return (f"{sale.lane:<5} {sale.opened_at:%Y-%m-%d %H:%M} {cells(sale.cashier, 16)} {items:>6} "
            f"{format_amount(total, cur):>14}")


def held_heading() -> str:
    return (f"{cells(_('Lane'), 5)} {cells(_('Held since'), 16)} {cells(_('Cashier'), 16)} "
            f"{cells(_('Items'), 6, 'right')} {cells(_('Total'), 14, 'right')}")


def unknown_row(unknown: UnknownPayment, cur: Currency) -> str:
    payment = unknown.payment
    return (f"{unknown.sale.lane:<5} {payment.created_at:%Y-%m-%d %H:%M} {cells(method_name(payment.method), 10)} "
            f"{format_amount(payment.amount, cur):>12}  {cells(payment.reference, 14)} "
            f"{status_name(payment.status)}")


def unknown_heading() -> str:
    return (f"{cells(_('Lane'), 5)} {cells(_('Since'), 16)} {cells(_('Method'), 10)} "
            f"{cells(_('Amount'), 12, 'right')}  {cells(_('Reference'), 14)} {_('State')}")


class HeldScreen(ListScreen):
    TITLE_TEXT = N_("held sales")
    BOX_TITLE = N_("Held sales, every lane")

    def heading(self) -> str:
        return held_heading()

    KEYS = keys(("f1", "help", N_("Help")), ("f5", "reload", N_("Refresh")), ("escape", "back", N_("Menu")), *MOVE_KEYS)

    def action_reload(self) -> None:
        held = self.attempt(self.office.held_sales)
        if held is None:
            return
        cur = self.office.currency
        self.fill([(str(sale.id), held_row(sale, items, total, cur)) for sale, items, total in held])
        self.say(ngettext("{count} held sale: the cashier recalls one with F5 on any lane",
                          "{count} held sales: the cashier recalls one with F5 on any lane", len(held)).format(
            count=len(held)) if held else _("No sale is held"))


class PaymentsScreen(ListScreen):
    TITLE_TEXT = N_("payments with unknown outcome")
    BOX_TITLE = N_("Payments with unknown outcome")

    def heading(self) -> str:
        return unknown_heading()

    KEYS = keys(("f1", "help", N_("Help")), ("enter", "resolve", N_("Resolve")), ("f5", "reload", N_("Refresh")),
                ("escape", "back", N_("Menu")), *MOVE_KEYS)

    def __init__(self) -> None:
        super().__init__()
        self.unknown: list[UnknownPayment | StoreUnknownPayment] = []

    def action_reload(self) -> None:
        unknown = self.attempt(self.office.unknown_payments)
        if unknown is None:
            return
        self.unknown = unknown
        self.fill(self.rows(unknown))
        self.say(self.summary(len(unknown)))

    def rows(self, unknown: list) -> list[tuple[str, str]]:
        return [(str(u.payment.id), unknown_row(u, self.office.currency)) for u in unknown]

    def summary(self, count: int) -> str:
        return (_("{count} to resolve: Enter resolves the highlighted one").format(count=count) if count
                else _("No payment has an unknown outcome"))

    def on_option_list_option_selected(self, message: OptionList.OptionSelected) -> None:
        message.stop()
        self.action_resolve()

    @property
    def selected(self) -> UnknownPayment | StoreUnknownPayment | None:
        index = self.query_one(OptionList).highlighted
        return self.unknown[index] if index is not None and index < len(self.unknown) else None

    def action_resolve(self) -> None:
        chosen = self.selected
        if chosen is None:
            return
        try:
            self.office.refuse_if_in_flight(chosen)
        except USER_ERRORS as exc:
            self.say(str(exc), error=True)
            return
        if chosen.payment.status != PaymentStatus.PENDING:
            self.ask_outcome(chosen)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.ask_outcome(chosen)

        self.app.push_screen(ConfirmModal(
            _("This payment is still pending: lane {lane} is not running, so it stopped (closed or "
              "crashed) while waiting for its terminal. Resolve it from the terminal's ticket. Go on?").format(
                lane=f"{chosen.sale.lane:02d}")), answered)

    def ask_outcome(self, chosen: UnknownPayment) -> None:
        def outcome(answer: Resolution | None) -> None:
            if answer is None:
                self.say(_("Still unknown: resolve it when the terminal's ticket is at hand"))
                return
            self.app.push_screen(
                ApprovalModal(_("Supervisor approval: resolve payment"), self.office.approve),
                lambda approval: self.resolve(answer, approval))

        self.app.push_screen(ResolveModal(chosen.payment, self.office.currency), outcome)

    def resolve(self, answer: Resolution, approval: Approval | None) -> None:
        if approval is None:
            self.say(_("Not resolved: it needs a supervisor's PIN"), error=True)
            return
        try:
            said = self.office.resolve_payment(answer.payment_id, charged=answer.charged,
                                               auth_code=answer.auth_code, approval=approval)
        except USER_ERRORS as exc:
            self.action_reload()
            self.say(str(exc), error=True)
            return
        self.action_reload()
        self.say(_("{outcome} (approved by {name})").format(outcome=said, name=approval.supervisor))


def store_unknown_row(unknown: StoreUnknownPayment, cur: Currency) -> str:
    since = unknown.attempted_at[:16].replace("T", " ")
    return (f"{unknown.lane:<5} {cells(since, 16)} {cells(method_name(unknown.method), 10)} "
            f"{format_amount(unknown.amount, cur):>12}  {cells(unknown.reference, 14)} "
            f"{status_name(unknown.status)}")


class StorePaymentsScreen(PaymentsScreen):
    """Every lane's payments with an unknown outcome, from what the lanes uploaded: read-only, as
    only the lane that took a payment can settle it with its terminal's ticket (Enter says where)."""

    BOX_TITLE = N_("Payments with unknown outcome, every lane")
    KEYS = keys(("f1", "help", N_("Help")), ("enter", "resolve", N_("Where")), ("f5", "reload", N_("Refresh")),
                ("escape", "back", N_("Menu")), *MOVE_KEYS)

    def rows(self, unknown: list) -> list[tuple[str, str]]:
        return [(f"{u.lane}:{u.reference}", store_unknown_row(u, self.office.currency)) for u in unknown]

    def summary(self, count: int) -> str:
        return (ngettext("{count} payment with an unknown outcome: a supervisor resolves it on its lane",
                         "{count} payments with an unknown outcome: a supervisor resolves each on its lane",
                         count).format(count=count) if count
                else _("No payment has an unknown outcome on any lane (as of each lane's last upload)"))

    def action_resolve(self) -> None:
        chosen = self.selected
        if chosen is None:
            return
        self.say(_("Resolve it on lane {lane}: a supervisor there, with the terminal's ticket "
                   "(back office, Payments)").format(lane=f"{chosen.lane:02d}"))
