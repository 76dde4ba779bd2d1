"""The sale's lines in a box: number, name, quantity, price, amount; one line selected.

Rows are drawn on demand (Textual's line API) from a list, so appending the 200th line
costs the same as the first: nothing is rebuilt. A scan redraws two rows (the new line and the
one that loses the selection) unless the cart scrolls, and a row once drawn is kept until its
line, the width or the styles change. A new title redraws the top border row only.
Names are aligned by terminal cells, so Chinese and Latin names share the columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Self

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from pos_tui.domain.display_width import cell_width, pad_cells, truncate_cells
from pos_tui.i18n import N_, _
from pos_tui.tui.widgets.kept_styles import KeptStyles

VOIDED = N_("VOIDED")
# Textual's border_title descriptor, which CartView.border_title wraps.
_BORDER_TITLE = Widget.__dict__["border_title"]


@dataclass(frozen=True, slots=True)
class CartLine:
    """One cart row as shown; money and quantities arrive already formatted by the screen.

    A voided line keeps its place and its number; the screen passes the amount it
    counts for ("0.00").
    """

    line_no: int
    name: str
    qty: str
    price: str
    amount: str
    voided: bool = False


@dataclass(frozen=True, slots=True)
class CartColumns:
    """Cell widths of the columns for one content width (one space between columns)."""

    number: int
    name: int
    qty: int
    price: int
    amount: int

    @classmethod
    def for_width(cls, width: int) -> CartColumns:
        number, qty, price, amount = 3, 9, 10, 11
        name = max(width - number - qty - price - amount - 4, 6)
        return cls(number, name, qty, price, amount)

    def row(self, number: str, name: str, qty: str, price: str, amount: str) -> str:
        return " ".join(
            (
                pad_cells(truncate_cells(number, self.number), self.number),
                pad_cells(truncate_cells(name, self.name), self.name),
                pad_cells(qty, self.qty, "right"),
                pad_cells(price, self.price, "right"),
                pad_cells(amount, self.amount, "right"),
            )
        )


def line_name(line: CartLine, width: int) -> str:
    """The name column of a line: a voided line ends with the VOIDED mark, never cut off."""
    if not line.voided:
        return line.name
    voided = _(VOIDED)
    room = max(width - cell_width(voided) - 2, 0)
    return f"{truncate_cells(line.name, room).rstrip()}  {voided}"


class CartView(KeptStyles):
    """The cart box. Not focusable: the entry line keeps focus, the screen moves the selection."""

    COMPONENT_CLASSES = {"cart-view--header", "cart-view--selected", "cart-view--voided"}

    DEFAULT_CSS = """
    CartView {
        height: 1fr;
        border: solid $primary;
        padding: 0 1;
    }
    CartView > .cart-view--header { text-style: bold; }
    CartView > .cart-view--selected { text-style: reverse; }
    CartView > .cart-view--voided { text-style: dim; }
    """

    HEADER = ("#", N_("Item"), N_("Qty"), N_("Price"), N_("Amount"))
    _title_changing = False  # while set, a whole-widget refresh is the title's: the top border row

    def __init__(
        self,
        lines: Sequence[CartLine] = (),
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._lines: list[CartLine] = []
        self._index_of: dict[int, int] = {}
        self._selected: int | None = None
        self._top = 0
        self._hidden_note = ""
        self._drawn_rows: dict[tuple[object, ...], Strip] = {}
        self._title: str | None = None
        self.border_title = "Sale"
        self.set_lines(lines)

    @property  # type: ignore[override]
    def border_title(self) -> str | None:
        """The title in the top border ("Sale (open)"). The screen sets it with every view: the same
        title changes nothing, and a new one redraws the top border row alone."""
        return _BORDER_TITLE.__get__(self, type(self))

    @border_title.setter
    def border_title(self, title: str | None) -> None:
        if title == self._title:
            return
        self._title = title
        self._title_changing = True
        try:
            _BORDER_TITLE.__set__(self, title)  # Textual's own, which repaints the whole widget ...
        finally:
            self._title_changing = False

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False,
                recompose: bool = False) -> Self:
        if self._title_changing and not (regions or layout or recompose):
            # ... unless told which rows: the top border, in content coordinates.
            left, top = self.content_offset
            regions = (Region(-left, -top, self.outer_size.width, 1),)
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    @property
    def lines(self) -> tuple[CartLine, ...]:
        return tuple(self._lines)

    @property
    def selected_index(self) -> int | None:
        """Index (0-based, in display order) of the selected line; None when the cart is empty."""
        return self._selected

    @property
    def selected_line(self) -> CartLine | None:
        return None if self._selected is None else self._lines[self._selected]

    @property
    def first_visible_index(self) -> int:
        """Index of the line drawn in the first row under the header."""
        return self._top

    @property
    def visible_rows(self) -> int:
        """How many lines fit under the header."""
        return max(self.content_size.height - 1, 0)

    def set_lines(self, lines: Sequence[CartLine]) -> None:
        """Show a whole cart (a recalled or reopened sale); the last sale line is selected (not a
        row of the sale such as a promotion's, so F4 still voids what was scanned last)."""
        self._lines = list(lines)
        self._index_of = {line.line_no: index for index, line in enumerate(self._lines)}
        self._selected = self._last_sale_line()
        self._top = 0
        self._drawn_rows.clear()
        self._scroll_to_selection()
        self._show_below_selection()
        self.refresh()

    def append_line(self, line: CartLine) -> None:
        """Add a line at the bottom and select it (the next F4 voids what was just scanned); a row
        of the sale (a discount's) is added below the selection, which stays."""
        if line.line_no in self._index_of:
            raise ValueError(f"cart line {line.line_no} is already shown")
        self._index_of[line.line_no] = len(self._lines)
        self._lines.append(line)
        if line.line_no > 0 or self._selected is None:
            self._move_selection(len(self._lines) - 1)
        elif self._show_below_selection():
            self.refresh()
        else:
            self._refresh_rows(len(self._lines) - 1)

    def _show_below_selection(self) -> bool:
        """Scroll down to the rows under the selection (its discounts) as far as the selection stays
        in view; whether the first visible line moved."""
        top, rows = self._top, self.visible_rows
        if self._selected is not None and rows > 0:
            self._top = max(min(len(self._lines) - rows, self._selected), self._top, 0)
        self._say_hidden(rows)
        return self._top != top

    def _last_sale_line(self) -> int | None:
        for index in range(len(self._lines) - 1, -1, -1):
            if self._lines[index].line_no > 0:
                return index
        return len(self._lines) - 1 if self._lines else None

    def replace_line(self, line: CartLine) -> None:
        """Redraw a line that changed (voided, new quantity), found by its line number."""
        try:
            index = self._index_of[line.line_no]
        except KeyError:
            raise ValueError(f"cart line {line.line_no} is not shown") from None
        replaced, self._lines[index] = self._lines[index], line
        for selected in (True, False):
            self._drawn_rows.pop((replaced, selected, self.content_size.width), None)
        self._refresh_rows(index)

    def clear(self) -> None:
        self.set_lines(())

    def select(self, index: int) -> None:
        """Select a line by index, clamped to the cart; does nothing on an empty cart."""
        if not self._lines:
            return
        self._move_selection(min(max(index, 0), len(self._lines) - 1))

    def select_previous(self) -> None:
        if self._selected is not None:
            self.select(self._selected - 1)

    def select_next(self) -> None:
        if self._selected is not None:
            self.select(self._selected + 1)

    def _move_selection(self, index: int) -> None:
        """Select ``index``; redraw the two rows that change, or everything if the cart scrolled."""
        previous, self._selected = self._selected, index
        if self._scroll_to_selection():
            self.refresh()
        else:
            self._refresh_rows(index, *(() if previous is None else (previous,)))

    def _scroll_to_selection(self) -> bool:
        """Bring the selection into view; whether the first visible line moved."""
        top, rows = self._top, self.visible_rows
        if self._selected is not None and rows > 0:
            if self._selected < self._top:
                self._top = self._selected
            elif self._selected >= self._top + rows:
                self._top = self._selected - rows + 1
        self._top = max(min(self._top, len(self._lines) - rows), 0)
        self._say_hidden(rows)
        return self._top != top

    def _say_hidden(self, rows: int) -> None:
        """The box's bottom edge says how many lines are scrolled out of view, above and below."""
        above = self._top if rows > 0 else 0
        below = max(len(self._lines) - self._top - rows, 0) if rows > 0 else 0
        parts = ([_("{count} more above").format(count=above)] if above else []) + (
            [_("{count} more below").format(count=below)] if below else [])
        subtitle = ", ".join(parts)
        if subtitle != self._hidden_note:  # changes only when the cart scrolls, which redraws it whole anyway
            self._hidden_note = self.border_subtitle = subtitle

    def _refresh_rows(self, *indexes: int) -> None:
        width = self.content_size.width
        self.refresh(*(Region(0, index - self._top + 1, width, 1) for index in indexes))

    def _on_resize(self, event: events.Resize) -> None:
        self._drawn_rows.clear()  # every row drawn was drawn for the old width
        self._scroll_to_selection()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._drawn_rows.clear()

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        index = self._top + y - 1
        if y == 0 or index >= len(self._lines):
            key = (y == 0, width)
        else:
            line = self._lines[index]
            key = (line, index == self._selected, width)
        strip = self._drawn_rows.get(key)
        if strip is None:
            strip = self._drawn_rows[key] = self._draw_row(y, index, width)
        return strip

    def _draw_row(self, y: int, index: int, width: int) -> Strip:
        base = self.base_style
        columns = CartColumns.for_width(width)
        if y == 0:
            text = columns.row(*(_(title) if title != "#" else title for title in self.HEADER))
            style = base + self.part_style("cart-view--header")
            return self._strip(text, style, width)
        if index >= len(self._lines):
            return Strip.blank(width, base)
        line = self._lines[index]
        number = str(line.line_no) if line.line_no > 0 else ""  # a row of the sale (a sale discount) has none
        text = columns.row(number, line_name(line, columns.name), line.qty, line.price, line.amount)
        style = base
        if line.voided:
            style += self.part_style("cart-view--voided")
        if index == self._selected:
            style += self.part_style("cart-view--selected")
        return self._strip(text, style, width)

    @staticmethod
    def _strip(text: str, style: Style, width: int) -> Strip:
        return Strip([Segment(text, style)]).crop_extend(0, width, style)
