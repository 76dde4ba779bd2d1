"""The one way the store is copied for safe keeping: a checked copy in the backup folder, the
oldest copies beyond ``[backup] keep`` removed. The command line, the lane (after a Z report) and
the back office all call ``backup_now``; the command line also copies to a path of its choice
and restores."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pos_tui.config import Config
from pos_tui.store import backup as store_backup
from pos_tui.store.busy import when_free
from pos_tui.store.db import current_database


def backup_now(config: Config, *, actor: str | None, now: dt.datetime | None = None) -> Path:
    """Blocking (call from a worker when a screen waits): the copy, integrity-checked, named for ``now``
    (default: the clock); a lane holding the write lock makes it wait a moment, never fail with
    "database is locked"."""
    try:
        return when_free(store_backup.backup_into, config.backup_dir, keep=config.backup.keep, actor=actor, now=now)
    finally:
        current_database().close()  # the calling thread's own connection


def backed_up_on(config: Config, day: dt.date) -> bool:
    """Whether the backup folder holds a copy made on ``day`` (the daily timer's run skips then)."""
    return store_backup.backed_up_on(config.backup_dir, day)


def backup_to(dest: Path, *, actor: str | None) -> Path:
    """A checked copy at ``dest`` (a file, or a folder to put a dated copy in), outside the rotation."""
    return store_backup.backup_to(dest, actor=actor)


def restore_backup(src: Path, *, actor: str, older: bool) -> Path:
    """Replace the database with the checked copy ``src``; the path the current one is kept at. A
    copy older than the last Z report only when ``older`` (confirmed by ``actor``, journaled)."""
    return store_backup.restore_from(src, actor=actor, older_confirmed_by=actor if older else None)
