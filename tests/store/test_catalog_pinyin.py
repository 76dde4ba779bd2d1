"""Item 14 of issue #12: F2 finds 可口可乐 by its pinyin (``kekou``) or its initials (``kkkl``): a
pinyin key made at import and kept in the name search's index (migration 9)."""

from __future__ import annotations

import sqlite3

from pos_tui.domain.pinyin import pinyin_key
from pos_tui.store import catalog
from pos_tui.store.catalog import ProductData, search_by_name, upsert_products
from pos_tui.store.db import write_transaction


def add(*items: ProductData) -> None:
    with write_transaction():
        upsert_products(list(items))


def test_the_pinyin_key_is_full_pinyin_then_initials():
    assert pinyin_key("可口可乐 330ml") == "kekoukele kkkl"
    assert pinyin_key("苹果 Apple") == "pingguo pg"
    assert pinyin_key("Bread") == ""


def test_f2_finds_a_chinese_name_by_pinyin_or_initials(store_db):
    add(ProductData("COKE", "可口可乐 330ml", 350, "A"), ProductData("BREAD", "Bread", 1200, "A"),
        ProductData("KELE", "可乐 Light", 300, "A"))
    assert [p.sku for p in search_by_name("kkkl")] == ["COKE"]
    assert [p.sku for p in search_by_name("kekou")] == ["COKE"]
    assert {p.sku for p in search_by_name("kele")} == {"COKE", "KELE"}
    assert [p.sku for p in search_by_name("KKKL")] == ["COKE"]  # case does not matter
    assert [p.sku for p in search_by_name("kk")] == ["COKE"]  # shorter than a trigram: the scan
    assert [p.sku for p in search_by_name("brea")] == ["BREAD"]  # Latin names as before


def test_a_renamed_product_is_found_by_its_new_pinyin(store_db):
    add(ProductData("P1", "可口可乐", 350, "A"))
    add(ProductData("P1", "雪碧", 350, "A"))
    assert search_by_name("kkkl") == []
    assert [p.sku for p in search_by_name("xuebi")] == ["P1"]


def test_the_search_uses_the_index_not_a_scan(store_db, tmp_path):
    add(ProductData("COKE", "可口可乐 330ml", 350, "A"))
    plan = store_db.execute_sql("EXPLAIN QUERY PLAN SELECT p.id FROM product_search s JOIN product p "
                                "ON p.id = s.rowid WHERE product_search MATCH ?", ('"kkkl"',)).fetchall()
    text = " ".join(str(row) for row in plan)
    assert "VIRTUAL TABLE INDEX" in text and "SCAN p" not in text


def test_migration_6_fills_the_pinyin_of_products_already_there(tmp_path):
    from pos_tui.store import migrations
    from pos_tui.store.db import close_database, open_database

    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    con.close()
    db = open_database(f"sqlite:///{path}", migrate=False)
    try:
        for number in range(1, 6):
            migrations.MIGRATIONS[number - 1](db)
        table = migrations._schema_version_table(db)
        table.create_table()
        for number in range(1, 6):
            table.create(version=number, applied_at="2026-01-01 00:00:00")
        db.execute_sql("INSERT INTO product (sku, name, price, tax, unit, active, updated_at) "
                       "VALUES ('COKE', '可口可乐', 350, 'A', 'each', 1, '2026-01-01 00:00:00')")
        assert migrations.apply_migrations(db) == migrations.LATEST_VERSION
        assert [p.sku for p in search_by_name("kkkl")] == ["COKE"]
        assert catalog.get_by_sku("COKE").name == "可口可乐"
    finally:
        close_database()
