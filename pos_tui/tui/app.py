"""The lane's Textual app: one screen per lane state, every intent sent to the ``Lane``.

Which screen shows is never stored: after every call the app takes the lane's new state and
switches to that state's screen (``show``). Errors the lane raises become one line in the message
line; a line over a bound asks yes/no and a step above the cashier's role asks for a supervisor's
PIN, then the same call is made again with ``confirmed=True`` or ``approval=``.

A card or wallet payment runs in a thread worker (``start_card``, ``start_wallet``): the attempt
is committed first, the worker talks to the terminal, and its outcome is committed on the UI
thread (``finish_payment``) before any screen moves. One payment (or refund) runs at a time.

Shifts, the drawer, reports and returns (``ShiftDesk``, ``ReturnDesk``) happen on the item screen
with the lane IDLE: their boxes go over it, and their blocking calls run in workers here too.
"""

from __future__ import annotations

import gc
import inspect
import os
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from textual.app import App
from textual.binding import Binding
from textual.worker import Worker, WorkerState

from pos_tui.config import Config, ConfigError
from pos_tui.devices.terminal.base import UNKNOWN, Outcome
from pos_tui.domain.checkout import State
from pos_tui.domain.money import format_amount
from pos_tui.domain.permissions import Action, PermissionDenied
from pos_tui.domain.tender import method_name
from pos_tui.lane import USER_ERRORS, Lane, LaneView, NeedsConfirmation, PrintResult
from pos_tui.tui.device_status import DEVICE_CHECK_SECONDS, DevicesChecked, show_device_states, start_device_check
from pos_tui.tui.keymap import DEFAULT_KEYMAP, Keymap, apply_overrides
from pos_tui.tui.screens.items import ItemsScreen
from pos_tui.tui.screens.lane_screen import LaneScreen
from pos_tui.tui.screens.lock import LockScreen
from pos_tui.tui.screens.modals import ApprovalModal, ConfirmModal, Resolution, ResolveModal, WalletCodeModal
from pos_tui.tui.screens.payment import PaymentScreen
from pos_tui.tui.screens.printing import PrintingScreen
from pos_tui.tui.screens.report import ReportScreen
from pos_tui.tui.screens.returns import RefundRun, RefundWaitModal, ReturnDesk
from pos_tui.tui.screens.shift import ShiftDesk
from pos_tui.tui.screens.terminal import PaymentRun, TerminalProgress, TerminalScreen

if TYPE_CHECKING:
    from pos_tui.lane_devices import LaneDevices
    from pos_tui.store.sales import PaymentRecord
    from pos_tui.store.shifts import ShiftRecord

THEME = Path(__file__).parent / "pos.tcss"
READY_FD_ENV = "POS_TUI_READY_FD"
PRINT_GROUP = "print"
PAYMENT_GROUP = "payment"
ABORT_GROUP = "abort"
DRAWER_GROUP = "drawer"
REPORT_GROUP = "report"

T = TypeVar("T")

SCREEN_OF_STATE = {
    State.LOCKED: "lock",
    State.IDLE: "items",
    State.ENTERING_ITEMS: "items",
    State.CHOOSING_PAYMENT: "payment",
    State.AWAITING_TERMINAL: "terminal",
    State.PRINTING: "printing",
}


def screen_of(state: State) -> str:
    return SCREEN_OF_STATE[state]


class PosApp(App[None]):
    """The checkout lane. ``kiosk``: leaving needs a supervisor's PIN; Ctrl+C never quits."""

    CSS_PATH = THEME
    # The theme paints every Screen black; a box must let the lane screen show around it.
    # Training mode paints the top line of every screen red (with TRAINING in it).
    CSS = """
    LaneModal { background: transparent; }
    StatusHeader.-training { background: ansi_red; }
    """
    ENABLE_COMMAND_PALETTE = False
    # Replaces the App's own ctrl+q (quit) and ctrl+c bindings: same keys, the lane's rules.
    BINDINGS = [
        Binding("ctrl+q", "leave", "Quit", show=False, priority=True),
        Binding("ctrl+c", "interrupt", show=False, system=True),
    ]
    MODES = {"lock": LockScreen, "items": ItemsScreen, "payment": PaymentScreen, "terminal": TerminalScreen,
             "printing": PrintingScreen}

    def __init__(self, lane: Lane, *, kiosk: bool = False) -> None:
        self.DEFAULT_MODE = screen_of(lane.state)
        super().__init__(ansi_color=True)
        self.lane = lane
        self.kiosk = kiosk
        try:
            self.keymap: Keymap = apply_overrides(lane.config.keys)
        except ValueError as exc:
            raise ConfigError("", str(exc)) from None
        # Only the overridden keys: Textual re-applies the keymap to every binding on each key press.
        self.set_keymap({b.action: b.key for b in self.keymap.bindings
                         if b.key != DEFAULT_KEYMAP.binding(b.action).key})
        self.theme = "ansi-dark"
        self.animation_level = "none"
        self.device_states: dict[str, tuple[str, bool]] = {}
        self.held_entries: list[str] = []
        self.payment: PaymentRun | None = None
        self.shift: ShiftRecord | None = lane.shift
        self.shift_desk = ShiftDesk(self)
        self.return_desk = ReturnDesk(self)
        self.view: LaneView = self._opening_view()

    def _opening_view(self) -> LaneView:
        view = self.lane.view()
        waiting = self.lane.waiting_receipts()
        if not waiting:
            return view
        note = f"{waiting} receipt{'s' if waiting != 1 else ''} waiting to print: sign in and press F9"
        return replace(view, message=f"{view.message}; {note}" if view.message else note)

    def on_mount(self) -> None:
        self.call_after_refresh(self._first_frame_drawn)
        self.set_interval(DEVICE_CHECK_SECONDS, self.check_devices)

    def check_devices(self) -> None:
        """Refresh the header's printer and terminal state in a thread worker, unless a payment,
        a print or another device job is using them (see ``device_status``)."""
        start_device_check(self)

    def on_devices_checked(self, message: DevicesChecked) -> None:
        show_device_states(self, message.states)

    def _first_frame_drawn(self) -> None:
        report_ready()
        # Everything built so far lives as long as the lane: keep it out of the cyclic GC, whose
        # full passes over it otherwise stall a scan by 10-20 ms now and then.
        gc.freeze()

    # ------------------------------------------------------------------ intents and screens

    @property
    def base_screen(self) -> LaneScreen:
        """The lane screen of the current state (under any open box)."""
        return self.screen_stack[0]  # type: ignore[return-value]

    def run_intent(self, intent: Callable[..., LaneView], *args: Any, **kwargs: Any) -> bool:
        """Call a lane method and show its view; True when the lane did it (see ``call_lane``)."""
        return self.call_lane(intent, *args, then=self.show, **kwargs)

    def call_lane(self, intent: Callable[..., T], *args: Any, then: Callable[[T], object], **kwargs: Any) -> bool:
        """Call a lane method and hand its answer to ``then``; True when the lane did it at once.

        A refusal the cashier can overcome is asked about when the method can take the answer:
        a line over a bound -> yes/no, then ``confirmed=True``; a step above the cashier's role ->
        the supervisor PIN box, then ``approval=`` (``then`` follows the call made again). Anything
        else is one line in the message line.
        """
        try:
            result = intent(*args, **kwargs)
        except NeedsConfirmation as exc:
            if not takes(intent, "confirmed") or kwargs.get("confirmed"):
                self.say(str(exc), error=True)
                return False

            def answered(yes: bool | None) -> None:
                if yes:
                    self.call_lane(intent, *args, then=then, **{**kwargs, "confirmed": True})
                else:
                    self.say("Not added")

            self.push_screen(ConfirmModal(str(exc)), answered)
            return False
        except PermissionDenied as exc:
            if not takes(intent, "approval") or kwargs.get("approval") is not None:
                self.say(str(exc), error=True)
                return False
            self.ask_supervisor(exc, lambda approval: self.call_lane(intent, *args, then=then,
                                                                     **{**kwargs, "approval": approval}))
            return False
        except USER_ERRORS as exc:
            self.say(str(exc), error=True)
            return False
        then(result)
        return True

    def ask_lane(self, intent: Callable[..., T], *args: Any) -> T | None:
        """Call a lane method that answers with something other than a view; a refusal is one
        line in the message line and None."""
        try:
            return intent(*args)
        except USER_ERRORS as exc:
            self.say(str(exc), error=True)
            return None

    def ask_supervisor(self, refusal: PermissionDenied, then: Callable[[Any], object]) -> None:
        """The supervisor PIN box for the refused action; ``then(approval)`` once approved."""
        action = refusal.action

        def approved(approval: Any) -> None:
            if approval is None:
                self.say_after_box(f"Cancelled: {refusal}", error=True)
            else:
                then(approval)

        title = f"Supervisor approval: {action.value.replace('_', ' ')}"
        self.push_screen(ApprovalModal(title, lambda name, pin: self.lane.approve(name, pin, action)), approved)

    def show(self, view: LaneView) -> None:
        """Show a lane snapshot on the screen of its state, switching screens when the state says so."""
        self.view = view
        target = screen_of(view.state)
        if target == self.current_mode:
            self.base_screen.render_view(view)
            return
        signed_in = self.current_mode == "lock"
        if signed_in:
            self.refresh_shift()
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.switch_mode(target)
        if view.state is State.PRINTING:
            self.start_printing()
        elif target == "payment" and view.unresolved:
            # Back from the terminal with no answer, or signed in after a restart mid-payment.
            self.open_resolution()
        elif signed_in:
            self.shift_desk.after_sign_in()

    def say(self, text: str, *, error: bool = False) -> None:
        # Kept in the view too: a box closing over the screen redraws it from the view.
        self.view = replace(self.view, message=text, message_is_error=error)
        self.base_screen.say(text, error=error)

    def say_after_box(self, text: str, *, error: bool = False) -> None:
        """Say something as a box closes: kept in the view, so the screen coming back shows it."""
        self.show(replace(self.view, message=text, message_is_error=error))

    # ------------------------------------------------------------------ card and wallet payments

    def start_card(self, amount_text: str) -> None:
        """F3: commit the card attempt, then run the terminal dialogue in a thread worker."""
        if self.payment is not None:
            return  # a key repeated while the first attempt is being sent; the lane would refuse it too
        attempt = self.ask_lane(self.lane.begin_card, amount_text)
        if attempt is None:
            return
        run = PaymentRun(attempt, "calling the terminal")
        self.start_payment(run, partial(self.lane.run_card, attempt, on_progress=self.report_progress,
                                        cancel=run.cancel))

    def start_wallet(self, amount_text: str) -> None:
        """F4: the box for the customer's payment code; its code commits the wallet attempt."""
        if self.payment is not None:
            return
        if not self.lane.wallets:
            self.say("wallet payments: no wallet gateway is set up on this lane", error=True)
            return
        amount = (f"Amount {amount_text.strip()}" if amount_text.strip()
                  else f"Amount {format_amount(max(self.view.remaining, 0), self.lane.currency, symbol=True)} "
                       "(the balance)")
        self.push_screen(WalletCodeModal(lambda code: self.lane.begin_wallet(code, amount_text), amount),
                         self.wallet_begun)

    def wallet_begun(self, begun: tuple[PaymentRecord, str] | None) -> None:
        if begun is None:
            self.say_after_box("No wallet payment was started")
            return
        attempt, code = begun
        run = PaymentRun(attempt, f"waiting for {method_name(attempt.method)}: the customer confirms on the phone")
        self.start_payment(run, partial(self.lane.run_wallet, attempt, code))

    def start_payment(self, run: PaymentRun, work: Callable[[], Any]) -> None:
        self.payment = run
        self.show(self.lane.view())
        self.run_worker(work, name=f"{run.attempt.method} payment", group=PAYMENT_GROUP, thread=True,
                        exit_on_error=False)

    def report_progress(self, text: str) -> None:
        """The driver's progress, called in the worker's thread: posted, so the driver never waits
        for the screen."""
        self.post_message(TerminalProgress(text))

    def on_terminal_progress(self, message: TerminalProgress) -> None:
        if self.payment is None:
            return
        self.payment.progress = message.text
        if isinstance(self.base_screen, TerminalScreen):
            self.base_screen.show_progress(self.payment)
        elif isinstance(self.screen, RefundWaitModal):
            self.screen.show_progress(self.payment)

    def payment_ended(self, outcome: Any) -> None:
        """The worker's outcome: committed by the lane, then the screen of the state it leads to."""
        run, self.payment = self.payment, None
        if isinstance(run, RefundRun):
            self.return_desk.refund_ended(run, outcome)
        elif run is not None:
            self.run_intent(self.lane.finish_payment, run.attempt, outcome)

    def cancel_payment(self) -> None:
        """Esc while waiting. Concert E+ cannot be stopped from the lane: the first Esc says to
        cancel on the terminal (its answer still comes); the next one may stop waiting, once the
        cashier confirms the customer was told, which leaves the outcome for a supervisor."""
        run = self.payment
        if run is None:
            return
        if not run.is_card:
            self.say(f"{method_name(run.attempt.method)} ends the payment by itself: the customer confirms or "
                     "cancels on the phone")
            return
        terminal = self.lane.terminal
        if terminal.can_abort:
            self.say("Cancelling the payment on the terminal…")
            self.run_worker(terminal.abort, name="abort card payment", group=ABORT_GROUP, thread=True,
                            exit_on_error=False)
            return
        if not run.cancel_explained:
            run.cancel_explained = True
            esc = self.keymap.binding("terminal.cancel").display_key
            self.say(f"Press Cancel on the terminal itself; {esc} again only if the terminal is stuck", error=True)
            return

        def answered(yes: bool | None) -> None:
            if yes and not run.cancel.is_set():
                run.cancel.set()
                self.say_after_box("Stopped waiting: the outcome is UNKNOWN until a supervisor reads the "
                                   "terminal's ticket", error=True)

        self.push_screen(ConfirmModal(
            "Stop waiting for the terminal? Only if the customer was told the card may not have been charged: "
            "the payment's outcome becomes UNKNOWN and a supervisor must read the terminal's last ticket."),
            answered)

    # ------------------------------------------------------------------ unknown outcomes

    def open_resolution(self) -> None:
        """The supervisor's box for the first payment whose outcome is unknown (F6 on payment)."""
        if not self.view.unresolved:
            self.say("No payment has an unknown outcome")
            return
        self.push_screen(ResolveModal(self.view.unresolved[0], self.lane.currency), self.resolution_given)

    def resolution_given(self, answer: Resolution | None) -> None:
        if answer is None:
            key = self.keymap.binding("payment.resolve").display_key
            self.say_after_box(f"The payment's outcome is still unknown: {key} resolves it (supervisor)",
                               error=True)
            return
        self.run_intent(self.lane.resolve_payment, answer.payment_id, charged=answer.charged,
                        auth_code=answer.auth_code)

    # ------------------------------------------------------------------ receipts

    def start_printing(self) -> None:
        """Print what is queued in a thread; the result comes back in ``on_worker_state_changed``."""
        self.run_worker(self.lane.print_pending, name="print receipts", group=PRINT_GROUP, thread=True,
                        exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        group = event.worker.group
        if group == PAYMENT_GROUP:
            if event.state is WorkerState.SUCCESS:
                self.payment_ended(event.worker.result)
            elif event.state is WorkerState.ERROR:
                # Money may have moved: never a decline, always one for the supervisor.
                self.payment_ended(Outcome(UNKNOWN, reason=f"payment stopped by an error: {event.worker.error}"))
            return
        if group == ABORT_GROUP:
            if event.state is WorkerState.ERROR:
                self.say(f"The terminal did not take the cancel ({event.worker.error}): press Cancel on it",
                         error=True)
            return
        if group in (DRAWER_GROUP, REPORT_GROUP):
            if event.state is WorkerState.SUCCESS:
                self.device_done(group, event.worker.result)
            elif event.state is WorkerState.ERROR:
                self.device_done(group, PrintResult(False, f"{event.worker.name} failed: {event.worker.error}"))
            return
        if group != PRINT_GROUP:
            return
        if event.state is WorkerState.SUCCESS:
            self.printed(event.worker.result)
        elif event.state is WorkerState.ERROR:
            error = event.worker.error
            self.printed(PrintResult(False, f"receipt not printed: {error or type(error).__name__}. F9 prints it"))

    def open_drawer(self) -> None:
        """Kick the drawer a paid-in, paid-out or no-sale just committed (in a worker)."""
        self.run_worker(self.lane.open_drawer, name="open the drawer", group=DRAWER_GROUP, thread=True,
                        exit_on_error=False)

    def print_report(self, report: Any) -> None:
        """Print an X or Z report (in a worker); the report screen says how it went."""
        self.run_worker(partial(self.lane.print_report, report), name="print the report", group=REPORT_GROUP,
                        thread=True, exit_on_error=False)

    def device_done(self, group: str, result: PrintResult) -> None:
        if group == REPORT_GROUP and isinstance(self.screen, ReportScreen):
            self.screen.say(result.message, error=not result.ok)
            return
        if result.message:
            self.say(result.message, error=not result.ok)

    # ------------------------------------------------------------------ shifts

    def refresh_shift(self) -> None:
        """Read the lane's shift again: at sign-in and after every shift intent, before the screen
        is drawn (the header shows TRAINING, the item screen how to open a shift)."""
        self.shift = self.lane.shift

    @property
    def training(self) -> bool:
        return bool(self.shift and self.shift.training)

    def hold_entry(self, text: str) -> int:
        """Keep a scan made while the receipt prints; returns how many wait."""
        self.held_entries.append(text)
        return len(self.held_entries)

    def printed(self, result: PrintResult) -> None:
        if self.lane.printer is not None:
            self.device_states["printer"] = ("ok", True) if result.ok else ("error", False)
        if self.lane.state is State.PRINTING:
            self.run_intent(self.lane.finish_printing, result)
            held, self.held_entries = self.held_entries, []
            for text in held:
                self.run_intent(self.lane.enter, text)
            if held and not result.ok:
                self.say(result.message, error=True)  # the printer's trouble outlives the scans' messages
            return
        # F9 on the item screen: the state stays, the header and message line tell how it went.
        self.base_screen.render_view(self.view)
        if result.message:
            self.say(result.message, error=not result.ok)

    # ------------------------------------------------------------------ leaving

    def quit_help(self) -> tuple[str, str]:
        return ("^Q", "leave the lane (supervisor PIN)" if self.kiosk else "quit (an open sale stays for later)")

    def action_leave(self) -> None:
        if self.payment is not None:
            self.say("A payment is running: the lane can be left once the terminal has answered", error=True)
            return
        if not self.kiosk:
            self.exit()
            return
        if isinstance(self.screen, ApprovalModal):
            return
        self.push_screen(
            ApprovalModal("Supervisor approval: leave the kiosk",
                          lambda name, pin: self.lane.approve(name, pin, Action.QUIT_KIOSK)),
            lambda approval: self.exit() if approval is not None else self.say("The lane stays open"),
        )

    def action_interrupt(self) -> None:
        self.say("Ctrl+Q leaves the lane with a supervisor PIN" if self.kiosk else "Ctrl+Q quits")


def takes(method: Callable[..., Any], parameter: str) -> bool:
    """Whether a lane method accepts ``parameter`` (``confirmed``, ``approval``)."""
    return parameter in inspect.signature(method).parameters


def report_ready() -> None:
    """Tell a launcher waiting on ``POS_TUI_READY_FD`` that the lane is drawn and ready for input:
    one line "<time.monotonic()> <peak RSS KiB>" (benchmarks/ measures start-up with it)."""
    fd = os.environ.pop(READY_FD_ENV, None)
    if fd is None:
        return
    with open("/proc/self/status", encoding="ascii") as status:  # VmHWM: ru_maxrss inherits a parent's
        peak_rss = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    with os.fdopen(int(fd), "w") as ready:
        ready.write(f"{time.monotonic()} {peak_rss}\n")


def run_lane(config: Config, devices: LaneDevices | None = None, *, kiosk: bool) -> None:
    """Run the lane on the open store with ``devices`` (printer, terminal, wallets) until the cashier,
    or in a kiosk a supervisor, leaves."""
    if devices is None:
        lane = Lane(config)
    else:
        lane = Lane(config, printer=devices.printer, terminal=devices.terminal, wallets=devices.wallets)
    PosApp(lane, kiosk=kiosk or config.kiosk.enabled).run(mouse=False)
