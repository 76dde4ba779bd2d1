"""Making a scan's commit durable without the cashier waiting for the disk.

With ``synchronous=FULL`` SQLite syncs the write-ahead log inside every COMMIT: on the UI thread a
scan waits for the disk (0.3 ms at the median here, 5-8 ms at the 99th percentile, far more on an SD
card). A line added to an open sale is committed with ``synchronous=NORMAL`` instead (consistent
after any crash, but the last commits may be lost by a power cut) and this module's thread then
syncs the log, a few milliseconds later, as FULL would have. Money never takes this path: every
payment, refund and close commits FULL, and the log is sequential, so that sync also covers every
line before it. A kill -9 loses nothing either way: the OS keeps what was written.
"""

from __future__ import annotations

import logging
import os
import threading

log = logging.getLogger(__name__)


class WalSyncer:
    def __init__(self) -> None:
        self._pending: set[str] = set()
        self._guard = threading.Condition()
        self._busy = False
        self._thread: threading.Thread | None = None
        self.synced = 0  # syncs done (read by tests and benchmarks)

    def request(self, wal_path: str) -> None:
        """Sync ``wal_path`` soon, on this module's thread."""
        with self._guard:
            self._pending.add(wal_path)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="wal-sync", daemon=True)
                self._thread.start()
            self._guard.notify()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every requested sync is done (a clean shutdown, a test); False on timeout."""
        with self._guard:
            return self._guard.wait_for(lambda: not self._pending and not self._busy, timeout)

    def _run(self) -> None:
        while True:
            with self._guard:
                self._guard.wait_for(lambda: bool(self._pending))
                paths, self._pending = self._pending, set()
                self._busy = True
            for path in paths:
                _sync_file(path)
            with self._guard:
                self.synced += len(paths)
                self._busy = False
                self._guard.notify_all()

    def forget_after_fork(self) -> None:
        """In a forked child: the parent's thread and lock are not ours."""
        self._pending = set()
        self._guard = threading.Condition()
        self._busy = False
        self._thread = None


def _sync_file(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return  # the last connection checkpointed and removed the log: the database file is synced
    except OSError as exc:
        log.warning("cannot open %s to sync it: %s", path, exc)
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        log.error("syncing %s failed: %s", path, exc)
    finally:
        os.close(fd)


wal_syncer = WalSyncer()
os.register_at_fork(after_in_child=wal_syncer.forget_after_fork)
