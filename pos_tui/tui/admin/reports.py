"""Reports: the X report of a day (every shift opened that day), the Z report a day closed with,
taking today's Z (admin), and sales by hour across the lanes. Shown as the printer would print
them, as wide as the box; Up/Down and PgUp/PgDn scroll."""

from __future__ import annotations

import datetime as dt

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Static

from pos_tui.domain.money import format_amount
from pos_tui.domain.permissions import Action, PermissionDenied
from pos_tui.domain.report import hourly_bars, render_text
from pos_tui.tui.admin.back_office import AdminError
from pos_tui.tui.admin.screen import AdminScreen, keys
from pos_tui.tui.screens.modals import ConfirmModal
from pos_tui.tui.widgets.message_line import MessageLine

REPORT_CELLS = 76  # the screen's 80 less the box's border and padding


class ReportsScreen(AdminScreen):
    TITLE_TEXT = "reports"
    KEYS = keys(
        ("f1", "help", "Help"),
        ("f2", "x_report", "X"),
        ("f3", "z_report", "Z"),
        ("f4", "hourly", "By hour"),
        ("f5", "take_z", "Close day"),
        ("escape", "back", "Menu"),
        ("up", "scroll(-1)", "Scroll up", False),
        ("down", "scroll(1)", "Scroll down", False),
        ("pageup", "scroll(-15)", "Page up", False),
        ("pagedown", "scroll(15)", "Page down", False),
    )
    ENTRY_HELP = (("date", "type a day (YYYY-MM-DD) before F2, F3 or F4; empty means today"),)

    def compose(self) -> ComposeResult:
        yield self.status_header()
        with Vertical(id="body") as box:
            box.border_title = "Reports"
            box.border_subtitle = "Up/Down PgUp/PgDn scroll"
            yield Input(placeholder="Date: YYYY-MM-DD (empty = today)", compact=True, id="date",
                        select_on_focus=False)
            with VerticalScroll(id="page"):
                yield Static("", id="report")
        yield MessageLine()
        yield self.key_footer()

    def on_mount(self) -> None:
        self.query_one("#page").can_focus = False
        date = self.query_one(Input)
        date.cursor_blink = False
        date.focus()
        self.say("F2 X report, F3 Z report, F4 sales by hour for the date; F5 closes today (Z)")

    def day(self) -> dt.date:
        text = self.query_one(Input).value.strip()
        if not text:
            return self.office.clock().date()
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise AdminError(f"{text!r} is not a date like 2026-03-01") from None

    def show(self, title: str, text: str) -> None:
        self.query_one("#body").border_title = f"Reports: {title}"
        self.query_one("#report", Static).update(text)
        self.query_one("#page", VerticalScroll).scroll_home(animate=False)

    def on_input_submitted(self, message: Input.Submitted) -> None:
        """Enter on the date: its X report."""
        message.stop()
        self.action_x_report()

    def _report(self, title: str, build) -> None:
        day = self.attempt(self.day)
        if day is None:
            return
        report = self.attempt(build, day)
        if report is not None:
            self.show(f"{title} {day.isoformat()}", render_text(report, REPORT_CELLS))
            self.say(f"{title} of {day.isoformat()}: {report.sales_count} sales, net "
                     f"{self.office.money(report.net)}")

    def action_x_report(self) -> None:
        self._report("X report", self.office.x_report)

    def action_z_report(self) -> None:
        self._report("Z report", self.office.z_report)

    def action_hourly(self) -> None:
        day = self.attempt(self.day)
        if day is None:
            return
        hours = self.attempt(self.office.sales_by_hour, day)
        if hours is None:
            return
        cur = self.office.currency
        total = sum(h.amount for h in hours)
        head = f"Sales by hour, every lane, {day.isoformat()}: hour, bar, number of sales, amount\n\n"
        body = "\n".join(hourly_bars(hours, REPORT_CELLS, cur)) or "no sales that day"
        self.show(f"by hour {day.isoformat()}", head + body)
        self.say(f"{sum(h.count for h in hours)} sales on {day.isoformat()}: {format_amount(total, cur, symbol=True)}")

    def action_take_z(self) -> None:
        if not self.office.may(Action.Z_REPORT):
            self.say(str(PermissionDenied(Action.Z_REPORT, self.office.needed(Action.Z_REPORT))), error=True)
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                self.say("The day stays open")
                return
            report = self.attempt(self.office.take_z_report)
            if report is not None:
                self.show(f"Z report {report.number:04d}", render_text(report, REPORT_CELLS))
                self.say(f"Z report {report.number} taken: net {self.office.money(report.net)}")

        self.app.push_screen(ConfirmModal(
            f"Close the business day of lane {self.office.config.store.lane:02d} with a Z report? "
            "It is taken once a day; sales after it belong to tomorrow."), answered)

    def action_scroll(self, lines: int) -> None:
        self.query_one("#page", VerticalScroll).scroll_relative(y=lines, animate=False)
