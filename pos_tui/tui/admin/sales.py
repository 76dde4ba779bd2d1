"""Held sales (every lane's suspended sales) and payments whose outcome is unknown, which a
supervisor resolves here from the terminal's own ticket, with their PIN."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from pos_tui.domain.money import Currency, format_amount
from pos_tui.domain.tender import method_name
from pos_tui.lane import Approval
from pos_tui.store.admin_queries import UnknownPayment
from pos_tui.store.sales import SaleRecord
from pos_tui.tui.admin.back_office import ADMIN_ERRORS
from pos_tui.tui.admin.screen import AdminScreen, keys
from pos_tui.tui.screens.modals import ApprovalModal, ConfirmModal, Resolution, ResolveModal
from pos_tui.tui.widgets.message_line import MessageLine

MOVE_KEYS = (("up", "move(-1)", "Previous", False), ("down", "move(1)", "Next", False))


def held_row(sale: SaleRecord, items: int, total: int, cur: Currency) -> str:
    return (f"{sale.lane:<5} {sale.opened_at:%Y-%m-%d %H:%M} {sale.cashier[:16]:<16} {items:>6} "
            f"{format_amount(total, cur):>14}")


def unknown_row(unknown: UnknownPayment, cur: Currency) -> str:
    payment = unknown.payment
    return (f"{unknown.sale.lane:<5} {payment.created_at:%Y-%m-%d %H:%M} {method_name(payment.method)[:10]:<10} "
            f"{format_amount(payment.amount, cur):>12}  {payment.reference[:14]:<14} {payment.status}")


class ListScreen(AdminScreen):
    """An area that is one list with a heading; F5 reads it again."""

    HEADING = ""
    BOX_TITLE = ""

    def compose(self) -> ComposeResult:
        yield self.status_header()
        with Vertical(id="body") as box:
            box.border_title = self.BOX_TITLE
            box.border_subtitle = "Up/Down choose"
            yield Static(self.HEADING, classes="heading")
            yield OptionList(id="rows")
        yield MessageLine()
        yield self.key_footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.action_reload()

    def fill(self, rows: list[tuple[str, str]]) -> None:
        listing = self.query_one(OptionList)
        listing.clear_options()
        listing.add_options(Option(text, id=key) for key, text in rows)
        if rows:
            listing.highlighted = 0

    def action_move(self, step: int) -> None:
        listing = self.query_one(OptionList)
        if listing.option_count:
            listing.highlighted = min(max((listing.highlighted or 0) + step, 0), listing.option_count - 1)

    def action_reload(self) -> None:
        raise NotImplementedError


class HeldScreen(ListScreen):
    TITLE_TEXT = "held sales"
    BOX_TITLE = "Held sales, every lane"
    HEADING = f"{'Lane':<5} {'Held since':<17} {'Cashier':<16} {'Items':>6} {'Total':>14}"
    KEYS = keys(("f1", "help", "Help"), ("f5", "reload", "Refresh"), ("escape", "back", "Menu"), *MOVE_KEYS)

    def action_reload(self) -> None:
        held = self.attempt(self.office.held_sales)
        if held is None:
            return
        cur = self.office.currency
        self.fill([(str(sale.id), held_row(sale, items, total, cur)) for sale, items, total in held])
        self.say(f"{len(held)} held sale{'s' if len(held) != 1 else ''}: the cashier recalls one with F5 on "
                 "any lane" if held else "No sale is held")


class PaymentsScreen(ListScreen):
    TITLE_TEXT = "payments with unknown outcome"
    BOX_TITLE = "Payments with unknown outcome"
    HEADING = f"{'Lane':<5} {'Since':<17} {'Method':<10} {'Amount':>12}  {'Reference':<14} State"
    KEYS = keys(("f1", "help", "Help"), ("enter", "resolve", "Resolve"), ("f5", "reload", "Refresh"),
                ("escape", "back", "Menu"), *MOVE_KEYS)

    def __init__(self) -> None:
        super().__init__()
        self.unknown: list[UnknownPayment] = []

    def action_reload(self) -> None:
        unknown = self.attempt(self.office.unknown_payments)
        if unknown is None:
            return
        self.unknown = unknown
        cur = self.office.currency
        self.fill([(str(u.payment.id), unknown_row(u, cur)) for u in unknown])
        self.say(f"{len(unknown)} to resolve: Enter resolves the highlighted one" if unknown
                 else "No payment has an unknown outcome")

    def on_option_list_option_selected(self, message: OptionList.OptionSelected) -> None:
        message.stop()
        self.action_resolve()

    @property
    def selected(self) -> UnknownPayment | None:
        index = self.query_one(OptionList).highlighted
        return self.unknown[index] if index is not None and index < len(self.unknown) else None

    def action_resolve(self) -> None:
        chosen = self.selected
        if chosen is None:
            return
        if chosen.payment.status != "pending":
            self.ask_outcome(chosen)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.ask_outcome(chosen)

        self.app.push_screen(ConfirmModal(
            f"This payment is still pending: lane {chosen.sale.lane:02d} may be waiting for its terminal right "
            "now. Resolve it only if that lane is closed or crashed. Go on?"), answered)

    def ask_outcome(self, chosen: UnknownPayment) -> None:
        def outcome(answer: Resolution | None) -> None:
            if answer is None:
                self.say("Still unknown: resolve it when the terminal's ticket is at hand")
                return
            self.app.push_screen(
                ApprovalModal("Supervisor approval: resolve payment", self.office.approve),
                lambda approval: self.resolve(answer, approval))

        self.app.push_screen(ResolveModal(chosen.payment, self.office.currency), outcome)

    def resolve(self, answer: Resolution, approval: Approval | None) -> None:
        if approval is None:
            self.say("Not resolved: it needs a supervisor's PIN", error=True)
            return
        try:
            said = self.office.resolve_payment(answer.payment_id, charged=answer.charged,
                                               auth_code=answer.auth_code, approval=approval)
        except ADMIN_ERRORS as exc:
            self.action_reload()
            self.say(str(exc), error=True)
            return
        self.action_reload()
        self.say(f"{said} (approved by {approval.supervisor})")
