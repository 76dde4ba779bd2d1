"""The lane's widgets in a tiny app at 80x24 with the real theme."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.widgets import Static

import pos_tui.tui
from pos_tui.tui.keymap import (
    DEFAULT_KEYMAP,
    KeyBinding,
    apply_overrides,
    display_key,
    normalize_key,
)
from pos_tui.tui.widgets.cart_view import CartLine, CartView
from pos_tui.tui.widgets.key_footer import KeyFooter
from pos_tui.tui.widgets.message_line import MessageLine
from pos_tui.tui.widgets.scan_entry import ScanEntry
from pos_tui.tui.widgets.status_header import StatusHeader, seconds_until_next_minute
from pos_tui.tui.widgets.text_rows import TextRows
from pos_tui.tui.widgets.totals_bar import TotalsBar

THEME = Path(pos_tui.tui.__file__).parent / "pos.tcss"
UP = "\x1b[A"
DOWN = "\x1b[B"

SKETCH_LINES = [
    CartLine(1, "可口可乐 330ml", "3", "3.50", "10.50"),
    CartLine(2, "Bread", "1", "12.00", "12.00"),
    CartLine(3, "苹果", "1.250 kg", "8.80", "11.00"),
    CartLine(4, "Soap", "1", "5.00", "0.00", voided=True),
]


class SketchApp(App[None]):
    """The item screen's widgets, wired the way the lane's screen wires them."""

    CSS_PATH = THEME
    BINDINGS = DEFAULT_KEYMAP.textual_bindings("items")

    def __init__(self, lines: list[CartLine]) -> None:
        super().__init__()
        self.initial_lines = lines

    def compose(self) -> ComposeResult:
        yield StatusHeader("Demo Mart", 1, clock=lambda: datetime(2026, 11, 27, 14, 32, 5))
        yield CartView(self.initial_lines)
        yield TotalsBar()
        yield ScanEntry()
        yield MessageLine()
        yield KeyFooter(DEFAULT_KEYMAP.footer("items"))

    def on_mount(self) -> None:
        header = self.query_one(StatusHeader)
        header.set_cashier("张三", "cashier")
        header.set_device("printer", "ok")
        header.set_device("terminal", "ok")
        self.query_one(TotalsBar).set_totals("5", "33.50", "3.85", "¥33.50")
        self.query_one(MessageLine).info("Added 可口可乐 330ml x 3")
        self.query_one(ScanEntry).focus()

    def action_line_up(self) -> None:
        self.query_one(CartView).select_previous()

    def action_line_down(self) -> None:
        self.query_one(CartView).select_next()


def cells(row: str) -> list[str]:
    """A screen row as terminal cells: a wide character fills its cell and leaves the next empty."""
    out: list[str] = []
    for char in row:
        out.append(char)
        out.extend([""] * (cell_len(char) - 1))
    return out


def right_edge(row: str, text: str) -> int:
    """The cell just past the last occurrence of ``text`` in a screen row."""
    return cell_len(row[: row.rindex(text) + len(text)])


def ends_at(row: str, text: str, edge: int) -> bool:
    """Whether ``text`` sits right-aligned in the row's cells ending at ``edge``."""
    row_cells = cells(row)
    return "".join(row_cells[edge - cell_len(text) : edge]) == text and row_cells[edge] == " "


def in_box(row: str) -> list[str]:
    return row.strip("│").split()


async def test_item_screen_layout_at_80x24(screen_lines, feed_terminal, settle):
    app = SketchApp(SKETCH_LINES)
    async with app.run_test(size=(80, 24)) as pilot:
        feed_terminal(app, "6901234567892")
        entry = app.query_one(ScanEntry)
        await settle(pilot, lambda: entry.value == "6901234567892")
        rows = screen_lines(app)
        assert len(rows) == 24
        assert all(cell_len(row) == 80 for row in rows)
        assert rows[0].startswith(" Demo Mart  Lane 01  张三 (cashier)")
        assert rows[0].rstrip().endswith("printer ok, terminal ok  14:32")
        assert rows[1].startswith("┌") and "Sale" in rows[1]
        assert in_box(rows[2]) == ["#", "Item", "Qty", "Price", "Amount"]
        assert in_box(rows[3]) == ["1", "可口可乐", "330ml", "3", "3.50", "10.50"]
        assert in_box(rows[6]) == ["4", "Soap", "VOIDED", "1", "5.00", "0.00"]
        assert rows[18].startswith("└")
        assert rows[19].split() == ["Items", "5", "Subtotal", "33.50", "Tax", "3.85", "TOTAL", "¥33.50"]
        assert rows[20].startswith(" > 6901234567892_")
        assert rows[21].strip() == "Added 可口可乐 330ml x 3"
        assert rows[22].strip() == "F1 Help F2 Find F3 Price F4 Void F5 Hold F6 Discount F7 Return F8 No sale"
        assert rows[23].strip() == "F9 Reprint F10 Total F11 Void sale ^L Lock ^S Shift"


async def test_cjk_and_latin_names_share_the_columns(screen_lines):
    app = SketchApp(SKETCH_LINES)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        rows = screen_lines(app)
        header, *lines = rows[2:7]
        qty_edge, price_edge, amount_edge = (right_edge(header, t) for t in ("Qty", "Price", "Amount"))
        for row, line in zip(lines, SKETCH_LINES):
            assert ends_at(row, line.qty, qty_edge), row
            assert ends_at(row, line.price, price_edge), row
            assert ends_at(row, line.amount, amount_edge), row
        soap = lines[3]
        assert "Soap  VOIDED" in soap


async def test_long_cjk_name_is_cut_on_a_cell_boundary(screen_lines):
    long_name = "特大号家庭装有机纯牛奶礼盒装二十四盒每盒二百五十毫升"
    app = SketchApp([CartLine(1, long_name, "1", "99.00", "99.00"), SKETCH_LINES[1]])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        rows = screen_lines(app)
        header, milk, bread = rows[2:5]
        assert cell_len(milk) == 80
        assert long_name[:10] in milk and long_name not in milk
        for row, price in ((milk, "99.00"), (bread, "12.00")):
            assert ends_at(row, price, right_edge(header, "Price")), row
            assert ends_at(row, price, right_edge(header, "Amount")), row


async def test_up_and_down_move_the_selection(screen_lines, feed_terminal, settle):
    app = SketchApp(SKETCH_LINES)
    async with app.run_test(size=(80, 24)) as pilot:
        cart = app.query_one(CartView)
        assert cart.selected_index == 3
        feed_terminal(app, UP, UP)
        await settle(pilot, lambda: cart.selected_index == 1)
        assert cart.selected_line == SKETCH_LINES[1]
        feed_terminal(app, UP, UP, UP)
        await settle(pilot, lambda: cart.selected_index == 0)
        feed_terminal(app, DOWN)
        await settle(pilot, lambda: cart.selected_index == 1)
        assert cart.selected_index == 1
        selected_row = app.screen._compositor.render_strips()[4]
        assert "Bread" in selected_row.text
        assert any(segment.style and segment.style.reverse for segment in selected_row)
        other_row = app.screen._compositor.render_strips()[3]
        assert not any(segment.style and segment.style.reverse for segment in other_row)


async def test_appending_keeps_the_last_line_visible_and_selection_scrolls(
    screen_lines, feed_terminal, settle
):
    app = SketchApp([])
    async with app.run_test(size=(80, 24)) as pilot:
        cart = app.query_one(CartView)
        for number in range(1, 41):
            cart.append_line(CartLine(number, f"Item {number}", "1", "1.00", "1.00"))
        await pilot.pause()
        rows = screen_lines(app)
        rows_shown = cart.visible_rows
        assert rows_shown == 15  # two key lines below
        assert cart.selected_index == 39
        assert cart.first_visible_index == 40 - rows_shown
        assert in_box(rows[17])[:3] == ["40", "Item", "40"]
        assert in_box(rows[3])[:3] == [str(40 - rows_shown + 1), "Item", str(40 - rows_shown + 1)]
        feed_terminal(app, *[UP] * 20)
        await settle(pilot, lambda: cart.selected_index == 19)
        assert cart.first_visible_index == 19
        assert in_box(screen_lines(app)[3])[:3] == ["20", "Item", "20"]


async def test_a_new_line_redraws_two_rows_unless_the_cart_scrolls(screen_lines):
    app = SketchApp(SKETCH_LINES[:2])
    async with app.run_test(size=(80, 24)) as pilot:
        cart = app.query_one(CartView)
        await pilot.pause()
        drawn: list[int] = []
        draw_row = cart._draw_row
        cart._draw_row = lambda y, index, width: (drawn.append(index), draw_row(y, index, width))[1]
        cart.append_line(SKETCH_LINES[2])
        await pilot.pause()
        assert sorted(drawn) == [1, 2]  # Bread loses the selection, 苹果 is new and selected
        rows = app.screen._compositor.render_strips()
        assert "苹果" in rows[5].text and any(s.style and s.style.reverse for s in rows[5])
        assert "Bread" in rows[4].text and not any(s.style and s.style.reverse for s in rows[4])
        drawn.clear()
        for number in range(4, 20):
            cart.append_line(CartLine(number, f"Item {number}", "1", "1.00", "1.00"))
        await pilot.pause()
        assert len(drawn) >= cart.visible_rows - 1  # scrolled: every row under the header again
        assert in_box(screen_lines(app)[17])[:3] == ["19", "Item", "19"]


def record_frames(app: App) -> list[set[int]]:
    """From now on, the screen rows (0-based) of every frame the app sends to its terminal."""
    frames: list[set[int]] = []
    draw = app._display

    def recording_display(screen, update) -> None:
        frames.append({y for y, _, _ in getattr(update, "spans", ())} if update is not None else set())
        draw(screen, update)

    app._display = recording_display
    return frames


async def test_showing_what_a_line_already_shows_sends_nothing_and_a_new_title_its_border_row():
    app = SketchApp(SKETCH_LINES)
    async with app.run_test(size=(80, 24)) as pilot:
        cart = app.query_one(CartView)
        cart.border_title = "Sale (open)"
        await pilot.pause()
        frames = record_frames(app)
        header = app.query_one(StatusHeader)
        header.set_store("Demo Mart", 1)
        header.set_cashier("张三", "cashier")
        header.set_device("printer", "ok")
        app.query_one(TotalsBar).set_totals("5", "33.50", "3.85", "¥33.50")
        app.query_one(MessageLine).info("Added 可口可乐 330ml x 3")
        app.query_one(ScanEntry).set_prompt("> ")
        cart.border_title = "Sale (open)"
        await pilot.pause()
        assert not any(frames), frames  # every screen shows its whole view again after each intent
        cart.border_title = "Ready for the next sale"
        await pilot.pause()
        assert set().union(*frames) == {1}, frames
        assert "─ Ready for the next sale ─" in app.screen._compositor.render_strips()[1].text


class RowsApp(App[None]):
    CSS = "#box { height: 8; border: solid ansi_blue; padding: 1 2; color: ansi_bright_white; }"

    def __init__(self, box: Static | TextRows) -> None:
        super().__init__(ansi_color=True)
        self.box = box

    def compose(self) -> ComposeResult:
        yield self.box


async def test_text_rows_look_like_a_static_and_redraw_only_the_rows_that_changed():
    before, after = "Due      ¥33.50\nPaid      ¥0.00\nBalance  ¥33.50", "Due      ¥33.50\nPaid     ¥20.00\nBalance  ¥13.50"
    drawn = []
    for box in (Static(before, id="box"), TextRows(before, id="box")):
        app = RowsApp(box)
        async with app.run_test(size=(40, 10)) as pilot:
            await pilot.pause()
            frames = record_frames(app)
            box.update(after)
            await pilot.pause()
            drawn.append([list(strip.discard_meta().simplify()) for strip in app.screen._compositor.render_strips()])
            if isinstance(box, TextRows):
                assert set().union(*frames) == {3, 4}, frames  # Paid and Balance; not Due, not the box
                box.update(after + "\n\nPayments")
                await pilot.pause()
                assert box.rows[-1] == "Payments" and set().union(*frames[1:]) == {5, 6}, frames
    assert drawn[0] == drawn[1]


async def test_replacing_a_line_marks_it_voided(screen_lines):
    app = SketchApp(SKETCH_LINES[:2])
    async with app.run_test(size=(80, 24)) as pilot:
        cart = app.query_one(CartView)
        cart.replace_line(CartLine(2, "Bread", "1", "12.00", "0.00", voided=True))
        await pilot.pause()
        row = screen_lines(app)[4]
        assert "Bread  VOIDED" in row and in_box(row)[-1] == "0.00"
        with pytest.raises(ValueError, match="cart line 9"):
            cart.replace_line(CartLine(9, "Ghost", "1", "1.00", "1.00"))
        with pytest.raises(ValueError, match="cart line 1"):
            cart.append_line(SKETCH_LINES[0])


async def test_message_line_error_style_and_single_line():
    app = SketchApp(SKETCH_LINES)
    async with app.run_test(size=(80, 24)) as pilot:
        message = app.query_one(MessageLine)
        message.error("Unknown barcode 6901234567892\nnot in the catalog")
        await pilot.pause()
        assert message.level == "error"
        assert message.has_class("-error") and not message.has_class("-info")
        assert message.text == "Unknown barcode 6901234567892 not in the catalog"
        assert message.region.height == 1
        message.info("Added Bread")
        assert not message.has_class("-error")


async def test_error_colours_stay_readable_in_16_colours():
    app = SketchApp(SKETCH_LINES)
    async with app.run_test(size=(80, 24)) as pilot:
        message = app.query_one(MessageLine)
        message.error("Printer offline: receipt queued, F9 reprints")
        await pilot.pause()
        assert message.styles.background.ansi is not None
        assert message.styles.color.ansi is not None
        assert message.styles.background.ansi != message.styles.color.ansi


async def test_status_header_marks_a_failing_device(screen_lines):
    app = SketchApp(SKETCH_LINES)
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one(StatusHeader).set_device("printer", "paper out", ok=False)
        await pilot.pause()
        assert screen_lines(app)[0].rstrip().endswith("printer paper out, terminal ok  14:32")
        strip = app.screen._compositor.render_strips()[0]
        alert = [segment for segment in strip if "paper out" in segment.text]
        assert alert and alert[0].style.bgcolor != strip._segments[0].style.bgcolor


async def test_clock_shows_the_minute_it_is_redrawn_in(screen_lines):
    now = [datetime(2026, 11, 27, 14, 32, 5)]
    app = SketchApp(SKETCH_LINES)
    async with app.run_test(size=(80, 24)) as pilot:
        header = app.query_one(StatusHeader)
        header._clock = lambda: now[0]
        now[0] = datetime(2026, 11, 27, 14, 33, 0)
        header.refresh_clock()
        await pilot.pause()
        assert screen_lines(app)[0].rstrip().endswith("14:33")


def test_seconds_until_next_minute():
    assert seconds_until_next_minute(datetime(2026, 1, 1, 14, 32, 5)) == 55
    assert seconds_until_next_minute(datetime(2026, 1, 1, 23, 59, 59, 500000)) == 0.5
    assert seconds_until_next_minute(datetime(2026, 1, 1, 9, 0, 0)) == 60


async def test_footer_wraps_onto_a_second_line_then_drops_whole_hints_but_never_the_keys_to_pay():
    app = SketchApp(SKETCH_LINES)
    async with app.run_test(size=(40, 24)) as pilot:
        await pilot.pause()
        footer = app.query_one(KeyFooter)
        shown = str(footer.render())
        assert footer.content_size.width == 38
        assert shown == "F1 Help F2 Find F3 Price F4 Void\nF5 Hold F6 Discount F10 Total"  # the key to pay kept
        footer.show_keys(DEFAULT_KEYMAP.footer("payment"))
        assert str(footer.render()) == "F1 Help F2 Cash F3 Bank card F4 Wallet\nF5 Points Esc Back F6 Resolve"


async def test_totals_bar_shows_payment_figures():
    app = SketchApp(SKETCH_LINES)
    async with app.run_test(size=(80, 24)) as pilot:
        totals = app.query_one(TotalsBar)
        totals.set_figures((("Due", "¥33.50"), ("Paid", "¥20.00"), ("BALANCE", "¥13.50")))
        await pilot.pause()
        text = str(totals.render())
        assert text.split() == ["Due", "¥33.50", "Paid", "¥20.00", "BALANCE", "¥13.50"]
        assert cell_len(text) == totals.content_size.width


def test_keymap_default_has_the_spec_keys():
    assert DEFAULT_KEYMAP.key_for("items.total") == "f10"
    assert DEFAULT_KEYMAP.key_for("items.lock") == "ctrl+l"
    assert DEFAULT_KEYMAP.key_for("payment.cash") == "f2"
    assert [b.key for b in DEFAULT_KEYMAP.for_screen("items")][:11] == [f"f{n}" for n in range(1, 12)]
    bindings = DEFAULT_KEYMAP.textual_bindings("items")
    total = next(binding for binding in bindings if binding.key == "f10")
    assert (total.action, total.id) == ("total", "items.total")


def test_keymap_overrides_and_their_errors():
    keymap = apply_overrides({"items.total": "F12", "payment.cash": "Ctrl+K"})
    assert keymap.key_for("items.total") == "f12"
    assert keymap.key_for("payment.cash") == "ctrl+k"
    assert DEFAULT_KEYMAP.key_for("items.total") == "f10"
    with pytest.raises(ValueError, match="'F99'"):
        apply_overrides({"items.total": "F99"})
    with pytest.raises(ValueError, match="keys.items.find.*'x'.*entry line"):
        apply_overrides({"items.find": "x"})
    with pytest.raises(ValueError, match="items.nonsense"):
        apply_overrides({"items.nonsense": "f12"})
    with pytest.raises(ValueError, match="items.find and items.total"):
        apply_overrides({"items.total": "f2"})
    assert apply_overrides({"payment.cash": "f10"}).key_for("payment.cash") == "f10"


@pytest.mark.parametrize(
    ("name", "normal", "shown"),
    [("F2", "f2", "F2"), ("ctrl+L", "ctrl+l", "^L"), ("Esc", "escape", "Esc"),
     ("shift+f1", "shift+f1", "S-F1"), ("PgDn", "pagedown", "PgDn")],
)
def test_key_names(name, normal, shown):
    assert normalize_key(name) == normal
    assert display_key(normal) == shown


@pytest.mark.parametrize("name", ["", "a", "3", "space", "shift+x", "alt+f1", "f0", "ctrl+"])
def test_bad_key_names(name):
    with pytest.raises(ValueError, match="bad key name"):
        normalize_key(name)


def test_keybinding_parts():
    binding = KeyBinding("payment.wallet", "f4", "Wallet")
    assert (binding.screen, binding.name, binding.display_key) == ("payment", "wallet", "F4")
    with pytest.raises(ValueError, match="unknown screen 'till'"):
        DEFAULT_KEYMAP.for_screen("till")
