"""Devices: open the lane's configured printer, card terminal, scanner, display and scale once and say
how each one is (as `pos-tui devices check` does), in a thread so the screen stays live."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from pos_tui.domain.display_width import cell_width, pad_cells
from pos_tui.i18n import N_, _
from pos_tui.services.views import DeviceReport
from pos_tui.tui.admin.screen import AdminScreen, keys
from pos_tui.tui.widgets.message_line import MessageLine


def reports_text(reports: Sequence[DeviceReport]) -> str:
    """One row per device: name, ok or FAILED, what it said; columns padded by terminal cells."""
    ok, failed = _("ok"), _("FAILED")
    width = max((cell_width(r.name) for r in reports), default=0)
    state_width = max(cell_width(ok), cell_width(failed))
    return "\n".join(f"{pad_cells(r.name, width)}  {pad_cells(ok if r.ok else failed, state_width)}  {r.words}"
                     for r in reports)


class DevicesScreen(AdminScreen):
    TITLE_TEXT = N_("devices")
    KEYS = keys(("f1", "help", N_("Help")), ("f2", "check", N_("Check now")), ("escape", "back", N_("Menu")))

    def compose(self) -> ComposeResult:
        yield self.status_header()
        with Vertical(id="body") as box:
            box.border_title = _("Devices of this lane")
            yield Static(_("F2 opens each configured device once. Not while a lane takes a card payment: "
                           "two programs on one serial line would spoil it."), id="how")
            yield Static("", id="devices")
        yield MessageLine()
        yield self.key_footer()

    def on_mount(self) -> None:
        self.say(_("F2 checks the devices now"))

    def action_check(self) -> None:
        self.say(_("Checking the devices..."))
        self.admin.start_device_check()

    def show_reports(self, reports: Sequence[DeviceReport]) -> None:
        self.query_one("#devices", Static).update(reports_text(reports))
        failed = [r.name for r in reports if not r.ok]
        if failed:
            self.say(_("{count} failed: {devices}").format(count=len(failed), devices=", ".join(failed)), error=True)
        else:
            self.say(_("Every configured device answered"))
