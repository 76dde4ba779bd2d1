"""The customer display (pole display) on a serial port, fed from its own thread.

Two protocols, both one-way (the display never answers):

``vfd``: the 2x20 vacuum-fluorescent command set most pole displays speak, the common ground of
the Epson ESC/POS customer displays and the CD5220 family: ``ESC @`` initialises (overwrite mode,
cursor home), ``CLR`` (0x0C) clears, ``HOM`` (0x0B) puts the cursor home, and text written from
home fills the upper line and, past its last column, the lower one. Each screen is sent whole: CLR,
HOM, then both lines padded to the width. Text goes in the display's code page; what the code page
cannot show is left out (a Chinese code page such as gb18030 shows CJK, two columns a character).

``led8``: the Chinese 8-digit LED price display (客显): ``ESC s n`` lights one lamp (n = "1" price,
"2" total, "3" collect/paid, "4" change, "0" none) and ``ESC Q A <digits> CR`` shows a figure
(digits, one decimal point, a minus sign). No text at all.

``CustomerDisplay.show`` never blocks: it leaves the newest screen for the display's thread, which
writes it, then waits as long as the line needs to carry those bytes (2400 baud: 46 bytes take
0.2 s); screens shown meanwhile replace each other, so a slow display shows the latest one, never a
backlog. A display that is unplugged (a write fails, the port is gone) is reopened with a growing
pause between tries, and the screen it should show is sent again once it is back. Nothing here ever
holds up the caller.
"""

from __future__ import annotations

import codecs
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import serial

from pos_tui.devices.ports import DeviceError, open_serial
from pos_tui.config import DisplayConfig
from pos_tui.domain.display_width import pad_cells, truncate_cells
from pos_tui.domain.text import neutralise_for_paper
from pos_tui.i18n import N_

log = logging.getLogger(__name__)

PROTOCOLS = ("vfd", "led8")
ESC, CLR, HOM, CR = b"\x1b", b"\x0c", b"\x0b", b"\r"
INIT = ESC + b"@"
LAMPS = {"": b"0", "price": b"1", "total": b"2", "paid": b"3", "change": b"4"}
LED_DIGITS = 8
BITS_PER_BYTE = 10  # a start bit, 8 data bits, a stop bit
RETRY_FIRST, RETRY_MAX = 0.25, 5.0
WRITE_TIMEOUT = 2.0
# The words the lane's status line shows for the display, marked for the catalog.
DISPLAY_WORDS = (N_("display"), N_("offline"), N_("ok"))


@dataclass(frozen=True)
class DisplayScreen:
    """What the customer should see: two lines of text for a VFD, a lamp and a figure for an LED
    price display ("" lamp and figure: lamps off, blank)."""

    upper: str = ""
    lower: str = ""
    lamp: str = ""
    figure: str = ""


class VfdEncoder:
    """Screens as bytes for a VFD of ``width`` columns in the code page ``encoding``."""

    def __init__(self, width: int = 20, encoding: str = "cp437") -> None:
        self.width = width
        self.encoding = encoding
        codecs.lookup(encoding)

    def init(self) -> bytes:
        return INIT

    def showable(self, text: str, *, tidy: bool = True) -> str:
        """``text`` with what the code page cannot show left out, controls neutralised first as on
        paper (a "?" every code page has); ``tidy`` also closes the gaps that leaves ("苹果 Apple" -> "Apple")."""
        kept = []
        for char in neutralise_for_paper(text):
            try:
                char.encode(self.encoding)
            except UnicodeEncodeError:
                continue
            kept.append(char)
        return " ".join("".join(kept).split()) if tidy else "".join(kept)

    def can_show(self, text: str) -> bool:
        return self.showable(text, tidy=False) == text

    def line(self, text: str) -> bytes:
        """One line: what fits in the width, padded with spaces to it."""
        fitted = truncate_cells(self.showable(text, tidy=False), self.width)
        return pad_cells(fitted, self.width).encode(self.encoding)

    def screen(self, screen: DisplayScreen) -> bytes:
        return CLR + HOM + self.line(screen.upper) + self.line(screen.lower)


class LedEncoder:
    """Screens as bytes for an 8-digit LED price display: a lamp and a figure."""

    def init(self) -> bytes:
        return INIT

    def can_show(self, text: str) -> bool:
        return False

    def showable(self, text: str, *, tidy: bool = True) -> str:
        return ""

    @staticmethod
    def figure(text: str) -> str:
        """Digits, a point and a sign; past eight digits the fraction is left out, past eight
        whole digits the display shows dashes."""
        kept = "".join(c for c in text if c.isdigit() or c in ".-")
        if sum(c.isdigit() for c in kept) > LED_DIGITS:
            kept = kept.partition(".")[0]
        return kept if sum(c.isdigit() for c in kept) <= LED_DIGITS else "-" * LED_DIGITS

    def screen(self, screen: DisplayScreen) -> bytes:
        lamp = ESC + b"s" + LAMPS.get(screen.lamp, b"0")
        if not screen.figure:
            return lamp + CLR
        return lamp + ESC + b"QA" + self.figure(screen.figure).encode("ascii") + CR


def encoder_for(protocol: str, width: int = 20, encoding: str = "cp437") -> VfdEncoder | LedEncoder:
    if protocol == "vfd":
        return VfdEncoder(width, encoding)
    if protocol == "led8":
        return LedEncoder()
    raise ValueError(f"display protocol must be one of {', '.join(PROTOCOLS)}, got {protocol!r}")


StateCallback = Callable[[bool, str], None]


class CustomerDisplay:
    """A pole display on ``port`` (any pyserial URL), fed by its own thread; see the module doc.

    ``on_state(ok, words)`` is called from that thread when the display goes offline ("offline")
    or comes back ("ok"); it is not called while the display simply works.
    """

    def __init__(self, port: str, *, protocol: str = "vfd", baudrate: int = 9600, width: int = 20,
                 encoding: str = "cp437", on_state: StateCallback | None = None,
                 retry_max: float = RETRY_MAX) -> None:
        self.port = port
        self.protocol = protocol
        self.baudrate = baudrate
        self.encoder = encoder_for(protocol, width, encoding)
        self.on_state = on_state
        self.retry_max = retry_max
        self._changed = threading.Condition()
        self._pending: DisplayScreen | None = None
        self._then: tuple[float, DisplayScreen] | None = None
        self._shown: DisplayScreen | None = None  # what the display shows, as far as we know
        self._serial: serial.SerialBase | None = None
        self._stopping = False
        self._retry_at = 0.0
        self._retry_pause = RETRY_FIRST
        self._line_free_at = 0.0
        self._online = True
        self.writes = 0
        self.failure: str | None = None
        self._thread = threading.Thread(target=self._run, name="customer-display", daemon=True)

    # ------------------------------------------------------------------ the caller's side

    def start(self) -> CustomerDisplay:
        self._thread.start()
        return self

    @property
    def width(self) -> int:
        """Columns of a line (0: the display shows figures, no text)."""
        return getattr(self.encoder, "width", 0)

    def can_show(self, text: str) -> bool:
        """Whether the display shows ``text`` as it is (its code page has every character)."""
        return self.encoder.can_show(text)

    def showable(self, text: str) -> str:
        """``text`` as the display can show it: characters its code page lacks left out."""
        return self.encoder.showable(text)

    def show(self, screen: DisplayScreen, *, then: DisplayScreen | None = None, after: float = 0.0) -> None:
        """Show ``screen`` as soon as the line allows (a newer one replaces it if it is still
        waiting); with ``then``, show that one ``after`` seconds later unless something else is
        shown first. Never blocks."""
        with self._changed:
            self._pending = screen
            self._then = (time.monotonic() + after, then) if then is not None else None
            self._changed.notify_all()

    @property
    def online(self) -> bool:
        return self._online

    @property
    def shown(self) -> DisplayScreen | None:
        return self._shown

    def wait_shown(self, screen: DisplayScreen, timeout: float = 5.0) -> bool:
        """Wait until ``screen`` has been written and nothing newer waits (for tests and tools)."""
        with self._changed:
            return self._changed.wait_for(lambda: self._pending is None and self._shown == screen, timeout)

    def stop(self, timeout: float = 2.0) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._close()

    # ------------------------------------------------------------------ the display's thread

    def _run(self) -> None:
        while True:
            with self._changed:
                screen = self._next_screen()
                if screen is None:
                    return
            if self._serial is None and not self._open():
                continue
            data = (self.encoder.init() if self.writes == 0 else b"") + self.encoder.screen(screen)
            try:
                self._serial.write(data)
            except (serial.SerialException, OSError, ValueError) as exc:
                self._lost(str(exc) or type(exc).__name__)
                continue
            self.writes += 1
            self._line_free_at = time.monotonic() + len(data) * BITS_PER_BYTE / self.baudrate
            with self._changed:
                if self._pending == screen:
                    self._pending = None
                self._shown = screen
                self._changed.notify_all()

    def _next_screen(self) -> DisplayScreen | None:
        """Under the lock: wait until a screen is due and the line and the port allow writing it;
        None once stopping."""
        while not self._stopping:
            now = time.monotonic()
            if self._pending is None and self._then is not None and now >= self._then[0]:
                self._pending, self._then = self._then[1], None
            ready_at = max(self._line_free_at, self._retry_at if self._serial is None else 0.0)
            if self._pending is not None and now >= ready_at:
                return self._pending
            waits = [t - now for t in (ready_at if self._pending is not None else None,
                                       self._then[0] if self._then is not None else None) if t is not None]
            self._changed.wait(max(min(waits), 0.001) if waits else None)
        return None

    def _open(self) -> bool:
        try:
            self._serial = open_serial(self.port, self.baudrate, timeout=0, write_timeout=WRITE_TIMEOUT,
                                       device=N_("display"))
        except DeviceError as exc:
            self._lost(str(exc))
            return False
        self.writes = 0  # a display just opened (perhaps after a power cut) is initialised again
        self._retry_pause = RETRY_FIRST
        if not self._online:
            self._online, self.failure = True, None
            log.info("customer display back on %s", self.port)
            self._report(True, "ok")
        return True

    def _lost(self, reason: str) -> None:
        """The port failed or would not open: close it, try again after a growing pause, and keep
        the screen to show for when it is back."""
        self._close()
        with self._changed:
            if self._pending is None and self._shown is not None:
                self._pending = self._shown
            self._shown = None
        self._retry_at = time.monotonic() + self._retry_pause
        self._retry_pause = min(self._retry_pause * 2, self.retry_max)
        if self._online:
            self._online, self.failure = False, reason
            log.warning("customer display offline: %s", reason)
            self._report(False, "offline")

    def _close(self) -> None:
        if self._serial is not None:
            try:
                self._serial.close()
            except (serial.SerialException, OSError):
                pass
            self._serial = None

    def _report(self, ok: bool, words: str) -> None:
        if self.on_state is None:
            return
        try:
            self.on_state(ok, words)
        except Exception:  # the lane's side of it must not stop the display
            log.exception("display state callback failed")


def display_from_config(cfg: DisplayConfig, on_state: StateCallback | None = None) -> CustomerDisplay | None:
    """The configured pole display (not started yet), or None when the lane has none."""
    if cfg.driver == "none":
        return None
    return CustomerDisplay(cfg.port, protocol=cfg.protocol, baudrate=cfg.baudrate, width=cfg.width,
                           encoding=cfg.encoding, on_state=on_state)
