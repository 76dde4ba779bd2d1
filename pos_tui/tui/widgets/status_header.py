"""The top line: store, lane, cashier on the left; the devices' summary and the clock on the right.

Every device the lane has is named with its state ("printer ok, display ok, scale ok"); where that
would cut the cashier's name at the line's width, the devices that work are counted instead
("3 devices ok") and only a device in trouble is named, always whole and marked.

Every screen sets all of it each time it shows a view; the line is redrawn only when something in
it changed (or the minute did), so a scan never sends it to the terminal again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from rich.text import Text
from textual.timer import Timer
from textual.widget import Widget

from pos_tui.domain.display_width import cell_width, truncate_cells
from pos_tui.i18n import N_, _, ngettext


SYNC_SECONDS = 2.0
DEVICE_SEPARATOR = ", "


def seconds_until_next_minute(now: datetime) -> float:
    """Delay until the clock's minute changes (the clock redraws then, and only then)."""
    next_minute = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return (next_minute - now).total_seconds()


class StatusHeader(Widget):
    """Who and where, what the devices say, and the time to the minute; no animation."""

    COMPONENT_CLASSES = {"status-header--alert"}

    DEFAULT_CSS = """
    StatusHeader {
        height: 1;
        padding: 0 1;
        background: $panel;
    }
    StatusHeader > .status-header--alert { text-style: bold reverse; }
    """

    def __init__(
        self,
        store: str = "",
        lane: int = 1,
        *,
        clock: Callable[[], datetime] = datetime.now,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._store = store
        self._lane = lane
        self._cashier = ""
        self._devices: dict[str, tuple[str, bool]] = {}
        self._clock = clock
        self._timer: Timer | None = None
        self._sync_source: Callable[[], tuple[str, bool] | None] | None = None

    def set_store(self, store: str, lane: int) -> None:
        if (store, lane) != (self._store, self._lane):
            self._store = store
            self._lane = lane
            self.refresh()

    def set_cashier(self, name: str, role: str = "") -> None:
        """Who is signed in ("" when the lane is locked)."""
        cashier = f"{name} ({role})" if name and role else name
        if cashier != self._cashier:
            self._cashier = cashier
            self.refresh()

    def set_device(self, device: str, state: str, ok: bool = True) -> None:
        """Show a device's state ("printer", "paper out", ok=False); devices keep their first order.
        Both are English msgids, translated when the line is drawn."""
        if self._devices.get(device) != (state, ok):
            self._devices[device] = (state, ok)
            self.refresh()

    def left_parts(self) -> list[str]:
        # Lane 0: the back office of the whole store, on the store server.
        where = _("Lane {lane:02d}").format(lane=self._lane) if self._lane else _("all lanes")
        return [part for part in (self._store, where, self._cashier) if part]

    def left_text(self) -> str:
        return "  ".join(self.left_parts())

    def clock_text(self) -> str:
        return self._clock().strftime("%H:%M")

    def follow_sync(self, source: Callable[[], tuple[str, bool] | None]) -> None:
        """Show the store server's sync state ("server online" / "server offline, 3 waiting"),
        asked of ``source`` (an in-memory snapshot, no I/O) every SYNC_SECONDS."""
        self._sync_source = source
        N_("server")  # the device name the sync state is shown under, translated when drawn

    def _poll_sync(self) -> None:
        words = self._sync_source() if self._sync_source is not None else None
        if words is not None and self._devices.get("server") != words:
            self.set_device("server", *words)

    def on_mount(self) -> None:
        self.refresh_clock()
        if self._sync_source is not None:
            self._poll_sync()
            self.set_interval(SYNC_SECONDS, self._poll_sync)

    def refresh_clock(self) -> None:
        """Redraw with the current time and wake again when the minute changes."""
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(seconds_until_next_minute(self._clock()), self.refresh_clock)
        self.refresh()

    def device_summary(self, room: int) -> Text:
        """The devices in at most ``room`` cells if it can be done: each named with its state, or the
        working ones counted and the others named."""
        alert = self.get_component_rich_style("status-header--alert", partial=True)
        named = [(f"{_(device)} {_(state)}", ok) for device, (state, ok) in self._devices.items()]
        working = sum(ok for _words, ok in named)
        troubled = [(words, ok) for words, ok in named if not ok]

        def width(items: list[tuple[str, bool]]) -> int:
            return cell_width(DEVICE_SEPARATOR.join(words for words, _ok in items))

        if width(named) > room and working > 1:
            counted = ngettext("{count} device ok", "{count} devices ok", working).format(count=working)
            named = [(counted, True), *troubled]
        if width(named) > room and len(troubled) > 1:
            named = troubled  # what needs the cashier comes before what works
        summary = Text(no_wrap=True)
        for index, (words, ok) in enumerate(named):
            if index:
                summary.append(DEVICE_SEPARATOR)
            summary.append(words, None if ok else alert)
        return summary

    def render(self) -> Text:
        width = self.content_size.width
        left_text = self.left_text()
        clock = self.clock_text()
        right = self.device_summary(width - cell_width(left_text) - cell_width(clock) - 3)
        if right.cell_len:
            right.append("  ")
        right.append(clock)
        room = max(width - right.cell_len - 1, 0)
        parts = self.left_parts()
        while len(parts) > 1 and cell_width("  ".join(parts)) > room:
            parts.pop()  # the cashier, then the lane, whole: never "Lane 0"
        left = truncate_cells("  ".join(parts), room).rstrip()
        gap = max(width - cell_width(left) - right.cell_len, 1)
        return Text(left + " " * gap, no_wrap=True, overflow="crop") + right
