import hashlib

import pytest

from pos_tui.store import catalog, journal
from pos_tui.store.catalog_csv import ImportRejected, RowError, export_products, import_products

TAXES = {"A", "B", "Z"}
GOOD = [
    "C1,可口可乐 330ml,3.50,6901234567892|12345,A,each,24",
    'B1,"Bread, white",12,,B,each,',
    "F1,苹果 Fuji,8.8,96385074,A,kg,1.250",
]


def _import(path, cny, **kw):
    return import_products(path, cur=cny, tax_codes=TAXES, default_tax="A", **kw)


def test_a_good_file_imports_with_cjk_names_kept_exactly(store_db, write_csv, cny):
    path = write_csv(GOOD, bom=True)
    result = _import(path, cny, actor="cli:test")
    assert (result.rows, result.created, result.updated) == (3, 3, 0)
    cola = catalog.find_by_code("6901234567892")
    assert (cola.sku, cola.name, cola.price, cola.stock) == ("C1", "可口可乐 330ml", 350, 24000)
    assert catalog.get_by_sku("B1").name == "Bread, white"
    assert catalog.get_by_sku("B1").stock is None
    apple = catalog.find_by_code("96385074")
    assert (apple.name, apple.unit, apple.price, apple.stock) == ("苹果 Fuji", "kg", 880, 1250)
    (entry,) = journal.entries("catalog.import")
    assert entry.actor == "cli:test"
    assert hashlib.sha256(path.read_bytes()).hexdigest() in entry.payload
    assert '"rows":3' in entry.payload


def test_three_bad_rows_among_good_ones_give_three_errors_and_import_nothing(store_db, write_csv, cny):
    rows = [GOOD[0], "X1,Soap,abc,,A,each,", GOOD[1], "X2,Tea,2.00,6901234567893,A,each,", GOOD[2],
            "X3,Milk,5.00,,Q,each,"]
    with pytest.raises(ImportRejected) as caught:
        _import(write_csv(rows), cny)
    errors = caught.value.errors
    assert [(e.line, e.column) for e in errors] == [(3, "price"), (5, "barcodes"), (7, "tax")]
    assert "check digit" in errors[1].reason and "unknown tax code 'Q'" in errors[2].reason
    assert "3 errors, nothing imported" in str(caught.value)
    assert catalog.count_products() == 0 and journal.entries() == []


@pytest.mark.parametrize(
    "row, column, words",
    [
        ("S1,Soap,12.505,,A,each,", "price", "decimal places"),
        ("S1,Soap,-1,,A,each,", "price", "negative"),
        ("S1,Soap,1e3,,A,each,", "price", "not an amount"),
        ("S1,,1.00,,A,each,", "name", "name is empty"),
        (",Soap,1.00,,A,each,", "sku", "SKU is empty"),
        ("S1,Soap,1.00,,A,box,", "unit", "each or kg"),
        ("S1,Soap,1.00,,A,each,lots", "stock", "not a number"),
        ("S1,Soap,1.00,,A,each,1.2345", "stock", "not a number"),
        ("S1,Soap,1.00,4006381333932,A,each,", "barcodes", "check digit"),
        ("S1,Soap,1.00,12 34,A,each,", "barcodes", "space"),
        ("S1,Soap,1.00,12345|12345,A,each,", "barcodes", "already used on line 2"),
    ],
)
def test_each_bad_cell_is_named(store_db, write_csv, cny, row, column, words):
    with pytest.raises(ImportRejected) as caught:
        _import(write_csv([row]), cny)
    (error,) = caught.value.errors
    assert (error.line, error.column) == (2, column)
    assert words in error.reason


def test_duplicates_within_the_file_name_the_first_line(store_db, write_csv, cny):
    rows = ["S1,Soap,1.00,12345,A,each,", "S2,Tea,1.00,12345,A,each,", "S1,Soap again,1.00,,A,each,"]
    with pytest.raises(ImportRejected) as caught:
        _import(write_csv(rows), cny)
    assert [str(e) for e in caught.value.errors] == [
        "line 3, barcodes: barcode 12345 is already used on line 2",
        "line 4, sku: SKU S1 is already on line 2",
    ]


def test_a_barcode_owned_by_a_product_outside_the_file_is_refused(store_db, write_csv, cny):
    _import(write_csv(GOOD), cny)
    with pytest.raises(ImportRejected) as caught:
        _import(write_csv(["N1,New,1.00,12345,A,each,"], name="b.csv"), cny)
    assert str(caught.value.errors[0]) == "line 2, barcodes: barcode 12345 already belongs to product C1"


def test_a_barcode_may_move_between_products_of_the_same_file(store_db, write_csv, cny):
    _import(write_csv(GOOD), cny)
    moved = ["C1,可口可乐 330ml,3.50,6901234567892,A,each,24", "N1,New,1.00,12345,A,each,"]
    assert _import(write_csv(moved, name="b.csv"), cny).created == 1
    assert catalog.find_by_code("12345").sku == "N1"
    assert catalog.get_by_sku("C1").barcodes == ("6901234567892",)


def test_reimport_updates_existing_skus(store_db, write_csv, cny):
    _import(write_csv(GOOD), cny)
    result = _import(write_csv(["C1,Coke Zero,4.00,,B,each,3", "N1,New,1.00,,,,"], name="b.csv"), cny)
    assert (result.created, result.updated) == (1, 1)
    cola = catalog.get_by_sku("C1")
    assert (cola.name, cola.price, cola.tax, cola.stock, cola.barcodes) == ("Coke Zero", 400, "B", 3000, ())
    new = catalog.get_by_sku("N1")
    assert (new.tax, new.unit) == ("A", "each")  # empty cells: default tax, sold each
    assert catalog.search_by_name("coke")[0].sku == "C1"


def test_extra_columns_warn_and_missing_columns_fail(store_db, write_csv, cny):
    extra = write_csv(["S1,Soap,1.00,,A,each,,blue"], header="sku,name,price,barcodes,tax,unit,stock,colour")
    assert _import(extra, cny).warnings == ("ignoring extra column: colour",)
    with pytest.raises(ImportRejected) as caught:
        _import(write_csv(["S2,Soap,1.00"], name="b.csv", header="sku,name,price"), cny)
    assert {e.column for e in caught.value.errors} == {"barcodes"}  # tax, unit and stock may be left out
    assert all(e.line == 1 and "missing" in e.reason for e in caught.value.errors)


def test_wrong_field_count_and_non_utf8_are_reported(store_db, write_csv, tmp_path, cny):
    with pytest.raises(ImportRejected) as caught:
        _import(write_csv(["S1,Soap,1.00,,A"]), cny)
    assert str(caught.value.errors[0]) == "line 2: expected 7 fields, found 5"
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("sku,name,price,barcodes,tax,unit,stock\nS1,Café,1,,A,each,\n".encode("latin-1"))
    with pytest.raises(ImportRejected) as caught:
        _import(latin1, cny)
    assert caught.value.errors == [RowError(2, "", "not UTF-8 text (save the file as UTF-8)")]


def test_quoted_multiline_names_keep_line_numbers_right(store_db, write_csv, cny):
    rows = ['S1,"Two\nlines",1.00,,A,each,', "S2,Soap,bad,,A,each,"]
    with pytest.raises(ImportRejected) as caught:
        _import(write_csv(rows), cny)
    # A newline in a name is refused (a control character); the next row's line is still right.
    assert [(e.line, e.column) for e in caught.value.errors] == [(2, "name"), (4, "price")]


def test_export_round_trips(store_db, write_csv, tmp_path, cny):
    _import(write_csv(GOOD), cny)
    out = tmp_path / "out.csv"
    assert export_products(out, cur=cny) == 3
    assert out.read_text(encoding="utf-8").splitlines() == [
        "sku,name,price,barcodes,tax,unit,stock,department",
        "C1,可口可乐 330ml,3.50,6901234567892|12345,A,each,24,",
        'B1,"Bread, white",12.00,,B,each,,',
        "F1,苹果 Fuji,8.80,96385074,A,kg,1.25,",
    ]
    before = [catalog.get_by_sku(s) for s in ("C1", "B1", "F1")]
    assert _import(out, cny).updated == 3
    assert [catalog.get_by_sku(s) for s in ("C1", "B1", "F1")] == before


def test_progress_is_reported_while_writing(store_db, write_csv, cny):
    calls = []
    rows = [f"P{i},Item {i},1.00,,A,each," for i in range(12000)]
    _import(write_csv(rows), cny, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (12000, 12000) and len(calls) >= 2
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_tax_unit_and_stock_columns_may_be_left_out(store_db, write_csv, cny):
    result = _import(write_csv(["S1,Soap,1.00,4006381333931"], header="sku,name,price,barcodes"), cny)
    assert result.rows == 1
    soap = catalog.get_by_sku("S1")
    assert (soap.tax, soap.unit, soap.stock) == ("A", "each", None)


def test_a_semicolon_separated_file_gets_one_error_naming_the_separator(store_db, write_csv, cny):
    path = write_csv(["S1;Soap;1.00;;A;each;"], header="sku;name;price;barcodes;tax;unit;stock")
    with pytest.raises(ImportRejected) as caught:
        _import(path, cny)
    (error,) = caught.value.errors
    assert str(error) == ("line 1: the columns are separated by ';': the separator must be a comma "
                          "(sku,name,price,barcodes,tax,unit,stock,department)")


def test_a_department_column_imports_exports_and_imports_back(store_db, write_csv, tmp_path, cny):
    header = "sku,name,price,barcodes,tax,unit,stock,department"
    _import(write_csv(["C1,可口可乐 330ml,3.50,6901234567892,A,each,24,DRINKS", "B1,Bread,12,,B,each,,",
                       "T1,茶,5,,A,each,,饮料"], header=header), cny)
    assert [catalog.get_by_sku(s).department for s in ("C1", "B1", "T1")] == ["DRINKS", None, "饮料"]
    out = tmp_path / "out.csv"
    export_products(out, cur=cny)
    assert out.read_text(encoding="utf-8").splitlines()[1:] == [
        "C1,可口可乐 330ml,3.50,6901234567892,A,each,24,DRINKS", "B1,Bread,12.00,,B,each,,", "T1,茶,5.00,,A,each,,饮料"]
    before = [catalog.get_by_sku(s) for s in ("C1", "B1", "T1")]
    assert _import(out, cny).updated == 3
    assert [catalog.get_by_sku(s) for s in ("C1", "B1", "T1")] == before
    # The file's department wins, even an empty one: a product moved out of its department.
    _import(write_csv(["C1,可口可乐 330ml,3.50,6901234567892,A,each,24,"], header=header), cny)
    assert catalog.get_by_sku("C1").department is None


def test_a_bad_department_code_is_refused_with_its_line_and_column_and_nothing_changes(store_db, write_csv, cny):
    header = "sku,name,price,barcodes,tax,unit,stock,department"
    _import(write_csv(["C1,Cola,3.50,,A,each,,DRINKS"], header=header), cny)
    long = "D" * 33
    with pytest.raises(ImportRejected) as caught:
        _import(write_csv(["C1,Cola,3.50,,A,each,,SOFT DRINKS", f"B1,Bread,12,,B,each,,{long}"], header=header), cny)
    assert [str(e) for e in caught.value.errors] == [
        "line 2, department: department 'SOFT DRINKS' must be at most 32 characters without spaces",
        f"line 3, department: department '{long}' must be at most 32 characters without spaces"]
    assert catalog.get_by_sku("C1").department == "DRINKS" and catalog.get_by_sku("B1") is None


def test_a_large_import_published_in_steps_carries_the_department_too(store_db, write_csv, cny):
    from pos_tui.store.catalog_publish import SMALL_IMPORT

    header = "sku,name,price,barcodes,tax,unit,stock,department"
    rows = [f"P{i},Item {i},1.00,,A,each,,{'DRINKS' if i % 2 else ''}" for i in range(SMALL_IMPORT + 50)]
    _import(write_csv(rows, header=header), cny)
    assert (catalog.get_by_sku("P1").department, catalog.get_by_sku("P2").department) == ("DRINKS", None)
    rows = [f"P{i},Item {i},1.00,,A,each,,{'' if i % 2 else 'SNACKS'}" for i in range(SMALL_IMPORT + 50)]
    _import(write_csv(rows, header=header), cny)
    assert (catalog.get_by_sku("P1").department, catalog.get_by_sku("P2").department) == (None, "SNACKS")
