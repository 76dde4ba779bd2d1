"""Waiting out another process's write lock, so "database is locked" never reaches a person.

Every connection already waits ``busy_timeout`` for the lock; a lane committing a sale holds it
for milliseconds. Only a stuck writer outlasts that, and then the operator reads a plain line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import peewee

from pos_tui.store.db import StoreBusy, is_busy_error

__all__ = ["StoreBusy", "when_free"]

T = TypeVar("T")
ATTEMPTS = 3


def _is_busy(exc: Exception) -> bool:
    return isinstance(exc, StoreBusy) or is_busy_error(exc)


def when_free(operation: Callable[..., T], *args: object, attempts: int = ATTEMPTS, **kwargs: object) -> T:
    """Run ``operation`` (one store call, one transaction); if the database stays locked through
    the busy timeout, try again, up to ``attempts`` times, then raise StoreBusy."""
    for _ in range(attempts - 1):
        try:
            return operation(*args, **kwargs)
        except (peewee.OperationalError, StoreBusy) as exc:
            if not _is_busy(exc):
                raise
    try:
        return operation(*args, **kwargs)
    except (peewee.OperationalError, StoreBusy) as exc:
        if not _is_busy(exc):
            raise
        raise StoreBusy("another program kept the database busy; nothing was changed, try again") from None
