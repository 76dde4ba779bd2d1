"""Issue #11 items 6 and 7: control characters never reach a terminal or a printer raw, and an
exported CSV cannot run a formula in a spreadsheet yet imports back to the same names."""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from pos_tui.cli import main
from pos_tui.config import ConfigError, parse_config
from pos_tui.domain.text import PLACEHOLDER, TextError, check_text, first_control, neutralise, neutralise_for_paper
from pos_tui.store.catalog_csv import ImportRejected, escape_cell, export_products, import_products, unescape_cell

CLEAR = "Clear\x1b[2J\x1b[HSoap"
TITLE = "Title\x1b]0;PWNED\x07Soap"
ESCAPES = ("\x1b", "\x07", "\x00", "\x9b", "\u202e")


def test_check_text_names_the_line_and_column_of_the_first_control():
    assert check_text("可口可乐 330ml", "name") == "可口可乐 330ml"
    with pytest.raises(TextError) as caught:
        check_text(CLEAR, "name")
    assert (caught.value.line, caught.value.column) == (1, 6)
    assert "U+001B (ESC)" in str(caught.value) and str(caught.value).startswith("name:")
    with pytest.raises(TextError) as caught:
        check_text("ok\nbad\x07", "footer")
    assert (caught.value.line, caught.value.column) == (1, 3)  # the newline itself is the first control
    for char in ESCAPES + ("\u2066", "\x85"):
        with pytest.raises(TextError):
            check_text(f"a{char}b", "x")


def test_neutralise_leaves_a_visible_placeholder_for_every_control():
    assert neutralise(CLEAR) == f"Clear{PLACEHOLDER}[2J{PLACEHOLDER}[HSoap"
    assert "\x1b" not in neutralise(TITLE) and "\x07" not in neutralise(TITLE)
    assert neutralise("苹果 Apple") == "苹果 Apple"


def test_paper_and_screen_refuse_the_same_characters_and_differ_only_in_what_stands_in():
    for char in ESCAPES + ("\u2066", "\x85", "\u2028", "\t", "\n", "\x7f"):
        text = f"a{char}b"
        assert first_control(neutralise(text)) is None and first_control(neutralise_for_paper(text)) is None
        assert neutralise(text) == f"a{PLACEHOLDER}b"
    assert neutralise_for_paper(CLEAR) == "Clear?[2J?[HSoap"
    assert neutralise_for_paper("Coke\tZero\r\nLight\u2028Max") == "Coke Zero  Light Max"
    assert neutralise_for_paper("苹果 Apple") == "苹果 Apple"


def test_a_bidi_override_is_neither_printed_nor_shown_on_the_customer_display():
    from pos_tui.devices.display import VfdEncoder
    from pos_tui.devices.receipt import ReceiptDoc, render_text

    doc = ReceiptDoc(32)
    doc.text("Soap\u202eenoB")
    doc.pair("Tea\u2066Pot\x9b", "5.00")
    printed = render_text(doc)
    assert "Soap?enoB" in printed and "Tea?Pot?" in printed and first_control(printed.replace("\n", "")) is None
    vfd = VfdEncoder(20, "gb18030")  # a code page holding every character, U+FFFD included: "?" still stands in
    assert vfd.showable("Coke\tZero\x1b[2J\u202e") == "Coke Zero?[2J?"


def test_catalog_import_refuses_controls_with_line_and_column(store_db, cny, write_csv):
    path = write_csv(["S1,Soap,5.00,,A,each,", f"S2,{CLEAR},5.00,,A,each,", 'S3,"two\nlines",1.00,,A,each,'])
    with pytest.raises(ImportRejected) as caught:
        import_products(path, cur=cny, tax_codes={"A"}, default_tax="A")
    errors = [str(e) for e in caught.value.errors]
    assert errors == ["line 3, name: control character U+001B (ESC) at column 6",
                      "line 4, name: control character U+000A (LF) at column 4"]


def test_config_strings_refuse_controls():
    with pytest.raises(ConfigError) as caught:
        parse_config({"store": {"name": TITLE}}, data_dir=__import__("pathlib").Path("."))
    assert caught.value.key == "store.name" and "U+001B" in str(caught.value)



@pytest.fixture
def demo(tmp_path, make_demo_store):
    from pos_tui.store.db import close_database

    config = make_demo_store(tmp_path)
    with sqlite3.connect(config.database_path) as con:
        con.execute("UPDATE product SET name = ? WHERE sku = (SELECT p.sku FROM product p JOIN barcode b "
                    "ON b.product_id = p.id WHERE b.code = '4006381333931')", (CLEAR,))
        con.execute("UPDATE product SET name = ? WHERE sku = (SELECT p.sku FROM product p JOIN barcode b "
                    "ON b.product_id = p.id WHERE b.code = '6901234567908')", (TITLE,))
    yield config
    close_database()


def test_an_old_row_is_drawn_and_printed_neutralised(demo):
    from pos_tui.devices.receipt import ReceiptDoc
    from pos_tui.services.lane import Lane
    from pos_tui.tui.format import cart_row, product_row

    lane = Lane(demo)
    lane.people.sign_in("cashier", "1234")
    view = lane.items.enter("4006381333931")
    view = lane.items.enter("6901234567908")
    assert view.lines[0].name == CLEAR  # stored as it was: only drawing changes it
    for line in view.lines:
        assert not any(c in cart_row(line, demo.currency).name for c in "\x1b\x07")
    assert "\x1b" not in product_row(CLEAR, 500, "each", "4006381333931", demo.currency, 40)
    doc = ReceiptDoc(42)
    doc.text(CLEAR)
    doc.pair(TITLE, "5.00")
    assert all("\x1b" not in block.text and "\x07" not in block.text for block in doc.blocks)


async def test_the_message_line_shows_a_placeholder():
    from textual.app import App

    from pos_tui.tui.widgets.message_line import MessageLine

    class One(App):
        def compose(self):
            yield MessageLine()

    async with One().run_test() as pilot:
        line = pilot.app.query_one(MessageLine)
        line.info(f"Added {CLEAR} x 1")
        assert "\x1b" not in line.text and PLACEHOLDER in line.text


def test_products_show_and_users_list_echo_no_control(demo, tmp_path):
    config_file = tmp_path / "config.toml"
    config_file.write_text(f'[paths]\ndata_dir = "{tmp_path}"\n', encoding="utf-8")
    with sqlite3.connect(demo.database_path) as con:
        con.execute("UPDATE user SET name = ? WHERE name = 'super'", ("su\x1b[2Jper",))
    from pos_tui.store.db import close_database

    close_database()
    runner = CliRunner()
    shown = runner.invoke(main, ["--config", str(config_file), "products", "show", "4006381333931"])
    assert shown.exit_code == 0, shown.output
    assert "\x1b" not in shown.output and PLACEHOLDER in shown.output
    listed = runner.invoke(main, ["--config", str(config_file), "users", "list"])
    assert listed.exit_code == 0 and "\x1b" not in listed.output


def test_typed_names_and_reasons_are_refused(demo):
    from pos_tui.domain.errors import DomainError
    from pos_tui.services.lane import Lane
    from pos_tui.store import users

    with pytest.raises(DomainError):
        users.add_user("eve\x1b]0;x\x07", "cashier", "5555", 4)
    lane = Lane(demo)
    lane.people.sign_in("cashier", "1234")
    lane.items.enter("6901234567892")
    with pytest.raises(TextError):
        lane.items.void_line(1, reason="oops\x1b[2J")


# --- item 7: formulas on export --------------------------------------------------------------

FORMULAS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "'=already quoted", "''", "'plain", "Soap"]


@pytest.mark.parametrize("text", FORMULAS)
def test_escape_and_unescape_round_trip(text):
    assert unescape_cell(escape_cell(text)) == text
    assert escape_cell(text)[:1] not in "=+-@"


def test_export_escapes_formulas_and_reimport_keeps_the_names(store_db, cny, write_csv, tmp_path):
    # In the source file the names are written escaped, as export writes them.
    rows = [f'F{i},"{escape_cell(name)}",1.00,,A,each,' for i, name in enumerate(FORMULAS)]
    import_products(write_csv(rows), cur=cny, tax_codes={"A"}, default_tax="A")
    out = tmp_path / "out.csv"
    export_products(out, cur=cny)
    import csv

    exported = {row["sku"]: row["name"] for row in csv.DictReader(out.open(encoding="utf-8"))}
    assert exported["F0"] == "'=cmd|' /C calc'!A0"
    assert all(name[:1] not in "=+-@" for name in exported.values())
    from pos_tui.store.catalog import get_by_sku

    before = {f"F{i}": get_by_sku(f"F{i}").name for i in range(len(FORMULAS))}
    assert before == {f"F{i}": name for i, name in enumerate(FORMULAS)}
    import_products(out, cur=cny, tax_codes={"A"}, default_tax="A")
    assert {sku: get_by_sku(sku).name for sku in before} == before


async def test_a_prompt_naming_an_old_row_shows_a_placeholder():
    from textual.app import App
    from textual.containers import Vertical
    from textual.widgets import Static

    from pos_tui.tui.admin.prompt import PromptModal, Question

    class One(App):
        def on_mount(self):
            self.push_screen(PromptModal(f"Price: {CLEAR}", [Question("Price")], lambda answers: answers,
                                         hint=f"Now {TITLE}"))

    async with One().run_test() as pilot:
        await pilot.pause()
        modal = pilot.app.screen
        title = str(modal.query_one(Vertical).border_title)
        hint = str(modal.query_one(".hint", Static).render())
        assert "\x1b" not in title and PLACEHOLDER in title
        assert "\x1b" not in hint and "\x07" not in hint and PLACEHOLDER in hint
