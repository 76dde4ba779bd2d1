"""The store's promotions on a real SQLite file: imported whole or not at all, journaled, retired
when a later file drops them, and read again by the lane only after they changed."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from pos_tui.domain.promotion_file import PromotionFileError
from pos_tui.services.promotions import import_promotions, list_promotions
from pos_tui.store import promotions as promotion_store
from pos_tui.store.catalog_csv import import_products
from pos_tui.store.db import sqlite_path_from_url

NOW = dt.datetime(2026, 12, 3, 9, 0)
TWO = """
[[promotion]]
id = "cola"
name = "可乐3瓶10元"
kind = "multi_buy"
skus = ["6901234567892"]
quantity = 3
price = "10.00"

[[promotion]]
id = "spend"
name = "满100减20"
kind = "spend_save"
tiers = [{ spend = "100.00", off = "20.00" }]
"""


def write(tmp_path: Path, text: str, name: str = "p.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def rows(db_url: str, sql: str) -> list[tuple]:
    with sqlite3.connect(sqlite_path_from_url(db_url)) as con:
        return con.execute(sql).fetchall()


@pytest.fixture
def catalog(store_db, write_csv, cny):
    import_products(write_csv(["COKE330,可口可乐,3.50,6901234567892,A,each,10"]), cur=cny, tax_codes={"A"},
                    actor="test")


def test_an_import_keeps_each_promotion_by_sku_and_journals_it(catalog, tmp_path, cny, db_url):
    imported = import_promotions(write(tmp_path, TWO), cny, actor="boss", now=NOW)
    assert (imported.result.added, imported.unknown) == (2, ())
    promos = {p.id: p for p in promotion_store.active_promotions(cny)}
    assert promos["cola"].skus == frozenset({"COKE330"})  # the barcode given is its product's SKU
    assert [(p.code, p.name, p.kind, p.active) for p in list_promotions()] == [
        ("cola", "可乐3瓶10元", "multi_buy", True), ("spend", "满100减20", "spend_save", True)]
    (payload,) = rows(db_url, "SELECT payload FROM journal_entry WHERE kind = 'promotions.import'")
    assert '"codes":["cola","spend"]' in payload[0]


def test_a_second_file_changes_adds_and_retires_and_the_lane_reads_it_again(catalog, tmp_path, cny):
    import_promotions(write(tmp_path, TWO), cny, actor="boss", now=NOW)
    first = promotion_store.active_promotions(cny)
    assert promotion_store.active_promotions(cny) is first  # parsed once while nothing changes
    second = TWO.replace('price = "10.00"', 'price = "9.90"').split("[[promotion]]\nid = \"spend\"")[0] + (
        '[[promotion]]\nid = "tea"\nname = "绿茶第二件半价"\nkind = "nth_item"\nskus = ["GREENTEA"]\nnth = 2\n'
        'percent = "50%"\n')
    imported = import_promotions(write(tmp_path, second), cny, actor="boss", now=NOW + dt.timedelta(minutes=1))
    r = imported.result
    assert (r.added, r.changed, r.unchanged, r.retired) == (1, 1, 0, 1)
    assert imported.unknown == (("tea", "GREENTEA"),)  # kept, and said
    promos = {p.id: p for p in promotion_store.active_promotions(cny)}
    assert set(promos) == {"cola", "tea"} and promos["cola"].price == 990
    assert [(p.code, p.active) for p in list_promotions()] == [("cola", True), ("tea", True), ("spend", False)]


def test_a_bad_file_changes_nothing(catalog, tmp_path, cny, db_url):
    import_promotions(write(tmp_path, TWO), cny, actor="boss", now=NOW)
    bad = "id,name,kind,skus,quantity,price\nok,好,multi_buy,COKE330,3,10.00\nbad,坏,multi_buy,COKE330,3,10.005\n"
    with pytest.raises(PromotionFileError, match="line 3, price"):
        import_promotions(write(tmp_path, bad, "p.csv"), cny, actor="boss", now=NOW)
    assert [p.id for p in promotion_store.active_promotions(cny)] == ["cola", "spend"]
    assert rows(db_url, "SELECT COUNT(*) FROM journal_entry WHERE kind = 'promotions.import'") == [(1,)]
    (tmp_path / "latin1.csv").write_bytes("id,name\nx,caf\xe9\n".encode("latin-1"))
    with pytest.raises(PromotionFileError, match="UTF-8"):
        import_promotions(tmp_path / "latin1.csv", cny, actor="boss", now=NOW)


def test_a_promotion_no_file_could_hold_is_refused_and_an_unreadable_one_is_skipped(catalog, tmp_path, cny,
                                                                                    db_url):
    from pos_tui.domain.promotions import MixMatch

    overlapping = MixMatch(id="mix", name="混搭", groups=((frozenset({"A", "B"}), 1), (frozenset({"B"}), 1)),
                           price=500)
    with pytest.raises(PromotionFileError, match="mix: groups"):
        promotion_store.replace_promotions([overlapping], cny, source="x", actor="boss", now=NOW)
    assert list_promotions() == []
    import_promotions(write(tmp_path, TWO), cny, actor="boss", now=NOW)
    with sqlite3.connect(sqlite_path_from_url(db_url)) as con:
        con.execute("UPDATE promotion SET definition = '{\"id\": \"cola\"}', updated_at = '2026-12-03 10:00:00' "
                    "WHERE code = 'cola'")
    assert [p.id for p in promotion_store.active_promotions(cny)] == ["spend"]  # the lane sells on without it


def test_promotions_from_the_server_apply_as_one_batch_with_their_cursor_or_not_at_all(catalog, tmp_path, cny,
                                                                                        db_url):
    import json

    import peewee

    from pos_tui.store import feed

    import_promotions(write(tmp_path, TWO), cny, actor="boss", now=NOW)
    first = promotion_store.active_promotions(cny)
    cola, spend = (json.loads(rows(db_url, f"SELECT definition FROM promotion WHERE code = '{code}'")[0][0])
                   for code in ("cola", "spend"))
    cheaper = {**cola, "price": "9.50"}
    tea = {"id": "tea", "name": "绿茶第二件半价", "kind": "nth_item", "stacking": "exclusive", "skus": ["GREENTEA"],
           "nth": 2, "percent": "50%"}
    # A row the lane cannot keep (no code) half-way: nothing of the batch is kept, the cursor stays.
    with pytest.raises(peewee.IntegrityError):
        feed.apply_promotions([("tea", tea, True, 7), (None, cheaper, True, 8)])
    assert feed.cursor("promotions") == 0
    assert [p.code for p in list_promotions()] == ["cola", "spend"]
    assert promotion_store.active_promotions(cny) is first

    # The same code twice in a batch: its last row wins; a server's row replaces the lane's own.
    assert feed.apply_promotions([("tea", tea, True, 7), ("cola", cheaper, True, 8), ("spend", spend, False, 9),
                                  ("cola", {**cheaper, "price": "9.00"}, True, 10)]) == 10
    assert feed.cursor("promotions") == 10
    promos = {p.id: p for p in promotion_store.active_promotions(cny)}
    assert set(promos) == {"cola", "tea"} and promos["cola"].price == 900
    assert rows(db_url, "SELECT payload FROM journal_entry WHERE kind = 'sync.promotions'") == [
        ('{"codes":["tea","cola","spend","cola"],"through":10}',)]
def test_the_promotions_of_one_store_are_never_taken_for_another_s(tmp_path, cny):
    # Two stores opened one after the other in one thread: the second has none of the first's
    # promotions, however alike their connections look.
    from pos_tui.domain.promotions import SpendSave
    from pos_tui.store.db import close_database, open_database

    spend = SpendSave(id="spend", name="满100减20", tiers=((10_000, 2_000),))
    open_database(f"sqlite:///{tmp_path / 'one.db'}")
    promotion_store.replace_promotions([spend], cny, source="x", actor="boss", now=NOW)
    assert [p.id for p in promotion_store.active_promotions(cny)] == ["spend"]
    close_database()
    open_database(f"sqlite:///{tmp_path / 'two.db'}")
    try:
        assert promotion_store.active_promotions(cny) == ()
    finally:
        close_database()
