"""The lane's sync worker in a process of its own, at a lower CPU priority than the lane.

The worker's Python (reading outbox rows, building batches, psycopg, acknowledging) would otherwise
hold the lane's interpreter lock while a scan wants it; in a process of its own it never does, and
on a one-core till the scheduler runs the lane first (the worker is ``nice`` +10 to the lane).

``SyncProcess`` is what the lane holds: ``start``, ``wake``, ``stop`` and ``status`` as the thread
worker has them. It starts ``python -m pos_tui.services.sync_process`` (a new program, not a fork:
the lane has threads) and talks to it through pipes:

  stdin   the lane's config and the store key its database is open with (pickled, after their
          length: the config may have been built in memory by the demo or a test, and the key
          never lands in a file or on a command line), then one byte per ``wake``;
          its end (the lane closed it, or died: the kernel closes a killed process's pipes) stops
          the worker, which exits within ``PARENT_GONE_GRACE`` seconds whatever it was doing.
  stdout  each new ``SyncStatus``, one JSON line; a reader thread in the lane keeps the last one,
          so ``status()`` stays an in-memory read.
  stderr  the lane's log file (never the terminal: the lane's screen is drawn there), where the
          worker logs too.

A sync process that ends while the lane runs (killed, out of memory) is started again, after 5 s
doubling to a minute; the header says "offline" meanwhile.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import IO, Any

from pos_tui.config import Config
from pos_tui.services.sync import SyncStatus

log = logging.getLogger(__name__)

NICE = 10
PARENT_GONE_GRACE = 3.0  # seconds the worker has to finish its step once the lane is gone
RESTART_FIRST, RESTART_MAX = 5.0, 60.0
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_LENGTH = struct.Struct("!I")


def lane_log_file(config: Config) -> Path:
    """Where the lane logs: the plain file its root logger writes to, else ``pos-tui.log`` in the
    data folder (where ``pos-tui run`` puts it)."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler) and Path(handler.baseFilename).is_file():
            return Path(handler.baseFilename)  # (not a device such as /dev/null, which a test runner may log to)
    return config.data_dir / "pos-tui.log"


class SyncProcess:
    """The sync worker of ``config``'s lane in a child process; ``worker_options`` are
    ``SyncWorker``'s own (batch sizes, poll seconds)."""

    def __init__(self, config: Config, **worker_options: Any) -> None:
        self.config = config
        self.worker_options = worker_options
        self._status = SyncStatus()
        self._process: subprocess.Popen | None = None
        self._guard = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._writing = contextlib.ExitStack()

    # ---------------------------------------------------------------- the lane's side

    def start(self) -> "SyncProcess":
        """Start the process and return at once: it opens the store and reaches the server on its own."""
        from pos_tui.store.db import another_writer

        # Its acknowledgements and the catalog it brings down take the write lock a scan needs: the
        # lane tries for it every millisecond then, not in the busy handler's 1 ... 100 ms sleeps.
        self._writing.enter_context(another_writer())
        self._spawn()
        self._thread = threading.Thread(target=self._follow, name=f"sync-process-lane-{self.config.store.lane}",
                                        daemon=True)
        self._thread.start()
        return self

    def wake(self, *_event: object) -> None:
        """A document was just committed: the worker sends it now rather than at its next poll."""
        process = self._process
        if process is None:
            return
        try:
            os.write(process.stdin.fileno(), b"w")
        except (OSError, ValueError):  # full (it is woken already), or the process is gone / stopped
            pass

    def status(self) -> SyncStatus:
        return self._status

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None else None

    def stop(self, timeout: float = 5.0) -> None:
        """End the worker: it finishes its step and exits; after ``timeout`` seconds it is
        terminated, and killed a second later."""
        self._stopping.set()
        with self._guard:
            process = self._process
        if process is not None:
            _end(process, timeout)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self._writing.close()

    def _spawn(self) -> None:
        from pos_tui.private_files import private_folder
        from pos_tui.store.db import current_key, is_encrypted

        log_file = lane_log_file(self.config)
        private_folder(log_file.parent)
        env = dict(os.environ)
        if (source := _source_folder()) is not None:
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [source, env.get("PYTHONPATH")]))
        payload = pickle.dumps({"config": self.config, "key": current_key(), "encrypt": is_encrypted(),
                                "options": self.worker_options, "log_file": str(log_file), "parent": os.getpid()})
        # Made 0600 when it is not there yet; one the lane made is left as it is.
        with open(os.open(log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600), "ab") as errors:
            # A session of its own: the terminal's Ctrl+C / Ctrl+Z never reach it; the lane stops it.
            process = subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, stderr=errors, env=env, start_new_session=True)
        try:
            # Lowered before it is sent its config (it waits for it, on its only thread: the threads it
            # starts later inherit the priority), so even its start-up runs below the lane.
            os.setpriority(os.PRIO_PROCESS, process.pid, min(19, os.getpriority(os.PRIO_PROCESS, 0) + NICE))
        except OSError:
            pass  # gone already: _follow sees its end
        try:
            process.stdin.write(_LENGTH.pack(len(payload)) + payload)
            process.stdin.flush()
        except OSError:
            pass  # it died at once: _follow sees its end
        os.set_blocking(process.stdin.fileno(), False)  # a wake never waits on a full pipe
        with self._guard:
            self._process = process
        if self._stopping.is_set():  # stopped while it started
            _end(process, 0.5)

    def _follow(self) -> None:
        """Keep the last status the process sent; start it again if it ends while the lane runs."""
        delay = RESTART_FIRST
        while True:
            process, began = self._process, time.monotonic()
            for line in process.stdout:
                try:
                    self._status = SyncStatus(**json.loads(line))
                except (ValueError, TypeError):
                    log.warning("sync process: not a status: %r", line[:200])
            code = process.wait()
            process.stdout.close()
            if self._stopping.is_set():
                return
            if time.monotonic() - began > RESTART_MAX:  # it ran a good while: this is a new trouble
                delay = RESTART_FIRST
            self._status = replace(self._status, online=False, problem=f"sync process ended (exit status {code})")
            log.warning("sync process of lane %s ended (exit status %s): starting it again in %.0f s",
                        self.config.store.lane, code, delay)
            if self._stopping.wait(delay):
                return
            delay = min(delay * 2, RESTART_MAX)
            self._spawn()


def _source_folder() -> str | None:
    """The folder holding this pos_tui when the interpreter would not find it by itself (a source
    checkout, an editable install): the child runs the lane's own code."""
    import sysconfig

    root = Path(__file__).resolve().parents[2]
    installed = {Path(sysconfig.get_paths()[kind]).resolve() for kind in ("purelib", "platlib")}
    return None if root in installed else str(root)


def _end(process: subprocess.Popen, timeout: float) -> None:
    try:
        process.stdin.close()
    except OSError:
        pass
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.terminate()
        try:
            process.wait(1.0)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# ---------------------------------------------------------------- the child's side


def _read_exactly(fd: int, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            raise EOFError("the lane closed the pipe before its config")
        data += chunk
    return data


def _status_writer(out: IO[bytes], on_gone: Any):
    lock = threading.Lock()

    def send(status: SyncStatus) -> None:
        line = (json.dumps(asdict(status)) + "\n").encode()
        with lock:
            try:
                os.write(out.fileno(), line)
            except OSError:  # the lane is gone
                on_gone()

    return send


def _watch_lane(fd: int, parent: int, worker: Any) -> None:
    """Wake the worker at each byte; stop it when the pipe ends (the lane closed it or died) or the
    lane's process is no longer this one's parent; exit if it does not finish in time."""
    while True:
        readable, _, _ = select.select([fd], [], [], 1.0)
        if readable:
            if os.read(fd, 4096):
                worker.wake()
                continue
            break
        if os.getppid() != parent:
            break
    worker.stop()
    time.sleep(PARENT_GONE_GRACE)
    os._exit(0)  # still inside a step (a server that does not answer): what it did not mark is sent again


def main() -> None:
    stdin = sys.stdin.fileno()
    (length,) = _LENGTH.unpack(_read_exactly(stdin, _LENGTH.size))
    payload = pickle.loads(_read_exactly(stdin, length))  # from the lane that started this process
    logging.basicConfig(filename=payload["log_file"], level=logging.INFO, format=LOG_FORMAT)
    config: Config = payload["config"]
    from pos_tui.services.sync import SyncWorker
    from pos_tui.store.db import close_database, open_database
    from pos_tui.store.lane_lock import sharing_store

    with sharing_store(config.database.url):
        # As the lane has it open (its key file read once, by the lane; no migration: the lane did that).
        open_database(config.database.url, migrate=False, key=payload["key"], encrypt=payload["encrypt"])
        try:
            worker = SyncWorker(config, **payload["options"])
            worker.on_status = _status_writer(sys.stdout, worker.stop)
            threading.Thread(target=_watch_lane, args=(stdin, payload["parent"], worker), daemon=True).start()
            worker.run()
        finally:
            close_database()


if __name__ == "__main__":
    main()
