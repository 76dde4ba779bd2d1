"""Issue #11: a large catalog import is all or nothing, switches in one short transaction and never
holds the write lock long; what lanes change meanwhile survives the switch."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap

import pytest

from pos_tui.domain.barcodes import ean_check_digit
from pos_tui.store import catalog, catalog_publish, journal
from pos_tui.store.catalog_csv import import_products

ROWS = catalog_publish.SMALL_IMPORT + 500


def ean13(n: int) -> str:
    body = f"69{n:010d}"
    return body + str(ean_check_digit(body))


def rows(first: int, last: int, price: str = "1.00", name: str = "Item") -> list[str]:
    return [f"P{n},{name} {n},{price},{ean13(n)},A,each,{n}" for n in range(first, last + 1)]


def schema(db_path) -> set[tuple[str, str]]:
    with sqlite3.connect(db_path) as con:
        return {(kind, name) for kind, name in con.execute(
            "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")}


@pytest.fixture
def db_path(store_db, tmp_path):
    return tmp_path / "pos.db"


@pytest.mark.slow
def test_a_large_import_updates_adds_and_keeps_the_rest(store_db, db_path, write_csv, cny):
    import_products(write_csv(rows(1, 10)), cur=cny, tax_codes={"A"})  # a small one: at once
    small_schema = schema(db_path)
    kept = catalog.find_by_code(ean13(1))
    # A large file: P2..P10 again (P5's barcode moves to P6), and new products past the old ones.
    big = [r.replace("Item", "New") for r in rows(2, ROWS)]
    big[3], big[4] = big[3].replace(ean13(5), ""), big[4].replace(ean13(6), f"{ean13(6)}|{ean13(5)}")
    result = import_products(write_csv(big, "big.csv"), cur=cny, tax_codes={"A"})
    assert (result.rows, result.created, result.updated) == (ROWS - 1, ROWS - 10, 9)
    assert catalog.find_by_code(ean13(1)) == kept  # not in the file: untouched, with its barcode
    p2 = catalog.find_by_code(ean13(2))
    assert p2.id == 2 and p2.name == "New 2" and p2.stock == 2000
    assert catalog.find_by_code(ean13(5)).sku == "P6" and catalog.get_by_sku("P5").barcodes == ()
    last = catalog.find_by_code(ean13(ROWS))
    assert last.sku == f"P{ROWS}" and last.id > 10
    assert [p.sku for p in catalog.search_by_name(f"New {ROWS}")] == [f"P{ROWS}"]
    assert [p.sku for p in catalog.search_by_name("Item 1")] == ["P1"]
    assert catalog.count_products() == ROWS
    # The same tables, indexes and triggers under the live names; nothing left beside them.
    names = {name for _, name in schema(db_path)}
    assert not any(n.endswith(("_next", "_old")) or n.startswith("catalog_") for n in names)
    assert {n.replace("__b", "") for n in names} == {n for _, n in small_schema}
    assert journal.verify().ok
    # Name search still follows the product table, and a second large import switches back.
    again = import_products(write_csv([r.replace("New", "Again") for r in big], "again.csv"), cur=cny,
                            tax_codes={"A"})
    assert again.updated == ROWS - 1 and schema(db_path) == small_schema
    assert [p.sku for p in catalog.search_by_name(f"Again {ROWS}")] == [f"P{ROWS}"]
    with sqlite3.connect(db_path) as con:
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_large_import_makes_pinyin_keys_and_keeps_the_open_price_flag(store_db, write_csv, cny):
    from pos_tui.store.catalog_edits import set_open_price

    import_products(write_csv(rows(1, 10)), cur=cny, tax_codes={"A"})
    set_open_price("P3", True, actor="test")  # the back office's flag, not a column of the file
    big = rows(1, ROWS)
    big[1] = big[1].replace("Item 2,", "可口可乐 2,")
    result = import_products(write_csv(big, "big.csv"), cur=cny, tax_codes={"A"})
    assert result.rows == ROWS and result.created == ROWS - 10  # (the staged path, not the one at once)
    assert [p.sku for p in catalog.search_by_name("kekou")] == ["P2"]
    assert [p.sku for p in catalog.search_by_name("kkkl")] == ["P2"]
    assert catalog.get_by_sku("P3").open_price and not catalog.get_by_sku("P4").open_price


@pytest.mark.slow
def test_the_lock_is_held_in_short_steps(store_db, write_csv, cny):
    result = import_products(write_csv(rows(1, 20_000)), cur=cny, tax_codes={"A"})
    assert result.created == 20_000
    assert result.longest_lock < 0.3  # ~0.03 s a step; slack for a busy test machine
    assert len(result.lock_holds) > 10 and max(result.lock_holds) == result.longest_lock


def test_a_failure_before_the_switch_changes_nothing(store_db, db_path, write_csv, cny, monkeypatch):
    import_products(write_csv(rows(1, 10)), cur=cny, tax_codes={"A"})
    before, tables = catalog.find_by_code(ean13(3)), schema(db_path)

    def broken(self, *args):
        raise OSError("disk full")

    monkeypatch.setattr(catalog_publish._Publisher, "switch", broken)
    with pytest.raises(OSError):
        import_products(write_csv(rows(1, ROWS, price="9.99"), "big.csv"), cur=cny, tax_codes={"A"})
    assert catalog.find_by_code(ean13(3)) == before and catalog.count_products() == 10
    assert schema(db_path) == tables  # no next tables or watch triggers left behind


def test_what_lanes_change_while_the_next_catalog_is_built_survives(store_db, db_path, write_csv, cny, monkeypatch):
    import_products(write_csv(rows(1, 10)), cur=cny, tax_codes={"A"})
    real = catalog_publish._Publisher.add_new

    def a_lane_sells_meanwhile(self):
        with sqlite3.connect(db_path) as lane:  # another connection, as a lane's sale would be
            lane.execute("UPDATE product SET stock = stock - 1000 WHERE sku IN ('P1', 'P2')")
        real(self)

    monkeypatch.setattr(catalog_publish._Publisher, "add_new", a_lane_sells_meanwhile)
    import_products(write_csv(rows(2, ROWS, price="2.00"), "big.csv"), cur=cny, tax_codes={"A"})
    assert catalog.get_by_sku("P1").stock == 1000 - 1000  # not in the file: the sale's stock kept
    assert catalog.get_by_sku("P2").stock == 2000  # in the file: the file's stock, as an import always did
    assert catalog.get_by_sku("P2").price == 200


def test_a_barcode_taken_meanwhile_by_a_product_outside_the_file_refuses_the_import(store_db, db_path, write_csv,
                                                                                        cny, monkeypatch):
    import_products(write_csv(rows(1, 10)), cur=cny, tax_codes={"A"})
    real = catalog_publish._Publisher.add_new
    code = ean13(ROWS)

    def back_office_edits_meanwhile(self):
        with sqlite3.connect(db_path) as other:
            other.execute("INSERT INTO barcode (code, product_id) VALUES (?, 1)", (code,))
        real(self)

    monkeypatch.setattr(catalog_publish._Publisher, "add_new", back_office_edits_meanwhile)
    with pytest.raises(catalog_publish.CatalogChanged, match="nothing was imported"):
        import_products(write_csv(rows(2, ROWS, price="3.00"), "big.csv"), cur=cny, tax_codes={"A"})
    assert catalog.get_by_sku("P2").price == 100 and catalog.count_products() == 10
    assert catalog.find_by_code(code).sku == "P1"


def test_a_failure_while_the_name_index_is_copied_changes_nothing(store_db, db_path, write_csv, cny, monkeypatch):
    from pos_tui.store.db import current_database

    import_products(write_csv(rows(1, 10)), cur=cny, tax_codes={"A"})
    before, tables = catalog.find_by_code(ean13(3)), schema(db_path)
    real_steps = catalog_publish._Publisher._steps
    copied = []

    def disk_full_half_way(self, phase="ddl"):
        if phase.startswith("search"):
            copied.append(phase)
            if phase == "search docsize":
                raise OSError("disk full")
        return real_steps(self, phase)

    monkeypatch.setattr(catalog_publish._Publisher, "_steps", disk_full_half_way)
    with pytest.raises(OSError):
        import_products(write_csv(rows(1, ROWS, price="9.99", name="Other"), "big.csv"), cur=cny, tax_codes={"A"})
    assert copied[0] == "search data" and copied[-1] == "search docsize"  # the index's pages copied, not all
    assert catalog.find_by_code(ean13(3)) == before and catalog.count_products() == 10
    assert [p.sku for p in catalog.search_by_name("Item 3")] == ["P3"] and catalog.search_by_name("Other") == []
    assert schema(db_path) == tables
    assert current_database().execute_sql("SELECT name FROM temp.sqlite_master").fetchall() == []


def test_the_name_index_built_aside_follows_names_changed_meanwhile(store_db, db_path, write_csv, cny, monkeypatch):
    import_products(write_csv(rows(1, 10)), cur=cny, tax_codes={"A"})
    real = catalog_publish._Publisher.copy_name_index

    def renamed_meanwhile(self):
        real(self)
        with sqlite3.connect(db_path) as office:  # after the index was built: only the switch can follow
            office.execute("UPDATE product SET name = 'Renamed outside' WHERE sku = 'P1'")
            office.execute("UPDATE product SET name = 'Renamed inside' WHERE sku = 'P2'")

    monkeypatch.setattr(catalog_publish._Publisher, "copy_name_index", renamed_meanwhile)
    import_products(write_csv(rows(2, ROWS, name="New"), "big.csv"), cur=cny, tax_codes={"A"})
    assert [p.sku for p in catalog.search_by_name("Renamed outside")] == ["P1"]
    assert catalog.search_by_name("Item 1") == []
    assert catalog.search_by_name("Renamed inside") == [] and catalog.get_by_sku("P2").name == "New 2"  # the file's
    assert [p.sku for p in catalog.search_by_name(f"New {ROWS}")] == [f"P{ROWS}"]
    with sqlite3.connect(db_path) as con:
        con.execute("INSERT INTO product_search (product_search) VALUES ('integrity-check')")
        assert con.execute("SELECT COUNT(*) FROM product_search_docsize").fetchone() == (ROWS,)
        assert con.execute("SELECT COUNT(*) FROM product_search WHERE product_search MATCH 'New'").fetchone() == (
            ROWS - 1,)  # P2..P750, each under the file's name


@pytest.mark.parametrize("killed_at", ["search idx", "search docsize", "ddl search head"])
def test_an_import_killed_while_the_name_index_is_copied_leaves_the_old_catalog_and_the_next_one_goes_through(
        store_db, db_path, write_csv, cny, killed_at):
    import_products(write_csv(rows(1, 10)), cur=cny, tax_codes={"A"})
    before, tables = catalog.find_by_code(ean13(3)), schema(db_path)
    big = write_csv(rows(1, ROWS, price="9.99", name="Other"), "big.csv")
    script = textwrap.dedent(f"""
        import os
        from pos_tui.domain.money import currency
        from pos_tui.store import catalog_publish
        from pos_tui.store.catalog_csv import import_products
        from pos_tui.store.db import open_database

        real = catalog_publish._Publisher._steps

        def steps(self, phase="ddl"):
            if phase == {killed_at!r}:
                os._exit(9)  # as a kill -9 would: no clean-up of any kind
            return real(self, phase)

        catalog_publish._Publisher._steps = steps
        open_database("sqlite:///{db_path}")
        import_products({str(big)!r}, cur=currency("CNY"), tax_codes={{"A"}})
    """)
    assert subprocess.run([sys.executable, "-c", script], timeout=300).returncode == 9
    assert catalog.find_by_code(ean13(3)) == before and catalog.count_products() == 10
    assert [p.sku for p in catalog.search_by_name("Item 3")] == ["P3"]
    result = import_products(big, cur=cny, tax_codes={"A"})  # clears what the killed one left
    assert result.updated == 10
    assert {(kind, name.replace("__b", "")) for kind, name in schema(db_path)} == tables  # nothing left over
    assert [p.sku for p in catalog.search_by_name(f"Other {ROWS}")] == [f"P{ROWS}"]
    with sqlite3.connect(db_path) as con:
        con.execute("INSERT INTO product_search (product_search) VALUES ('integrity-check')")


def test_after_a_long_step_the_lock_stays_free_until_a_waiting_lane_has_tried_again():
    # When SQLite's busy handler (a lane waiting for the lock since the step began) tries again:
    # at these milliseconds of waiting, then every 100 ms (sqliteDefaultBusyCallback's totals).
    tries = [0, 1, 3, 8, 18, 33, 53, 78, 103, 128, 178, 228] + [228 + 100 * n for n in range(1, 10)]
    for held_ms in range(0, 1000):
        next_try = next(t for t in tries if t > held_ms)
        assert catalog_publish.lane_poll_gap(held_ms / 1000) * 1000 >= next_try - held_ms, held_ms
    assert catalog_publish.lane_poll_gap(0.02) == catalog_publish.STEP_PAUSE  # short steps: the usual pause


def test_the_name_index_copied_a_few_rows_a_step_is_whole(store_db, write_csv, cny, monkeypatch):
    """Each of the index's tables copied in many ranges of keys (its terms' table by two columns):
    every row arrives once, and every name is found."""
    from pos_tui.store.db import current_database

    for table in (catalog_publish._FIRST_SIZE, catalog_publish._MAX_SIZE):
        monkeypatch.setitem(table, "search", 16)
    steps = []
    real_steps = catalog_publish._Publisher._steps

    def counted(self, phase="ddl"):
        steps.append(phase)
        return real_steps(self, phase)

    monkeypatch.setattr(catalog_publish._Publisher, "_steps", counted)
    monkeypatch.setattr(catalog_publish, "STEP_PAUSE", 0)
    monkeypatch.setattr(catalog_publish, "lane_poll_gap", lambda held: 0)
    names = [f"P{n},Item{n} word{n % 7} 可口可乐{n % 3},1.00,{ean13(n)},A,each,1" for n in range(1, ROWS + 1)]
    import_products(write_csv(names), cur=cny, tax_codes={"A"})
    assert min(steps.count(f"search {shadow}") for shadow in ("data", "idx", "docsize")) > 1
    db = current_database()
    db.execute_sql("INSERT INTO product_search (product_search) VALUES ('integrity-check')")
    assert db.execute_sql("SELECT COUNT(*) FROM product_search_docsize").fetchone()[0] == ROWS
    for n in (1, 17, ROWS // 2, ROWS):
        assert [p.sku for p in catalog.search_by_name(f"Item{n} word")] == [f"P{n}"]
    assert len(catalog.search_by_name("kekou", limit=ROWS)) == ROWS
