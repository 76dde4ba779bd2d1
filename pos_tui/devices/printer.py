"""The receipt printer: a ``ReceiptDoc`` out through python-escpos, status back in plain words.

python-escpos is imported inside methods only: it pulls in Pillow and qrcode (~0.6 s) and the
lane must draw its first frame before that. Its own Serial class opens device paths only, so the
command encoder here writes to a connection of our own: any pyserial URL for "serial", a TCP socket
(pyserial's socket://) for "network", a file or /dev/usb/lp* for "file".

Every call does blocking I/O and opens the port for that one job: the lane runs it in a worker.
"""

from __future__ import annotations

import codecs
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, BinaryIO, Literal

import serial

from pos_tui.devices.ports import DeviceError, open_serial
from pos_tui.devices.receipt import PAPER_WIDTHS, Barcode, Cut, ReceiptDoc, Rule, Text
from pos_tui.domain.display_width import char_width
from pos_tui.i18n import N_, _
from pos_tui.domain.frozen_records import FrozenRecord, frozen_record

CONNECTIONS = ("serial", "network", "file")
NETWORK_PORT = 9100
STATUS_TIMEOUT = 0.3
WRITE_TIMEOUT = 10.0
FEED_WITHOUT_CUT = 4

CHINESE_ON = b"\x1c&"  # FS &
CHINESE_OFF = b"\x1c."  # FS .
STATUS_REQUEST = b"\x10\x04"  # DLE EOT n
STATUS_PRINTER, STATUS_OFFLINE_CAUSE, STATUS_PAPER = 1, 2, 4


class PrinterError(DeviceError):
    """The printer could not print or answer; the message is one plain line for the cashier."""


@frozen_record
class PrinterStatus(FrozenRecord):
    online: bool
    paper: Literal["ok", "near_end", "out", "unknown"]
    cover_open: bool
    message: str


def _is_status_byte(value: int) -> bool:
    # Every DLE EOT answer has bits 1 and 4 set and bits 0 and 7 clear.
    return value & 0x93 == 0x12


class ReceiptPrinter:
    """An ESC/POS printer on ``port``: a pyserial URL or device ("serial"), "host[:port]"
    ("network", port 9100 by default) or a path ("file", appended to; no status)."""

    def __init__(
        self,
        port: str,
        *,
        connection: str = "serial",
        baudrate: int = 19200,
        width: int = 42,
        encoding: str = "gb18030",
        chinese_mode: bool = True,
        cut: bool = True,
        drawer_pin: int = 2,
        status_timeout: float = STATUS_TIMEOUT,
    ) -> None:
        if connection not in CONNECTIONS:
            raise PrinterError(f"printer connection must be serial, network or file, got {connection!r}")
        if not port:
            raise PrinterError("printer has no port configured")
        if drawer_pin not in (2, 5):
            raise PrinterError(f"cash drawer pin must be 2 or 5, got {drawer_pin!r}")
        if width not in PAPER_WIDTHS:
            raise PrinterError(f"printer width must be 32, 42 or 48 characters, got {width!r}")
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise PrinterError(f"printer encoding {encoding!r} is not a known text encoding") from None
        self.port = port
        self.connection = connection
        self.baudrate = baudrate
        self.width = width
        self.encoding = encoding
        self.chinese_mode = chinese_mode
        self.cut = cut
        self.drawer_pin = drawer_pin
        self.status_timeout = status_timeout

    # -- jobs ----------------------------------------------------------------------------------

    def print_receipt(self, doc: ReceiptDoc, *, open_drawer: bool = False) -> None:
        """Print ``doc``; with ``open_drawer`` the drawer opens as printing starts (a cash sale)."""
        if doc.width != self.width:
            raise PrinterError(f"receipt laid out for {doc.width} cells, the printer prints {self.width}")
        with self._job(N_("printing")) as esc:
            esc.hw("INIT")
            if self.chinese_mode:
                esc._raw(CHINESE_OFF)  # some printers power up in Chinese mode; start from a known one
            if open_drawer:
                esc.cashdraw(self.drawer_pin)
            style = _Style()
            for block in doc.blocks:
                self._send_block(esc, block, style)

    def kick_drawer(self, pin: int | None = None) -> None:
        """Open the cash drawer (no-sale, paid-in/out) on ``pin`` or the configured one."""
        pin = self.drawer_pin if pin is None else pin
        if pin not in (2, 5):
            raise PrinterError(f"cash drawer pin must be 2 or 5, got {pin!r}")
        with self._job(N_("opening the drawer")) as esc:
            esc.cashdraw(pin)

    def status(self) -> PrinterStatus:
        """Ask DLE EOT 1 (and 2 when offline) and DLE EOT 4, one byte each with a short timeout.
        Silence is "offline": python-escpos's paper_status() would call it "paper OK"."""
        if self.connection == "file":
            self._open_link().close()
            return PrinterStatus(True, "unknown", False, _("printer is a file; it cannot report paper or cover"))
        link = self._open_link()
        try:
            link.reset_input_buffer()
            printer = self._ask(link, STATUS_PRINTER)
            if printer is None:
                return PrinterStatus(False, "unknown", False, _("printer not answering"))
            if not _is_status_byte(printer):
                return PrinterStatus(False, "unknown", False, _("printer sent 0x{byte:02x}, not a status").format(byte=printer))
            cover_open = False
            offline = bool(printer & 0x08)
            if offline:
                cause = self._ask(link, STATUS_OFFLINE_CAUSE)
                cover_open = cause is not None and _is_status_byte(cause) and bool(cause & 0x04)
            paper = self._paper(self._ask(link, STATUS_PAPER))
        except (serial.SerialException, OSError) as exc:
            raise PrinterError(_("printer on {port} stopped answering: {reason}").format(port=self.port, reason=_plain(exc))) from exc
        finally:
            link.close()
        return PrinterStatus(not offline, paper, cover_open, _status_message(offline, paper, cover_open))

    # -- sending blocks ------------------------------------------------------------------------

    def _send_block(self, esc: Any, block: object, style: _Style) -> None:
        if isinstance(block, Text):
            style.apply(esc, block.align, block.bold, block.double)
            self._send_text(esc, block.text)
            esc.text("\n")
        elif isinstance(block, Rule):
            style.apply(esc, "left", False, False)
            esc.text(block.char * self.width + "\n")
        elif isinstance(block, Barcode):
            style.apply(esc, "center", False, False)
            if block.kind == "qr":
                esc.qr(block.code, native=True, size=6)
            else:
                # python-escpos's public barcode() prints its renderer choice on stdout.
                esc._hw_barcode("{B" + block.code, "CODE128", height=64, width=2, function_type="B")
        elif isinstance(block, Cut):
            if self.cut:
                esc.cut()
            else:
                esc.print_and_feed(FEED_WITHOUT_CUT)

    def _send_text(self, esc: Any, text: str) -> None:
        """Wide (CJK) runs go out in ``encoding``; in Chinese mode they are wrapped in FS & … FS .
        and everything else goes through python-escpos's single-byte code pages. Without Chinese
        mode the printer is taken to read every non-ASCII byte as ``encoding``."""
        for wide, run in _runs(text, self.chinese_mode):
            if not wide:
                esc.text(run)
            elif self.chinese_mode:
                esc._raw(CHINESE_ON + run.encode(self.encoding, errors="replace") + CHINESE_OFF)
            else:
                esc._raw(run.encode(self.encoding, errors="replace"))

    # -- the connection ------------------------------------------------------------------------

    @contextmanager
    def _job(self, doing: str) -> Iterator[Any]:
        """``doing`` (marked with N_ by the caller) names the job in an error."""
        link = self._open_link()
        try:
            esc = _escpos_encoder()(link)
            yield esc
            link.flush()
        except (serial.SerialException, OSError) as exc:
            raise PrinterError(_("printer on {port} failed while {doing}: {reason}").format(
                port=self.port, doing=_(doing), reason=_plain(exc))) from exc
        finally:
            try:
                link.close()
            except (serial.SerialException, OSError):
                pass  # the job already failed or succeeded; closing a dead port changes neither

    def _open_link(self) -> Any:
        if self.connection == "file":
            try:
                return open(self.port, "ab", buffering=0)
            except OSError as exc:
                raise PrinterError(_("printer file {port} cannot be opened: {reason}").format(port=self.port, reason=_plain(exc))) from exc
        url = self.port if self.connection == "serial" else _network_url(self.port)
        try:
            return open_serial(
                url,
                self.baudrate,
                timeout=self.status_timeout,
                write_timeout=WRITE_TIMEOUT,
                device=N_("printer"),
            )
        except DeviceError as exc:
            raise PrinterError(str(exc)) from exc

    def _ask(self, link: Any, query: int) -> int | None:
        link.write(STATUS_REQUEST + bytes([query]))
        answer = link.read(1)
        return answer[0] if answer else None

    @staticmethod
    def _paper(answer: int | None) -> Literal["ok", "near_end", "out", "unknown"]:
        if answer is None or not _is_status_byte(answer):
            return "unknown"
        if answer & 0x60:
            return "out"
        if answer & 0x0C:
            return "near_end"
        return "ok"


@dataclass
class _Style:
    """What the printer is set to (ESC @ leaves it left, plain, normal size), so that a line only
    sends the settings that change: at 19200 baud the bytes add up."""

    align: str = "left"
    bold: bool = False
    double: bool = False

    def apply(self, esc: Any, align: str, bold: bool, double: bool) -> None:
        changes: dict[str, Any] = {}
        if double != self.double:
            # ESC ! also clears bold, so a size change always restates it.
            changes.update(normal_textsize=not double, double_width=double, double_height=double, bold=bold)
        if bold != self.bold:
            changes["bold"] = bold
        if align != self.align:
            changes["align"] = align
        if changes:
            esc.set(**changes)
        self.align, self.bold, self.double = align, bold, double


def _runs(text: str, chinese_mode: bool) -> Iterator[tuple[bool, str]]:
    """Split text into (wide, run) pieces. Without Chinese mode any non-ASCII joins the wide runs."""
    run, wide_run = "", False
    for char in text:
        wide = char_width(char) == 2 or (not chinese_mode and ord(char) > 0x7F)
        if run and wide != wide_run:
            yield wide_run, run
            run = ""
        run, wide_run = run + char, wide
    if run:
        yield wide_run, run


def _network_url(address: str) -> str:
    if "://" in address:
        return address
    host, colon, port = address.rpartition(":")
    if not colon:
        host, port = address, ""
    return f"socket://{host}:{port or NETWORK_PORT}"


def _status_message(offline: bool, paper: str, cover_open: bool) -> str:
    if cover_open:
        return _("printer cover open")
    if paper == "out":
        return _("printer out of paper")
    if offline:
        return _("printer offline")
    if paper == "near_end":
        return _("printer paper running low")
    if paper == "unknown":
        return _("printer ready (paper sensor not answering)")
    return _("printer ready")


def _plain(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


@functools.cache
def _escpos_encoder() -> type:
    """python-escpos's command encoder writing to our connection (imported on first use)."""
    from escpos.escpos import Escpos

    class LinkEscpos(Escpos):
        def __init__(self, link: BinaryIO) -> None:
            super().__init__()
            self._device = link

        def _raw(self, msg: bytes) -> None:
            self._device.write(msg)

        def close(self) -> None:
            """The connection belongs to the ReceiptPrinter job that opened it."""

    return LinkEscpos
