"""The ESC/POS decoder on hand-made byte streams: text, modes, Chinese, codes, cut, drawer, status."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pos_tui.devices.escpos_decode import EscposDecoder, Event, decode_receipts

INIT = b"\x1b@"
CUT = b"\x1dV\x00"
CN_ON, CN_OFF = b"\x1c&", b"\x1c."


def one(data: bytes, width: int = 32, **kwargs):
    receipts = decode_receipts(data, width, **kwargs)
    assert len(receipts) == 1
    return receipts[0]


def test_plain_lines_and_alignment_by_width():
    data = INIT + b"left\n\x1ba\x01mid\n\x1ba\x02right\n" + CUT
    receipt = one(data, width=20)
    assert receipt.text == "left\n" + " " * 8 + "mid\n" + " " * 15 + "right\n"
    assert receipt.cut
    assert Event("align", "center") in receipt.events


def test_alignment_is_taken_where_the_line_starts():
    receipt = one(INIT + b"\x1ba\x02ab\x1ba\x00cd\n", width=10)
    assert receipt.text == "      abcd\n"


def test_double_width_counts_two_cells_a_character():
    # python-escpos's set(double_width=True, double_height=True): ESC ! 0 then ESC ! 0x30
    data = INIT + b"\x1ba\x01\x1b!\x00\x1b!\x30AB\n\x1b!\x00\x1dV\x00"
    assert one(data, width=20).text == " " * 8 + "A B\n"  # as wide as the paper shows it
    assert one(INIT + b"\x1ba\x01\x1d!\x11AB\n" + CUT, width=20).text == " " * 8 + "A B\n"


def test_bold_events():
    receipt = one(INIT + b"\x1bE\x01B\x1bE\x00n\n" + CUT)
    assert [e for e in receipt.events if e.kind == "bold"] == [Event("bold", "on"), Event("bold", "off")]
    assert receipt.text == "Bn\n"


def test_chinese_mode_decodes_gb18030_and_counts_wide_cells():
    data = INIT + b"\x1ba\x01" + CN_ON + "可口可乐".encode("gb18030") + CN_OFF + b" 330ml\n" + CUT
    receipt = one(data, width=32)
    assert receipt.text == " " * 9 + "可口可乐 330ml\n"  # 14 cells on 32
    assert [e.value for e in receipt.events if e.kind == "chinese"] == ["on", "off"]


def test_gb18030_split_across_chunks_byte_by_byte():
    data = INIT + CN_ON + "谢谢惠顾，欢迎再来".encode("gb18030") + CN_OFF + b"\n" + CUT
    decoder = EscposDecoder(32)
    for i in range(len(data)):
        decoder.feed(data[i:i + 1])
    assert [r.text for r in decoder.receipts] == ["谢谢惠顾，欢迎再来\n"]


def test_without_chinese_mode_high_bytes_are_the_code_page():
    # The same bytes mean different things in and out of Chinese mode.
    raw = "苹".encode("gb18030")
    assert one(INIT + raw + b"\n").text == raw.decode("cp437") + "\n"
    assert one(INIT + raw + b"\n", chinese_default=True).text == "苹\n"


def test_code_page_selection():
    data = INIT + b"\x1bt\x00\x9d12.50\n\x1bt\x10\x80 5\n\x1bt\x02\x9c\n" + CUT
    receipt = one(data)
    assert receipt.text == "¥12.50\n€ 5\n£\n"
    assert [e.value for e in receipt.events if e.kind == "codepage"] == ["cp437", "cp1252", "cp850"]


def test_init_resets_modes():
    data = INIT + b"\x1ba\x02\x1bt\x10" + CUT + INIT + b"x\x80\n" + CUT
    second = decode_receipts(data, 10)[-1]
    assert second.text == "x\u00c7\n"  # cp437 0x80, left aligned again


def test_barcode_function_b_code128_and_function_a():
    code128 = b"\x1dh@\x1dw\x02\x1df\x00\x1dH\x02\x1dkI\x12{B01-20261127-0001"
    ean = b"\x1dk\x026901234567892\x00"
    receipt = one(INIT + b"\x1ba\x01" + code128 + ean + CUT, width=42)
    assert receipt.barcodes == ["01-20261127-0001", "6901234567892"]
    assert receipt.text.splitlines()[0].strip() == "[barcode 01-20261127-0001]"
    assert Event("barcode height", "40") in receipt.events


def test_native_qr_code():
    content = "01-20261127-0001".encode()
    store = b"\x1d(k" + bytes([len(content) + 3, 0]) + b"1P0" + content
    qr = b"\x1d(k\x04\x001A2\x00\x1d(k\x03\x001C\x06\x1d(k\x03\x001E0" + store + b"\x1d(k\x03\x001Q0"
    receipt = one(INIT + qr + CUT, width=42)
    assert receipt.qr == ["01-20261127-0001"]
    assert receipt.text.strip() == "[qr 01-20261127-0001]"


def test_cut_splits_receipts_and_feed_lines_are_trimmed():
    data = INIT + b"one\n\x1bd\x06" + CUT + INIT + b"two\n\x1bd\x06\x1dVB\x00"
    receipts = decode_receipts(data)
    assert [r.text for r in receipts] == ["one\n", "two\n"]
    assert [r.cut for r in receipts] == [True, True]
    assert [e.value for e in receipts[1].events if e.kind == "cut"] == ["partial"]


def test_without_a_cut_the_next_init_closes_the_receipt():
    decoder = EscposDecoder(32)
    decoder.feed(INIT + b"first\n\x1bd\x04")
    assert decoder.receipts == []
    decoder.feed(INIT + b"second\n")
    assert [(r.text, r.cut) for r in decoder.receipts] == [("first\n", False)]


def test_drawer_kicks_on_either_pin():
    data = INIT + b"\x1bp\x00\x19\xfa" + b"paid\n" + b"\x1bp\x01\x19\xfa" + b"\x10\x14\x01\x00\x01" + CUT
    receipt = one(data)
    assert receipt.drawer_kicks == 3
    assert [e.value for e in receipt.events if e.kind == "drawer"] == ["pin 2", "pin 5", "pin 2"]


def test_feed_zero_lines_prints_the_buffer_only():
    assert one(INIT + b"a\x1bd\x00b\x1bd\x00\x1bd\x00\n" + CUT).text == "a\nb\n"


def test_status_requests_come_back_from_feed_in_order():
    decoder = EscposDecoder(32)
    events = decoder.feed(b"\x10\x04\x01\x10\x04\x04")
    assert [e for e in events if e.kind == "status"] == [Event("status", "1"), Event("status", "4")]
    assert decoder.feed(b"\x10\x04") == []
    assert decoder.feed(b"\x02") == [Event("status", "2")]


def test_unknown_bytes_are_reported_and_decoding_goes_on():
    data = INIT + b"a\x07b\x1b\x99c\x1d\xfed\x1c\xf0e\n" + CUT
    receipt = one(data)
    assert receipt.text == "abcde\n"
    assert [e.value for e in receipt.events if e.kind == "unknown"] == ["07", "1b 99", "1d fe", "1c f0"]


def test_a_stream_cut_off_inside_a_command_is_reported_at_the_end():
    decoder = EscposDecoder(32)
    decoder.feed(INIT + b"text\n\x1dkI\x10{B0")
    assert decoder.receipts == []
    events = decoder.finish()
    assert events[0].kind == "unknown" and "1d 6b 49" in events[0].value
    assert [r.text for r in decoder.receipts] == ["text\n"]


def test_raster_image_is_skipped_whole():
    image = b"\x1dv0\x00\x02\x00\x03\x00" + b"\x0a\x1b" * 3  # 2 bytes x 3 rows of data
    receipt = one(INIT + image + b"after\n" + CUT)
    assert receipt.text == "after\n"
    assert Event("image", "16x3 dots") in receipt.events


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.integers(min_value=1, max_value=50))
def test_garbage_never_raises(data, chunk):
    decoder = EscposDecoder(32, chinese_default=True)
    for i in range(0, len(data), chunk):
        decoder.feed(data[i:i + chunk])
    decoder.finish()
    assert all(isinstance(r.text, str) for r in decoder.receipts)
