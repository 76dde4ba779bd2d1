"""An X or Z report on screen: the printer's text at the screen's width, hourly bars included,
scrolled with Up/Down and PgUp/PgDn. P prints it (in a worker), Esc goes back to the lane.
Plain ASCII inside the box, so the Linux console draws it as it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from pos_tui.domain.report import render_text
from pos_tui.i18n import N_, _
from pos_tui.tui.keymap import KeyBinding
from pos_tui.tui.screens.lane_screen import LaneScreen
from pos_tui.tui.widgets.key_footer import KeyFooter
from pos_tui.tui.widgets.message_line import MessageLine

if TYPE_CHECKING:
    from pos_tui.domain.report import Report

REPORT_KEYS = (
    KeyBinding("report.help", "f1", N_("Help")),
    KeyBinding("report.print", "p", N_("Print")),
    KeyBinding("report.back", "escape", N_("Back")),
    KeyBinding("report.scroll", "pagedown", N_("Scroll")),
)
# The box's border and padding around the text.
FRAME_CELLS = 4
MIN_WIDTH = 32


class ReportScreen(LaneScreen):
    KEYS = "report"
    TITLE_TEXT = N_("report")
    BINDINGS = [
        Binding("f1", "help", N_("Help"), show=False),
        Binding("p", "print", N_("Print"), show=False),
        Binding("escape", "back", N_("Back"), show=False),
    ]

    DEFAULT_CSS = """
    ReportScreen #report {
        height: 1fr;
        border: solid ansi_blue;
        border-title-color: ansi_bright_white;
        border-title-style: bold;
        padding: 0 1;
        /* No scrollbar: its block glyphs are not in every console font; the border says how to scroll. */
        scrollbar-size-vertical: 0;
        background: ansi_black;
    }
    ReportScreen #text {
        color: ansi_bright_white;
        width: auto;
    }
    """

    def __init__(self, report: Report) -> None:
        super().__init__()
        self.report = report

    def compose(self) -> ComposeResult:
        yield self.status_header()
        with VerticalScroll(id="report") as box:
            title = _("{kind} report").format(kind=self.report.kind)
            box.border_title = title + (f" {self.report.number:04d}" if self.report.number is not None else "")
            box.border_subtitle = _("Up/Down PgUp/PgDn scroll")
            yield Static(self.text(self.app.size.width), id="text")
        yield MessageLine()
        yield self.key_footer()

    def key_footer(self) -> KeyFooter:
        return KeyFooter(REPORT_KEYS)

    def text(self, screen_width: int) -> str:
        return render_text(self.report, max(screen_width - FRAME_CELLS, MIN_WIDTH)).rstrip("\n")

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()

    def on_resize(self, event: events.Resize) -> None:
        self.query_one("#text", Static).update(self.text(event.size.width))

    def help_rows(self) -> list[tuple[str, str]]:
        return [("P", _("print the report on the receipt printer")), ("Esc", _("back to the lane")),
                ("Up/Down", _("scroll a line")), ("PgUp/PgDn", _("scroll a page"))]

    def action_print(self) -> None:
        self.say(_("Printing the {kind} report...").format(kind=self.report.kind))
        self.pos.print_report(self.report)

    def action_back(self) -> None:
        self.dismiss()
