"""Generated catalog rows shared by the benchmarks: CJK and Latin names, valid EAN-13 barcodes."""

from __future__ import annotations

import random

from pos_tui.domain.barcodes import ean_check_digit

BRANDS = ["可口可乐", "百事", "康师傅", "农夫山泉", "统一", "伊利", "蒙牛", "旺旺", "青岛",
          "Coca-Cola", "Nestle", "Oreo", "Lays", "Heinz", "Danone", "Kellogg", "Barilla", "Lipton"]
GOODS = ["矿泉水", "方便面", "纯牛奶", "薯片", "绿茶", "饼干", "啤酒", "酸奶", "火腿肠",
         "Water", "Noodles", "Milk", "Chips", "Green Tea", "Biscuits", "Beer", "Yogurt", "Pasta"]
SIZES = ["330ml", "500ml", "1L", "100g", "250g", "1kg", "6x330ml", "12 pack"]


def ean13(n: int) -> str:
    body = f"69{n:010d}"
    return body + str(ean_check_digit(body))


def product_row(n: int, rng: random.Random) -> tuple[str, str, int, str, str, int | None, str]:
    """(sku, name, price minor units, tax, unit, stock milli, barcode) for product number n."""
    name = f"{rng.choice(BRANDS)} {rng.choice(GOODS)} {rng.choice(SIZES)} #{n}"
    unit = "kg" if n % 10 == 0 else "each"
    stock = None if n % 7 == 0 else rng.randrange(0, 500) * 1000
    return f"SKU{n:07d}", name, rng.randrange(50, 100_000), rng.choice("AAB"), unit, stock, ean13(n)
