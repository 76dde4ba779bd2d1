"""The lane's Textual app: one screen per lane state, every intent sent to the ``Lane``.

Which screen shows is never stored: after every call the app takes the lane's new state and
switches to that state's screen (``show``). Errors the lane raises become one line in the message
line; where the caller says the lane method takes the answer (``confirmable=True``,
``approvable=True``), a line over a bound asks yes/no and a step above the cashier's role asks for a
supervisor's PIN, then the same call is made again with ``confirmed=True`` or ``approval=``.

A card or wallet payment runs in a thread worker (``start_card``, ``start_wallet``): the attempt
is committed first, the worker talks to the terminal, and its outcome comes back as a
``PaymentEnded`` message, committed on the UI thread (``finish_payment``) before any screen moves.
One payment (or refund) runs at a time. Every blocking call runs in a ``@work`` method that posts
its result as a typed message (``tui.messages``), handled in ``on_<message>``. Receipts print on
the lane's receipt queue (a lane-event subscriber): its ``ReceiptsPrinted`` comes back as
``PrintingEnded``.

Shifts, the drawer, reports and returns (``ShiftDesk``, ``ReturnDesk``) happen on the item screen
with the lane IDLE: their boxes go over it, and their blocking calls run in workers here too.
Screens and desks reach the app only as a ``LaneHost``; none imports this module.

Start-up: the sign-in screen is drawn first; the store, the lane and its devices are opened right
after that first frame (``opening``), while the cashier types the user name. Keys typed meanwhile
wait in the queue. Only the sign-in screen's modules are imported before the first frame; the other
screens are imported when first shown.
"""

from __future__ import annotations

import gc
import importlib
import logging
import os
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.reactive import Reactive

from pos_tui.config import Config, ConfigError
from pos_tui.domain.checkout import State
from pos_tui.domain.money import format_amount
from pos_tui.domain.payment import Outcome, PaymentStatus, method_name
from pos_tui.domain.permissions import Action, PermissionDenied, Role, action_name
from pos_tui.i18n import N_, _, ngettext
from pos_tui.lane_signals import keep_ignoring
from pos_tui.tui.keymap import DEFAULT_KEYMAP, Keymap, apply_overrides, check_department_keys
from pos_tui.tui.lane_devices import SerialScan, follow_lane_devices, forget_lane_devices, take_serial_scan
from pos_tui.tui.messages import (
    BackupTaken, CardAbortFailed, DevicesChecked, DrawerOpened, PaymentEnded, PaymentStatesRead, PrintingEnded,
    ReportPrinted, TerminalProgress,
)
from pos_tui.tui.payment_run import PaymentRun, RefundRun
from pos_tui.tui.screens.lane_screen import LaneScreen
from pos_tui.tui.screens.lock import LockScreen
from pos_tui.tui.widgets.scan_entry import ScanEntry
from pos_tui.tui.widgets.status_header import StatusHeader

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from textual.screen import Screen
    from textual.timer import Timer

    from pos_tui.domain.report import Report
    from pos_tui.services.devices import DevicePoll
    from pos_tui.services.events import ReceiptsPrinted
    from pos_tui.services.lane import Lane, LaneView, PrintResult
    from pos_tui.services.store_wait import StoreWaits
    from pos_tui.services.views import PaymentRecord, ShiftRecord
    from pos_tui.tui.screens.modals import Resolution
    from pos_tui.tui.screens.returns import ReturnDesk
    from pos_tui.tui.screens.shift import ShiftDesk

THEME = Path(__file__).parent / "pos.tcss"
READY_FD_ENV = "POS_TUI_READY_FD"
log = logging.getLogger(__name__)

# The lane's event-bus subscriber that brings the receipt queue's results to the screen.
TUI_SUBSCRIBER = "tui"
# Jobs named in "... failed: ..." lines.
DRAWER_JOB = N_("open the drawer")
REPORT_JOB = N_("print the report")

T = TypeVar("T")
# While the lane waits at payment, how often it looks whether the back office changed the sale's
# payments (two indexed reads in a worker, never on a scan's path).
PAYMENT_CHECK_SECONDS = 2.0
# The cyclic GC's full pass stalls whatever runs for 10 ms and more (three times that at a third of
# a core): the lane runs it itself while it stands idle between customers, checked every
# IDLE_CHECK_SECONDS, once it has been idle at two checks in a row (and then keeps the screens shown
# for the first time since out of the GC: ``settle_memory``); the GC's own full passes come
# only after FULL_PASS_AFTER of its middle ones (Python's default is 10), a safety net for a lane
# that never stands idle.
IDLE_CHECK_SECONDS = 1.0
FULL_PASS_AFTER = 1000

SCREEN_OF_STATE = {
    State.LOCKED: "lock",
    State.IDLE: "items",
    State.ENTERING_ITEMS: "items",
    State.CHOOSING_PAYMENT: "payment",
    State.AWAITING_TERMINAL: "terminal",
    State.PRINTING: "printing",
}


def waiting_for_the_store() -> str:
    return _("Waiting for the store: another program is writing to it…")


def screen_of(state: State) -> str:
    return SCREEN_OF_STATE[state]


def shown_later(module: str, name: str) -> Callable[[], Screen]:
    """A mode's screen, imported when the lane first goes there (the first frame needs only the
    sign-in screen)."""

    def make() -> Screen:
        return getattr(importlib.import_module(f"pos_tui.tui.screens.{module}"), name)()

    return make


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
    # Textual's ANSI theme from the start. Set in __init__ it would be a change of theme, and Textual
    # parses all the CSS a second time for it before the first frame.
    theme: Reactive[str] = Reactive("ansi-dark")
    # Replaces the App's own ctrl+q (quit) and ctrl+c bindings: same keys, the lane's rules.
    BINDINGS = [
        Binding("ctrl+q", "leave", N_("Quit"), show=False, priority=True),
        Binding("ctrl+c", "interrupt", show=False, system=True),
    ]
    MODES = {"lock": LockScreen, "items": shown_later("items", "ItemsScreen"),
             "payment": shown_later("payment", "PaymentScreen"), "terminal": shown_later("terminal", "TerminalScreen"),
             "printing": shown_later("printing", "PrintingScreen")}

    def __init__(self, lane: Lane | None = None, *, kiosk: bool = False, config: Config | None = None,
                 opening: AbstractContextManager[Lane] | None = None) -> None:
        """Either a ``lane`` ready to use, or the ``config`` and an ``opening`` (a context manager
        that opens the store, the devices and the lane) to enter once the first frame is drawn."""
        if (lane is None) == (opening is None):
            raise ValueError("PosApp takes a lane, or a config and an opening")
        # A lane always starts behind the sign-in screen; a given one may be anywhere.
        self.DEFAULT_MODE = screen_of(lane.state) if lane is not None else "lock"
        super().__init__(ansi_color=True)
        self.config: Config = lane.config if lane is not None else config
        self.kiosk = kiosk
        self._lane_opening = opening
        self._open_resources = ExitStack()
        self._startup = StartupReport()
        self._modes_shown: set[str] = {self.DEFAULT_MODE}
        self.opening_error: str | None = None
        try:
            self.keymap: Keymap = apply_overrides(self.config.keys)
            check_department_keys(self.keymap, ((d.code, d.key) for d in self.config.departments))
        except ValueError as exc:
            raise ConfigError("", str(exc)) from None
        # Only the overridden keys: Textual re-applies the keymap to every binding on each key press.
        self.set_keymap({b.action: b.key for b in self.keymap.bindings
                         if b.key != DEFAULT_KEYMAP.binding(b.action).key})
        self.set_class(True, f"-theme-{self.theme}", update=False)  # as a change of theme would
        self.animation_level = "none"
        self.device_states: dict[str, tuple[str, bool]] = {}
        self.typed_after_sign_in: list[str] = []
        self.held_entries: list[str] = []
        self.payment: PaymentRun | None = None
        self.lane: Lane | None = None
        self.view: LaneView | None = None
        self.shift: ShiftRecord | None = None
        self.waiting_for_lane: list[Callable[[], object]] = []
        self._serving_receipts = False
        self._subscribed = False
        self.store_waits: StoreWaits | None = None  # with the lane (it imports the store)
        self._store_retry: Timer | None = None
        self._reading_payments = False
        self._idle_checks = 0  # checks in a row that found the lane idle since its last full GC pass
        self._settle_due = False  # a screen was shown for the first time: its objects live as long as the lane
        self._dispatching = 0  # messages of this app being handled now (one, or nested waits)
        self._shift_desk: ShiftDesk | None = None
        self._return_desk: ReturnDesk | None = None
        if lane is not None:
            self._attach(lane)

    def _attach(self, lane: Lane) -> None:
        """Take the lane: its receipt queue serving (started here unless its opening did), its
        ``ReceiptsPrinted`` events coming to this app."""
        from pos_tui.services.events import ReceiptsPrinted
        from pos_tui.services.store_wait import StoreWaits

        self.lane = lane
        self.store_waits = StoreWaits()
        self.shift = lane.shifts.current
        self.view = self._opening_view()
        self._serving_receipts = lane.receipts.serve_queue()
        lane.events.subscribe(TUI_SUBSCRIBER, self.receipts_printed, ReceiptsPrinted)
        self._subscribed = True
        # The header names every device the lane has. Each is taken as working until it says
        # otherwise, as the devices themselves report: the display, the scanner and the scale speak
        # up only when they go or come back, the printer and the terminal at each background check.
        for device in lane.devices.configured():
            self.device_states.setdefault(device, ("ok", True))
        follow_lane_devices(self, lane)

    @property
    def shift_desk(self) -> ShiftDesk:
        """Shifts and the drawer, their boxes imported with the desk at the first sign-in: the lane
        opens without them."""
        if self._shift_desk is None:
            from pos_tui.tui.screens.shift import ShiftDesk

            self._shift_desk = ShiftDesk(self)
        return self._shift_desk

    @property
    def return_desk(self) -> ReturnDesk:
        """Returns at the lane, their screens imported with the first one (F7)."""
        if self._return_desk is None:
            from pos_tui.tui.screens.returns import ReturnDesk

            self._return_desk = ReturnDesk(self)
        return self._return_desk

    def _detach(self) -> None:
        """Stop taking the lane's events, and stop the receipt queue if this app started it (a lane
        opened by ``opening`` has its event bus closed there)."""
        if not self._subscribed:
            return  # never attached (or failed half-way): nothing of this app's to stop
        self._subscribed = False
        self.lane.events.unsubscribe(TUI_SUBSCRIBER)
        forget_lane_devices(self, self.lane)
        if self._serving_receipts:
            self.lane.receipts.stop_queue()
            self._serving_receipts = False

    def _opening_view(self) -> LaneView:
        view = self.lane.view()
        waiting = self.lane.receipts.waiting_receipts()
        if not waiting:
            return view
        note = ngettext("{count} receipt waiting to print: sign in and press F9",
                        "{count} receipts waiting to print: sign in and press F9", waiting).format(count=waiting)
        return replace(view, message=f"{view.message}; {note}" if view.message else note)

    def get_driver_class(self) -> type:
        """Textual's driver, except that it leaves SIGTSTP ignored when the lane ignores it (its own
        handler would let another process suspend the lane; see ``lane_signals``)."""
        driver_class = super().get_driver_class()

        class LaneDriver(driver_class):  # type: ignore[misc, valid-type]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                keep_ignoring()
                self._batch: list[Any] = []
                self._batch_lock = threading.Lock()

            def send_message(self, message: Any) -> None:
                """From the input thread: the keys of one read (a scan's 14) reach the app in one
                wake-up of its loop, in order, where Textual's own sends each in a task of its own
                (under load every wake-up waits for the CPU)."""
                with self._batch_lock:
                    self._batch.append(message)
                    if len(self._batch) > 1:
                        return  # the wake-up already asked for takes this one too
                self._loop.call_soon_threadsafe(self._deliver_batch)

            def _deliver_batch(self) -> None:
                with self._batch_lock:
                    batch, self._batch = self._batch, []
                app = self._app
                for index, message in enumerate(batch):
                    try:
                        taken = app.take_typed_key(message)
                    except Exception as error:  # as an error in a handler: the app stops and says why
                        app._handle_exception(error)
                        return
                    if not taken:
                        for later in batch[index:]:  # from the first one not taken, in order through the queue
                            app.post_message(later)
                        return

        return LaneDriver

    def on_mount(self) -> None:
        self.call_after_refresh(self._first_frame_drawn)

    async def on_event(self, event: events.Event) -> None:
        # A key for the entry line that has the focus is given to it here, in arrival order, rather
        # than forwarded through its message queue (see ScanEntry.take_key). No priority binding of
        # the lane is a printable key or Enter, so none is passed over.
        if isinstance(event, events.Key) and not event.is_forwarded and self.app_focus:
            focused = self.focused
            if isinstance(focused, ScanEntry) and focused.take_key(event):
                return
        await super().on_event(event)

    async def _dispatch_message(self, message: Any) -> None:
        self._dispatching += 1  # see take_typed_key: a handler may wait, and keys behind it must too
        try:
            await super()._dispatch_message(message)
        finally:
            self._dispatching -= 1

    def take_typed_key(self, message: Any) -> bool:
        """A key the terminal driver read, given straight to the focused entry line when nothing is
        queued before it and no message is being handled: a scan's 14 keys then cost no trip each
        through the app's queue (its loop, idle checks and dispatch), only the entry's own handling.
        False: the message goes through the queue as usual (``on_event`` takes it there)."""
        if (self._dispatching or self.message_queue_size or not self.app_focus
                or not isinstance(message, events.Key) or not self.screen_stack):
            return False
        focused = self.focused
        return isinstance(focused, ScanEntry) and focused.take_key(message)

    def when_lane_open(self, then: Callable[[], object]) -> None:
        """Run ``then`` now if the lane is open, else as soon as it is (keys typed during start-up)."""
        if self.lane is not None:
            then()
        else:
            self.waiting_for_lane.append(then)

    @property
    def leaving(self) -> bool:
        """The app is on its way out and its screens are gone or going: a late message (a device
        check, a print) has nothing left to draw on."""
        return not self.is_running or self._exit or not self.screen_stack

    # ------------------------------------------------------------------ the header's device state

    def check_devices(self) -> bool:
        """Refresh the header's printer and terminal state in a thread worker, unless a payment or
        another job of this app is using them, or the lane says they are busy (``device_status``);
        True when a check was started."""
        if self.lane is None or self.payment is not None or self.leaving:
            return False
        if any(not worker.is_finished for worker in self.workers):
            return False  # a drawer kick, a report, a refund, or the last check is still at a port
        poll = self.lane.devices.next_poll()
        if poll is None:
            return False
        self.poll_devices(poll)
        return True

    @work(thread=True, exit_on_error=False, name="device status")
    def poll_devices(self, poll: DevicePoll) -> None:
        """In the worker's thread: ask the devices, then post what they said."""
        self.post_message(DevicesChecked(poll()))

    def on_devices_checked(self, message: DevicesChecked) -> None:
        """Keep the states for every screen to come and show them on the current one."""
        if self.leaving:
            return
        for state in message.states:
            self.device_states[state.device] = (state.words, state.ok)
        for header in self.base_screen.query(StatusHeader):
            for state in message.states:
                header.set_device(state.device, state.words, state.ok)

    def on_serial_scan(self, message: SerialScan) -> None:
        take_serial_scan(self, message.code)
    # ------------------------------------------------------------------ payments changed elsewhere

    def check_payments_elsewhere(self) -> bool:
        """At payment, with nothing running: read the sale's payments in a worker (the back office
        may have resolved one); True when a read was started."""
        lane = self.lane
        if (lane is None or self.leaving or self.payment is not None or lane.state is not State.CHOOSING_PAYMENT
                or lane.ctx.sale is None or self._reading_payments):
            return False
        self._reading_payments = True
        self.read_payment_states(lane.ctx.sale.id)
        return True

    @work(thread=True, exit_on_error=False, name="payments elsewhere")
    def read_payment_states(self, sale_id: int) -> None:
        try:
            states = self.lane.payments.payment_states(sale_id)
        except Exception as exc:  # a busy or closing store: the next tick tries again
            log.warning("could not read the payments of sale %s: %s", sale_id, exc)
            states = None
        self.post_message(PaymentStatesRead(sale_id, states))

    def on_payment_states_read(self, message: PaymentStatesRead) -> None:
        self._reading_payments = False
        if self.leaving or message.states is None or self.payment is not None:
            return
        if not self.lane.payments.changed_elsewhere(message.sale_id, message.states):
            return
        from pos_tui.tui.screens.modals import ResolveModal

        if isinstance(self.screen, ResolveModal):
            self.pop_screen()  # the payment it asks about was resolved elsewhere meanwhile
        if len(self.screen_stack) > 1:
            return  # another box is open (a supervisor's PIN ...): the next tick, once it is closed
        self.run_intent(self.lane.payments.pick_up_changes)

    def _first_frame_drawn(self) -> None:
        self._startup.stage_reached()
        if self.lane is None and not self._open_lane():
            return
        self._startup.stage_reached(last=True)
        from pos_tui.tui import device_status

        self.set_interval(device_status.DEVICE_CHECK_SECONDS, self.check_devices)
        self.set_interval(PAYMENT_CHECK_SECONDS, self.check_payments_elsewhere)
        self.settle_memory()
        youngest, middle, _full = gc.get_threshold()
        gc.set_threshold(youngest, middle, FULL_PASS_AFTER)
        self.set_interval(IDLE_CHECK_SECONDS, self.collect_between_customers)

    def settle_memory(self) -> None:
        """Everything built so far lives as long as the lane: collect what is garbage, then keep the
        rest out of the cyclic GC, whose full passes over it would stall a scan by 10-20 ms now and
        then. Done after start-up, and at the first idle spell after a screen was first shown (they
        load lazily)."""
        gc.collect()
        gc.freeze()
        self._settle_due = False

    def collect_between_customers(self) -> bool:
        """The cyclic GC's full pass, once after each sale, when the lane has stood idle (no sale
        open, no box, nothing running) at two checks in a row; True when it ran."""
        lane = self.lane
        idle = (lane is not None and lane.state in (State.IDLE, State.LOCKED) and len(self.screen_stack) == 1
                and self.payment is None)
        if not idle:
            self._idle_checks = 0
            return False
        self._idle_checks += 1
        if self._idle_checks != 2:  # the second check in a row; none after, until the lane was busy again
            return False
        if self._settle_due:
            self.settle_memory()
        else:
            gc.collect()
        return True

    def _open_lane(self) -> bool:
        """Open the store, the devices and the lane (after the first frame); on failure leave with
        the reason, which ``run_lane`` reports."""
        try:
            lane = self._open_resources.enter_context(self._lane_opening)
        except Exception as exc:  # the store or a device would not open: say so plainly, leave
            self.opening_error = str(exc) or type(exc).__name__
            self.exit(return_code=1)
            return False
        self._attach(lane)
        self.show(self.view)
        waiting, self.waiting_for_lane = self.waiting_for_lane, []
        for then in waiting:
            then()
        return True

    def on_unmount(self) -> None:
        self._detach()
        self._open_resources.close()

    # ------------------------------------------------------------------ intents and screens

    @property
    def base_screen(self) -> LaneScreen:
        """The lane screen of the current state (under any open box)."""
        return self.screen_stack[0]  # type: ignore[return-value]

    def run_intent(self, intent: Callable[..., LaneView], *args: Any, confirmable: bool = False,
                   approvable: bool = False, **kwargs: Any) -> bool:
        """Call a lane method and show its view; True when the lane did it (see ``call_lane``)."""
        return self.call_lane(intent, *args, then=self.show, confirmable=confirmable, approvable=approvable,
                              **kwargs)

    def call_lane(self, intent: Callable[..., T], *args: Any, then: Callable[[T], object], confirmable: bool = False,
                  approvable: bool = False, **kwargs: Any) -> bool:
        """Call a lane method and hand its answer to ``then``; True when the lane did it at once.

        A refusal the cashier can overcome is asked about when the caller says the method takes the
        answer: ``confirmable`` -- a line over a bound -> yes/no, then ``confirmed=True``;
        ``approvable`` -- a step above the cashier's role -> the supervisor PIN box, then
        ``approval=`` (``then`` follows the call made again). Anything else is one line in the
        message line; a sale the back office paid meanwhile is shown as it is now (its receipt
        printing).
        """
        from pos_tui.services.errors import NeedsConfirmation, PaidElsewhere, USER_ERRORS
        from pos_tui.services.store_wait import PartlyDone, StoreBusy

        if self.store_waits.waiting:  # behind a call that waits for the store: keep the order
            self.store_waits.hold(partial(self.call_lane, intent, *args, then=then, **kwargs))
            return False
        try:
            result = self.store_waits.attempt(intent, *args, **kwargs)
        except StoreBusy as exc:
            if isinstance(exc, PartlyDone):
                self.say(str(exc), error=True)
                return False
            self.store_waits.hold(partial(self.call_lane, intent, *args, then=then, **kwargs))
            self.wait_for_store()
            return False
        except PaidElsewhere:
            self.show(self.lane.view())
            return False
        except NeedsConfirmation as exc:
            if not confirmable:
                self.say(str(exc), error=True)
                return False

            def answered(yes: bool | None) -> None:
                if yes:
                    self.call_lane(intent, *args, then=then, approvable=approvable, **{**kwargs, "confirmed": True})
                else:
                    self.say(_("Not added"))

            from pos_tui.tui.screens.modals import ConfirmModal

            self.push_screen(ConfirmModal(str(exc)), answered)
            return False
        except PermissionDenied as exc:
            if not approvable:
                self.say(str(exc), error=True)
                return False
            self.ask_supervisor(exc, lambda approval: self.call_lane(intent, *args, then=then, confirmable=confirmable,
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
        from pos_tui.services.errors import PaidElsewhere, USER_ERRORS

        try:
            return self.store_waits.attempt(intent, *args)
        except PaidElsewhere:
            self.show(self.lane.view())
            return None
        except USER_ERRORS as exc:
            self.say(str(exc), error=True)
            return None

    def wait_for_store(self) -> None:
        """Try the held calls again every moment until the store is free; say so after a while."""
        from pos_tui.services.store_wait import RETRY_EVERY

        if self._store_retry is None:
            self._store_retry = self.set_interval(RETRY_EVERY, self._retry_held_calls)

    def _retry_held_calls(self) -> None:
        from pos_tui.services.store_wait import SAY_AFTER

        if self._store_retry is None:
            # Textual may run a stopped interval's callback again (when its next tick is due within
            # half a millisecond of the stop, its sleep does not yield): nothing is held any more.
            return
        for call in self.store_waits.take_held():
            call()
        if self.store_waits.settled():
            self._store_retry.stop()
            self._store_retry = None
        elif self.store_waits.waited() >= SAY_AFTER and self.view.message != waiting_for_the_store():
            self.say(waiting_for_the_store())

    def ask_supervisor(self, refusal: PermissionDenied, then: Callable[[Any], object]) -> None:
        """The supervisor PIN box for the refused action; ``then(approval)`` once approved."""
        action = refusal.action

        def approved(approval: Any) -> None:
            if approval is None:
                self.say_after_box(_("Cancelled: {reason}").format(reason=refusal), error=True)
            else:
                then(approval)

        admin = refusal.needed is Role.ADMIN
        what = refusal.subject or action_name(action)
        title = (_("Admin approval: {action}") if admin else _("Supervisor approval: {action}")).format(action=what)
        from pos_tui.tui.screens.modals import ApprovalModal

        self.push_screen(ApprovalModal(title, lambda name, pin: self.lane.people.approve(name, pin, action),
                                       admin=admin), approved)

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
        first_time = target not in self._modes_shown
        self._modes_shown.add(target)
        self.switch_mode(target)
        if first_time:
            self._settle_due = True  # at the next idle spell: not under the cashier's next scan
        # PRINTING: the receipt queue prints the sale the lane has just paid (``PrintingEnded``).
        if target == "payment" and view.unresolved:
            # Back from the terminal with no answer, or signed in after a restart mid-payment.
            self.open_resolution()
        elif signed_in:
            self.shift_desk.after_sign_in()

    def say(self, text: str, *, error: bool = False) -> None:
        # Kept in the view too: a box closing over the screen redraws it from the view (there is no
        # view yet in the first moments, while the lane opens).
        if self.view is not None:
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
        attempt = self.ask_lane(self.lane.payments.begin_card, amount_text)
        if attempt is None:
            return
        run = PaymentRun(attempt, _("calling the terminal"))
        self.start_payment(run, partial(self.lane.payments.run_card, attempt, on_progress=self.report_progress,
                                        cancel=run.cancel))

    def start_wallet(self, amount_text: str) -> None:
        """F4: the box for the customer's payment code; its code commits the wallet attempt."""
        if self.payment is not None:
            return
        if not self.lane.ctx.wallets:
            self.say(_("wallet payments: no wallet gateway is set up on this lane"), error=True)
            return
        amount = (_("Amount {amount}").format(amount=amount_text.strip()) if amount_text.strip()
                  else _("Amount {amount} (the balance)").format(
                      amount=format_amount(max(self.view.remaining, 0), self.lane.currency, symbol=True)))
        from pos_tui.tui.screens.modals import WalletCodeModal

        self.push_screen(WalletCodeModal(lambda code: self.lane.payments.begin_wallet(code, amount_text), amount),
                         self.wallet_begun)

    def wallet_begun(self, begun: tuple[PaymentRecord, str] | None) -> None:
        if begun is None:
            self.say_after_box(_("No wallet payment was started"))
            return
        attempt, code = begun
        run = PaymentRun(attempt, _("waiting for {method}: the customer confirms on the phone").format(
            method=method_name(attempt.method)))
        self.start_payment(run, partial(self.lane.payments.run_wallet, attempt, code, on_progress=self.report_progress))

    def start_payment(self, run: PaymentRun, call: Callable[[], object]) -> None:
        """``run`` becomes the one payment the lane waits for; ``call`` (the terminal or wallet
        dialogue) runs in a thread worker and its answer comes back as ``PaymentEnded``."""
        self.payment = run
        self.show(self.lane.view())
        self.run_payment(run, call)

    @work(thread=True, exit_on_error=False, name="payment")
    def run_payment(self, run: PaymentRun, call: Callable[[], object]) -> None:
        try:
            outcome = call()
        except Exception as exc:  # money may have moved: never a decline, always one for the supervisor
            outcome = Outcome(PaymentStatus.UNKNOWN, _("payment stopped by an error: {error}").format(error=exc))
        self.post_message(PaymentEnded(run, outcome))

    def report_progress(self, text: str) -> None:
        """The driver's progress, called in the worker's thread: posted, so the driver never waits
        for the screen."""
        self.post_message(TerminalProgress(text))

    def on_terminal_progress(self, message: TerminalProgress) -> None:
        from pos_tui.tui.screens.returns import RefundWaitModal
        from pos_tui.tui.screens.terminal import TerminalScreen

        if self.payment is None or self.leaving:
            return
        self.payment.progress = message.text
        if isinstance(self.base_screen, TerminalScreen):
            self.base_screen.show_progress(self.payment)
        elif isinstance(self.screen, RefundWaitModal):
            self.screen.show_progress(self.payment)

    def on_payment_ended(self, message: PaymentEnded) -> None:
        """The worker's outcome: committed by the lane, then the screen of the state it leads to.
        (Leaving meanwhile, the attempt stays pending: the next start has a supervisor resolve it.)"""
        if self.leaving:
            return
        run, self.payment = message.run, None
        if isinstance(run, RefundRun):
            self.return_desk.refund_ended(run, message.outcome)
        else:
            self.run_intent(self.lane.payments.finish_payment, run.attempt, message.outcome)

    def cancel_payment(self) -> None:
        """Esc while waiting. Concert E+ cannot be stopped from the lane: the first Esc says to
        cancel on the terminal (its answer still comes); the next one may stop waiting, once the
        cashier confirms the customer was told, which leaves the outcome for a supervisor."""
        run = self.payment
        if run is None:
            return
        if not run.is_card:
            self.say(_("{method} ends the payment by itself: the customer confirms or cancels on the phone").format(
                method=method_name(run.attempt.method)))
            return
        if self.lane.payments.can_abort_card:
            self.say(_("Cancelling the payment on the terminal…"))
            self.abort_card()
            return
        if not run.cancel_explained:
            run.cancel_explained = True
            esc = self.keymap.binding("terminal.cancel").display_key
            self.say(_("Press Cancel on the terminal itself; {key} again only if the terminal is stuck").format(
                key=esc), error=True)
            return

        def answered(yes: bool | None) -> None:
            if yes and not run.cancel.is_set():
                run.cancel.set()
                self.say_after_box(_("Stopped waiting: the outcome is UNKNOWN until a supervisor reads the "
                                     "terminal's ticket"), error=True)

        from pos_tui.tui.screens.modals import ConfirmModal

        self.push_screen(ConfirmModal(
            _("Stop waiting for the terminal? Only if the customer was told the card may not have been charged: "
              "the payment's outcome becomes UNKNOWN and a supervisor must read the terminal's last ticket.")),
            answered)

    @work(thread=True, exit_on_error=False, name="abort card payment")
    def abort_card(self) -> None:
        try:
            self.lane.payments.abort_card()
        except Exception as exc:  # the payment goes on: its answer still comes
            self.post_message(CardAbortFailed(str(exc)))

    def on_card_abort_failed(self, message: CardAbortFailed) -> None:
        if not self.leaving:
            self.say(_("The terminal did not take the cancel ({error}): press Cancel on it").format(
                error=message.error), error=True)

    # ------------------------------------------------------------------ unknown outcomes

    def open_resolution(self) -> None:
        """The supervisor's box for the first payment whose outcome is unknown (F6 on payment)."""
        if not self.view.unresolved:
            self.say(_("No payment has an unknown outcome"))
            return
        from pos_tui.tui.screens.modals import ResolveModal

        self.push_screen(ResolveModal(self.view.unresolved[0], self.lane.currency), self.resolution_given)

    def resolution_given(self, answer: Resolution | None) -> None:
        if answer is None:
            key = self.keymap.binding("payment.resolve").display_key
            self.say_after_box(_("The payment's outcome is still unknown: {key} resolves it (supervisor)").format(
                key=key),
                               error=True)
            return
        self.run_intent(self.lane.payments.resolve_payment, answer.payment_id, charged=answer.charged,
                        auth_code=answer.auth_code, approvable=True)

    # ------------------------------------------------------------------ receipts, drawer, reports

    def receipts_printed(self, event: ReceiptsPrinted) -> None:
        """On the lane's event thread: the receipt queue's result, posted to the UI thread."""
        from pos_tui.services.lane import PrintResult

        self.post_message(PrintingEnded(PrintResult(event.ok, event.message)))

    def on_printing_ended(self, message: PrintingEnded) -> None:
        if not self.leaving:
            self.printed(message.result)

    @work(thread=True, exit_on_error=False, name="open the drawer")
    def open_drawer(self) -> None:
        """Kick the drawer a paid-in, paid-out or no-sale just committed."""
        self.post_message(DrawerOpened(self._job_result(DRAWER_JOB, self.lane.shifts.open_drawer)))

    def on_drawer_opened(self, message: DrawerOpened) -> None:
        if not self.leaving and message.result.message:
            self.say(message.result.message, error=not message.result.ok)

    @work(thread=True, exit_on_error=False, name="print the report")
    def print_report(self, report: Report) -> None:
        """Print an X or Z report; the report screen says how it went."""
        self.post_message(ReportPrinted(self._job_result(REPORT_JOB, partial(self.lane.reports.print_report, report))))

    def on_report_printed(self, message: ReportPrinted) -> None:
        from pos_tui.tui.screens.report import ReportScreen

        result = message.result
        if self.leaving:
            return
        if isinstance(self.screen, ReportScreen):
            self.screen.say(result.message, error=not result.ok)
        elif result.message:
            self.say(result.message, error=not result.ok)

    @staticmethod
    def _job_result(job: str, call: Callable[[], PrintResult]) -> PrintResult:
        """In a worker's thread: ``call``'s result, or a failure that names the ``job``."""
        from pos_tui.services.lane import PrintResult

        try:
            return call()
        except Exception as exc:  # any device or store failure is one line for the cashier
            return PrintResult(False, _("{job} failed: {error}").format(job=_(job), error=exc))

    def backup_after_z_report(self) -> None:
        """``[backup] after_z_report``: copy the database in a worker once the day is closed."""
        if self.lane.config.backup.after_z_report:
            self.take_backup()

    @work(thread=True, exit_on_error=False, name="backup")
    def take_backup(self) -> None:
        try:
            path = self.lane.reports.take_backup()
        except Exception as exc:  # a full disk, a refusal: the cashier reads it
            self.post_message(BackupTaken(None, str(exc)))
            return
        self.post_message(BackupTaken(path))

    def on_backup_taken(self, message: BackupTaken) -> None:
        if message.error is not None:
            log.error("backup failed: %s", message.error)
        else:
            log.info("backup written to %s", message.path)
        if self.leaving:
            return
        if message.error is not None:
            self.say(_("Backup failed: {error}").format(error=message.error), error=True)
        else:
            self.say(_("Backed up, copy checked: {path}").format(path=message.path))

    # ------------------------------------------------------------------ shifts

    def refresh_shift(self) -> None:
        """Read the lane's shift again: at sign-in and after every shift intent, before the screen
        is drawn (the header shows TRAINING, the item screen how to open a shift)."""
        self.shift = self.lane.shifts.current

    @property
    def training(self) -> bool:
        return bool(self.shift and self.shift.training)

    def start_return(self) -> None:
        self.return_desk.start()

    def shift_menu(self) -> None:
        self.shift_desk.menu()

    def no_sale(self) -> None:
        self.shift_desk.no_sale()

    def hold_entry(self, text: str) -> int:
        """Keep a scan made while the receipt prints; returns how many wait."""
        self.held_entries.append(text)
        return len(self.held_entries)

    def printed(self, result: PrintResult) -> None:
        if self.lane.ctx.printer is not None:
            self.device_states["printer"] = ("ok", True) if result.ok else ("error", False)
        if self.lane.state is State.PRINTING:
            self.run_intent(self.lane.receipts.finish_printing, result)
            held, self.held_entries = self.held_entries, []
            for text in held:
                self.run_intent(self.lane.items.enter, text, confirmable=True)
            if held and not result.ok:
                self.say(result.message, error=True)  # the printer's trouble outlives the scans' messages
            return
        # F9 on the item screen: the state stays, the header and message line tell how it went.
        self.base_screen.render_view(self.view)
        if result.message:
            self.say(result.message, error=not result.ok)

    # ------------------------------------------------------------------ leaving

    def quit_help(self) -> tuple[str, str]:
        return ("^Q", _("leave the lane (supervisor PIN)") if self.kiosk else _("quit (an open sale stays for later)"))

    def action_leave(self) -> None:
        if self.payment is not None:
            self.say(_("A payment is running: the lane can be left once the terminal has answered"), error=True)
            return
        if not self.kiosk:
            self.exit()
            return
        if self.lane is None:
            return  # the lane is still opening: a supervisor can be asked in a moment
        from pos_tui.tui.screens.modals import ApprovalModal

        if isinstance(self.screen, ApprovalModal):
            return
        self.push_screen(
            ApprovalModal(_("Supervisor approval: leave the kiosk"),
                          lambda name, pin: self.lane.people.approve(name, pin, Action.QUIT_KIOSK)),
            lambda approval: self.exit() if approval is not None else self.say(_("The lane stays open")),
        )

    def action_interrupt(self) -> None:
        if self.payment is not None:  # Ctrl+Q is refused until the terminal answers: say that, not how to quit
            self.say(_("A payment is running: the lane can be left once the terminal has answered"), error=True)
            return
        self.say(_("Ctrl+Q leaves the lane with a supervisor PIN") if self.kiosk else _("Ctrl+Q quits"))


class StartupReport:
    """Tells a launcher waiting on ``POS_TUI_READY_FD`` (benchmarks/) how start-up went: a line
    "<time.monotonic()> <peak RSS KiB>" when the first frame is drawn and keys are taken, and a
    second one when the store and the lane are open."""

    def __init__(self) -> None:
        fd = os.environ.pop(READY_FD_ENV, None)
        self._out = os.fdopen(int(fd), "w") if fd is not None else None

    def stage_reached(self, *, last: bool = False) -> None:
        if self._out is None:
            return
        with open("/proc/self/status", encoding="ascii") as status:  # VmHWM: ru_maxrss inherits a parent's
            peak_rss = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
        self._out.write(f"{time.monotonic()} {peak_rss}\n")
        self._out.flush()
        if last:
            self._out.close()
            self._out = None


def run_lane(config: Config, opening: AbstractContextManager[Lane], *, kiosk: bool) -> str | None:
    """Run the lane until the cashier, or in a kiosk a supervisor, leaves. ``opening`` opens the
    store, the devices and the lane once the sign-in screen is drawn. Returns why the lane could not
    open or why it stopped (an unexpected error), or None."""
    app = PosApp(config=config, opening=opening, kiosk=kiosk or config.kiosk.enabled)
    app.run(mouse=False)
    return exit_failure(app)


def exit_failure(app: PosApp) -> str | None:
    """Why the lane ended other than by the cashier leaving: it could not open, or it stopped on
    an unexpected error (the command then exits non-zero)."""
    if app.opening_error is None and app.return_code:
        return _("the lane stopped on an unexpected error (details above and in the log)")
    return app.opening_error
