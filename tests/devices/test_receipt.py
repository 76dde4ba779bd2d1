"""Receipt layout: every line fits the paper in cells, amounts flush right, banners, no fees."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pos_tui.devices.receipt import (
    Barcode,
    Cut,
    ReceiptDoc,
    ReceiptError,
    ReceiptLine,
    ReceiptPayment,
    Text,
    layout_receipt,
    quantity_text,
    render_text,
)
from pos_tui.domain.display_width import cell_width
from pos_tui.domain.money import currency, format_amount

WIDTHS = (32, 42, 48)
CNY = currency("CNY")


@pytest.mark.parametrize("width", WIDTHS)
def test_every_line_fits_the_paper_in_cells(receipt_data, width):
    data = receipt_data(
        store_name="这是一家名字特别特别长的连锁超市 Very Long Store Name Supermarket",
        cashier="欧阳娜娜娜娜娜娜娜娜娜娜娜娜",
    )
    lines = render_text(layout_receipt(data, width, qr=True)).splitlines()
    assert lines
    assert max(cell_width(line) for line in lines) <= width
    # CJK text really is in there, so the check above measured wide characters.
    assert any(cell_width(line) > len(line) for line in lines)


@pytest.mark.parametrize("width", WIDTHS)
def test_amounts_end_at_the_right_edge(receipt_data, width):
    text = render_text(layout_receipt(receipt_data(), width))
    lines = text.splitlines()

    def line_with(label: str) -> str:
        return next(line for line in lines if line.lstrip().startswith(label))

    for label, amount in (("Subtotal", "32.50"), ("TOTAL", "¥32.50"), ("Change", "17.50"),
                          ("Cash", "50.00"), ("Incl. tax A 13%", "3.74"),
                          ("3 x 3.50", "10.50"), ("1.250 kg x 8.80", "11.00"), ("Discount", "-1.00")):
        line = line_with(label)
        assert line.endswith(amount), line
        assert cell_width(line) == width, line


@pytest.mark.parametrize("width", WIDTHS)
def test_a_cjk_line_is_padded_by_cells_not_characters(receipt_data, width):
    lines = render_text(layout_receipt(receipt_data(), width)).splitlines()
    cashier = next(line for line in lines if line.startswith("Lane 01"))
    assert cashier.endswith("Cashier 张三")
    assert cell_width(cashier) == width
    assert len(cashier) == width - 2


def test_long_names_wrap_and_keep_every_word(receipt_data):
    doc = layout_receipt(receipt_data(), 32)
    lines = render_text(doc).splitlines()
    start = lines.index("苹果 红富士 Fuji apples from")
    assert lines[start + 1] == "Yantai, extra large grade"
    assert lines[start + 2].startswith("  1.250 kg x 8.80")


def test_quantity_texts():
    assert quantity_text(3000, "each") == "3"
    assert quantity_text(1500, "each") == "1.5"
    assert quantity_text(1250, "kg") == "1.250 kg"
    assert quantity_text(-2000, "each") == "-2"
    assert quantity_text(5, "kg") == "0.005 kg"


def test_void_is_marked_and_charges_nothing(receipt_data):
    lines = render_text(layout_receipt(receipt_data(), 42)).splitlines()
    soap = lines.index("Soap")
    assert lines[soap + 1].startswith("  1 x 5.00")
    assert lines[soap + 1].endswith("VOIDED")
    assert "5.00" not in lines[soap + 1].replace("1 x 5.00", "")


@pytest.mark.parametrize(
    ("flags", "banner"),
    [({"reprint": True}, "*** REPRINT ***"), ({"refund": True}, "*** REFUND ***"),
     ({"training": True}, "*** TRAINING - NOT A RECEIPT ***")],
)
def test_banners(receipt_data, flags, banner):
    plain = render_text(layout_receipt(receipt_data(), 42))
    flagged = render_text(layout_receipt(receipt_data(**flags), 42))
    assert banner not in plain
    assert flagged.splitlines()[0].strip() == banner


def test_refund_receipt_names_the_original_and_a_refund_total(receipt_data):
    text = render_text(layout_receipt(receipt_data(refund=True, original_receipt="01-20261126-0042"), 42))
    assert "REFUND TOTAL" in text
    assert any(line.startswith("Original receipt") and line.endswith("01-20261126-0042") for line in text.splitlines())


def test_savings_are_printed_on_a_sale_and_not_on_a_refund(receipt_data):
    sale = render_text(layout_receipt(receipt_data(savings=450), 42))
    refund = render_text(layout_receipt(receipt_data(savings=450, refund=True, original_receipt="01-20261126-0042"), 42))
    assert "You saved ¥4.50" in sale
    assert "saved" not in refund and "REFUND TOTAL" in refund


def test_receipt_number_as_code128_and_optional_qr(receipt_data):
    plain = layout_receipt(receipt_data(), 42)
    with_qr = layout_receipt(receipt_data(), 42, qr=True)
    assert [b for b in plain.blocks if isinstance(b, Barcode)] == [Barcode("01-20261127-0001", "code128")]
    assert [b.kind for b in with_qr.blocks if isinstance(b, Barcode)] == ["code128", "qr"]
    assert isinstance(plain.blocks[-1], Cut)


def test_training_receipt_has_no_barcode_and_a_banner_at_both_ends(receipt_data):
    doc = layout_receipt(receipt_data(training=True), 42)
    assert not any(isinstance(b, Barcode) for b in doc.blocks)
    lines = render_text(doc).splitlines()
    assert lines[0].strip() == lines[-1].strip() == "*** TRAINING - NOT A RECEIPT ***"


def test_a_receipt_without_a_number_has_no_number_line_or_barcode(receipt_data):
    doc = layout_receipt(receipt_data(receipt_number=""), 32, qr=True)
    assert not any(isinstance(b, Barcode) for b in doc.blocks)
    assert not any(line.startswith("Receipt") for line in render_text(doc).splitlines())


def test_card_and_wallet_details_without_any_fee(receipt_data):
    payments = (
        ReceiptPayment("Card", 2000, masked_pan="************1234", auth_code="A1B2C3", terminal_ref="000987"),
        ReceiptPayment("Alipay", 1250, wallet="Alipay", transaction_id="2026112722001400001234567890"),
    )
    text = render_text(layout_receipt(receipt_data(payments=payments, change=0), 48))
    for shown in ("************1234", "A1B2C3", "000987", "2026112722001400001234567890", "20.00", "12.50"):
        assert shown in text
    assert "Change" not in text
    assert "fee" not in text.lower()
    # Nothing the receipt is built from can carry a fee.
    assert not [f.name for f in dataclasses.fields(ReceiptPayment) if "fee" in f.name]


def test_store_name_prints_double_when_it_fits_half_the_paper(receipt_data):
    short = layout_receipt(receipt_data(store_name="Demo Mart"), 32)
    long = layout_receipt(receipt_data(store_name="Demo Mart Supermarket Group"), 32)
    assert short.blocks[0] == Text("Demo Mart", "center", True, True)
    assert not any(isinstance(b, Text) and b.double for b in long.blocks)


def test_doc_refuses_what_does_not_fit():
    doc = ReceiptDoc(32)
    with pytest.raises(ReceiptError, match="wider than the 32-cell paper"):
        doc.add(Text("宽" * 17))
    with pytest.raises(ReceiptError, match="wider than the 32-cell paper"):
        doc.add(Text("x" * 17, double=True))
    with pytest.raises(ReceiptError, match="control characters"):
        doc.add(Text("a\nb"))
    with pytest.raises(ReceiptError, match="align"):
        doc.add(Text("a", "middle"))  # type: ignore[arg-type]
    with pytest.raises(ReceiptError, match="printable ASCII"):
        doc.barcode("单号1")
    with pytest.raises(ReceiptError, match="32, 42 or 48"):
        ReceiptDoc(40)
    assert doc.blocks == []


def test_helpers_wrap_double_text_at_half_width():
    doc = ReceiptDoc(32)
    doc.text("ABCDEFGH IJKLMNOP QRSTUVWX", "center", double=True)
    assert [b.text for b in doc.blocks] == ["ABCDEFGH", "IJKLMNOP", "QRSTUVWX"]


def test_render_aligns_by_cells():
    doc = ReceiptDoc(32)
    doc.add(Text("中文", "center"))
    doc.add(Text("右", "right"))
    doc.add(Text("AB", "center", double=True))
    doc.rule("=")
    assert render_text(doc).splitlines() == [" " * 14 + "中文", " " * 30 + "右", " " * 14 + "A B", "=" * 32]


def test_double_width_text_renders_as_wide_as_the_printer_prints_it():
    doc = ReceiptDoc(42)
    doc.add(Text("Demo Mart", "center", double=True))
    doc.add(Text("演示", "center", double=True))
    first, second = render_text(doc).splitlines()
    assert first == " " * 12 + "D e m o   M a r t"  # 18 cells centred on 42: 12 either side
    assert second == " " * 17 + "演  示"  # 8 cells: 17 either side


names = st.text(st.sampled_from("abcXYZ 123-可口乐苹果红富士（）ｱé¥"), min_size=1, max_size=60).filter(str.strip)
amounts = st.integers(min_value=-10**11, max_value=10**11)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(width=st.sampled_from(WIDTHS), name=names, cashier=names, price=amounts, qty=st.integers(-10**7, 10**7),
       unit=st.sampled_from(["each", "kg"]))
def test_any_names_and_amounts_fit(receipt_data, width, name, cashier, price, qty, unit):
    line = ReceiptLine(name, qty, unit, price, price)
    data = receipt_data(lines=(line,), cashier=cashier, store_name=name, subtotal=price, total=price)
    text = render_text(layout_receipt(data, width))
    assert all(cell_width(row) <= width for row in text.splitlines())
    assert format_amount(price, CNY) in text
