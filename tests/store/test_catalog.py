import pytest

from pos_tui.store import catalog
from pos_tui.store.catalog import CatalogError, ProductData
from pos_tui.store.db import write_transaction

COLA = ProductData("C1", "可口可乐 330ml", 350, "A", "each", 12000, ("6901234567892", "12345"))
APPLE = ProductData("F1", "Apple Fuji", 880, "B", "kg", 1250)
BREAD = ProductData("B1", "Bread", 1200, "A")


def _upsert(*items):
    with write_transaction():
        return catalog.upsert_products(list(items))


def test_find_by_code_by_barcode_then_sku(store_db):
    _upsert(COLA, APPLE)
    by_barcode = catalog.find_by_code("12345")
    assert by_barcode.sku == "C1" and by_barcode.name == "可口可乐 330ml"
    assert by_barcode.barcodes == ("6901234567892", "12345")
    assert (by_barcode.price, by_barcode.stock, by_barcode.active) == (350, 12000, True)
    assert catalog.find_by_code("F1").barcodes == ()
    assert catalog.find_by_code("F1").unit == "kg"
    assert catalog.find_by_code("nope") is None


def test_a_barcode_wins_over_a_sku_with_the_same_text(store_db):
    _upsert(COLA, ProductData("12345", "Other", 100, "A"))
    assert catalog.find_by_code("12345").sku == "C1"
    assert catalog.get_by_sku("12345").name == "Other"


def test_upsert_counts_and_replaces_barcodes(store_db):
    assert _upsert(COLA, APPLE) == catalog.UpsertResult(created=2, updated=0)
    changed = ProductData("C1", "Coca-Cola 330ml", 399, "A", "each", None, ("96385074",))
    assert _upsert(changed, BREAD) == catalog.UpsertResult(created=1, updated=1)
    cola = catalog.get_by_sku("C1")
    assert (cola.name, cola.price, cola.stock, cola.barcodes) == ("Coca-Cola 330ml", 399, None, ("96385074",))
    assert catalog.find_by_code("6901234567892") is None
    assert catalog.count_products() == 3


def test_upsert_outside_a_transaction_is_refused(store_db):
    with pytest.raises(CatalogError, match="write transaction"):
        catalog.upsert_products([BREAD])


def test_a_barcode_held_by_another_product_is_refused_by_the_database(store_db):
    _upsert(COLA)
    with pytest.raises(CatalogError):
        _upsert(ProductData("X", "Thief", 1, "A", barcodes=("12345",)))
    assert catalog.get_by_sku("X") is None


@pytest.mark.parametrize(
    "text, skus",
    [("可乐", ["C1"]), ("可口可乐", ["C1"]), ("330", ["C1"]), ("apple", ["F1"]), ("FUJI", ["F1"]),
     ("pple f", ["F1"]), ("Br", ["B1"]), ("ml", ["C1"]), ("a", ["F1", "B1"]), ("zzz", [])],
)
def test_search_by_name(store_db, text, skus):
    _upsert(COLA, APPLE, BREAD)
    assert [p.sku for p in catalog.search_by_name(text)] == skus


def test_short_searches_match_anywhere_in_the_name(store_db):
    _upsert(COLA, ProductData("C2", "可口糖", 100, "A"), ProductData("C3", "大可口", 100, "A"))
    assert [p.sku for p in catalog.search_by_name("可口")] == ["C1", "C2", "C3"]
    assert [p.sku for p in catalog.search_by_name("糖")] == ["C2"]


def test_like_wildcards_in_search_text_are_literal(store_db):
    _upsert(ProductData("P1", "100% juice", 100, "A"), ProductData("P2", "1000 pieces", 100, "A"))
    assert [p.sku for p in catalog.search_by_name("0%")] == ["P1"]
    assert [p.sku for p in catalog.search_by_name("%")] == ["P1"]


def test_search_follows_renames_and_respects_the_limit(store_db):
    _upsert(*[ProductData(f"S{i}", f"Soap bar {i}", 100, "A") for i in range(10)])
    assert len(catalog.search_by_name("soap", limit=4)) == 4
    _upsert(ProductData("S3", "Shampoo", 100, "A"))
    assert "S3" not in [p.sku for p in catalog.search_by_name("soap")]
    assert [p.sku for p in catalog.search_by_name("shampoo")] == ["S3"]


def test_search_leaves_out_inactive_products(store_db):
    _upsert(BREAD)
    store_db.execute_sql("UPDATE product SET active = 0 WHERE sku = 'B1'")
    assert catalog.search_by_name("bread") == []
    assert catalog.find_by_code("B1").active is False


def test_iter_products_streams_everything_in_batches(store_db):
    _upsert(*[ProductData(f"P{i:03d}", f"Item {i}", i, "A", barcodes=(f"PLU{i}",)) for i in range(25)])
    listed = list(catalog.iter_products(batch=7))
    assert [p.sku for p in listed] == [f"P{i:03d}" for i in range(25)]
    assert listed[24].barcodes == ("PLU24",)
