"""Reports: the X report of a day (every shift opened that day), the Z report a day closed with,
taking today's Z (admin), one lane's Z, and sales by hour across the lanes. On the store server
the X and Z are the whole store's (every lane). Shown as the printer would print
them, as wide as the box; Up/Down and PgUp/PgDn scroll."""

from __future__ import annotations

import datetime as dt

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Static

from pos_tui.domain.money import format_amount
from pos_tui.domain.permissions import Action, PermissionDenied
from pos_tui.domain.report import hourly_bars, render_text
from pos_tui.i18n import N_, _, ngettext
from pos_tui.services.errors import AdminError
from pos_tui.tui.admin.prompt import PromptModal, Question
from pos_tui.tui.admin.screen import AdminScreen, keys
from pos_tui.tui.screens.modals import ConfirmModal
from pos_tui.tui.widgets.message_line import MessageLine

REPORT_CELLS = 76  # the screen's 80 less the box's border and padding


class ReportsScreen(AdminScreen):
    TITLE_TEXT = N_("reports")
    KEYS = keys(
        ("f1", "help", N_("Help")),
        ("f2", "x_report", N_("X")),
        ("f3", "z_report", N_("Z")),
        ("f4", "hourly", N_("By hour")),
        ("f5", "take_z", N_("Close day")),
        ("f6", "lane_z", N_("Lane Z")),
        ("escape", "back", N_("Menu")),
        ("up", "scroll(-1)", N_("Scroll up"), False),
        ("down", "scroll(1)", N_("Scroll down"), False),
        ("pageup", "scroll(-15)", N_("Page up"), False),
        ("pagedown", "scroll(15)", N_("Page down"), False),
    )
    ENTRY_HELP = ((N_("date"), N_("type a day (YYYY-MM-DD) before F2, F3 or F4; empty means today")),)

    def compose(self) -> ComposeResult:
        yield self.status_header()
        with Vertical(id="body") as box:
            box.border_title = _("Reports")
            box.border_subtitle = _("Up/Down PgUp/PgDn scroll")
            yield Input(placeholder=_("Date: YYYY-MM-DD (empty = today)"), compact=True, id="date",
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
        self.say(_("F2 X report, F3 Z report, F4 sales by hour for the date; F5 closes the oldest open day (Z)"))

    def day(self) -> dt.date:
        text = self.query_one(Input).value.strip()
        if not text:
            return self.office.business_day()
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise AdminError(_("{text} is not a date like 2026-03-01").format(text=repr(text))) from None

    def show(self, title: str, text: str) -> None:
        self.query_one("#body").border_title = _("Reports: {title}").format(title=title)
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
            self.say(ngettext("{title} of {day}: {count} sale, net {net}", "{title} of {day}: {count} sales, net {net}",
                              report.sales_count).format(
                title=title, day=day.isoformat(), count=report.sales_count, net=self.office.money(report.net)))

    def action_x_report(self) -> None:
        self._report(_("Store X report") if self.office.store_wide else _("X report"), self.office.x_report)

    def action_z_report(self) -> None:
        self._report(_("Store Z report") if self.office.store_wide else _("Z report"), self.office.z_report)

    def action_lane_z(self) -> None:
        """One lane's Z report of the date, as that lane took it."""
        day = self.attempt(self.day)
        if day is None:
            return

        def lane_number(text: str) -> int:
            if not text.strip().isdigit() or not 1 <= int(text) <= 99:
                raise AdminError(_("{text} is not a lane number (1 to 99)").format(text=repr(text.strip())))
            return int(text)

        def done(found: tuple[int, object] | None) -> None:
            if found is None:
                return
            lane, report = found
            title = _("Z report of lane {lane}").format(lane=f"{lane:02d}")
            self.show(f"{title} {day.isoformat()}", render_text(report, REPORT_CELLS))
            self.say(_("{title} of {day}: net {net}").format(title=title, day=day.isoformat(),
                                                             net=self.office.money(report.net)))

        def submit(answers: list[str]) -> tuple[int, object]:
            lane = lane_number(answers[0])
            return lane, self.office.lane_z_report(lane, day)

        self.app.push_screen(PromptModal(_("Z report of a lane, {day}").format(day=day.isoformat()),
                                         [Question(_("Lane> "))], submit, _("Type the lane number, Enter.")), done)

    def action_hourly(self) -> None:
        day = self.attempt(self.day)
        if day is None:
            return
        hours = self.attempt(self.office.sales_by_hour, day)
        if hours is None:
            return
        cur = self.office.currency
        total = sum(h.amount for h in hours)
        head = _("Sales by hour, every lane, {day}: hour, bar, number of sales, amount").format(day=day.isoformat())
        body = "\n".join(hourly_bars(hours, REPORT_CELLS, cur)) or _("no sales that day")
        self.show(_("by hour {day}").format(day=day.isoformat()), head + "\n\n" + body)
        count = sum(h.count for h in hours)
        self.say(ngettext("{count} sale on {day}: {amount}", "{count} sales on {day}: {amount}", count).format(
            count=count, day=day.isoformat(), amount=format_amount(total, cur, symbol=True)))

    def action_take_z(self) -> None:
        if not self.office.may(Action.Z_REPORT):
            self.say(str(PermissionDenied(Action.Z_REPORT, self.office.needed(Action.Z_REPORT))), error=True)
            return
        refusal = self.attempt(self.office.z_report_refusal)
        if refusal:
            self.say(refusal, error=True)
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                self.say(_("The day stays open"))
                return
            report = self.attempt(self.office.take_z_report)
            if report is not None:
                self.show(_("Z report {number}").format(number=f"{report.number:04d}"),
                          render_text(report, REPORT_CELLS))
                self.say(_("Z report {number} taken: net {net}").format(number=report.number,
                                                                       net=self.office.money(report.net)))
                if self.office.config.backup.after_z_report and not self.office.store_wide:
                    self.admin.start_backup()

        day = self.attempt(self.office.day_to_close)
        if day is None:
            return
        if self.office.store_wide:
            question = _("Close business day {day} of the whole store (every lane's sales the server has) with "
                         "the store's Z report? It is taken once a day.").format(day=day.isoformat())
        else:
            question = _("Close business day {day} of lane {lane} with a Z report? "
                         "It is taken once a day; later sales belong to the next day.").format(
                day=day.isoformat(), lane=f"{self.office.config.store.lane:02d}")
        self.app.push_screen(ConfirmModal(question), answered)

    def action_scroll(self, lines: int) -> None:
        self.query_one("#page", VerticalScroll).scroll_relative(y=lines, animate=False)
