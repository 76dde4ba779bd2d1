"""The member box (Ctrl+V, VIP, on the items screen): the member's card scanned or phone number typed."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from pos_tui.i18n import N_, _
from pos_tui.tui.screens.modals import LaneModal
from pos_tui.tui.widgets.message_line import MessageLine
from pos_tui.tui.widgets.scan_entry import ScanEntry


class MemberModal(LaneModal[str | None]):
    """Answers the number scanned or typed (the lane checks it), or None on Esc."""

    BINDINGS = [Binding("escape", "close", N_("Close"), show=False)]

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = _("Member")
            yield Static(_("Scan the member's card or type their phone number, Enter; Esc closes"), classes="hint")
            yield ScanEntry(_("Member> "), id="entry")
            yield MessageLine()

    def on_mount(self) -> None:
        self.query_one(ScanEntry).focus()

    def on_scan_entry_submitted(self, message: ScanEntry.Submitted) -> None:
        message.stop()
        if message.value.strip():
            self.dismiss(message.value.strip())

    def action_close(self) -> None:
        self.dismiss(None)
