"""The lane's Textual app: one screen per lane state, every intent sent to the ``Lane``.

Which screen shows is never stored: after every call the app takes the lane's new state and
switches to that state's screen (``show``). Errors the lane raises become one line in the message
line; a line over a bound asks yes/no and a step above the cashier's role asks for a supervisor's
PIN, then the same call is made again with ``confirmed=True`` or ``approval=``.

A card or wallet payment runs in a thread worker (``start_card``, ``start_wallet``): the attempt
is committed first, the worker talks to the terminal, and its outcome is committed on the UI
thread (``finish_payment``) before any screen moves. One payment runs at a time.
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
from pos_tui.tui.keymap import DEFAULT_KEYMAP, Keymap, apply_overrides
from pos_tui.tui.screens.items import ItemsScreen
from pos_tui.tui.screens.lane_screen import LaneScreen
from pos_tui.tui.screens.lock import LockScreen
from pos_tui.tui.screens.modals import ApprovalModal, ConfirmModal, Resolution, ResolveModal, WalletCodeModal
from pos_tui.tui.screens.payment import PaymentScreen
from pos_tui.tui.screens.printing import PrintingScreen
from pos_tui.tui.screens.terminal import PaymentRun, TerminalProgress, TerminalScreen

if TYPE_CHECKING:
    from pos_tui.lane_devices import LaneDevices
    from pos_tui.store.sales import PaymentRecord

THEME = Path(__file__).parent / "pos.tcss"
READY_FD_ENV = "POS_TUI_READY_FD"
PRINT_GROUP = "print"
PAYMENT_GROUP = "payment"
ABORT_GROUP = "abort"

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
    CSS = "LaneModal { background: transparent; }"
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
        """Call a lane method and show its result; True when the lane did it.

        A refusal the cashier can overcome is asked about when the method can take the answer:
        a line over a bound -> yes/no, then ``confirmed=True``; a step above the cashier's role ->
        the supervisor PIN box, then ``approval=``. Anything else is one line in the message line.
        """
        try:
            view = intent(*args, **kwargs)
        except NeedsConfirmation as exc:
            if not takes(intent, "confirmed") or kwargs.get("confirmed"):
                self.say(str(exc), error=True)
                return False

            def answered(yes: bool | None) -> None:
                if yes:
                    self.run_intent(intent, *args, **{**kwargs, "confirmed": True})
                else:
                    self.say("Not added")

            self.push_screen(ConfirmModal(str(exc)), answered)
            return False
        except PermissionDenied as exc:
            if not takes(intent, "approval") or kwargs.get("approval") is not None:
                self.say(str(exc), error=True)
                return False
            self.ask_supervisor(exc, lambda approval: self.run_intent(intent, *args, **{**kwargs, "approval": approval}))
            return False
        except USER_ERRORS as exc:
            self.say(str(exc), error=True)
            return False
        self.show(view)
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
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.switch_mode(target)
        if view.state is State.PRINTING:
            self.start_printing()
        elif target == "payment" and view.unresolved:
            # Back from the terminal with no answer, or signed in after a restart mid-payment.
            self.open_resolution()

    def say(self, text: str, *, error: bool = False) -> None:
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

    def payment_ended(self, outcome: Any) -> None:
        """The worker's outcome: committed by the lane, then the screen of the state it leads to."""
        run, self.payment = self.payment, None
        if run is not None:
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
        if group != PRINT_GROUP:
            return
        if event.state is WorkerState.SUCCESS:
            self.printed(event.worker.result)
        elif event.state is WorkerState.ERROR:
            error = event.worker.error
            self.printed(PrintResult(False, f"receipt not printed: {error or type(error).__name__}. F9 prints it"))

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
    import resource

    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
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
