"""The device side of a simulated serial line: a pseudo-terminal that can be unplugged and plugged
back in, for the display, scale and scanner simulators.

The lane opens ``PtyLine.path``. With ``link`` that is a symlink to the pty's slave: unplugging
closes both ends of the pty (the lane's reads and writes fail with EIO) and removes the link, as
udev removes a USB serial adapter's /dev/serial/by-id name ("port not found"); plugging back in
opens a new pty and links it under the same name. The link goes rather than dangles because the
kernel hands a freed /dev/pts number to the next pty any process opens: a dangling link would lead
the lane to somebody else's line. Without ``link`` the path is the slave's own /dev/pts name.
"""

from __future__ import annotations

import os
import select
import threading
import time
import tty
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

POLL = 0.05


class PtyLine:
    def __init__(self, link: Path | str | None = None) -> None:
        self.link = Path(link) if link is not None else None
        self._read_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._master: int | None = None
        self._slave: int | None = None
        self.slave_path = ""
        self._plug()

    @property
    def path(self) -> str:
        return str(self.link) if self.link is not None else self.slave_path

    @property
    def plugged(self) -> bool:
        return self._master is not None

    def _plug(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no newline translation on the lane's side
        os.set_blocking(master, False)  # what the lane does not read is lost, as on a real line
        self._master, self._slave = master, slave
        self.slave_path = os.ttyname(slave)
        if self.link is not None:
            staging = self.link.with_name(f".{self.link.name}.{os.getpid()}")
            if staging.is_symlink() or staging.exists():
                staging.unlink()
            os.symlink(self.slave_path, staging)
            os.replace(staging, self.link)

    def unplug(self) -> None:
        """Close both ends and remove the link (if any): the lane's port fails, then is not found."""
        with self._read_lock, self._write_lock:
            self._unlink()
            for fd in (self._master, self._slave):
                if fd is not None:
                    os.close(fd)
            self._master = self._slave = None

    def _unlink(self) -> None:
        if self.link is not None and self.link.is_symlink():
            self.link.unlink()

    def replug(self) -> None:
        """A new pty behind the same link."""
        with self._read_lock, self._write_lock:
            if self._master is None:
                self._plug()

    def read(self, size: int, timeout: float = POLL) -> bytes | None:
        """Up to ``size`` bytes the lane wrote, b"" when none came within ``timeout``, None while
        unplugged (after a pause of ``timeout``)."""
        with self._read_lock:
            master = self._master
            if master is not None:
                ready, _, _ = select.select([master], [], [], timeout)
                if not ready:
                    return b""
                try:
                    return os.read(master, size)
                except OSError:  # EIO: the lane's end is closed for now
                    pass
        threading.Event().wait(timeout)
        return None if master is None else b""

    def write(self, data: bytes) -> bool:
        """Send ``data`` to the lane; False while unplugged."""
        with self._write_lock:
            if self._master is None:
                return False
            try:
                os.write(self._master, data)
            except BlockingIOError:  # the lane has not read what was sent before: the line drops it
                pass
            except OSError:  # EIO: the lane's end is closed for now
                pass
            return True

    def close(self) -> None:
        self.unplug()

    def wait_opened(self, timeout: float = 5.0) -> bool:
        """Wait until the lane has the port open (for tests and tools: what the device sends before
        then, the lane's open flushes, as pyserial's does on a real port)."""
        deadline = time.monotonic() + timeout
        while not self._opened_by_the_lane():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.005)
        return True

    def _opened_by_the_lane(self) -> bool:
        # The lane opens its ports exclusively, which takes a flock on the slave: /proc/locks lists
        # it by the device and inode. Reading that list takes no lock the lane could run into.
        with self._write_lock:
            if self._slave is None:
                return False
            status = os.fstat(self._slave)
        slave = f"{os.major(status.st_dev):02x}:{os.minor(status.st_dev):02x}:{status.st_ino}"
        with open("/proc/locks", encoding="ascii") as locks:
            return any(fields[1:2] == ["FLOCK"] and fields[5:6] == [slave]
                       for fields in (line.split() for line in locks))


def serve_commands(device, handle: Callable[[str], str], stdin: TextIO, console: TextIO) -> None:
    """A simulator's console: each line of ``stdin`` goes to ``handle``, whose answer is printed;
    after the end of input the device runs on until Ctrl+C."""
    try:
        for raw in stdin:
            if raw.strip():
                console.write(handle(raw.strip()) + "\n")
                console.flush()
        device.serve()
    except KeyboardInterrupt:
        pass


class ThreadedLineSimulator:
    """A simulated device on a ``PtyLine`` served by its own thread (``_run``): start, stop, use as a
    context manager, unplug and plug the line back in."""

    line: PtyLine
    _thread: threading.Thread
    _stopping: bool

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping = True
        if self._thread.is_alive():
            self._thread.join(2.0)
        self.line.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve(self) -> None:
        """Block while the device runs. It sleeps rather than joins the thread: a Ctrl+C that lands
        in a join can leave the thread's lock taken on Python 3.11, and the join in ``stop`` hangs."""
        while self._thread.is_alive():
            time.sleep(0.2)

    def unplug(self) -> None:
        self.line.unplug()

    def replug(self) -> None:
        self.line.replug()
