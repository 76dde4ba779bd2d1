"""Receipts and Z reports in Chinese: the labels are wide (two cells a character), and every line
must still fit 32, 42 and 48 cells with the amounts flush right."""

from __future__ import annotations

import datetime as dt

import pytest

from pos_tui.devices.receipt import (
    ReceiptData,
    ReceiptLine,
    ReceiptPayment,
    ReceiptTax,
    layout_receipt,
    render_text,
)
from pos_tui.domain.display_width import cell_width
from pos_tui.domain.money import currency, format_amount
from pos_tui.domain.payment import method_name
from pos_tui.domain.report import (
    LineFact,
    MovementFact,
    PaymentFact,
    SaleFact,
    build_report,
)
from pos_tui.domain.report import render_text as render_report
from pos_tui.i18n import using_language

CNY = currency("CNY")
WIDTHS = (32, 42, 48)
AT = dt.datetime(2026, 11, 27, 9, 30)


@pytest.fixture
def chinese():
    with using_language("zh_CN"):
        yield


def money(minor: int) -> str:
    return format_amount(minor, CNY)


def card_sale(**changes) -> ReceiptData:
    """Cash, card and Alipay on one sale with long CJK names; built in the current language, as the
    lane builds it (payment labels come from the method names)."""
    data = ReceiptData(
        store_name="华联超市 人民路店",
        address="上海市黄浦区人民路188号",
        tax_id="91310000MA1FL0000X",
        lane=3,
        cashier="张三丰",
        when=dt.datetime(2026, 11, 27, 14, 32, 5),
        receipt_number="03-20261127-0042",
        lines=(
            ReceiptLine("可口可乐 330ml 听装 原味 六连包 促销装", 3000, "each", 350, 1000, discount=50),
            ReceiptLine("红富士苹果（烟台特级）", 1250, "kg", 880, 1100),
            ReceiptLine("洗衣液", 1000, "each", 2990, 2990, voided=True),
        ),
        subtotal=2100,
        taxes=(ReceiptTax("A", "13%", 242), ReceiptTax("B", "9%", 12)),
        total=2100,
        payments=(
            ReceiptPayment(method_name("cash").capitalize(), 500),
            ReceiptPayment(method_name("card").capitalize(), 1000, masked_pan="622848******1234", auth_code="A1B2C3",
                           terminal_ref="000123456789"),
            ReceiptPayment(method_name("alipay"), 600, wallet=method_name("alipay"),
                           transaction_id="2026112722001400001234567890"),
        ),
        change=0,
        footer="谢谢惠顾，欢迎再次光临！\n凭小票七日内可退换",
        currency=CNY,
    )
    return data.__class__(**{**data.__dict__, **changes})


def assert_fits(text: str, width: int) -> list[str]:
    lines = text.splitlines()
    too_wide = [line for line in lines if cell_width(line) > width]
    assert not too_wide, f"wider than {width} cells: {too_wide}"
    return lines


def line_with(lines: list[str], label: str) -> str:
    found = [line for line in lines if line.lstrip().startswith(label)]
    assert found, f"no line starts with {label!r}"
    return found[0]


def assert_flush_right(line: str, amount: str, width: int) -> None:
    assert line.endswith(amount) and cell_width(line) == width, f"{line!r} is not {amount!r} at {width} cells"


@pytest.mark.parametrize("width", WIDTHS)
def test_a_chinese_receipt_fits_the_paper_with_amounts_flush_right(chinese, width):
    data = card_sale(change=0)
    lines = assert_fits(render_text(layout_receipt(data, width)), width)
    for label, amount in (("小计", money(2100)), ("含税 A 13%", money(242)), ("含税 B 9%", money(12)),
                          ("合计", "¥21.00"), ("现金", money(500)), ("银行卡", money(1000)),
                          ("支付宝", money(600)), ("卡号", "622848******1234"), ("优惠", money(-50))):
        assert_flush_right(line_with(lines, label), amount, width)
    assert any(line.strip() == "已作废" or line.endswith("已作废") for line in lines)
    assert "收银员 张三丰" in line_with(lines, "机号 03")
    assert line_with(lines, "小票号").endswith("03-20261127-0042")
    assert "[barcode 03-20261127-0042]" in lines[-1] or any("[barcode" in line for line in lines)


@pytest.mark.parametrize("width", WIDTHS)
def test_reprint_refund_and_training_banners_are_chinese_and_fit(chinese, width):
    data = card_sale(reprint=True, refund=True, training=True, change=350, original_receipt="03-20261126-0007")
    lines = assert_fits(render_text(layout_receipt(data, width)), width)
    text = "\n".join(lines)
    for banner in ("*** 重打印 ***", "*** 退款 ***", "培训模式"):
        assert banner in text
    assert_flush_right(line_with(lines, "退款合计"), "¥21.00", width)
    assert_flush_right(line_with(lines, "找零"), money(350), width)
    assert line_with(lines, "原小票号").endswith("03-20261126-0007")


def test_the_same_receipt_in_english_keeps_its_english_labels():
    lines = render_text(layout_receipt(card_sale(change=350), 42)).splitlines()
    assert_flush_right(line_with(lines, "Subtotal"), money(2100), 42)
    assert_flush_right(line_with(lines, "Change"), money(350), 42)
    assert line_with(lines, "Card").startswith("Card")
    assert not any("小计" in line for line in lines)


def z_report():
    lines = (LineFact("COKE", "可口可乐 330ml 听装 原味 六连包 促销装", 3000, 1050, 50),
             LineFact("DEPT-FRESH", "生鲜称重", 1000, 2000, 0, department="生鲜称重"),
             LineFact("SOAP", "洗衣液", 1000, 2990, 0, voided=True))
    return build_report(
        "Z", currency_code="CNY", store_name="华联超市 人民路店", lane=3, number=12, business_day="2026-11-27",
        sales=[SaleFact("sale", "03-20261127-0001", AT, 3000, {"A": 345}, lines),
               SaleFact("sale", "03-20261127-0002", AT.replace(hour=11), 123456, {"A": 14203}, lines[:1]),
               SaleFact("return", "03-R20261127-0001", AT.replace(hour=15), 1000, {"A": 115}, lines[:1]),
               SaleFact("voided", None, AT, 350, {}, ())],
        payments=[PaymentFact("cash", 1000, 0, 1000), PaymentFact("card", 123456, 741, 123456),
                  PaymentFact("alipay", 2000, 12, 2000), PaymentFact("wechat", 1000, 6, 1000, refund=True)],
        movements=[MovementFact("paid_in", 500), MovementFact("paid_out", 200), MovementFact("no_sale")],
        opening_float=10000, counted=11250, shifts=[7, 8], period_start=AT, period_end=AT.replace(hour=22),
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_a_chinese_z_report_fits_every_width_with_amounts_flush_right(chinese, width):
    report = z_report()
    lines = assert_fits(render_report(report, width), width)
    assert lines[0].strip() == "Z 报表 0012"
    rules = [line for line in lines if line.startswith("--")]
    assert {cell_width(rule) for rule in rules} == {width}, rules  # "-- 销售 ---…" measured in cells
    assert any("-- 销售 " in rule for rule in rules) and any("-- 收款方式 " in rule for rule in rules)
    for label, amount in (("销售（2 笔）", money(report.sales_total)), ("净额", money(report.net)),
                          ("税额合计", money(report.tax_total)), ("银行卡", money(report.method("card").gross)),
                          ("支付宝", money(report.method("alipay").gross)), ("备用金", money(10000)),
                          ("钱箱应有", money(report.cash.expected)), ("实点", money(11250)),
                          ("短款", money(report.cash.over_short)), ("生鲜称重", money(2000))):
        assert_flush_right(line_with(lines, label), amount, width)
    assert "营业日 2026-11-27" in line_with(lines, "机号 03")


def test_the_catalog_items_department_and_training_note_are_shown_in_the_readers_language():
    from dataclasses import replace

    report = replace(z_report(), notes=("Training mode is on: training sales are not counted",))
    english = render_report(report, 48)
    assert "Catalog items" in english and "Training mode is on" in english
    with using_language("zh_CN"):
        chinese = render_report(report, 48)
    assert "目录商品" in chinese and "培训模式已开启" in chinese and "Catalog items" not in chinese
