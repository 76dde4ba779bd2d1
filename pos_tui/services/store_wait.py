"""Lane intents that find the store busy wait their turn instead of failing.

Another process may hold the database's write lock for longer than a scan can wait on the UI
thread (a catalog import publishing, a stuck back office). ``attempt`` gives an intent a short
wait for the lock (``TRY_FOR``); if the store is still busy and nothing of the intent was
committed, it raises StoreBusy and the caller ``hold``s the call. Calls made while others are held
queue behind them (``waiting``), so no scan is lost or reordered; ``take_held`` hands them back, in
order, to be tried again (the TUI does so on a timer and says so once ``waited`` passes
``SAY_AFTER``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from pos_tui.i18n import _
from pos_tui.store.db import StoreBusy, commits_on_this_thread, is_busy_error, lock_wait

__all__ = ["StoreWaits", "StoreBusy", "PartlyDone", "RETRY_EVERY", "SAY_AFTER"]

T = TypeVar("T")

TRY_FOR = 0.1  # seconds one attempt waits for another process's write lock
RETRY_EVERY = 0.02  # seconds between attempts while calls are held
SAY_AFTER = 0.5  # seconds of waiting before the cashier is told


class StoreWaits:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._held: list[Callable[[], Any]] = []
        self._since: float | None = None

    @property
    def waiting(self) -> bool:
        """Whether calls are held for the store (a new call must queue behind them)."""
        return bool(self._held)

    def waited(self) -> float:
        """Seconds since the first held call found the store busy; 0 when none waits."""
        return 0.0 if self._since is None else self._clock() - self._since

    def attempt(self, intent: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call ``intent`` with a short wait for the write lock. StoreBusy means nothing of it was
        committed and it may be called again; a store that turns busy after part of it was
        committed is a StoreBusy too, raised as ``PartlyDone`` (shown, never retried)."""
        before = commits_on_this_thread()
        try:
            with lock_wait(TRY_FOR):
                return intent(*args, **kwargs)
        except StoreBusy:
            if commits_on_this_thread() != before:
                raise PartlyDone() from None
            raise
        except Exception as exc:
            if not is_busy_error(exc):
                raise
            if commits_on_this_thread() != before:
                raise PartlyDone() from None
            raise StoreBusy(str(exc)) from None

    def hold(self, call: Callable[[], Any]) -> None:
        """Keep ``call`` to be tried again, after those already held."""
        if self._since is None:
            self._since = self._clock()
        self._held.append(call)

    def take_held(self) -> list[Callable[[], Any]]:
        """The held calls, in order, to be called again now (each holds itself again if the store
        is still busy). The wait ends when a round leaves nothing held: see ``settled``."""
        held, self._held = self._held, []
        return held

    def settled(self) -> bool:
        """After a round of retries: True (and the wait over) when nothing is held any more."""
        if self._held:
            return False
        self._since = None
        return True


class PartlyDone(StoreBusy):
    """The store turned busy after part of an intent was committed: not retried, the cashier reads it."""

    def __init__(self) -> None:
        super().__init__(_("the store was busy part-way through: check the sale on screen and try again"))
