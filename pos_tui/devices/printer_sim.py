"""A virtual ESC/POS receipt printer on a pseudo-terminal, behind ``pos-tui sim printer``.

The lane opens ``VirtualPrinter.path`` as its serial printer port. A thread reads the other side,
decodes the bytes, answers DLE EOT status requests as the chosen state says, and writes every cut
receipt as text to ``--out FILE`` and the console.
"""

from __future__ import annotations

import os
import select
import sys
import threading
import time
import tty
from pathlib import Path
from typing import TextIO

from pos_tui.devices.escpos_decode import DecodedReceipt, EscposDecoder

STATES = ("online", "near-end", "paper-out", "cover-open", "offline")
# Answers to DLE EOT 1 (printer), 2 (offline cause), 4 (paper sensor); "offline" never answers.
_ANSWERS: dict[str, dict[int, int]] = {
    "online": {1: 0x12, 2: 0x12, 4: 0x12},
    "near-end": {1: 0x12, 2: 0x12, 4: 0x1E},
    "paper-out": {1: 0x1A, 2: 0x32, 4: 0x7E},
    "cover-open": {1: 0x1A, 2: 0x16, 4: 0x12},
    "offline": {},
}
_READ_SIZE = 4096
_EIO_PAUSE = 0.2


class SimulatorError(Exception):
    """A bad simulator setting or a simulator that had to stop; the message says which."""


def _check_state(state: str) -> str:
    if state not in STATES:
        raise SimulatorError(f"printer state must be one of {', '.join(STATES)}, got {state!r}")
    return state


class VirtualPrinter:
    """A printer at ``path`` (a pty); ``receipts`` and ``drawer_kicks`` record what it was sent."""

    def __init__(
        self,
        *,
        width: int = 42,
        state: str = "online",
        out: Path | None = None,
        echo: TextIO | None = None,
        encoding: str = "gb18030",
        chinese_default: bool = False,
    ) -> None:
        self.width = width
        self._state = _check_state(state)
        self.out = out
        self.echo = echo
        self.receipts: list[DecodedReceipt] = []
        self.drawer_kicks = 0
        self._decoder = EscposDecoder(width, encoding=encoding, chinese_default=chinese_default)
        self._changed = threading.Condition()
        self._master, self._slave = os.openpty()
        # Raw from the start: no echo of our status answers, no newline translation.
        tty.setraw(self._slave)
        self.path = os.ttyname(self._slave)
        self._wake_r, self._wake_w = os.pipe()
        self._thread = threading.Thread(target=self._run, name="virtual-printer", daemon=True)
        self._closed = False
        self.failure: OSError | None = None

    @property
    def state(self) -> str:
        return self._state

    @state.setter
    def state(self, value: str) -> None:
        self._state = _check_state(value)

    def start(self) -> VirtualPrinter:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop reading and close the pty; the path disappears once the lane closes it too."""
        if self._closed:
            return
        self._closed = True
        os.write(self._wake_w, b"x")
        if self._thread.is_alive():
            self._thread.join()
        for fd in (self._master, self._slave, self._wake_r, self._wake_w):
            os.close(fd)

    def serve(self) -> None:
        """Block while the printer runs. It sleeps rather than joins the thread: a Ctrl+C that lands in
        a join can leave the thread's lock taken on Python 3.11, and the join in ``stop`` then hangs."""
        while self._thread.is_alive():
            time.sleep(0.2)
        if self.failure is not None:
            raise SimulatorError(f"virtual printer stopped: {self.failure}")

    def __enter__(self) -> VirtualPrinter:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_for_receipts(self, count: int, timeout: float = 5.0) -> list[DecodedReceipt]:
        """The first ``count`` receipts, waiting up to ``timeout`` seconds for them to arrive."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.receipts) >= count, timeout)
            return list(self.receipts)

    def wait_for_drawer_kicks(self, count: int, timeout: float = 5.0) -> int:
        with self._changed:
            self._changed.wait_for(lambda: self.drawer_kicks >= count, timeout)
            return self.drawer_kicks

    # -- the reader thread ---------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._read_until_stopped()
        except OSError as exc:
            self.failure = exc

    def _read_until_stopped(self) -> None:
        while True:
            ready, _, _ = select.select([self._master, self._wake_r], [], [])
            if self._wake_r in ready:
                return
            try:
                data = os.read(self._master, _READ_SIZE)
            except OSError:
                # EIO comes only while no slave is open; we hold one, so wait rather than spin.
                if select.select([self._wake_r], [], [], _EIO_PAUSE)[0]:
                    return
                continue
            self._take(data)

    def _take(self, data: bytes) -> None:
        events = self._decoder.feed(data)
        finished = self._decoder.receipts[len(self.receipts):]
        for event in events:
            if event.kind == "status":
                self._answer_status(int(event.value))
        kicks = sum(1 for event in events if event.kind == "drawer")
        for receipt in finished:
            self._publish(receipt)
        with self._changed:
            self.receipts.extend(finished)
            self.drawer_kicks += kicks
            self._changed.notify_all()

    def _answer_status(self, query: int) -> None:
        answer = _ANSWERS[self._state].get(query)
        if answer is not None:
            os.write(self._master, bytes([answer]))

    def _publish(self, receipt: DecodedReceipt) -> None:
        block = receipt.text + "=" * self.width + "\n"
        if self.out is not None:
            with self.out.open("a", encoding="utf-8") as file:
                file.write(block)
        if self.echo is not None:
            self.echo.write(block)
            self.echo.flush()


def run_printer_simulator(
    out: Path | None, state: str = "online", *, width: int = 42, stdout: TextIO | None = None
) -> None:
    """Run a virtual printer until Ctrl+C: print its pty path on the first line, then each receipt."""
    console = stdout or sys.stdout
    with VirtualPrinter(width=width, state=state, out=out, echo=console) as printer:
        console.write(printer.path + "\n")
        console.flush()
        try:
            printer.serve()
        except KeyboardInterrupt:
            pass
