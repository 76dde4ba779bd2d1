"""PRINTING: the sale is paid; the receipt goes out in a worker thread while this shows the change.

The next customer's scans are taken here too: they wait in the app and go to the lane, in order,
as soon as the receipt is out (a slow or broken printer never costs a scan).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from pos_tui.domain.display_width import pad_cells
from pos_tui.domain.money import format_amount
from pos_tui.i18n import N_, _, ngettext
from pos_tui.services.lane import LaneView
from pos_tui.tui.keymap import DEFAULT_KEYMAP
from pos_tui.tui.screens.lane_screen import LaneScreen
from pos_tui.tui.widgets.message_line import MessageLine
from pos_tui.tui.widgets.scan_entry import ScanEntry


class PrintingScreen(LaneScreen):
    KEYS = "printing"
    TITLE_TEXT = N_("printing")
    BINDINGS = DEFAULT_KEYMAP.textual_bindings("printing")

    DEFAULT_CSS = """
    PrintingScreen #receipt {
        height: 1fr;
        border: solid ansi_blue;
        border-title-color: ansi_bright_white;
        border-title-style: bold;
        padding: 2 4;
        color: ansi_bright_white;
        text-style: bold;
    }
    """

    def compose(self) -> ComposeResult:
        yield self.status_header()
        receipt = Static("", id="receipt")
        receipt.border_title = _("Paid")
        yield receipt
        yield ScanEntry(id="entry")
        yield MessageLine()
        yield self.key_footer()

    def render_view(self, view: LaneView) -> None:
        super().render_view(view)
        cur = self.pos.lane.currency
        figures = [(_("Total"), view.totals.total)]
        if view.rounding:
            figures.append((_("Cash rounding"), view.rounding))
        figures += [(_("Paid"), view.paid + view.rounding + view.change), (_("CHANGE"), view.change)]
        lines = [
            _("Printing receipt {receipt}...").format(receipt=view.receipt_no or ""),
            "",
            *(pad_cells(label, 14) + pad_cells(format_amount(amount, cur, symbol=True), 14, "right")
              for label, amount in figures),
        ]
        self.query_one("#receipt", Static).update("\n".join(lines))

    def on_scan_entry_submitted(self, message: ScanEntry.Submitted) -> None:
        message.stop()
        if message.value.strip():
            waiting = self.pos.hold_entry(message.value.strip())
            self.say(ngettext("{count} scan waiting for the receipt to finish",
                              "{count} scans waiting for the receipt to finish", waiting).format(count=waiting))

    def action_reprint(self) -> None:
        self.say(_("The receipt is printing now; F9 on the item screen prints a copy"))
