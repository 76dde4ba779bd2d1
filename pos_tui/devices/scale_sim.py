"""A simulated checkout scale on a pseudo-terminal, behind ``pos-tui sim scale``: it speaks one of
the protocols of ``devices.scale`` and answers as its ``mode`` says.

Modes: ``stable`` (the weight set; 0 reads as an empty scale), ``unstable`` (always in motion),
``zero``, ``negative``, ``overload``, ``garbage`` (answers bytes no protocol knows) and ``silence``
(answers nothing: a dead line). ``unstable_answers`` makes the next answers unstable before the
weight settles, as a scale does while the item is put down.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import TextIO

from pos_tui.devices.pty_line import PtyLine, ThreadedLineSimulator, serve_commands
from pos_tui.devices.scale import ACK, CENTER_ZERO, CR, DC1, ENQ, EOT, ETX, MOTION, OVER, SOH, STX, UNDER, LF

MODES = ("stable", "unstable", "zero", "negative", "overload", "garbage", "silence")
GARBAGE = b"\x7f#@!\x15~~"
STATUS_BASE = 0x40  # the status byte's constant bits: printable whatever the state


class SimulatorError(Exception):
    """A bad simulator setting; the message says which."""


class ScaleSimulator(ThreadedLineSimulator):
    def __init__(self, *, protocol: str = "toledo8217", weight_milli: int = 0, mode: str = "stable",
                 link: Path | str | None = None, interval: float = 0.1, echo: TextIO | None = None) -> None:
        if protocol not in ("toledo8217", "continuous", "cas"):
            raise SimulatorError(f"scale protocol must be toledo8217, continuous or cas, got {protocol!r}")
        self.protocol = protocol
        self.interval = interval
        self.echo = echo
        self.weight_milli = weight_milli
        self.mode = self._checked(mode)
        self.unstable_answers = 0
        self.requests: list[bytes] = []
        self.line = PtyLine(link)
        self._stopping = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="scale-simulator", daemon=True)

    @staticmethod
    def _checked(mode: str) -> str:
        if mode not in MODES:
            raise SimulatorError(f"scale mode must be one of {', '.join(MODES)}, got {mode!r}")
        return mode

    @property
    def path(self) -> str:
        return self.line.path

    def set(self, weight_milli: int | None = None, mode: str | None = None, unstable_answers: int = 0) -> None:
        with self._lock:
            if weight_milli is not None:
                self.weight_milli = weight_milli
            if mode is not None:
                self.mode = self._checked(mode)
            self.unstable_answers = unstable_answers

    # ------------------------------------------------------------------ what the scale says

    def _state(self) -> tuple[str, int]:
        """(mode, grams) for the next answer, using up one of the unstable answers asked for."""
        with self._lock:
            if self.unstable_answers > 0 and self.mode == "stable":
                self.unstable_answers -= 1
                return "unstable", self.weight_milli
            if self.mode == "zero":
                return "stable", 0
            if self.mode == "negative":
                return "negative", -abs(self.weight_milli or 100)
            return self.mode, self.weight_milli

    @staticmethod
    def _kg(grams: int, whole_digits: int) -> str:
        whole, frac = divmod(abs(grams), 1000)
        return f"{whole:0{whole_digits}d}.{frac:03d}"

    def toledo_answer(self, command: bytes) -> bytes:
        mode, grams = self._state()
        if mode == "silence":
            return b""
        if mode == "garbage":
            return GARBAGE + CR
        status = STATUS_BASE | {"unstable": MOTION, "overload": OVER, "negative": UNDER}.get(mode, 0)
        if mode == "stable" and grams == 0:
            status |= CENTER_ZERO
        if command == b"W" and mode == "stable":
            return STX + self._kg(grams, 2).encode() + CR
        return STX + b"?" + bytes([status]) + CR

    def continuous_line(self) -> bytes:
        mode, grams = self._state()
        if mode == "silence":
            return b""
        if mode == "garbage":
            return GARBAGE + CR + LF
        if mode == "overload":
            return b"OL,GS,+9999.999kg\r\n"
        head = "US" if mode == "unstable" else "ST"
        sign = "-" if grams < 0 else "+"
        return f"{head},GS,{sign}{self._kg(grams, 4)}kg\r\n".encode()

    def cas_frame(self) -> bytes:
        mode, grams = self._state()
        if mode == "silence":
            return b""
        if mode == "garbage":
            return SOH + STX + GARBAGE + ETX + EOT
        if mode == "overload":
            body = b"SFFFFFFFkg"
        else:
            sign = b"-" if grams < 0 else b" "
            body = (b"U" if mode == "unstable" else b"S") + sign + self._kg(grams, 2).encode() + b"kg"
        bcc = 0
        for byte in body:
            bcc ^= byte
        return SOH + STX + body + bytes([bcc]) + ETX + EOT

    # ------------------------------------------------------------------ the line

    def _run(self) -> None:
        next_line = time.monotonic()
        while not self._stopping:
            if self.protocol == "continuous":
                data = self.line.read(256, timeout=max(next_line - time.monotonic(), 0.005))
                if time.monotonic() >= next_line:
                    next_line = time.monotonic() + self.interval
                    self.line.write(self.continuous_line())
                continue
            data = self.line.read(256, timeout=0.05)
            for byte in data or b"":
                self._answer(bytes([byte]))

    def _answer(self, command: bytes) -> None:
        self.requests.append(command)
        if self.protocol == "toledo8217":
            if command in (b"W", b"S", b"Z"):
                self.line.write(self.toledo_answer(command))
        elif command == ENQ:
            if self._state_peek() != "silence":
                self.line.write(ACK)
        elif command == DC1:
            self.line.write(self.cas_frame())
        if self.echo is not None:
            self.echo.write(f"asked {command!r}\n")
            self.echo.flush()

    def _state_peek(self) -> str:
        with self._lock:
            return self.mode


def parse_command(word: str) -> tuple[int | None, str | None]:
    """A line typed at ``sim scale``: a weight in kg ("1.250", steady), or a mode name."""
    word = word.strip().lower()
    if word in MODES:
        return None, word
    try:
        kg = float(word)
    except ValueError:
        raise SimulatorError(f"type a weight in kg (1.250) or one of {', '.join(MODES)}") from None
    return round(kg * 1000), "stable"


def run_scale_simulator(*, protocol: str, weight_milli: int, mode: str, link: Path | None,
                        stdin: TextIO | None = None, stdout: TextIO | None = None) -> None:
    """Run a simulated scale until Ctrl+C: print its path, then take lines: a weight in kg
    ("1.250": steady), a mode (unstable, zero, negative, overload, garbage, silence, stable),
    "unplug" or "replug"."""
    console = stdout or sys.stdout
    with ScaleSimulator(protocol=protocol, weight_milli=weight_milli, mode=mode, link=link) as scale:
        console.write(scale.path + "\n")
        console.flush()

        def handle(word: str) -> str:
            if word.lower() in ("unplug", "replug"):
                getattr(scale, word.lower())()
                return "unplugged" if word.lower() == "unplug" else "plugged back in"
            try:
                grams, new_mode = parse_command(word)
            except SimulatorError as exc:
                return str(exc)
            scale.set(grams, new_mode)
            return f"now {scale.mode}, {scale._kg(scale.weight_milli, 1)} kg"

        serve_commands(scale, handle, stdin or sys.stdin, console)
