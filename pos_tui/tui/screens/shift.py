"""Shifts and the drawer on the lane: the float counted at sign-in, the shift menu (paid in/out,
the blind close, X and Z reports, training mode) and the no-sale of F8.

``ShiftDesk`` drives them for the app: each step is a box over the item screen, then one lane
call through ``call_lane`` (which fetches a supervisor's PIN when the step is ``approvable``). The
close is blind: the count box shows no expected amount; the lane commits the count first and
only its answer, ``ClosedShift``, brings the expected amount and the over/short to the screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from pos_tui.domain.checkout import State
from pos_tui.domain.money import Currency, format_amount
from pos_tui.i18n import N_, _
from pos_tui.tui.format import count_rows, denominations, figure_rows
from pos_tui.tui.screens.modals import LaneModal
from pos_tui.tui.widgets.message_line import MessageLine
from pos_tui.tui.widgets.scan_entry import ScanEntry
from pos_tui.domain.frozen_records import FrozenRecord, frozen_record

if TYPE_CHECKING:  # the menus, the drawer's boxes and the report screen load when first shown
    from pos_tui.domain.report import Report
    from pos_tui.tui.screens.settlement_modals import CashMovement
    from pos_tui.services.lane import LaneView
    from pos_tui.services.lane import ClosedShift
    from pos_tui.tui.host import LaneHost


@frozen_record
class Count(FrozenRecord):
    """A drawer count: a total typed (``text``) or notes and coins (``denominations``), and for a
    close what stays in the drawer for the next shift ("" = all of it)."""

    text: str
    denominations: dict[int, int] | None
    left_in_drawer: str = ""


class CountModal(LaneModal[Count | None]):
    """Count the drawer: a total and Enter, or (F2) how many of each note and coin, then F10.
    With ``ask_left`` a second question follows: how much stays in the drawer."""

    BINDINGS = [
        Binding("escape", "close", N_("Close"), show=False),
        Binding("f2", "toggle", N_("By denomination"), show=False),
        Binding("f10", "done", N_("Done"), show=False),
        Binding("up", "move(-1)", N_("Previous"), show=False),
        Binding("down", "move(1)", N_("Next"), show=False),
    ]

    def __init__(self, title: str, prompt: str, hint: str, cur: Currency, *, ask_left: bool = False) -> None:
        super().__init__()
        self.title_text = title
        self.prompt = prompt
        self.hint = hint
        self.cur = cur
        self.ask_left = ask_left
        self.counts: dict[int, int] | None = None  # None: counted as a total
        self.current = 0
        self.counted: Count | None = None  # the count, while the close asks what stays in the drawer

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            yield Static(self.hint, id="hint", classes="hint")
            table = Static("", id="table")
            table.display = False
            yield table
            yield ScanEntry(self.prompt, id="entry")
            yield MessageLine()

    def on_mount(self) -> None:
        self.query_one(ScanEntry).focus()

    @property
    def values(self) -> list[int]:
        return list(self.counts or ())

    def show_table(self) -> None:
        table = self.query_one("#table", Static)
        entry = self.query_one(ScanEntry)
        if self.counts is None:
            table.display = False
            entry.set_prompt(self.prompt)
            return
        value = self.values[self.current]
        table.display = True
        table.update("\n".join(count_rows(self.counts, value, self.cur)))
        entry.set_prompt(_("How many {value}> ").format(value=format_amount(value, self.cur)))

    def action_toggle(self) -> None:
        if self.counted is not None:
            return
        hint = self.query_one("#hint", Static)
        if self.counts is None:
            self.counts = dict.fromkeys(denominations(self.cur), 0)
            self.current = 0
            hint.update(_("How many of each, Enter (moves down); Up/Down move; F10 done; F2 a total instead"))
        else:
            self.counts = None
            hint.update(self.hint)
        self.query_one(ScanEntry).clear()
        self.query_one(MessageLine).clear()
        self.show_table()

    def action_move(self, step: int) -> None:
        if self.counts is not None and self.counted is None:
            self.current = min(max(self.current + step, 0), len(self.counts) - 1)
            self.show_table()

    def on_scan_entry_submitted(self, message: ScanEntry.Submitted) -> None:
        message.stop()
        text = message.value.strip()
        if self.counted is not None:
            self.dismiss(Count(self.counted.text, self.counted.denominations, text))
        elif self.counts is None:
            if self.ask_left and not text:
                self.query_one(MessageLine).error(_("type the cash counted, then Enter (F2: by denomination)"))
                return
            self.counted_as(Count(text, None))
        else:
            self.count_denomination(text)

    def count_denomination(self, text: str) -> None:
        if text:
            if not text.isdigit():
                self.query_one(MessageLine).error(
                    _("{text}: type how many (a whole number), then Enter").format(text=repr(text)))
                return
            self.counts[self.values[self.current]] = int(text)
        self.query_one(MessageLine).clear()
        self.action_move(1)
        self.show_table()

    def action_done(self) -> None:
        if self.counts is not None and self.counted is None:
            counted = {value: count for value, count in self.counts.items() if count}
            self.counted_as(Count("" if counted else "0", counted or None))

    def counted_as(self, count: Count) -> None:
        if not self.ask_left:
            self.dismiss(count)
            return
        self.counted = count
        self.query_one("#table", Static).display = False
        self.query_one("#hint", Static).update(_("The count is taken. How much stays in the drawer for the next "
                                                 "shift? Enter alone: all of it."))
        self.query_one(ScanEntry).set_prompt(_("Leave in drawer> "))

    def action_close(self) -> None:
        self.dismiss(None)


class ShiftClosedModal(LaneModal[None]):
    """After the count is committed: counted, expected and the over/short."""

    BINDINGS = [Binding("escape,enter", "close", N_("Close"), show=False)]

    def __init__(self, closed: ClosedShift, cur: Currency) -> None:
        super().__init__()
        self.closed = closed
        self.cur = cur

    def compose(self) -> ComposeResult:
        diff = self.closed.over_short
        verdict = _("Over") if diff > 0 else _("Short") if diff < 0 else _("Balanced")
        with Vertical() as box:
            box.border_title = _("Shift {shift} closed").format(shift=self.closed.shift.id)
            yield Static("\n".join(figure_rows(
                [(_("Counted"), self.closed.counted), (_("Expected"), self.closed.expected), (verdict, abs(diff))],
                self.cur)), id="figures")
            yield Static(_("Enter or Esc closes"), classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)


class ShiftDesk:
    """The shift's steps on the lane, each a box then one lane call."""

    def __init__(self, app: LaneHost) -> None:
        self.app = app

    @property
    def lane(self):
        return self.app.lane

    def menu_key(self) -> str:
        return self.app.keymap.binding("items.shift").display_key

    def money(self, minor: int) -> str:
        return format_amount(minor, self.lane.currency, symbol=True)

    # ------------------------------------------------------------------ opening

    def after_sign_in(self) -> None:
        """No shift open on the lane: the float box comes first (sales wait for it)."""
        if self.app.shift is None and self.lane.state is State.IDLE:
            self.open_shift()

    def open_shift(self) -> None:
        suggested = self.money(self.lane.shifts.suggested_float())
        box = CountModal(_("Open the shift: count the float"), _("Float> "),
                         _("Count the cash in the drawer. Enter alone: {amount}, the float it should hold. "
                           "F2 counts by denomination.").format(amount=suggested), self.lane.currency)
        self.app.push_screen(box, self.float_counted)

    def float_counted(self, count: Count | None) -> None:
        if count is None:
            self.app.say_after_box(_("No shift is open: sales wait until {key} then O counts the float").format(
                key=self.menu_key()), error=True)
            return
        self.app.call_lane(self.lane.shifts.open_shift, count.text, count.denominations, then=self.shift_changed)

    def shift_changed(self, view: LaneView) -> None:
        self.app.refresh_shift()
        self.app.show(view)

    # ------------------------------------------------------------------ the menu

    def menu(self) -> None:
        shift = self.app.shift
        if shift is None:
            choices = [("o", _("Open the shift: count the float")),
                       ("x", _("X report of the last shift (supervisor)")),
                       ("z", _("Z report: close the day (admin)"))]
            intro = _("No shift is open on this lane.")
        else:
            choices = [("i", _("Paid in: cash put into the drawer")), ("u", _("Paid out: cash taken from the drawer")),
                       ("c", _("Close the shift: count the drawer (blind)")), ("x", _("X report: the shift so far")),
                       ("z", _("Z report: close the oldest day not closed (admin)")),
                       ("t", _("Training mode off (supervisor)") if shift.training
                        else _("Training mode on (supervisor)"))]
            intro = _("Shift {shift}, opened by {user} at {time}").format(
                shift=shift.id, user=shift.opened_by, time=f"{shift.opened_at:%H:%M}") + (
                _("; TRAINING: nothing is charged or counted") if shift.training else "")
        from pos_tui.tui.screens.settlement_modals import LetterMenuModal

        self.app.push_screen(LetterMenuModal(_("Shift"), choices, intro), self.chosen)

    def chosen(self, letter: str | None) -> None:
        steps = {"o": self.open_shift, "i": lambda: self.cash_movement("paid_in"),
                 "u": lambda: self.cash_movement("paid_out"), "c": self.close_shift,
                 "x": lambda: self.report("X"), "z": lambda: self.report("Z"), "t": self.toggle_training}
        if letter in steps:
            steps[letter]()

    # ------------------------------------------------------------------ the drawer

    def cash_movement(self, kind: str) -> None:
        from pos_tui.tui.screens.settlement_modals import MovementModal

        title, hint, none = {
            "paid_in": (_("Paid in"), _("Cash put into the drawer (change from the bank, ...): the amount, then why."),
                        _("No paid in")),
            "paid_out": (_("Paid out"), _("Cash taken from the drawer (a supplier paid, ...): the amount, then why."),
                         _("No paid out")),
        }[kind]
        intent = self.lane.shifts.paid_in if kind == "paid_in" else self.lane.shifts.paid_out

        def given(movement: CashMovement | None) -> None:
            if movement is None:
                self.app.say_after_box(none)
                return
            self.app.call_lane(intent, movement.amount_text, movement.reason, then=self.drawer_moved, approvable=True)

        self.app.push_screen(MovementModal(title, hint), given)

    def no_sale(self) -> None:
        """F8: the drawer opens without a sale, for a reason and with a supervisor."""
        from pos_tui.tui.screens.settlement_modals import MovementModal

        def given(movement: CashMovement | None) -> None:
            if movement is None:
                self.app.say_after_box(_("The drawer stays closed"))
                return
            self.app.call_lane(self.lane.shifts.no_sale, movement.reason, then=self.drawer_moved, approvable=True)

        self.app.push_screen(MovementModal(_("No sale: open the drawer"), _("Why does the drawer open? (supervisor)"),
                                           amount=False), given)

    def drawer_moved(self, view: LaneView) -> None:
        self.app.show(view)
        self.app.open_drawer()

    # ------------------------------------------------------------------ closing

    def close_shift(self) -> None:
        """The blind close: what blocks it is said first; the count box shows no expected amount."""
        blockers = self.app.ask_lane(self.lane.shifts.shift_blockers)
        if blockers is None:
            return
        if blockers:
            self.app.say_after_box(_("The shift cannot close: {reasons}").format(reasons="; ".join(blockers)),
                                   error=True)
            return
        box = CountModal(_("Close the shift: count the drawer"), _("Counted> "),
                         _("Count all the cash in the drawer and type the total, Enter (F2: by denomination). "
                           "The expected amount is shown once the count is saved."), self.lane.currency,
                         ask_left=True)
        self.app.push_screen(box, self.drawer_counted)

    def drawer_counted(self, count: Count | None) -> None:
        if count is None:
            self.app.say_after_box(_("The shift stays open"))
            return
        self.app.call_lane(self.lane.shifts.close_shift, count.text, count.denominations, count.left_in_drawer,
                           then=self.shift_closed)

    def shift_closed(self, closed: ClosedShift) -> None:
        self.shift_changed(self.lane.view())
        self.app.push_screen(ShiftClosedModal(closed, self.lane.currency))

    # ------------------------------------------------------------------ training and reports

    def toggle_training(self) -> None:
        self.app.call_lane(self.lane.shifts.set_training, not self.app.training, then=self.shift_changed,
                           approvable=True)

    def report(self, kind: str) -> None:
        intent = self.lane.reports.x_report if kind == "X" else self.lane.reports.z_report
        self.app.call_lane(intent, then=self.show_report, approvable=True)

    def show_report(self, report: Report) -> None:
        self.app.show(self.lane.view())
        from pos_tui.tui.screens.report import ReportScreen

        self.app.push_screen(ReportScreen(report))
        if report.kind == "Z":
            self.app.backup_after_z_report()
