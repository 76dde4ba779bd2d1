"""Lane events: what a lane tells its subscribers after the commit that makes it true.

Each subscriber has its own thread and queue: ``publish`` only puts the event in each queue, so
a scan never waits for a subscriber, and a slow or failing subscriber costs no other one its
event. What must survive a crash is written in the same transaction as the fact (the print job
beside the paid sale), never derived from an event: a subscriber that dies with the process
finds its work in the store on the next start.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from pos_tui.domain.cart import CartLine
from pos_tui.domain.frozen_records import FrozenRecord, frozen_record

log = logging.getLogger(__name__)


@frozen_record
class LaneEvent(FrozenRecord):
    lane: int


@frozen_record
class LineAdded(LaneEvent):
    sale_id: int
    line: CartLine
    total: int


@frozen_record
class PromotionsChanged(LaneEvent):
    """The open sale's promotions after a line change, (code, name, amount) each; published just
    before the line change's own event."""

    sale_id: int
    promotions: tuple[tuple[str, str, int], ...]


@frozen_record
class LineVoided(LaneEvent):
    sale_id: int
    line: CartLine
    total: int


@frozen_record
class SaleTotalled(LaneEvent):
    sale_id: int
    total: int


@frozen_record
class TenderStarted(LaneEvent):
    sale_id: int
    method: str
    amount: int
    reference: str


@frozen_record
class TenderSettled(LaneEvent):
    """A tender's outcome committed: ``status`` approved, declined, cancelled or unknown."""

    sale_id: int
    method: str
    amount: int
    status: str
    remaining: int


@frozen_record
class SalePaid(LaneEvent):
    """A sale (or a return's refund) numbered and paid; its receipt is queued."""

    sale_id: int
    receipt_no: str
    total: int
    change: int


@frozen_record
class SaleVoided(LaneEvent):
    sale_id: int


@frozen_record
class ReceiptsQueued(LaneEvent):
    """A receipt waits to print (a reprint, or one the back office queued for this lane)."""


@frozen_record
class ReceiptsPrinted(LaneEvent):
    """The receipt queue's turn ended: ``ok`` and the line the cashier reads."""

    ok: bool
    message: str


@frozen_record
class ShiftOpened(LaneEvent):
    shift_id: int
    float_amount: int


@frozen_record
class ShiftClosed(LaneEvent):
    shift_id: int
    counted: int
    expected: int


@frozen_record
class CodeScanned(LaneEvent):
    """The serial scanner read a code: the screen takes it as a scan typed and entered."""

    code: str


@frozen_record
class DeviceStateChanged(LaneEvent):
    """A device went wrong or came back ("display", "offline", False); ``device`` and ``words``
    are English msgids, shown in the lane's language."""

    device: str
    words: str
    ok: bool


Handler = Callable[[LaneEvent], None]
_STOP = object()


class _Subscriber:
    def __init__(self, name: str, handler: Handler, kinds: tuple[type[LaneEvent], ...]) -> None:
        self.name = name
        self.handler = handler
        self.kinds = kinds
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._serve, name=f"lane-events-{name}", daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while (event := self.queue.get()) is not _STOP:
            try:
                self.handler(event)
            except Exception:  # one subscriber's failure is its own: log it, take the next event
                log.exception("lane event subscriber %s failed on %s", self.name, type(event).__name__)


class EventBus:
    """Delivers each published event to every subscriber that takes its kind, in publishing order,
    each on the subscriber's own thread."""

    def __init__(self) -> None:
        self._subscribers: list[_Subscriber] = []
        self._lock = threading.Lock()

    def subscribe(self, name: str, handler: Handler, *kinds: type[LaneEvent]) -> None:
        """``handler`` gets the events of ``kinds`` (every event when none is named)."""
        with self._lock:
            self._subscribers.append(_Subscriber(name, handler, kinds or (LaneEvent,)))

    def subscribed(self, name: str) -> bool:
        return any(s.name == name for s in self._subscribers)

    def publish(self, event: LaneEvent) -> None:
        for subscriber in self._subscribers:
            if isinstance(event, subscriber.kinds):
                subscriber.queue.put(event)

    def unsubscribe(self, name: str, timeout: float = 5.0) -> None:
        """Let the subscriber ``name`` finish what it was given, then stop its thread (at most
        ``timeout``); it gets no event published after this call."""
        with self._lock:
            leaving = [s for s in self._subscribers if s.name == name]
            self._subscribers = [s for s in self._subscribers if s.name != name]
        _stop(leaving, timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Let each subscriber finish what it was given, then stop its thread (at most ``timeout``)."""
        with self._lock:
            subscribers, self._subscribers = self._subscribers, []
        _stop(subscribers, timeout)


def _stop(subscribers: list[_Subscriber], timeout: float) -> None:
    for subscriber in subscribers:
        subscriber.queue.put(_STOP)
    for subscriber in subscribers:
        if subscriber.thread is not threading.current_thread():
            subscriber.thread.join(timeout)
