"""Concert E+ framing and messages, byte for byte."""

from __future__ import annotations

from functools import reduce
from operator import xor

import pytest

from pos_tui.devices.terminal.base import derive_reference, mask_pan
from pos_tui.devices.terminal.frames import (
    ETX,
    STX,
    FrameError,
    FrameReader,
    Request,
    decode_answer,
    decode_request,
    encode_answer,
    encode_request,
    frame,
    lrc,
    unframe,
)

PAN = "4761739001010010"


def test_lrc_of_a_single_byte_frame_is_the_byte_xor_etx():
    assert frame(b"A") == bytes([0x02, 0x41, 0x03, 0x41 ^ 0x03])


def test_issue_example_request_for_12_50_eur():
    request = Request(pos_number=1, amount=1250, currency_numeric="978", private="ATTEMPT001")
    data = encode_request(request)
    assert data == b"0100001250110978" + b"ATTEMPT001" + b"A010B010"
    assert len(data) == 34
    framed = frame(data)
    assert framed[0] == STX and framed[-2] == ETX
    assert framed[-1] == reduce(xor, framed[1:-1])
    assert unframe(framed) == data
    assert decode_request(data) == request


def test_refund_and_unionpay_fields():
    request = Request(pos_number=42, amount=99, currency_numeric="156", private="R-00000001",
                      transaction_type="1", payment_mode="U")
    assert encode_request(request) == b"4200000099" + b"1U1156" + b"R-00000001" + b"A010B010"


@pytest.mark.parametrize("damage", [
    lambda raw: raw[:-1] + bytes([raw[-1] ^ 0x20]),  # LRC
    lambda raw: raw[:5] + bytes([raw[5] ^ 0x01]) + raw[6:],  # a data byte
    lambda raw: raw[1:],  # no STX
    lambda raw: raw[:-2] + raw[-1:],  # no ETX
])
def test_unframe_rejects_damaged_frames(damage):
    raw = frame(b"0100001250110978ATTEMPT001A010B010")
    with pytest.raises(FrameError):
        unframe(damage(raw))


def test_lrc_covers_etx_but_not_stx():
    data = b"01"
    assert frame(data)[-1] == lrc(data + bytes([ETX])) == 0x30 ^ 0x31 ^ 0x03


@pytest.mark.parametrize("field, value, words", [
    ("amount", 0, "amount"),
    ("amount", 100_000_000, "amount"),
    ("amount", 12.5, "int"),
    ("currency_numeric", "EUR", "currency"),
    ("private", "SHORT", "private"),
    ("private", "TAB\tTAB\tXX", "private"),
    ("pos_number", 100, "POS"),
])
def test_request_refuses_bad_fields(field, value, words):
    fields = dict(pos_number=1, amount=1250, currency_numeric="978", private="ATTEMPT001")
    fields[field] = value
    with pytest.raises(FrameError, match=words):
        Request(**fields)


def _answer(**overrides) -> bytes:
    fields = dict(pos_number=1, status="0", amount=1250, payment_mode="1", currency_numeric="978",
                  private="ATTEMPT001", report=f"{PAN} 2912 APPROVED")
    fields.update(overrides)
    return encode_answer(**fields)


def test_full_answer_is_80_chars_83_framed_and_keeps_only_the_masked_pan():
    data = _answer()
    assert len(data) == 80 and len(frame(data)) == 83
    answer = decode_answer(data)
    assert (answer.pos_number, answer.status, answer.amount, answer.currency_numeric, answer.private) == (
        1, "0", 1250, "978", "ATTEMPT001")
    assert answer.masked_pan == "476173******0010"
    assert PAN not in repr(answer)


def test_short_answer_is_25_chars_28_framed():
    data = _answer(report=None)
    assert len(data) == 25 and len(frame(data)) == 28
    answer = decode_answer(data)
    assert answer.masked_pan == "" and answer.amount == 1250 and answer.private == "ATTEMPT001"


def test_a_refused_answer_whose_report_says_cancelled_is_a_cancellation():
    assert decode_answer(_answer(status="7", report="ANNULATION")).cancelled
    assert not decode_answer(_answer(status="7", report=f"{PAN} REFUSED")).cancelled


@pytest.mark.parametrize("data", [
    b"",
    b"0" * 79,
    b"0" * 81,
    b"X" * 80,
    _answer()[:3] + b"0000125A" + _answer()[11:],
    _answer()[:-1] + b"\x7f",
    _answer()[:70] + b"\x00" + _answer()[71:],
])
def test_decode_answer_rejects_malformed_data(data):
    with pytest.raises(FrameError):
        decode_answer(data)


def test_frame_reader_skips_noise_and_returns_the_whole_frame():
    raw = frame(b"hello")
    reader = FrameReader()
    results = [reader.feed(b) for b in b"\x00\x15junk" + raw]
    assert results[-1] == raw and all(r is None for r in results[:-1])


def test_frame_reader_gives_up_on_an_endless_frame():
    reader = FrameReader()
    reader.feed(STX)
    with pytest.raises(FrameError, match="longer"):
        for _ in range(200):
            reader.feed(ord("0"))


@pytest.mark.parametrize("pan, masked", [
    ("4761739001010010", "476173******0010"),
    ("6212345678901234567", "621234*********4567"),
    ("123456789012", "123456**9012"),
    ("12345678901", ""),
    ("4761 7390 0101 0010", ""),
    ("", ""),
])
def test_mask_pan_keeps_first_six_and_last_four(pan, masked):
    assert mask_pan(pan) == masked


def test_derive_reference_is_ten_stable_base36_chars_and_distinct():
    first = derive_reference("sale-000123/attempt-1")
    assert first == derive_reference("sale-000123/attempt-1")
    assert len(first) == 10 and first.isalnum() and first.upper() == first
    references = {derive_reference(f"sale-{n}/attempt-1") for n in range(5000)}
    assert len(references) == 5000
    Request(pos_number=1, amount=1, currency_numeric="156", private=first)



@pytest.mark.parametrize("report, masked", [
    ("4970XXXXXXXX1234 APPROVED", "4970XXXXXXXX1234"),
    ("497010******1234 APPROVED", "497010******1234"),
    ("  4970xxxxxxxx1234", "4970xxxxxxxx1234"),
    ("49701234XXXX1234 APPROVED", "497012XXXXXX1234"),  # never more than the first 6 and last 4 digits
    ("4970XXXXXXXX1234X APPROVED", ""),  # a number must end in a digit
    ("XXXXXXXXXXXX1234 APPROVED", ""),
])
def test_a_card_number_the_terminal_masked_itself_is_kept_as_received(report, masked):
    answer = decode_answer(_answer(report=report))
    assert answer.masked_pan == masked
