"""The lane header's printer and terminal state, refreshed in the background.

Every ``DEVICE_CHECK_SECONDS`` the app asks for a check. It runs in a thread worker, so a slow or
dead device never holds up a scan, and only when nothing else uses the devices: never during a
card payment, a print or any other device job (one worker at a time uses a port). The card
terminal is called only while no sale is open, so a call can never be on the line when the
cashier sends a payment. The result comes back as a message and lands in the header.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING

from textual.message import Message

from pos_tui.devices.status_line import DeviceState, poll_devices
from pos_tui.domain.checkout import State
from pos_tui.i18n import N_
from pos_tui.tui.widgets.status_header import StatusHeader

if TYPE_CHECKING:
    from pos_tui.tui.app import PosApp

DEVICE_CHECK_SECONDS = 30.0
DEVICE_GROUP = "device-status"
_DEVICES_BUSY = (State.AWAITING_TERMINAL, State.PRINTING)
_NO_SALE_OPEN = (State.LOCKED, State.IDLE)
# What ``devices.status_line`` says about a device, marked for the catalog: the header translates
# these words each time it draws them.
DEVICE_WORDS = (N_("printer"), N_("terminal"), N_("ok"), N_("error"), N_("no answer"), N_("offline"),
                N_("paper out"), N_("paper low"), N_("cover open"))


class DevicesChecked(Message):
    """What the last background check found, one state per device checked."""

    def __init__(self, states: Sequence[DeviceState]) -> None:
        super().__init__()
        self.states = tuple(states)


def start_device_check(app: PosApp) -> bool:
    """Start a background check of the lane's printer and terminal unless a device is in use;
    True when one was started."""
    lane = app.lane
    if lane.ctx.printer is None and lane.ctx.terminal is None:
        return False
    if app.payment is not None or lane.state in _DEVICES_BUSY:
        return False
    if any(not worker.is_finished for worker in app.workers):
        return False  # a print, a drawer kick, a refund, or the last check is still at a port
    terminal = lane.ctx.terminal if lane.state in _NO_SALE_OPEN else None
    app.run_worker(partial(_check, app, lane.ctx.printer, terminal), name="device status", group=DEVICE_GROUP,
                   thread=True, exit_on_error=False)
    return True


def _check(app: PosApp, printer, terminal) -> None:
    """In the worker's thread: ask the devices, then post what they said (posting never waits)."""
    app.post_message(DevicesChecked(poll_devices(printer, terminal)))


def show_device_states(app: PosApp, states: Sequence[DeviceState]) -> None:
    """Keep the states for every screen to come and show them on the current one."""
    for state in states:
        app.device_states[state.device] = (state.words, state.ok)
    if not app.screen_stack:
        return  # an answer that came in as the lane closed
    for header in app.base_screen.query(StatusHeader):
        for state in states:
            header.set_device(state.device, state.words, state.ok)
