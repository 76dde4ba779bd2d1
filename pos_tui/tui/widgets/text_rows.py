"""Rows of plain text (the payment screen's figures), redrawn row by row.

A ``Static`` repaints all of itself on every ``update``: its whole box goes to the terminal again
when one figure changes. Here each row is drawn on demand (Textual's line API) and ``update``
redraws only the rows whose text changed. Rows are not wrapped: a row wider than the box is cut.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget


class TextRows(Widget):
    """Text shown one line per row, as ``Static`` shows a string without markup."""

    def __init__(
        self,
        text: str = "",
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._rows: list[str] = text.split("\n")

    @property
    def rows(self) -> tuple[str, ...]:
        return tuple(self._rows)

    def update(self, text: str) -> None:
        """Show ``text``, one line per row; only the rows that differ from what is shown are redrawn."""
        rows = text.split("\n")
        shown, self._rows = self._rows, rows
        changed = [y for y in range(max(len(rows), len(shown)))
                   if y >= len(rows) or y >= len(shown) or rows[y] != shown[y]]
        if changed:  # a refresh without regions would redraw every row
            width = self.content_size.width
            # A new number of rows changes the height an auto-sized box wants.
            self.refresh(*(Region(0, y, width, 1) for y in changed), layout=len(rows) != len(shown))

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return max(map(cell_len, self._rows), default=0)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._rows)

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        style = self.rich_style
        if y >= len(self._rows):
            return Strip.blank(width, style)
        # Past the text only the background shows, as Static pads its lines.
        return Strip([Segment(self._rows[y], style)]).crop(0, width).extend_cell_length(width, Style(bgcolor=style.bgcolor))
