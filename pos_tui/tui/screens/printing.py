"""PRINTING: the sale is paid; the receipt goes out in a worker thread while this shows the change.

The next customer's scans are taken here too: they wait in the app and go to the lane, in order,
as soon as the receipt is out (a slow or broken printer never costs a scan).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from pos_tui.domain.money import format_amount
from pos_tui.lane import LaneView
from pos_tui.tui.keymap import DEFAULT_KEYMAP
from pos_tui.tui.screens.lane_screen import LaneScreen
from pos_tui.tui.widgets.message_line import MessageLine
from pos_tui.tui.widgets.scan_entry import ScanEntry


class PrintingScreen(LaneScreen):
    KEYS = "printing"
    TITLE_TEXT = "printing"
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
        receipt.border_title = "Paid"
        yield receipt
        yield ScanEntry(id="entry")
        yield MessageLine()
        yield self.key_footer()

    def render_view(self, view: LaneView) -> None:
        super().render_view(view)
        cur = self.pos.lane.currency
        lines = [
            f"Printing receipt {view.receipt_no or ''}...",
            "",
            f"Total    {format_amount(view.totals.total, cur, symbol=True):>14}",
            f"Paid     {format_amount(view.paid, cur, symbol=True):>14}",
            f"CHANGE   {format_amount(view.change, cur, symbol=True):>14}",
        ]
        self.query_one("#receipt", Static).update("\n".join(lines))

    def on_scan_entry_submitted(self, message: ScanEntry.Submitted) -> None:
        message.stop()
        if message.value.strip():
            waiting = self.pos.hold_entry(message.value.strip())
            self.say(f"{waiting} scan{'s' if waiting != 1 else ''} waiting for the receipt to finish")

    def action_reprint(self) -> None:
        self.say("The receipt is printing now; F9 on the item screen prints a copy")
