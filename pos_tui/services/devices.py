"""How the devices are, in plain words: the lane header's printer and terminal state, polled in the
background on the lane's own devices (``DeviceChecks``), and ``check_devices``, which opens each
configured device once (`pos-tui devices check`, the back office's devices screen). The device
modules (pyserial, the printer's driver) load on the first check, not with the lane.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from pos_tui.domain.checkout import State
from pos_tui.domain.frozen_records import FrozenRecord, frozen_record

if TYPE_CHECKING:
    from pos_tui.config import Config
    from pos_tui.devices.status import DeviceReport
    from pos_tui.devices.status_line import DeviceState
    from pos_tui.services.lane.context import LaneContext

_DEVICES_BUSY = (State.AWAITING_TERMINAL, State.PRINTING)
_NO_SALE_OPEN = (State.LOCKED, State.IDLE)


@frozen_record
class DevicePoll(FrozenRecord):
    """One check of the lane's printer and terminal, chosen on the lane's thread (``next_poll``)
    and run on a worker's: calling it blocks for at most the devices' own timeouts."""

    printer: object | None
    terminal: object | None
    printer_lock: threading.Lock

    def __call__(self) -> list[DeviceState]:
        """The state of each device, printer first; a printer at work (the receipt queue) is left
        alone: its print says how it is."""
        from pos_tui.devices.status_line import poll_devices

        states = []
        if self.printer is not None and self.printer_lock.acquire(blocking=False):
            try:
                states += poll_devices(self.printer, None)
            finally:
                self.printer_lock.release()
        return states + poll_devices(None, self.terminal)


class DeviceChecks:
    """The lane's side of the header's device state."""

    def __init__(self, ctx: LaneContext) -> None:
        self.ctx = ctx

    def configured(self) -> list[str]:
        """The lane's devices by name, in the header's order: printer, terminal, display, scale,
        scanner (a keyboard scanner is not one)."""
        ctx, cfg = self.ctx, self.ctx.config.devices
        present = {"printer": ctx.printer is not None, "terminal": ctx.terminal is not None,
                   "display": cfg.display.driver != "none", "scale": ctx.scale is not None or cfg.scale.driver != "none",
                   "scanner": cfg.scanner.driver == "serial"}
        return [device for device, there in present.items() if there]

    def next_poll(self) -> DevicePoll | None:
        """What a background check may ask now; None while a payment or a print uses the devices,
        or when the lane has neither a printer nor a terminal. The card terminal is asked only while
        no sale is open, so a check can never be on the line when the cashier sends a payment."""
        ctx = self.ctx
        if (ctx.printer is None and ctx.terminal is None) or ctx.state in _DEVICES_BUSY:
            return None
        return DevicePoll(ctx.printer, ctx.terminal if ctx.state in _NO_SALE_OPEN else None, ctx.printer_lock)


def check_devices(config: Config) -> list[DeviceReport]:
    """Blocking: open each configured device once and say how it is (printer, card terminal,
    scanner, display)."""
    from pos_tui.devices.status import check_devices as check_configured

    return check_configured(config)
