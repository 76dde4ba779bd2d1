"""X and Z reports at the lane, printed on its receipt printer, and the copy taken after a Z."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pos_tui.domain.permissions import Action, Approval
from pos_tui.domain.text import neutralise_for_paper
from pos_tui.i18n import N_, _, ngettext
from pos_tui.services.lane.context import LaneContext, PrintResult

if TYPE_CHECKING:  # reports and backups are imported when one is taken: a lane opens without them
    from pos_tui.domain.report import Report


class Reports:
    def __init__(self, ctx: LaneContext) -> None:
        self.ctx = ctx

    def x_report(self, approval: Approval | None = None) -> Report:
        """The shift so far (supervisor)."""
        from pos_tui.store.reports import context_of, x_report

        ctx = self.ctx
        user = ctx.require_user()
        approved_by = ctx.authorize(Action.X_REPORT, approval)
        report = x_report(context_of(ctx.config), ctx.clock(), actor=user.name, approved_by=approved_by)
        ctx.say(ngettext("X report: {count} sale, net {net}", "X report: {count} sales, net {net}",
                         report.sales_count).format(count=report.sales_count, net=ctx.money(report.net)))
        return report

    def z_report(self, approval: Approval | None = None) -> Report:
        """Close the lane's oldest business day not closed yet (admin), after midnight too; refused
        twice for a day and while a shift of that day is open."""
        from pos_tui.store.reports import context_of, take_z_report

        ctx = self.ctx
        user = ctx.require_user()
        approved_by = ctx.authorize(Action.Z_REPORT, approval)
        ctx.require_idle(N_("the Z report"))
        report = take_z_report(context_of(ctx.config), ctx.clock(), actor=user.name, approved_by=approved_by)
        ctx.say(_("Z report {number} taken for business day {day}: net {net}").format(
            number=report.number, day=report.business_day, net=ctx.money(report.net)))
        return report

    def take_backup(self) -> Path:
        """Blocking (call from a worker): a checked copy in the backup folder (``backup_now``)."""
        from pos_tui.services.backup import backup_now

        return backup_now(self.ctx.config, actor=self.ctx.user.name if self.ctx.user else None, now=self.ctx.clock())

    def report_doc(self, report: Report):
        """The report laid out for the receipt printer."""
        from pos_tui.devices.receipt import ReceiptDoc, Text
        from pos_tui.domain.report import render_text

        doc = ReceiptDoc(self.ctx.config.devices.printer.width)
        for line in render_text(report, doc.width).splitlines():
            doc.add(Text(neutralise_for_paper(line)))
        doc.cut()
        return doc

    def print_report(self, report: Report) -> PrintResult:
        """Blocking: print the report (call from a worker)."""
        printer = self.ctx.printer
        if printer is None:
            return PrintResult(True, _("no receipt printer configured"))
        try:
            printer.print_receipt(self.report_doc(report))
        except Exception as exc:  # a device failure: the report is stored (Z) or can be taken again (X)
            return PrintResult(False, _("report not printed: {reason}").format(reason=str(exc) or type(exc).__name__))
        return PrintResult(True, _("{kind} report printed").format(kind=report.kind))
