"""The lane's serial scanner and device states on screen.

The app follows two kinds of lane events on the event bus's thread and posts them to itself (posting
is thread-safe and never waits): a code the serial scanner read becomes a ``SerialScan``, entered
into the focused entry line exactly as a keyboard scan's Enter would (``ScanEntry.enter_code``); a
display, scale or scanner going wrong or coming back lands in the header like the printer's state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import App
from textual.message import Message

from pos_tui.i18n import _
from pos_tui.tui.messages import DevicesChecked
from pos_tui.tui.widgets.scan_entry import ScanEntry

if TYPE_CHECKING:
    from pos_tui.services.events import LaneEvent
    from pos_tui.services.lane import Lane

SUBSCRIBER = "tui-devices"


class SerialScan(Message):
    """A code from the serial scanner, to be taken as a scan."""

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code


def follow_lane_devices(app: App, lane: Lane) -> None:
    """Bring the lane's serial scans and device states to ``app`` (once per app)."""
    from pos_tui.services.events import CodeScanned, DeviceStateChanged  # after the first frame, with the lane

    def on_event(event: LaneEvent) -> None:
        if isinstance(event, CodeScanned):
            app.post_message(SerialScan(event.code))
        else:
            app.post_message(DevicesChecked([event]))

    name = f"{SUBSCRIBER}-{id(app)}"
    if not lane.events.subscribed(name):
        lane.events.subscribe(name, on_event, CodeScanned, DeviceStateChanged)


def forget_lane_devices(app: App, lane: Lane) -> None:
    """Stop bringing the lane's device events to ``app`` (it is leaving)."""
    lane.events.unsubscribe(f"{SUBSCRIBER}-{id(app)}")


def take_serial_scan(app: App, code: str) -> None:
    """Enter ``code`` into the entry line that has the focus, as if typed and Enter pressed."""
    focused = app.focused
    if isinstance(focused, ScanEntry):
        focused.enter_code(code)
    elif app.screen_stack:
        app.say(_("Scanned {code}: nothing on this screen takes a code now").format(code=code), error=True)
