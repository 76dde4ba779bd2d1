"""Weighing on the item screen: a weighed item scanned on a lane with a scale is weighed in a worker
thread (the scale may take a few seconds to settle), and its line added when the weight comes back
as a ``WeightRead`` message. Scans made meanwhile wait and follow in their order; Esc stops waiting.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from pos_tui.services.lane.weighing import NeedsWeight


class WeightRead(Message):
    """The scale's answer for ``need``: a reading, or the plain line that says why there is none."""

    def __init__(self, need: NeedsWeight, reading: Any | None, error: str = "") -> None:
        super().__init__()
        self.need = need
        self.reading = reading
        self.error = error


@dataclass
class Weighing:
    """The weighing under way (``need``), the scans waiting behind it, and its cancel switch."""

    need: NeedsWeight | None = None
    held: list[str] = field(default_factory=list)
    cancel: threading.Event = field(default_factory=threading.Event)

    def begin(self, need: NeedsWeight) -> None:
        self.need = need
        self.cancel.clear()

    def hold(self, text: str) -> bool:
        """Keep ``text`` for after the weighing; False when none is under way."""
        if self.need is None:
            return False
        self.held.append(text)
        return True

    def end(self) -> list[str]:
        """The weighing is over: the scans that waited, in their order."""
        held, self.held, self.need = self.held, [], None
        return held


def read_weight(lane, need: NeedsWeight, cancel: threading.Event) -> WeightRead:
    """Blocking (a worker's thread): ask the lane's scale for ``need``'s weight."""
    from pos_tui.services.errors import USER_ERRORS

    try:
        reading = lane.items.weigh(need.code, need.name, cancel)
    except USER_ERRORS as exc:
        return WeightRead(need, None, str(exc))
    except Exception as exc:  # a device fault the lane did not foresee: a line, not a crash
        return WeightRead(need, None, str(exc) or type(exc).__name__)
    return WeightRead(need, reading)
