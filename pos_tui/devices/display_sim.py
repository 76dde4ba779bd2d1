"""A simulated customer display on a pseudo-terminal, behind ``pos-tui sim display``, and the
decoders that read a display's byte stream back into what it shows.

The simulator reads no faster than its baud rate allows (2400 baud: 240 bytes a second), as the
display's UART would: a lane that writes faster fills the line, never the screen. It keeps every
screen the byte stream drew (``screens``), prints each new one on ``echo``, and can be unplugged
and plugged back in (``unplug``, ``replug``) behind a stable ``link`` path.
"""

from __future__ import annotations

import codecs
import sys
import threading
import time
from pathlib import Path
from typing import TextIO

from pos_tui.devices.display import CLR, CR, ESC, HOM, LAMPS, DisplayScreen
from pos_tui.devices.pty_line import PtyLine, ThreadedLineSimulator, serve_commands
from pos_tui.domain.display_width import char_width

_LAMP_OF = {value[0]: name for name, value in LAMPS.items()} | {n: name for n, name in enumerate(LAMPS)}
QUIET = 0.03  # seconds without a byte after which the screen is taken as drawn (for the echo)


class VfdDecoder:
    """A 2-line VFD of ``width`` columns: ESC @, CLR, HOM, ESC [ H, CR, LF, BS, ESC l x y (CD5220),
    US $ x y (ESC/POS display), ESC Q A/B ... CR (CD5220 string mode) and text in ``encoding``.

    ``feed`` returns the screens completed so far: a screen is complete when the next clear (CLR or
    ESC @) starts another one; ``finish`` adds the one on display now. Blank screens and repeats of
    the screen before are left out."""

    def __init__(self, width: int = 20, encoding: str = "cp437") -> None:
        self.width = width
        self._decode = codecs.getincrementaldecoder(encoding)(errors="replace")
        self._rows = [[" "] * width, [" "] * width]
        self._x = self._y = 0
        self._pending = b""
        self._string_row: int | None = None
        self._string = ""
        self.screens: list[DisplayScreen] = []

    @property
    def current(self) -> DisplayScreen:
        return DisplayScreen("".join(self._rows[0]).rstrip(), "".join(self._rows[1]).rstrip())

    def feed(self, data: bytes) -> list[DisplayScreen]:
        done = len(self.screens)
        buffer = self._pending + data
        i = 0
        while i < len(buffer):
            byte = buffer[i]
            if self._string_row is not None:  # ESC Q A/B: text up to CR
                if byte == CR[0]:
                    self._finish_string()
                else:
                    self._string += self._decode.decode(bytes([byte]))
                i += 1
                continue
            if byte == ESC[0] or byte == 0x1F:
                need = self._sequence_length(buffer, i)
                if need is None:
                    break  # the rest of the sequence has not arrived yet
                self._sequence(buffer[i:i + need])
                i += need
                continue
            i += 1
            if byte == CLR[0]:
                self._clear()
            elif byte == HOM[0]:
                self._x = self._y = 0
            elif byte == CR[0]:
                self._x = 0
            elif byte == 0x0A:
                self._y = 1
            elif byte == 0x08:
                self._x = max(self._x - 1, 0)
            elif byte >= 0x20:
                for char in self._decode.decode(bytes([byte])):
                    self._put(char)
        self._pending = buffer[i:]
        return self.screens[done:]

    def finish(self) -> list[DisplayScreen]:
        self._snapshot()
        return self.screens

    @staticmethod
    def _sequence_length(buffer: bytes, i: int) -> int | None:
        rest = buffer[i + 1:i + 4]
        if not rest:
            return None
        if buffer[i] == 0x1F:  # US: US $ x y (ESC/POS cursor position), else US and one byte
            return (4 if len(rest) >= 3 else None) if rest[:1] == b"$" else 2
        if rest[:1] == b"l":
            return 4 if len(rest) >= 3 else None
        if rest[:1] in (b"[", b"Q"):
            return 3 if len(rest) >= 2 else None
        if rest[:1] in (b"*", b"_", b"f", b"c", b"=", b"%", b"?"):
            return 3 if len(rest) >= 2 else None
        return 2

    def _sequence(self, seq: bytes) -> None:
        if seq[0] == 0x1F:
            if seq[1:2] == b"$":
                self._x, self._y = min(max(seq[2] - 1, 0), self.width - 1), min(max(seq[3] - 1, 0), 1)
            return
        kind = seq[1:2]
        if kind == b"@":
            self._clear()
        elif kind == b"l":
            self._x, self._y = min(max(seq[2] - 1, 0), self.width - 1), min(max(seq[3] - 1, 0), 1)
        elif kind == b"[" and seq[2:3] == b"H":
            self._x = self._y = 0
        elif kind == b"Q" and seq[2:3] in (b"A", b"B"):
            self._string_row, self._string = (0 if seq[2:3] == b"A" else 1), ""

    def _finish_string(self) -> None:
        row = [" "] * self.width
        x = 0
        for char in self._string:
            w = char_width(char)
            if x + w > self.width:
                break
            row[x] = char
            if w == 2:
                row[x + 1] = ""
            x += w
        self._rows[self._string_row] = row
        self._string_row = None

    def _put(self, char: str) -> None:
        w = char_width(char)
        if self._x + w > self.width:
            self._x, self._y = 0, (self._y + 1) % 2
        self._rows[self._y][self._x] = char
        if w == 2:
            self._rows[self._y][self._x + 1] = ""
        self._x += w
        if self._x >= self.width:
            self._x, self._y = 0, (self._y + 1) % 2

    def _clear(self) -> None:
        self._snapshot()
        self._rows = [[" "] * self.width, [" "] * self.width]
        self._x = self._y = 0

    def _snapshot(self) -> None:
        screen = self.current
        if (screen.upper or screen.lower) and (not self.screens or self.screens[-1] != screen):
            self.screens.append(screen)


class LedDecoder:
    """An 8-digit LED price display: ESC @, CLR, ESC s n (lamp), ESC Q A <figure> CR.

    A screen is complete when the next lamp command starts another one (``feed``); ``finish``
    adds the one on display now. Repeats of the screen before are left out."""

    def __init__(self) -> None:
        self._lamp = ""
        self._figure = ""
        self._pending = b""
        self._reading: str | None = None
        self.screens: list[DisplayScreen] = []

    @property
    def current(self) -> DisplayScreen:
        return DisplayScreen(lamp=self._lamp, figure=self._figure)

    def feed(self, data: bytes) -> list[DisplayScreen]:
        done = len(self.screens)
        buffer = self._pending + data
        i = 0
        while i < len(buffer):
            byte = buffer[i]
            if self._reading is not None:
                if byte == CR[0]:
                    self._figure, self._reading = self._reading, None
                else:
                    self._reading += chr(byte)
                i += 1
                continue
            if byte == ESC[0]:
                if len(buffer) - i < 3:
                    break
                kind, arg = buffer[i + 1:i + 2], buffer[i + 2]
                if kind == b"s":
                    self._snapshot()
                    self._lamp = _LAMP_OF.get(arg, "")
                    i += 3
                elif kind == b"Q" and arg == ord("A"):
                    self._reading = ""
                    i += 3
                elif kind == b"@":
                    self._snapshot()
                    self._lamp, self._figure = "", ""
                    i += 2
                else:
                    i += 2
                continue
            if byte == CLR[0]:
                self._figure = ""
            i += 1
        self._pending = buffer[i:]
        return self.screens[done:]

    def finish(self) -> list[DisplayScreen]:
        self._snapshot()
        return self.screens

    def _snapshot(self) -> None:
        screen = self.current
        if not self.screens or self.screens[-1] != screen:
            self.screens.append(screen)


def decoder_for(protocol: str, width: int = 20, encoding: str = "cp437") -> VfdDecoder | LedDecoder:
    return VfdDecoder(width, encoding) if protocol == "vfd" else LedDecoder()


def render(screen: DisplayScreen, protocol: str, width: int = 20) -> str:
    """A screen as the console shows it: a framed 2-line VFD, or the lit lamp and the figure."""
    if protocol == "led8":
        lamps = "  ".join(f"[{name}]" if name == screen.lamp else f" {name} " for name in LAMPS if name)
        return f"{screen.figure or '':>10}   {lamps}"
    from pos_tui.domain.display_width import pad_cells

    edge = "+" + "-" * width + "+"
    return "\n".join([edge, f"|{pad_cells(screen.upper, width)}|", f"|{pad_cells(screen.lower, width)}|", edge])


class DisplaySimulator(ThreadedLineSimulator):
    """A customer display at ``path`` (a pty, behind ``link`` when given); see the module doc."""

    def __init__(self, *, protocol: str = "vfd", baudrate: int = 9600, width: int = 20, encoding: str = "cp437",
                 link: Path | str | None = None, echo: TextIO | None = None) -> None:
        self.protocol = protocol
        self.baudrate = baudrate
        self.width = width
        self.decoder = decoder_for(protocol, width, encoding)
        self.echo = echo
        self.line = PtyLine(link)
        self.received = bytearray()
        self._changed = threading.Condition()
        self._stopping = False
        self._echoed: DisplayScreen | None = None
        self._thread = threading.Thread(target=self._run, name="display-simulator", daemon=True)

    @property
    def path(self) -> str:
        return self.line.path

    @property
    def screens(self) -> list[DisplayScreen]:
        """Every screen drawn so far, the one on display now last."""
        with self._changed:
            return [*self.decoder.screens, *([] if self._last_is_recorded() else [self.decoder.current])]

    @property
    def current(self) -> DisplayScreen:
        with self._changed:
            return self.decoder.current

    def _last_is_recorded(self) -> bool:
        current = self.decoder.current
        blank = current == DisplayScreen() if self.protocol == "vfd" else False
        return blank or (bool(self.decoder.screens) and self.decoder.screens[-1] == current)

    def wait_for(self, screen: DisplayScreen, timeout: float = 5.0) -> bool:
        """Wait until ``screen`` is on display."""
        with self._changed:
            return self._changed.wait_for(lambda: self.decoder.current == screen, timeout)

    def _run(self) -> None:
        # Bytes a 50 ms slice of the line carries at this baud rate (10 bits a byte).
        per_slice = max(1, self.baudrate // 10 // 20)
        quiet_since = time.monotonic()
        while not self._stopping:
            started = time.monotonic()
            data = self.line.read(per_slice, timeout=QUIET)
            if not data:
                if time.monotonic() - quiet_since >= QUIET:
                    self._echo_current()
                continue
            quiet_since = time.monotonic()
            with self._changed:
                self.received += data
                self.decoder.feed(data)
                self._changed.notify_all()
            spent = time.monotonic() - started
            carry = len(data) * 10 / self.baudrate
            if carry > spent:
                time.sleep(carry - spent)

    def _echo_current(self) -> None:
        if self.echo is None:
            return
        current = self.current
        if current != self._echoed and (current != DisplayScreen() or self.protocol == "led8"):
            self._echoed = current
            self.echo.write(render(current, self.protocol, self.width) + "\n")
            self.echo.flush()


def run_display_simulator(*, protocol: str, baudrate: int, width: int, encoding: str, link: Path | None,
                          stdin: TextIO | None = None, stdout: TextIO | None = None) -> None:
    """Run a simulated display until Ctrl+C: print its path on the first line, then each screen it
    shows. Lines typed: "unplug", "replug"."""
    console = stdout or sys.stdout
    with DisplaySimulator(protocol=protocol, baudrate=baudrate, width=width, encoding=encoding, link=link,
                          echo=console) as display:
        console.write(display.path + "\n")
        console.flush()

        def handle(word: str) -> str:
            if word.lower() in ("unplug", "replug"):
                getattr(display, word.lower())()
                return f"{word.lower()}ged" if word.lower() == "unplug" else "plugged back in"
            return "type unplug or replug"

        serve_commands(display, handle, stdin or sys.stdin, console)
