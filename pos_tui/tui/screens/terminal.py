"""AWAITING_TERMINAL: a card or wallet payment is running in a worker thread.

The screen shows the amount, what the terminal says it is doing (the driver's progress, posted
back as messages) and the seconds waited (a 1 s timer redraws that one line). Nothing here
blocks: the serial or network I/O lives in the app's payment worker. Esc explains how to cancel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import Static

from pos_tui.domain.money import format_amount
from pos_tui.i18n import N_, _
from pos_tui.services.lane import LaneView
from pos_tui.tui.format import labelled_lines, payment_figures, payment_title, waited_text
from pos_tui.tui.keymap import DEFAULT_KEYMAP
from pos_tui.tui.screens.lane_screen import LaneScreen
from pos_tui.tui.widgets.message_line import MessageLine
from pos_tui.tui.widgets.scan_entry import SUBMIT_KEYS
from pos_tui.tui.widgets.totals_bar import TotalsBar

if TYPE_CHECKING:
    from pos_tui.tui.payment_run import PaymentRun


class TerminalScreen(LaneScreen):
    KEYS = "terminal"
    TITLE_TEXT = N_("waiting for the terminal")
    BINDINGS = DEFAULT_KEYMAP.textual_bindings("terminal")

    DEFAULT_CSS = """
    TerminalScreen #wait {
        height: 1fr;
        border: solid ansi_blue;
        border-title-color: ansi_bright_white;
        border-title-style: bold;
        padding: 1 2;
    }
    TerminalScreen #amount {
        color: ansi_bright_white;
        text-style: bold;
    }
    TerminalScreen #progress {
        color: ansi_bright_white;
        margin-top: 1;
    }
    TerminalScreen #how {
        color: ansi_cyan;
        margin-top: 1;
    }
    """

    _clock: Timer | None = None
    _typed = ""  # keys typed (a scan) while the terminal has the payment: not taken, and the cashier is told

    def compose(self) -> ComposeResult:
        yield self.status_header()
        with Vertical(id="wait"):
            yield Static("", id="amount")
            yield Static("", id="reference")
            yield Static("", id="progress")
            yield Static("", id="waited")
            yield Static("", id="how")
        yield TotalsBar(id="totals")
        yield MessageLine()
        yield self.key_footer()

    def on_screen_resume(self) -> None:
        # The clock starts with each wait, so the seconds tick over on time; it stops when the wait ends.
        if self._clock is None:
            self._clock = self.set_interval(1.0, self.show_waited)

    def render_view(self, view: LaneView) -> None:
        super().render_view(view)
        cur = self.pos.lane.currency
        self.query_one(TotalsBar).set_figures(payment_figures(view, cur))
        run = self.pos.payment
        box = self.query_one("#wait", Vertical)
        if run is None:
            box.border_title = _("Terminal")
            for part in ("amount", "reference", "progress", "waited", "how"):
                self.query_one(f"#{part}", Static).update("")
            # The outcome could not be saved (the message line says why): the attempt stays pending,
            # and a restart reopens it for a supervisor to resolve.
            self.query_one("#amount", Static).update(_("No payment is running: quit and restart the lane"))
            return
        box.border_title = payment_title(run.attempt.method)
        amount, reference = labelled_lines([(_("Amount"), format_amount(run.attempt.amount, cur, symbol=True)),
                                            (_("Reference"), run.attempt.reference)])
        self.query_one("#amount", Static).update(amount)
        self.query_one("#reference", Static).update(reference)
        self.query_one("#how", Static).update(self.how_to_cancel(run))
        self.show_progress(run)
        self.show_waited()

    def how_to_cancel(self, run: PaymentRun) -> str:
        if not run.is_card:
            return _("The customer confirms on the phone; the wallet ends the payment by itself.")
        cancel = self.pos.keymap.binding("terminal.cancel").display_key
        if self.pos.lane.payments.can_abort_card:
            return _("The customer follows the terminal. {key} cancels the payment.").format(key=cancel)
        return _("The customer follows the terminal. To cancel: the Cancel key on the terminal ({key} tells how)."
                 ).format(key=cancel)

    def show_progress(self, run: PaymentRun) -> None:
        self.query_one("#progress", Static).update(run.progress)

    def show_waited(self) -> None:
        run = self.pos.payment
        self.query_one("#waited", Static).update(waited_text(run.waited()) if run else "")
        if run is None and self._clock is not None:
            self._clock.stop()
            self._clock = None

    def on_key(self, event: events.Key) -> None:
        """Nothing is typed here: a scan (or typing) while the terminal has the payment is not taken,
        and its Enter says so, with what it was, instead of losing it silently."""
        if event.character is not None and len(event.character) == 1 and event.character.isprintable():
            self._typed += event.character
        elif event.key in SUBMIT_KEYS and self._typed:
            typed, self._typed = self._typed, ""
            self.say(_("Not taken while the terminal has the payment: {typed}. Scan or type it again after the "
                       "payment").format(typed=typed if len(typed) <= 24 else typed[:23] + "…"), error=True)
        else:
            return
        event.stop()
        event.prevent_default()

    def action_cancel(self) -> None:
        self.pos.cancel_payment()
