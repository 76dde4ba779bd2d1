"""Ingenico Concert E+ messages: framing (STX data ETX LRC), the 34-char request, the answer.

Pure: bytes in, values out. The serial dialogue lives in concert.py (register side) and
simulator.py (terminal side); both build and read their frames here.

Request data (34 ASCII chars): POS number (2), amount in minor units (8, zero padded), answer
flag (1, "1" = full answer), payment mode (1, "1" card, "U" China UnionPay), transaction type
(1, "0" debit, "1" credit), ISO 4217 numeric currency (3), private field (10), delay (4, "A010"
answer at the end of the transaction), authorisation (4, "B010" terminal decides).

Answer data: POS number (2), status (1, "0" approved, "7" refused, "9" not verified), amount (8),
payment mode (1), report (55, full answer only), currency (3), private field (10): 80 data chars
for a full answer, 25 for a short one (83 and 28 bytes once framed).

The report carries the card number. It never leaves ``decode_answer``: only the masked PAN
(first 6 / last 4) and whether the report says the transaction was cancelled are kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pos_tui.devices.terminal.base import mask_pan

STX, ETX, EOT, ENQ, ACK, NAK = 0x02, 0x03, 0x04, 0x05, 0x06, 0x15

REQUEST_LENGTH = 34
FULL_ANSWER_LENGTH = 80
SHORT_ANSWER_LENGTH = 25
REPORT_LENGTH = 55
PRIVATE_LENGTH = 10
MAX_AMOUNT = 99_999_999
# Longest data a frame may carry before the reader gives up on it (answers are 80).
MAX_FRAME_DATA = 128

DEBIT, CREDIT = "0", "1"
MODE_CARD, MODE_UNIONPAY = "1", "U"
FULL_ANSWER, SHORT_ANSWER = "1", "0"
ANSWER_AT_END = "A010"
TERMINAL_DECIDES_AUTHORISATION = "B010"
APPROVED, REFUSED, NOT_VERIFIED = "0", "7", "9"

# How a refused answer's report says the cashier or customer cancelled on the terminal
# (French and English wordings of Concert terminals).
_CANCEL_WORDS = ("ANNUL", "CANCEL", "ABANDON")
# The card number as the report starts with it: all digits, or already masked by the terminal
# (digits with X or * between: 4970XXXXXXXX1234, 497010******1234).
_CARD_NUMBER = re.compile(r"^\s*(\d[\dXx*]{10,17}\d)(?![\dXx*])")
_PRIVATE = re.compile(r"^[\x20-\x7e]{10}$")


class FrameError(ValueError):
    """Bytes that are not a valid Concert frame or message; the message says what was wrong."""


def lrc(data: bytes) -> int:
    """XOR of every byte: the check byte over everything after STX up to and including ETX."""
    value = 0
    for byte in data:
        value ^= byte
    return value


def frame(data: bytes) -> bytes:
    """Wrap message data as STX data ETX LRC."""
    if any(b in (STX, ETX) for b in data):
        raise FrameError("frame data may not contain STX or ETX")
    body = data + bytes([ETX])
    return bytes([STX]) + body + bytes([lrc(body)])


def unframe(raw: bytes) -> bytes:
    """The data inside a complete STX data ETX LRC frame; FrameError if it is damaged."""
    if len(raw) < 3 or raw[0] != STX or raw[-2] != ETX:
        raise FrameError("not an STX ... ETX LRC frame")
    if lrc(raw[1:-1]) != raw[-1]:
        raise FrameError(f"bad LRC: got {raw[-1]:#04x}, computed {lrc(raw[1:-1]):#04x}")
    return raw[1:-2]


class FrameReader:
    """Collects one STX ... ETX LRC frame from bytes fed one at a time.

    Bytes before STX are skipped. ``feed`` returns the whole raw frame once its LRC byte has
    arrived, else None; a frame growing past MAX_FRAME_DATA raises FrameError.

    The LRC is a binary check byte: about one frame in ten ends in an LRC equal to STX, ETX, EOT,
    ENQ, ACK or NAK. A reader that watches for control bytes must feed the byte after ETX here
    unexamined (see ``awaiting_lrc``), or it takes a good frame's last byte for a control byte.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._closed = False

    @property
    def started(self) -> bool:
        return bool(self._buffer)

    @property
    def awaiting_lrc(self) -> bool:
        """True once ETX has arrived: the next byte is the LRC, whatever its value."""
        return self._closed

    def feed(self, byte: int) -> bytes | None:
        if not self._buffer:
            if byte == STX:
                self._buffer.append(byte)
            return None
        if self._closed:
            self._buffer.append(byte)
            raw = bytes(self._buffer)
            self.reset()
            return raw
        self._buffer.append(byte)
        if byte == ETX:
            self._closed = True
        elif len(self._buffer) > MAX_FRAME_DATA + 1:
            self.reset()
            raise FrameError(f"frame longer than {MAX_FRAME_DATA} bytes")
        return None

    def reset(self) -> None:
        self._buffer.clear()
        self._closed = False



def read_frame(next_byte: Callable[[], int | None], reader: FrameReader,
               on_call: Callable[[], None] | None = None) -> bytes | None:
    """One raw frame from ``next_byte`` (None once its deadline passed): None on silence or an EOT
    that ends the exchange, the bytes read so far (a bad frame) when it runs over. An EOT byte is
    data when it is the frame's check byte. ``on_call`` answers an ENQ seen before the frame starts
    (the other side calling again because our ACK was lost)."""
    while (byte := next_byte()) is not None:
        if on_call is not None and not reader.started and byte == ENQ:
            on_call()
            continue
        if byte == EOT and not reader.awaiting_lrc:
            return None
        try:
            raw = reader.feed(byte)
        except FrameError:
            return b""
        if raw is not None:
            return raw
    return None

@dataclass(frozen=True)
class Request:
    """A payment or refund request, register -> terminal."""

    pos_number: int
    amount: int
    currency_numeric: str
    private: str
    transaction_type: str = DEBIT
    payment_mode: str = MODE_CARD
    answer_flag: str = FULL_ANSWER
    delay: str = ANSWER_AT_END
    authorisation: str = TERMINAL_DECIDES_AUTHORISATION

    def __post_init__(self) -> None:
        check_pos_number(self.pos_number)
        check_amount(self.amount)
        check_currency_numeric(self.currency_numeric)
        check_private(self.private)
        if self.transaction_type not in (DEBIT, CREDIT):
            raise FrameError(f"transaction type {self.transaction_type!r} is not '0' or '1'")
        if self.payment_mode not in (MODE_CARD, MODE_UNIONPAY):
            raise FrameError(f"payment mode {self.payment_mode!r} is not '1' or 'U'")
        if self.answer_flag not in (FULL_ANSWER, SHORT_ANSWER):
            raise FrameError(f"answer flag {self.answer_flag!r} is not '0' or '1'")
        if not (len(self.delay) == 4 and len(self.authorisation) == 4):
            raise FrameError("delay and authorisation must be 4 characters each")


def check_pos_number(pos_number: int) -> None:
    if not isinstance(pos_number, int) or isinstance(pos_number, bool) or not 0 <= pos_number <= 99:
        raise FrameError(f"POS number must be 0-99, got {pos_number!r}")


def check_amount(amount: int) -> None:
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise FrameError(f"amount must be an int of minor units, got {type(amount).__name__}")
    if not 0 < amount <= MAX_AMOUNT:
        raise FrameError(f"amount must be 1-{MAX_AMOUNT} minor units, got {amount}")


def check_currency_numeric(code: str) -> None:
    if not (isinstance(code, str) and len(code) == 3 and code.isascii() and code.isdigit()):
        raise FrameError(f"currency must be a 3-digit ISO 4217 numeric code, got {code!r}")


def check_private(private: str) -> None:
    if not (isinstance(private, str) and _PRIVATE.match(private)):
        raise FrameError(f"private field must be 10 printable ASCII characters, got {private!r}")


def encode_request(request: Request) -> bytes:
    """The 34 data characters of a request (frame them with ``frame``)."""
    text = (
        f"{request.pos_number:02d}{request.amount:08d}{request.answer_flag}{request.payment_mode}"
        f"{request.transaction_type}{request.currency_numeric}{request.private}"
        f"{request.delay}{request.authorisation}"
    )
    return text.encode("ascii")


def decode_request(data: bytes) -> Request:
    """A request from its 34 data characters; FrameError naming the bad field."""
    text = _printable_ascii(data, "request")
    if len(text) != REQUEST_LENGTH:
        raise FrameError(f"request must be {REQUEST_LENGTH} characters, got {len(text)}")
    return Request(
        pos_number=_digits(text[0:2], "POS number"),
        amount=_digits(text[2:10], "amount"),
        answer_flag=text[10],
        payment_mode=text[11],
        transaction_type=text[12],
        currency_numeric=text[13:16],
        private=text[16:26],
        delay=text[26:30],
        authorisation=text[30:34],
    )


@dataclass(frozen=True)
class Answer:
    """A terminal's answer with the card number already reduced to a masked PAN."""

    pos_number: int
    status: str
    amount: int
    payment_mode: str
    currency_numeric: str
    private: str
    masked_pan: str = ""
    cancelled: bool = False


def encode_answer(
    *,
    pos_number: int,
    status: str,
    amount: int,
    payment_mode: str,
    currency_numeric: str,
    private: str,
    report: str | None,
) -> bytes:
    """Answer data characters; ``report`` None gives a short answer, else it is padded to 55."""
    check_pos_number(pos_number)
    if not 0 <= amount <= MAX_AMOUNT:
        raise FrameError(f"amount must be 0-{MAX_AMOUNT} minor units, got {amount}")
    check_currency_numeric(currency_numeric)
    check_private(private)
    if len(status) != 1 or len(payment_mode) != 1:
        raise FrameError("status and payment mode are one character each")
    middle = ""
    if report is not None:
        if len(report) > REPORT_LENGTH:
            raise FrameError(f"report is at most {REPORT_LENGTH} characters")
        middle = report.ljust(REPORT_LENGTH)
    text = f"{pos_number:02d}{status}{amount:08d}{payment_mode}{middle}{currency_numeric}{private}"
    return text.encode("ascii")


def decode_answer(data: bytes) -> Answer:
    """An answer from its 80 (full) or 25 (short) data characters; FrameError if malformed."""
    text = _printable_ascii(data, "answer")
    if len(text) == FULL_ANSWER_LENGTH:
        report, tail = text[12:67], text[67:]
    elif len(text) == SHORT_ANSWER_LENGTH:
        report, tail = "", text[12:]
    else:
        raise FrameError(
            f"answer must be {FULL_ANSWER_LENGTH} or {SHORT_ANSWER_LENGTH} characters, got {len(text)}"
        )
    currency_numeric = tail[0:3]
    check_currency_numeric(currency_numeric)
    card = _CARD_NUMBER.match(report)
    return Answer(
        pos_number=_digits(text[0:2], "POS number"),
        status=text[2],
        amount=_digits(text[3:11], "amount"),
        payment_mode=text[11],
        currency_numeric=currency_numeric,
        private=tail[3:13],
        masked_pan=mask_pan(card.group(1)) if card else "",
        cancelled=any(word in report.upper() for word in _CANCEL_WORDS),
    )


def _printable_ascii(data: bytes, what: str) -> str:
    if not all(0x20 <= b <= 0x7E for b in data):
        raise FrameError(f"{what} holds bytes that are not printable ASCII")
    return data.decode("ascii")


def _digits(text: str, field: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise FrameError(f"{field} must be digits, got {text!r}")
    return int(text)
