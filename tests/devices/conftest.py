"""Pseudo-terminal fixtures and a sample receipt for the device tests."""

from __future__ import annotations

import dataclasses
import os
import tty
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest

from pos_tui.devices.printer_sim import VirtualPrinter
from pos_tui.devices.receipt import ReceiptData, ReceiptLine, ReceiptPayment, ReceiptTax
from pos_tui.domain.money import currency


@pytest.fixture
def virtual_printer() -> Iterator[Callable[..., VirtualPrinter]]:
    """Start virtual printers on fresh ptys (``virtual_printer(width=32, state=...)``); all stop after."""
    started: list[VirtualPrinter] = []

    def start(**kwargs: object) -> VirtualPrinter:
        printer = VirtualPrinter(**kwargs).start()  # type: ignore[arg-type]
        started.append(printer)
        return printer

    yield start
    for printer in started:
        printer.stop()


@pytest.fixture
def silent_pty() -> Iterator[tuple[int, str]]:
    """A raw pty nobody answers on: (master fd, slave path). The slave stays open so the path lives."""
    master, slave = os.openpty()
    tty.setraw(slave)
    yield master, os.ttyname(slave)
    os.close(master)
    os.close(slave)


@pytest.fixture
def receipt_data() -> Callable[..., ReceiptData]:
    """A cash sale with CJK and Latin names, a weighed item, a discount and a void; override any field."""
    base = ReceiptData(
        store_name="Demo Mart 演示超市",
        address="1 Main Street\n上海市浦东新区世纪大道100号",
        tax_id="91310000MA1FL0000X",
        lane=1,
        cashier="张三",
        when=datetime(2026, 11, 27, 14, 32, 5),
        receipt_number="01-20261127-0001",
        lines=(
            ReceiptLine("可口可乐 330ml", 3000, "each", 350, 1050),
            ReceiptLine("Bread", 1000, "each", 1200, 1100, discount=100),
            ReceiptLine("苹果 红富士 Fuji apples from Yantai, extra large grade", 1250, "kg", 880, 1100),
            ReceiptLine("Soap", 1000, "each", 500, 0, voided=True),
        ),
        subtotal=3250,
        taxes=(ReceiptTax("A", "13%", 374),),
        total=3250,
        payments=(ReceiptPayment("Cash", 5000),),
        change=1750,
        footer="Thank you! 谢谢惠顾",
        currency=currency("CNY"),
    )

    def make(**overrides: object) -> ReceiptData:
        return dataclasses.replace(base, **overrides)

    return make
