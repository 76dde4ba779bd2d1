"""ESC/POS bytes back to receipt text and events: what a virtual printer needs to show a receipt.

Pure: no serial, no printer library. ``EscposDecoder`` takes the byte stream in chunks of any size
(a command or a GB18030 character may straddle two reads) and yields events; every cut closes a
``DecodedReceipt`` whose text is laid out as ``receipt.render_text`` lays it out, so the two compare
equal. Bytes it does not know are reported as "unknown" events, never raised.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field

from pos_tui.devices.receipt import align_line, barcode_caption, join_lines, widen
from pos_tui.domain.display_width import cell_width

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10

# ESC t n as python-escpos's default profile numbers its code pages (those Python can decode).
CODEPAGES: dict[int, str] = {
    0: "cp437", 1: "cp932", 2: "cp850", 3: "cp860", 4: "cp863", 5: "cp865", 13: "cp857",
    14: "cp737", 15: "iso8859_7", 16: "cp1252", 17: "cp866", 18: "cp852", 19: "cp858",
    21: "cp874", 32: "cp720", 33: "cp775", 34: "cp855", 35: "cp861", 36: "cp862", 37: "cp864",
    38: "cp869", 39: "iso8859_2", 40: "iso8859_15", 44: "cp1125", 45: "cp1250", 46: "cp1251",
    47: "cp1253", 48: "cp1254", 49: "cp1255", 50: "cp1256", 51: "cp1257", 52: "cp1258",
}
ALIGN_NAMES = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}
# GS k m: function A types end with NUL, function B types (65..78) give a length first.
BARCODE_NAMES = {
    0: "UPC-A", 1: "UPC-E", 2: "EAN13", 3: "EAN8", 4: "CODE39", 5: "ITF", 6: "NW7",
    65: "UPC-A", 66: "UPC-E", 67: "EAN13", 68: "EAN8", 69: "CODE39", 70: "ITF", 71: "NW7",
    72: "CODE93", 73: "CODE128", 74: "GS1-128", 75: "GS1 DATABAR", 76: "GS1 DATABAR",
    77: "GS1 DATABAR", 78: "GS1 DATABAR",
}
# Commands whose parameters are a fixed number of bytes and only change how things look.
_ESC_FIXED = {
    ord("-"): ("underline", 1), ord("G"): ("double strike", 1), ord("M"): ("font", 1),
    ord("{"): ("upside down", 1), ord("2"): ("line spacing", 0), ord("3"): ("line spacing", 1),
    ord("+"): ("line spacing", 1), ord("A"): ("line spacing", 1), ord("="): ("select peripheral", 1),
    ord("c"): ("panel", 2), ord("R"): ("character set", 1), ord("V"): ("rotate", 1),
    ord(" "): ("character spacing", 1), ord("$"): ("position", 2), ord("\\"): ("position", 2),
    ord("U"): ("unidirectional", 1), ord("L"): ("page mode", 0), ord("S"): ("standard mode", 0),
    ord("<"): ("home", 0), ord("r"): ("color", 1),
}
_GS_FIXED = {
    ord("h"): ("barcode height", 1), ord("w"): ("barcode width", 1), ord("f"): ("barcode font", 1),
    ord("H"): ("barcode text", 1), ord("B"): ("invert", 1), ord("b"): ("smoothing", 1),
    ord("L"): ("left margin", 2), ord("W"): ("print width", 2), ord("a"): ("status back", 1),
    ord("P"): ("motion units", 2), ord("I"): ("printer id", 1), ord("r"): ("status", 1),
    ord("|"): ("density", 1),
}
_FS_FIXED = {
    ord("!"): ("chinese print mode", 1), ord("-"): ("chinese underline", 1),
    ord("C"): ("chinese code system", 1), ord("S"): ("chinese spacing", 2),
    ord("W"): ("chinese quad size", 1),
}


@dataclass(frozen=True)
class Event:
    """Something the printer was told: ("init", ""), ("align", "center"), ("cut", "full"),
    ("drawer", "pin 2"), ("status", "4") for a DLE EOT 4 request, ("unknown", "1b 99"), …"""

    kind: str
    value: str = ""


@dataclass(frozen=True)
class DecodedReceipt:
    text: str
    cut: bool
    drawer_kicks: int
    barcodes: list[str]
    qr: list[str]
    events: list[Event]


@dataclass
class _Page:
    lines: list[str] = field(default_factory=list)
    barcodes: list[str] = field(default_factory=list)
    qr: list[str] = field(default_factory=list)
    drawer_kicks: int = 0
    events: list[Event] = field(default_factory=list)

    @property
    def printed(self) -> bool:
        return bool(self.lines or self.barcodes or self.qr)


class _Incomplete(Exception):
    """The buffer ends inside a command: wait for more bytes."""


class EscposDecoder:
    """Feeds on ESC/POS bytes; ``receipts`` collects each finished receipt (closed by a cut, or by
    the next ESC @ when the printer does not cut). ``chinese_default`` is the printer's Chinese
    mode at power-on and after ESC @: on means bytes from 0x80 are ``encoding`` characters."""

    def __init__(self, width: int = 42, *, encoding: str = "gb18030", chinese_default: bool = False) -> None:
        self.width = width
        self.encoding = encoding
        self.chinese_default = chinese_default
        self.receipts: list[DecodedReceipt] = []
        self._buffer = b""
        self._page = _Page()
        self._line: list[str] = []
        self._line_cells = 0
        self._line_align: str | None = None
        self._qr_data = ""
        self._events: list[Event] = []
        self._reset_modes()

    # -- public --------------------------------------------------------------------------------

    def feed(self, data: bytes) -> list[Event]:
        """Decode as much of ``data`` (after what is left of earlier chunks) as is complete."""
        self._buffer += data
        self._events = []
        pos = 0
        while pos < len(self._buffer):
            try:
                pos = self._step(self._buffer, pos)
            except _Incomplete:
                break
        self._buffer = self._buffer[pos:]
        return self._events

    def finish(self) -> list[Event]:
        """End of the stream: report a cut-off command and close what was printed as a receipt."""
        self._events = []
        if self._buffer:
            self._emit("unknown", f"stream ends inside a command: {self._buffer.hex(' ')}")
            self._buffer = b""
        self._end_line_if_started()
        if self._page.printed:
            self._close_page(cut=False)
        return self._events

    def _emit(self, kind: str, value: str = "") -> None:
        event = Event(kind, value)
        self._page.events.append(event)
        self._events.append(event)

    # -- modes and text ------------------------------------------------------------------------

    def _reset_modes(self) -> None:
        self.align = "left"
        self.bold = False
        self.width_mult = 1
        self.height_mult = 1
        self.codepage = "cp437"
        self.chinese = self.chinese_default
        self._text_decoder = self._new_text_decoder()

    def _new_text_decoder(self) -> codecs.IncrementalDecoder:
        name = self.encoding if self.chinese else self.codepage
        return codecs.getincrementaldecoder(name)(errors="replace")

    def _flush_text(self) -> None:
        """Close a half-received multibyte character before a mode change."""
        tail = self._text_decoder.decode(b"", final=True)
        if tail:
            self._add_text(tail)
        self._text_decoder = self._new_text_decoder()

    def _add_text(self, text: str) -> None:
        if not text:
            return
        if not self._line:
            self._line_align = self.align
        self._line.append(widen(text, self.width_mult))
        self._line_cells += cell_width(text) * self.width_mult

    def _print_line(self) -> None:
        text = "".join(self._line)
        self._page.lines.append(align_line(text, self._line_cells, self.width, self._line_align or self.align))
        self._line, self._line_cells, self._line_align = [], 0, None

    def _feed_lines(self, count: int) -> None:
        """Print what is buffered and advance ``count`` lines (LF is a count of one)."""
        if count == 0:
            self._end_line_if_started()
            return
        self._flush_text()
        self._print_line()
        self._page.lines.extend([""] * (count - 1))

    def _end_line_if_started(self) -> None:
        self._flush_text()
        if self._line:
            self._print_line()

    def _close_page(self, *, cut: bool) -> None:
        page = self._page
        self.receipts.append(
            DecodedReceipt(join_lines(page.lines), cut, page.drawer_kicks, page.barcodes, page.qr, page.events)
        )
        self._page = _Page()

    # -- the parser ----------------------------------------------------------------------------

    def _step(self, buf: bytes, pos: int) -> int:
        byte = buf[pos]
        if byte >= 0x20 and byte != 0x7F:
            end = pos
            while end < len(buf) and buf[end] >= 0x20 and buf[end] != 0x7F:
                end += 1
            self._add_text(self._text_decoder.decode(buf[pos:end]))
            return end
        if byte == 0x0A:
            self._feed_lines(1)
            return pos + 1
        if byte in (0x0D, 0x00):
            return pos + 1
        if byte == 0x09:
            self._flush_text()
            self._add_text(" " * (8 - self._line_cells % 8))
            return pos + 1
        if byte == 0x0C:
            self._end_line_if_started()
            self._emit("form feed")
            return pos + 1
        if byte == ESC:
            return self._esc(buf, pos)
        if byte == GS:
            return self._gs(buf, pos)
        if byte == FS:
            return self._fs(buf, pos)
        if byte == DLE:
            return self._dle(buf, pos)
        self._emit("unknown", f"{byte:02x}")
        return pos + 1

    @staticmethod
    def _need(buf: bytes, end: int) -> None:
        if end > len(buf):
            raise _Incomplete

    def _esc(self, buf: bytes, pos: int) -> int:
        self._need(buf, pos + 2)
        cmd = buf[pos + 1]
        if cmd == ord("@"):
            self._end_line_if_started()
            if self._page.printed:
                self._close_page(cut=False)
            else:
                self._page = _Page()  # a drawer kick before ESC @ is not part of the coming receipt
            self._reset_modes()
            self._emit("init")
            return pos + 2
        if cmd in _ESC_FIXED:
            name, size = _ESC_FIXED[cmd]
            self._need(buf, pos + 2 + size)
            self._emit(name, buf[pos + 2:pos + 2 + size].hex(" "))
            return pos + 2 + size
        self._need(buf, pos + 3)
        n = buf[pos + 2]
        if cmd == ord("a"):
            self.align = ALIGN_NAMES.get(n, "left")
            self._emit("align", self.align)
            return pos + 3
        if cmd == ord("E"):
            self.bold = bool(n & 1)
            self._emit("bold", "on" if self.bold else "off")
            return pos + 3
        if cmd == ord("!"):
            self.bold = bool(n & 0x08)
            self.height_mult = 2 if n & 0x10 else 1
            self.width_mult = 2 if n & 0x20 else 1
            self._emit("size", f"{self.width_mult}x{self.height_mult}")
            return pos + 3
        if cmd == ord("t"):
            self._flush_text()
            codepage = CODEPAGES.get(n)
            if codepage is None:
                self.codepage = "cp437"
                self._text_decoder = self._new_text_decoder()
                self._emit("unknown", f"code page {n} (decoded as cp437)")
                return pos + 3
            self.codepage = codepage
            self._text_decoder = self._new_text_decoder()
            self._emit("codepage", codepage)
            return pos + 3
        if cmd == ord("d"):
            self._feed_lines(n)
            self._emit("feed", str(n))
            return pos + 3
        if cmd == ord("J"):
            self._end_line_if_started()
            self._emit("feed dots", str(n))
            return pos + 3
        if cmd == ord("p"):
            self._need(buf, pos + 5)
            self._drawer_kick(n)
            return pos + 5
        self._emit("unknown", f"1b {cmd:02x}")
        return pos + 2

    def _drawer_kick(self, pin_byte: int) -> None:
        self._page.drawer_kicks += 1
        self._emit("drawer", "pin 5" if pin_byte in (1, 49) else "pin 2")

    def _gs(self, buf: bytes, pos: int) -> int:
        self._need(buf, pos + 2)
        cmd = buf[pos + 1]
        if cmd in _GS_FIXED:
            name, size = _GS_FIXED[cmd]
            self._need(buf, pos + 2 + size)
            self._emit(name, buf[pos + 2:pos + 2 + size].hex(" "))
            return pos + 2 + size
        if cmd == ord("!"):
            self._need(buf, pos + 3)
            n = buf[pos + 2]
            self.width_mult, self.height_mult = (n >> 4) + 1, (n & 0x0F) + 1
            self._emit("size", f"{self.width_mult}x{self.height_mult}")
            return pos + 3
        if cmd == ord("V"):
            return self._cut(buf, pos)
        if cmd == ord("k"):
            return self._barcode(buf, pos)
        if cmd == ord("("):
            self._need(buf, pos + 5)
            length = buf[pos + 3] | buf[pos + 4] << 8
            end = pos + 5 + length
            self._need(buf, end)
            if buf[pos + 2] == ord("k"):
                self._two_d_code(buf[pos + 5:end])
                return end
            self._emit("skipped", f"1d 28 {buf[pos + 2]:02x} ({length} bytes)")
            return end
        if cmd == ord("v"):
            self._need(buf, pos + 8)
            if buf[pos + 2] != ord("0"):
                self._emit("unknown", "1d 76")
                return pos + 2
            x = buf[pos + 4] | buf[pos + 5] << 8
            y = buf[pos + 6] | buf[pos + 7] << 8
            self._need(buf, pos + 8 + x * y)
            self._end_line_if_started()
            self._emit("image", f"{x * 8}x{y} dots")
            return pos + 8 + x * y
        self._emit("unknown", f"1d {cmd:02x}")
        return pos + 2

    def _cut(self, buf: bytes, pos: int) -> int:
        self._need(buf, pos + 3)
        mode = buf[pos + 2]
        end = pos + 4 if mode >= 65 else pos + 3
        self._need(buf, end)
        self._end_line_if_started()
        self._emit("cut", "partial" if mode in (1, 49, 66) else "full")
        self._close_page(cut=True)
        return end

    def _barcode(self, buf: bytes, pos: int) -> int:
        self._need(buf, pos + 3)
        kind = buf[pos + 2]
        if kind <= 6:
            try:
                nul = buf.index(0, pos + 3)
            except ValueError:
                raise _Incomplete from None
            data, end = buf[pos + 3:nul], nul + 1
        else:
            self._need(buf, pos + 4)
            end = pos + 4 + buf[pos + 3]
            self._need(buf, end)
            data = buf[pos + 4:end]
        name = BARCODE_NAMES.get(kind, f"type {kind}")
        code = data.decode("ascii", errors="replace")
        if name in ("CODE128", "GS1-128") and code[:1] == "{" and code[1:2] in ("A", "B", "C"):
            code = code[2:]
        self._print_code("code128", code)
        self._page.barcodes.append(code)
        self._emit("barcode", f"{name} {code}")
        return end

    def _two_d_code(self, body: bytes) -> None:
        """GS ( k for QR (cn "1"): "P" stores the data after its "0" byte, "Q" prints it."""
        if len(body) < 2 or body[0] != ord("1"):
            self._emit("skipped", f"2D code function {body[:2].hex(' ')}")
            return
        fn = body[1]
        if fn == ord("P"):
            self._qr_data = body[3:].decode("utf-8", errors="replace")
            self._emit("qr data", self._qr_data)
        elif fn == ord("Q"):
            code, self._qr_data = self._qr_data, ""
            self._print_code("qr", code)
            self._page.qr.append(code)
            self._emit("qr", code)
        else:
            self._emit("qr setting", body.hex(" "))

    def _print_code(self, kind: str, code: str) -> None:
        self._end_line_if_started()
        caption = barcode_caption(kind, code)
        self._page.lines.append(align_line(caption, cell_width(caption), self.width, "center"))

    def _fs(self, buf: bytes, pos: int) -> int:
        self._need(buf, pos + 2)
        cmd = buf[pos + 1]
        if cmd in (ord("&"), ord(".")):
            self._flush_text()
            self.chinese = cmd == ord("&")
            self._text_decoder = self._new_text_decoder()
            self._emit("chinese", "on" if self.chinese else "off")
            return pos + 2
        if cmd in _FS_FIXED:
            name, size = _FS_FIXED[cmd]
            self._need(buf, pos + 2 + size)
            self._emit(name, buf[pos + 2:pos + 2 + size].hex(" "))
            return pos + 2 + size
        self._emit("unknown", f"1c {cmd:02x}")
        return pos + 2

    def _dle(self, buf: bytes, pos: int) -> int:
        self._need(buf, pos + 3)
        cmd, n = buf[pos + 1], buf[pos + 2]
        if cmd == 0x04:
            self._emit("status", str(n))
            return pos + 3
        if cmd == 0x05:
            self._emit("recover", str(n))
            return pos + 3
        if cmd == 0x14:
            self._need(buf, pos + 5)
            if n == 1:
                self._drawer_kick(buf[pos + 3])
                return pos + 5
            self._emit("real-time", buf[pos + 2:pos + 5].hex(" "))
            return pos + 5
        self._emit("unknown", f"10 {cmd:02x}")
        return pos + 2



def decode_receipts(
    data: bytes, width: int = 42, *, encoding: str = "gb18030", chinese_default: bool = False
) -> list[DecodedReceipt]:
    """Every receipt in a whole byte stream (the last one closed even without a cut)."""
    decoder = EscposDecoder(width, encoding=encoding, chinese_default=chinese_default)
    decoder.feed(data)
    decoder.finish()
    return decoder.receipts
