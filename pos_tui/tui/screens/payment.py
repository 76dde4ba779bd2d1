"""CHOOSING_PAYMENT: due, paid and balance; an amount (empty = the balance), then a method key."""

from __future__ import annotations

from textual.app import ComposeResult

from pos_tui.i18n import N_, _, translated
from pos_tui.services.lane import LaneView
from pos_tui.tui.format import help_rows, payment_figures, payment_summary
from pos_tui.tui.keymap import DEFAULT_KEYMAP
from pos_tui.tui.screens.lane_screen import LaneScreen
from pos_tui.tui.widgets.text_rows import TextRows
from pos_tui.tui.widgets.key_footer import KeyFooter
from pos_tui.tui.widgets.message_line import MessageLine
from pos_tui.tui.widgets.scan_entry import ScanEntry
from pos_tui.tui.widgets.totals_bar import TotalsBar


class PaymentScreen(LaneScreen):
    KEYS = "payment"
    TITLE_TEXT = N_("payment")
    ENTRY_HELP = (
        ("0-9 .", N_("the amount handed over; nothing typed = the balance")),
        ("Esc", N_("clear the amount; on an empty line: back to items (before any payment)")),
    )
    BINDINGS = DEFAULT_KEYMAP.textual_bindings("payment")

    DEFAULT_CSS = """
    PaymentScreen #summary {
        height: 1fr;
        border: solid ansi_blue;
        border-title-color: ansi_bright_white;
        border-title-style: bold;
        padding: 1 2;
        color: ansi_bright_white;
    }
    """

    def compose(self) -> ComposeResult:
        yield self.status_header()
        summary = TextRows(id="summary")
        summary.border_title = _("Payment")
        yield summary
        yield TotalsBar(id="totals")
        yield ScanEntry(_("Amount> "), id="entry")
        yield MessageLine()
        yield self.key_footer()

    def offered(self, action: str) -> bool:
        """A payment key the lane can use: no wallet key without a wallet gateway set up, the points
        key only on a member's sale (and when the store takes points)."""
        if action == "payment.points":
            return self.pos.lane.config.payments["points"].enabled and bool(self.pos.lane.ctx.member)
        return action != "payment.wallet" or bool(self.pos.lane.ctx.wallets)

    def key_footer(self) -> KeyFooter:
        return KeyFooter([b for b in self.footer_keys() if self.offered(b.action)])

    def help_rows(self) -> list[tuple[str, str]]:
        keys = [b for b in self.pos.keymap.for_screen(self.KEYS) if self.offered(b.action)]
        return help_rows(keys, self.ENTRY_HELP, closing=[self.pos.quit_help()])

    def render_view(self, view: LaneView) -> None:
        super().render_view(view)
        cur = self.pos.lane.currency
        self.query_one("#summary").update("\n".join(payment_summary(view, cur)))
        self.query_one(TotalsBar).set_figures(payment_figures(view, cur))

    def take_amount(self) -> str:
        entry = self.query_one(ScanEntry)
        amount = entry.value
        entry.clear()
        return amount

    def on_scan_entry_submitted(self, message: ScanEntry.Submitted) -> None:
        # Enter alone takes no payment: a scan arriving here must never become a cash amount.
        message.stop()
        keymap = self.pos.keymap
        methods = ", ".join(f"{binding.display_key} {translated(binding.label)}"
                            for binding in (keymap.binding(f"payment.{name}") for name in ("cash", "card", "wallet", "points"))
                            if self.offered(binding.action))
        self.say(_("Type an amount (none = the balance), then {methods}").format(methods=methods),
                 error=bool(message.value))

    def action_cash(self) -> None:
        self.pos.run_intent(self.pos.lane.payments.tender_cash, self.take_amount())

    def action_card(self) -> None:
        self.pos.start_card(self.take_amount())

    def action_wallet(self) -> None:
        self.pos.start_wallet(self.take_amount())

    def action_points(self) -> None:
        self.pos.run_intent(self.pos.lane.payments.tender_points, self.take_amount())

    def action_resolve(self) -> None:
        self.pos.open_resolution()

    def action_back(self) -> None:
        self.pos.run_intent(self.pos.lane.payments.back_to_items)
