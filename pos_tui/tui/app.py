"""The lane's Textual app: one screen per lane state, every intent sent to the ``Lane``.

Which screen shows is never stored: after every call the app takes the lane's new state and
switches to that state's screen (``show``). Errors the lane raises become one line in the message
line; a line over a bound asks yes/no and a step above the cashier's role asks for a supervisor's
PIN, then the same call is made again with ``confirmed=True`` or ``approval=``.
"""

from __future__ import annotations

import inspect
import os
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.binding import Binding
from textual.worker import Worker, WorkerState

from pos_tui.config import Config, ConfigError
from pos_tui.domain.checkout import State
from pos_tui.domain.permissions import Action, PermissionDenied
from pos_tui.lane import USER_ERRORS, Lane, LaneView, NeedsConfirmation, PrintResult
from pos_tui.tui.keymap import Keymap, apply_overrides
from pos_tui.tui.screens.items import ItemsScreen
from pos_tui.tui.screens.lane_screen import LaneScreen
from pos_tui.tui.screens.lock import LockScreen
from pos_tui.tui.screens.modals import ApprovalModal, ConfirmModal
from pos_tui.tui.screens.payment import PaymentScreen
from pos_tui.tui.screens.printing import PrintingScreen

if TYPE_CHECKING:
    from pos_tui.lane_devices import LaneDevices

THEME = Path(__file__).parent / "pos.tcss"
READY_FD_ENV = "POS_TUI_READY_FD"
PRINT_GROUP = "print"

SCREEN_OF_STATE = {
    State.LOCKED: "lock",
    State.IDLE: "items",
    State.ENTERING_ITEMS: "items",
    State.CHOOSING_PAYMENT: "payment",
    # The terminal screen comes with card payments; until then a wait shows on the payment screen.
    State.AWAITING_TERMINAL: "payment",
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
    MODES = {"lock": LockScreen, "items": ItemsScreen, "payment": PaymentScreen, "printing": PrintingScreen}

    def __init__(self, lane: Lane, *, kiosk: bool = False) -> None:
        self.DEFAULT_MODE = screen_of(lane.state)
        super().__init__(ansi_color=True)
        self.lane = lane
        self.kiosk = kiosk
        try:
            self.keymap: Keymap = apply_overrides(lane.config.keys)
        except ValueError as exc:
            raise ConfigError("", str(exc)) from None
        self.set_keymap({binding.action: binding.key for binding in self.keymap.bindings})
        self.theme = "ansi-dark"
        self.animation_level = "none"
        self.device_states: dict[str, tuple[str, bool]] = {}
        self.held_entries: list[str] = []
        self.view: LaneView = self._opening_view()

    def _opening_view(self) -> LaneView:
        view = self.lane.view()
        waiting = self.lane.waiting_receipts()
        if not waiting:
            return view
        note = f"{waiting} receipt{'s' if waiting != 1 else ''} waiting to print: sign in and press F9"
        return replace(view, message=f"{view.message}; {note}" if view.message else note)

    def on_mount(self) -> None:
        self.call_after_refresh(report_ready)

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

    def ask_supervisor(self, refusal: PermissionDenied, then: Callable[[Any], object]) -> None:
        """The supervisor PIN box for the refused action; ``then(approval)`` once approved."""
        action = refusal.action

        def approved(approval: Any) -> None:
            if approval is None:
                self.say(f"Cancelled: {refusal}", error=True)
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

    def say(self, text: str, *, error: bool = False) -> None:
        self.base_screen.say(text, error=error)

    # ------------------------------------------------------------------ receipts

    def start_printing(self) -> None:
        """Print what is queued in a thread; the result comes back in ``on_worker_state_changed``."""
        self.run_worker(self.lane.print_pending, name="print receipts", group=PRINT_GROUP, thread=True,
                        exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != PRINT_GROUP:
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
