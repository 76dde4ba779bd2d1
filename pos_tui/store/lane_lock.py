"""One running lane per lane number on a store: an advisory lock on a file beside the database.

The lane holds it from opening until it exits (the kernel drops it when the process dies, so a
crash or a power cut never leaves it behind). A second `pos-tui run` for the same lane is refused,
and the back office can tell a card payment that a running lane is still waiting for from one a
dead lane left pending.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import Iterator

from pos_tui.i18n import _
from pos_tui.store.db import StoreError, sqlite_path_from_url


class LaneRunning(StoreError):
    """Another process is running this lane on this store."""


def lock_path(db_url: str, lane: int) -> Path | None:
    """The lock file of ``lane`` beside the database file; None for an in-memory database."""
    path = sqlite_path_from_url(db_url)
    if path == ":memory:":
        return None
    return Path(f"{path}.lane-{lane:02d}.lock")


@contextlib.contextmanager
def holding_lane(db_url: str, lane: int) -> Iterator[None]:
    """Run lane ``lane`` on the store at ``db_url``; LaneRunning if another process runs it."""
    path = lock_path(db_url, lane)
    if path is None:
        yield
        return
    fd = _try_lock(path)
    if fd is None:
        raise LaneRunning(_("lane {lane} is already running on this store (another pos-tui has it open)").format(
            lane=f"{lane:02d}"))
    try:
        yield
    finally:
        os.close(fd)  # closing the file releases the lock


def lane_running(db_url: str, lane: int) -> bool:
    """Whether a process holds lane ``lane`` open on the store at ``db_url`` right now. A lock file
    this user cannot open counts as running: nothing may be done on the lane's behalf unproven."""
    path = lock_path(db_url, lane)
    if path is None or not path.exists():
        return False
    try:
        fd = _try_lock(path, os.O_RDONLY)
    except OSError:
        return True
    if fd is None:
        return True
    os.close(fd)
    return False


def _try_lock(path: Path, mode: int = os.O_RDWR | os.O_CREAT, kind: int = fcntl.LOCK_EX) -> int | None:
    """An open descriptor holding ``path``'s lock (exclusive, or ``kind``), or None if another
    process holds it in a way that excludes ``kind``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, mode | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, kind | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


# Every lane and back office holds the store's lock shared while it runs; a restore takes it alone,
# so it is refused while any of them runs, and none can start while it replaces the file.


class StoreInUse(StoreError):
    """A lane or a back office has the store open (a restore must wait), or a restore is running."""


def _store_lock_path(db_url: str) -> Path | None:
    path = sqlite_path_from_url(db_url)
    return None if path == ":memory:" else Path(f"{path}.store.lock")


@contextlib.contextmanager
def sharing_store(db_url: str) -> Iterator[None]:
    """Hold the store open for a lane or a back office; StoreInUse while a restore runs."""
    path = _store_lock_path(db_url)
    if path is None:
        yield
        return
    fd = _try_lock(path, kind=fcntl.LOCK_SH)
    if fd is None:
        raise StoreInUse(_("the store is being restored: try again in a moment"))
    try:
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def holding_store_alone(db_url: str) -> Iterator[None]:
    """Have the store to this process alone (a restore); StoreInUse naming the lanes and back
    offices that have it open."""
    path = _store_lock_path(db_url)
    if path is None:
        yield
        return
    fd = _try_lock(path)
    if fd is None:
        raise StoreInUse(_("the store is open in {users}: close it before restoring").format(
            users=", ".join(_who_has_the_store(db_url))))
    try:
        yield
    finally:
        os.close(fd)


def _who_has_the_store(db_url: str) -> list[str]:
    path = Path(sqlite_path_from_url(db_url))
    lanes = sorted(int(lock.name.rsplit("-", 1)[1].split(".")[0]) for lock in path.parent.glob(f"{path.name}.lane-*.lock")
                   if lock.name.rsplit("-", 1)[1].split(".")[0].isdigit())
    running = [_("lane {lane}").format(lane=f"{lane:02d}") for lane in lanes if lane_running(db_url, lane)]
    return running or [_("the back office")]
