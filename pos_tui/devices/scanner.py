"""A barcode scanner on a serial port (RS-232, or USB in its serial/CDC mode), read by its own thread.

Each code the scanner sends ends with its suffix (``cr``, ``lf``, ``crlf``), or, with ``none``, with
a pause of ``gap`` seconds. The reader splits what arrives into codes in arrival order (a burst of
codes in one read stays in order, none merged), drops what is not a code (control bytes, non-ASCII,
more than 64 characters: line noise, a wrong baud rate) and hands each code to ``on_code``. The
lane passes it on exactly as if the code had been typed and Enter pressed.

A scanner unplugged (the port fails or is gone) is reopened with a growing pause between tries;
``on_state(ok, words)`` says when it goes ("unplugged") and when it is back ("ok").
"""

from __future__ import annotations

import logging
import re
import termios
import threading
import time
from collections.abc import Callable

import serial

from pos_tui.config import ScannerConfig
from pos_tui.devices.ports import DeviceError, open_serial
from pos_tui.i18n import N_

log = logging.getLogger(__name__)

SUFFIXES = {"cr": b"\r", "lf": b"\n", "crlf": b"\r\n", "none": b""}
MAX_CODE = 64
POLL = 0.05
RETRY_FIRST, RETRY_MAX = 0.25, 5.0
_CODE = re.compile(rb"[\x21-\x7e]{1,%d}" % MAX_CODE)
# The words the lane's status line shows for the scanner, marked for the catalog.
SCANNER_WORDS = (N_("scanner"), N_("unplugged"), N_("ok"))


class CodeSplitter:
    """Bytes in, codes out: split at the suffix (CR or LF alone also ends a code, so a scanner set
    to CR LF or to the other one still reads), or at a pause with ``none``."""

    def __init__(self, suffix: str = "cr", gap: float = 0.05) -> None:
        if suffix not in SUFFIXES:
            raise ValueError(f"scanner suffix must be one of {', '.join(SUFFIXES)}, got {suffix!r}")
        self.suffix = suffix
        self.gap = gap
        self._buffer = b""
        self._last = 0.0
        self.rejected = 0

    def feed(self, data: bytes, now: float | None = None) -> list[str]:
        self._last = time.monotonic() if now is None else now
        self._buffer += data
        if self.suffix == "none":
            return []
        *pieces, self._buffer = re.split(rb"[\r\n]", self._buffer)
        if len(self._buffer) > 4 * MAX_CODE:  # no end in sight: noise, not a code
            self._reject(self._buffer)
            self._buffer = b""
        return self._codes(pieces)

    def flush_if_quiet(self, now: float | None = None) -> list[str]:
        """With ``none``: the code waiting once ``gap`` has passed without a byte."""
        now = time.monotonic() if now is None else now
        if self.suffix != "none" or not self._buffer or now - self._last < self.gap:
            return []
        pieces, self._buffer = [self._buffer], b""
        return self._codes(pieces)

    def _codes(self, pieces: list[bytes]) -> list[str]:
        codes = []
        for piece in pieces:
            piece = piece.strip(b" \t")
            if not piece:
                continue
            if _CODE.fullmatch(piece):
                codes.append(piece.decode("ascii"))
            else:
                self._reject(piece)
        return codes

    def _reject(self, piece: bytes) -> None:
        self.rejected += 1
        log.warning("scanner sent something that is not a code, dropped: %r", piece[:80])


class SerialScanner:
    """The reader thread; ``on_code(code)`` and ``on_state(ok, words)`` are called from it."""

    def __init__(self, port: str, *, baudrate: int = 9600, suffix: str = "cr", gap: float = 0.05,
                 on_code: Callable[[str], None] | None = None,
                 on_state: Callable[[bool, str], None] | None = None, retry_max: float = RETRY_MAX) -> None:
        self.port = port
        self.baudrate = baudrate
        self.splitter = CodeSplitter(suffix, gap)
        self.on_code = on_code
        self.on_state = on_state
        self.retry_max = retry_max
        self.codes = 0
        self.failure: str | None = None
        self._online = True
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="serial-scanner", daemon=True)

    @property
    def online(self) -> bool:
        return self._online

    def start(self) -> SerialScanner:
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        pause = RETRY_FIRST
        while not self._stopping.is_set():
            try:
                port = open_serial(self.port, self.baudrate, timeout=min(POLL, self.splitter.gap),
                                   device=N_("scanner"))
            except DeviceError as exc:
                self._went(str(exc))
                self._stopping.wait(pause)
                pause = min(pause * 2, self.retry_max)
                continue
            pause = RETRY_FIRST
            self._came_back()
            try:
                self._read(port)
            except (serial.SerialException, OSError, termios.error) as exc:
                self._went(str(exc) or type(exc).__name__)
            finally:
                try:
                    port.close()
                except (serial.SerialException, OSError, termios.error):
                    pass

    def _read(self, port: serial.SerialBase) -> None:
        while not self._stopping.is_set():
            data = port.read(1)
            if data:
                data += port.read(port.in_waiting)
                codes = self.splitter.feed(data)
            else:
                codes = self.splitter.flush_if_quiet()
            for code in codes:
                self._deliver(code)

    def _deliver(self, code: str) -> None:
        self.codes += 1
        if self.on_code is None:
            return
        try:
            self.on_code(code)
        except Exception:  # the lane's side must not stop the reader
            log.exception("delivering scanned code failed")

    def _went(self, reason: str) -> None:
        if self._online:
            self._online, self.failure = False, reason
            log.warning("serial scanner unplugged: %s", reason)
            self._report(False, "unplugged")

    def _came_back(self) -> None:
        if not self._online:
            self._online, self.failure = True, None
            log.info("serial scanner back on %s", self.port)
            self._report(True, "ok")

    def _report(self, ok: bool, words: str) -> None:
        if self.on_state is None:
            return
        try:
            self.on_state(ok, words)
        except Exception:
            log.exception("scanner state callback failed")


def scanner_from_config(cfg: ScannerConfig, on_code: Callable[[str], None] | None = None,
                        on_state: Callable[[bool, str], None] | None = None) -> SerialScanner | None:
    """The configured serial scanner (not started yet), or None for a keyboard scanner."""
    if cfg.driver != "serial":
        return None
    return SerialScanner(cfg.port, baudrate=cfg.baudrate, suffix=cfg.suffix, gap=cfg.gap, on_code=on_code,
                         on_state=on_state)
