"""The one way the store is copied for safe keeping: a checked copy in the backup folder, the
oldest copies beyond ``[backup] keep`` removed. The command line, the lane (after a Z report) and
the back office all call ``backup_now``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pos_tui.config import Config
from pos_tui.store.backup import backup_into
from pos_tui.store.busy import when_free
from pos_tui.store.db import current_database


def backup_now(config: Config, *, actor: str | None, now: dt.datetime | None = None) -> Path:
    """Blocking (call from a worker when a screen waits): the copy, integrity-checked, named for ``now``
    (default: the clock); a lane holding the write lock makes it wait a moment, never fail with
    "database is locked"."""
    try:
        return when_free(backup_into, config.backup_dir, keep=config.backup.keep, actor=actor, now=now)
    finally:
        current_database().close()  # the calling thread's own connection
