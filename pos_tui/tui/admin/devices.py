"""Devices: open the lane's configured printer, card terminal, scanner and display once and say
how each one is (as `pos-tui devices check` does), in a thread so the screen stays live."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from pos_tui.devices.status import DeviceReport
from pos_tui.tui.admin.screen import AdminScreen, keys
from pos_tui.tui.widgets.message_line import MessageLine


def reports_text(reports: Sequence[DeviceReport]) -> str:
    width = max((len(r.name) for r in reports), default=0)
    return "\n".join(f"{r.name:<{width}}  {'ok' if r.ok else 'FAILED':<6}  {r.words}" for r in reports)


class DevicesScreen(AdminScreen):
    TITLE_TEXT = "devices"
    KEYS = keys(("f1", "help", "Help"), ("f2", "check", "Check now"), ("escape", "back", "Menu"))

    def compose(self) -> ComposeResult:
        yield self.status_header()
        with Vertical(id="body") as box:
            box.border_title = "Devices of this lane"
            yield Static("F2 opens each configured device once. Not while a lane takes a card payment: "
                         "two programs on one serial line would spoil it.", id="how")
            yield Static("", id="devices")
        yield MessageLine()
        yield self.key_footer()

    def on_mount(self) -> None:
        self.say("F2 checks the devices now")

    def action_check(self) -> None:
        self.say("Checking the devices...")
        self.admin.start_device_check()

    def show_reports(self, reports: Sequence[DeviceReport]) -> None:
        self.query_one("#devices", Static).update(reports_text(reports))
        failed = [r.name for r in reports if not r.ok]
        if failed:
            self.say(f"{len(failed)} failed: {', '.join(failed)}", error=True)
        else:
            self.say("Every configured device answered")
