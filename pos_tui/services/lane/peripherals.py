"""The lane's customer display, scale and serial scanner: opened from the config with the other
devices, then joined to the lane's events once the lane exists.

The display follows the sale as a lane-event subscriber (``customer_display``); the scale is the
lane's (``weighing``); each code the serial scanner reads becomes a ``CodeScanned`` event, which the
screen takes as a scan typed and entered. The display and the scanner report going and coming back
as ``DeviceStateChanged`` events, for the lane's status line. Nothing here loads pyserial unless
one of them is configured.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

from pos_tui.config import Config
from pos_tui.services.events import CodeScanned, DeviceStateChanged, EventBus


def open_peripherals(config: Config, devices, stack: contextlib.ExitStack) -> None:
    """Build the configured display, scale and scanner into ``devices`` (none is started yet);
    ``stack`` stops and closes them."""
    cfg = config.devices
    if cfg.display.driver != "none":
        from pos_tui.devices.display import display_from_config

        devices.display = display_from_config(cfg.display)
        stack.callback(devices.display.stop)
    if cfg.scale.driver != "none":
        from pos_tui.devices.scale import scale_from_config

        devices.scale = scale_from_config(cfg.scale)
        stack.callback(devices.scale.close)
    if cfg.scanner.driver == "serial":
        from pos_tui.devices.scanner import scanner_from_config

        devices.scanner = scanner_from_config(cfg.scanner)
        stack.callback(devices.scanner.stop)


def serve_peripherals(ctx, devices) -> None:
    """Join the display and the serial scanner to the lane's events and start them; ask the scale
    once, in the background, so a dead one shows on the status line before the first weighing."""
    config, lane_no, events = ctx.config, ctx.lane_no, ctx.events
    display, scanner = getattr(devices, "display", None), getattr(devices, "scanner", None)
    if display is not None:
        from pos_tui.services.lane.customer_display import serve_customer_display

        display.on_state = _reporting(events, lane_no, "display")
        serve_customer_display(config, events, display)
        display.start()
    if scanner is not None:
        scanner.on_code = lambda code: events.publish(CodeScanned(lane_no, code))
        scanner.on_state = _reporting(events, lane_no, "scanner")
        scanner.start()
    if getattr(devices, "scale", None) is not None:
        from pos_tui.services.lane.weighing import probe_scale

        threading.Thread(target=probe_scale, args=(ctx,), name="scale-probe", daemon=True).start()


def _reporting(events: EventBus, lane_no: int, device: str) -> Callable[[bool, str], None]:
    return lambda ok, words: events.publish(DeviceStateChanged(lane_no, device, words, ok))
