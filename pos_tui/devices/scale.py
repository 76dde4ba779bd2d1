"""The checkout scale on a serial port: ask for a steady weight, get grams or a plain refusal.

Three protocols:

``toledo8217`` (Mettler Toledo 8217 and the many scales that imitate it; 9600 7E1 on most, set
the lane's line to match). The lane sends ``W``; a valid weight comes back as ``STX`` weight ``CR``,
the weight in kg with its decimal point ("01.250", an "N" after it for a net weight). When the
weight is not valid the scale answers ``STX ? <status> CR`` instead; ``S`` asks for that status at
any time. Status bits: 0 in motion, 1 over capacity, 2 under zero, 3 outside the zero capture range,
4 centre of zero (the upper bits are constant or parity).

``continuous`` (the usual Chinese counter scale, and A&D, Excell, most bench scales): the scale
sends a line every few tenths of a second, such as ``ST,GS,+0001.250kg`` CR LF: ``ST`` stable,
``US`` unstable, ``OL`` overload; ``GS`` gross or ``NT`` net; the signed weight; the unit (kg, g
or lb). Nothing is sent to the scale.

``cas`` (CAS and the scales that speak its protocol): the lane sends ``ENQ``, the scale answers
``ACK``; the lane sends ``DC1``, the scale answers ``SOH STX <sta> <sign> <weight, 6> <unit, 2>
<bcc> ETX EOT``: sta "S" stable or "U" unstable, sign "-" below zero, " " otherwise, "F" overload
(then the weight is "FFFFFF" too), bcc the XOR of the bytes from sta to the unit.

``Scale.read_stable`` asks until the weight is steady (``stable_timeout``) and answers grams, or
raises a ``ScaleError`` in plain words: not steady, nothing on it, below zero, over capacity, an
answer it cannot read, no answer at all, or the port's own trouble (``DeviceError``). Blocking:
call it from a worker thread. A port that failed is opened again on the next read.
"""

from __future__ import annotations

import logging
import re
import termios
import threading
import time
from dataclasses import dataclass

import serial

from pos_tui.config import ScaleConfig
from pos_tui.devices.ports import DeviceError, open_serial
from pos_tui.i18n import N_, _

log = logging.getLogger(__name__)

PROTOCOLS = ("toledo8217", "continuous", "cas")
STX, ETX, EOT, ENQ, ACK, SOH, DC1, CR, LF = b"\x02", b"\x03", b"\x04", b"\x05", b"\x06", b"\x01", b"\x11", b"\r", b"\n"
ANSWER_TIMEOUT = 1.0
POLL = 0.05
RETRY_PAUSE = 0.15
MAX_FRAME = 64
# The words the lane's status line shows for the scale, marked for the catalog.
SCALE_WORDS = (N_("scale"), N_("ok"), N_("no answer"), N_("error"))

MOTION, OVER, UNDER, OUTSIDE_ZERO, CENTER_ZERO = 0x01, 0x02, 0x04, 0x08, 0x10


@dataclass(frozen=True)
class WeightReading:
    """A steady weight in grams (thousandths of a kg, the lane's quantity unit for weighed items)."""

    weight_milli: int
    protocol: str


@dataclass(frozen=True)
class Answer:
    """One answer of the scale: ``kind`` is stable, unstable, overload or negative."""

    kind: str
    weight_milli: int = 0


class ScaleError(DeviceError):
    """The scale gave no usable weight; ``kind`` says why (unstable, zero, negative, overload,
    garbage, silence, unit) and the message says it in plain words."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(message)


def _error(kind: str, **values: str) -> ScaleError:
    messages = {
        "unstable": _("the scale is not steady: let it settle, then scan again"),
        "zero": _("nothing on the scale: put the item on it, then scan again"),
        "negative": _("the scale reads below zero: empty it and zero it, then scan again"),
        "overload": _("over the scale's capacity: weigh less at a time"),
        "garbage": _("the scale answered something it should not ({answer}): check its protocol setting"),
        "silence": _("the scale does not answer: is it on and cabled?"),
        "unit": _("the scale weighs in {unit}: set it to kg"),
    }
    return ScaleError(kind, messages[kind].format(**values))


def _shown(raw: bytes) -> str:
    """A scale's answer in a message: printable ASCII, the rest as escapes, cut short."""
    text = raw[:24].decode("ascii", "backslashreplace")
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text + ("…" if len(raw) > 24 else "")


def parse_weight(text: str, unit: str = "kg") -> int:
    """"1.250" (kg), "1250" (g) or "-0.100" as grams, half up; ScaleError("unit") for lb or oz,
    ValueError for anything that is not a number."""
    unit = unit.strip().lower()
    if unit in ("lb", "oz", "ozt", "lbs"):
        raise _error("unit", unit=unit)
    m = re.fullmatch(r"([+-]?)\s*(\d*)(?:\.(\d*))?", text.strip())
    if not m or not (m.group(2) or m.group(3)):
        raise ValueError(f"not a weight: {text!r}")
    sign = -1 if m.group(1) == "-" else 1
    whole, frac = int(m.group(2) or 0), m.group(3) or ""
    if unit == "g":
        return sign * (whole + (1 if frac[:1] >= "5" else 0))
    if unit not in ("kg", ""):
        raise _error("unit", unit=unit)
    grams = whole * 1000 + int((frac + "000")[:3])
    if frac[3:4] and frac[3] >= "5":
        grams += 1
    return sign * grams


class _Protocol:
    name = ""

    def read_once(self, port: serial.SerialBase, deadline: float) -> Answer:
        raise NotImplementedError


def _read_until(port: serial.SerialBase, end: bytes, timeout: float, first: bytes = b"") -> bytes:
    """Bytes up to and with ``end`` (from ``first`` on when given: bytes before it are dropped),
    within ``timeout``; ScaleError("silence") when nothing came, ("garbage") for anything else."""
    deadline = time.monotonic() + timeout
    seen = got = b""
    while time.monotonic() < deadline:
        chunk = port.read(port.in_waiting or 1)  # the port's own timeout is short (POLL)
        if not chunk:
            continue
        seen, got = (seen + chunk)[-MAX_FRAME:], got + chunk
        if first:  # one byte (STX, SOH): what came before it is the tail of an older answer
            start = got.find(first)
            got = got[start:] if start >= 0 else b""
            if start < 0:
                continue
        stop = got.find(end, len(first))
        if stop >= 0:
            return got[:stop + len(end)]
        if len(got) > MAX_FRAME:
            raise _error("garbage", answer=_shown(got))
    if not seen:
        raise _error("silence")
    raise _error("garbage", answer=_shown(got or seen))


class Toledo8217(_Protocol):
    name = "toledo8217"
    _WEIGHT = re.compile(rb"\x02\s*([0-9]*\.?[0-9]+)\s*N?\r")
    _STATUS = re.compile(rb"\x02\s*\?(.)\r", re.S)

    def read_once(self, port: serial.SerialBase, deadline: float) -> Answer:
        port.reset_input_buffer()
        port.write(b"W")
        return self.parse(_read_until(port, CR, ANSWER_TIMEOUT, STX))

    def status(self, port: serial.SerialBase) -> int:
        """The status byte (``S``): the bits above."""
        port.reset_input_buffer()
        port.write(b"S")
        frame = _read_until(port, CR, ANSWER_TIMEOUT, STX)
        m = self._STATUS.fullmatch(frame)
        if not m:
            raise _error("garbage", answer=_shown(frame))
        return m.group(1)[0]

    @classmethod
    def parse(cls, frame: bytes) -> Answer:
        m = cls._WEIGHT.fullmatch(frame)
        if m:
            return Answer("stable", parse_weight(m.group(1).decode("ascii")))
        m = cls._STATUS.fullmatch(frame)
        if m:
            return cls.status_answer(m.group(1)[0])
        raise _error("garbage", answer=_shown(frame))

    @staticmethod
    def status_answer(status: int) -> Answer:
        if status & OVER:
            return Answer("overload")
        if status & UNDER:
            return Answer("negative")
        if status & MOTION:
            return Answer("unstable")
        if status & CENTER_ZERO:
            return Answer("stable", 0)
        # A weight the scale will not give, for no reason it names (outside the zero capture range).
        return Answer("unstable")


class ContinuousAscii(_Protocol):
    name = "continuous"
    _LINE = re.compile(r"(ST|US|OL)\s*,\s*(GS|NT|G|N)?\s*,?\s*([+-]?)\s*([0-9.]*)\s*,?\s*([a-zA-Z]*)")

    def read_once(self, port: serial.SerialBase, deadline: float) -> Answer:
        port.reset_input_buffer()
        # The first line after the reset may be cut: it is skipped unless nothing else comes.
        garbage: bytes | None = None
        for _attempt in range(3):
            line = _read_until(port, LF, ANSWER_TIMEOUT)
            try:
                return self.parse(line)
            except ScaleError as exc:
                if exc.kind != "garbage":
                    raise
                garbage = line
        raise _error("garbage", answer=_shown(garbage or b""))

    @classmethod
    def parse(cls, line: bytes) -> Answer:
        text = line.decode("ascii", "replace").strip()
        m = cls._LINE.fullmatch(text)
        if not m:
            raise _error("garbage", answer=_shown(line))
        status, _mode, sign, digits, unit = m.groups()
        if status == "OL":
            return Answer("overload")
        try:
            grams = parse_weight(sign + digits, unit or "kg")
        except ValueError:
            raise _error("garbage", answer=_shown(line)) from None
        if grams < 0:
            return Answer("negative", grams)
        return Answer("stable" if status == "ST" else "unstable", grams)


class Cas(_Protocol):
    name = "cas"

    def read_once(self, port: serial.SerialBase, deadline: float) -> Answer:
        port.reset_input_buffer()
        port.write(ENQ)
        _read_until(port, ACK, ANSWER_TIMEOUT)
        port.write(DC1)
        return self.parse(_read_until(port, EOT, ANSWER_TIMEOUT, SOH))

    @staticmethod
    def parse(frame: bytes) -> Answer:
        if not (frame.startswith(SOH + STX) and frame.endswith(ETX + EOT)) or len(frame) < 9:
            raise _error("garbage", answer=_shown(frame))
        body, bcc = frame[2:-3], frame[-3]
        check = 0
        for byte in body:
            check ^= byte
        if check != bcc:
            raise _error("garbage", answer=_shown(frame))
        sta, sign, weight, unit = body[:1], body[1:2], body[2:-2], body[-2:]
        if sign == b"F" or b"F" in weight:
            return Answer("overload")
        try:
            grams = parse_weight(weight.decode("ascii"), unit.decode("ascii"))
        except (ValueError, UnicodeDecodeError):
            raise _error("garbage", answer=_shown(frame)) from None
        if sign == b"-":
            return Answer("negative", -grams)
        if sta not in (b"S", b"U"):
            raise _error("garbage", answer=_shown(frame))
        return Answer("stable" if sta == b"S" else "unstable", grams)


def protocol_for(name: str) -> _Protocol:
    protocols = {"toledo8217": Toledo8217, "continuous": ContinuousAscii, "cas": Cas}
    if name not in protocols:
        raise ValueError(f"scale protocol must be one of {', '.join(PROTOCOLS)}, got {name!r}")
    return protocols[name]()


class Scale:
    """The scale on ``port`` (any pyserial URL); one read at a time."""

    def __init__(self, port: str, *, protocol: str = "toledo8217", baudrate: int = 9600, bytesize: int = 8,
                 parity: str = "N", stopbits: int = 1, stable_timeout: float = 3.0) -> None:
        self.port = port
        self.protocol = protocol_for(protocol)
        self.line = dict(baudrate=baudrate, bytesize=bytesize, parity=parity, stopbits=stopbits)
        self.stable_timeout = stable_timeout
        self._serial: serial.SerialBase | None = None
        self._lock = threading.Lock()

    def read_stable(self, cancel: threading.Event | None = None) -> WeightReading:
        """Blocking: a steady weight above zero, or ScaleError / DeviceError in plain words."""
        with self._lock:
            deadline = time.monotonic() + self.stable_timeout
            while True:
                answer = self._ask(deadline)
                if answer.kind == "stable":
                    if answer.weight_milli <= 0:
                        raise _error("zero")
                    return WeightReading(answer.weight_milli, self.protocol.name)
                if answer.kind != "unstable":
                    raise _error(answer.kind)
                if time.monotonic() + RETRY_PAUSE >= deadline or (cancel is not None and cancel.is_set()):
                    raise _error("unstable")
                if cancel is not None:
                    cancel.wait(RETRY_PAUSE)
                else:
                    time.sleep(RETRY_PAUSE)

    def check(self) -> str:
        """For `devices check`: what the scale answers now, in words ("1.250 kg, steady")."""
        with self._lock:
            answer = self._ask(time.monotonic() + ANSWER_TIMEOUT)
        if answer.kind == "stable":
            whole, frac = divmod(answer.weight_milli, 1000)
            return _("answers: {kg} kg, steady").format(kg=f"{whole}.{frac:03d}")
        return {"unstable": _("answers: not steady"), "negative": _("answers: below zero"),
                "overload": _("answers: over capacity")}[answer.kind]

    def _ask(self, deadline: float) -> Answer:
        port = self._open()
        try:
            return self.protocol.read_once(port, deadline)
        except ScaleError as exc:
            if exc.kind in ("silence", "garbage"):
                self.close()  # a scale that went quiet or garbled may be a port that went away
            raise
        except (serial.SerialException, OSError, termios.error) as exc:
            self.close()
            reason = exc.args[-1] if isinstance(exc, termios.error) else exc
            raise DeviceError(_("scale port {url} stopped working ({reason}): is it plugged in?").format(
                url=self.port, reason=reason)) from exc

    def _open(self) -> serial.SerialBase:
        if self._serial is None:
            self._serial = open_serial(self.port, timeout=POLL, write_timeout=ANSWER_TIMEOUT,
                                       device=N_("scale"), **self.line)
        return self._serial

    def close(self) -> None:
        if self._serial is not None:
            try:
                self._serial.close()
            except (serial.SerialException, OSError):
                pass
            self._serial = None


def scale_from_config(cfg: ScaleConfig) -> Scale | None:
    """The configured scale (its port opens on the first read), or None when the lane has none."""
    if cfg.driver == "none":
        return None
    return Scale(cfg.port, protocol=cfg.protocol, baudrate=cfg.baudrate, bytesize=cfg.bytesize, parity=cfg.parity,
                 stopbits=cfg.stopbits, stable_timeout=cfg.stable_timeout)
