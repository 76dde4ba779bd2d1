"""One line of sale figures: "Items 5   Subtotal 33.50   Tax 3.85   TOTAL ¥33.50"."""

from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from pos_tui.domain.display_width import cell_width
from pos_tui.i18n import _
from pos_tui.tui.widgets.kept_styles import KeptStyles


class TotalsBar(KeptStyles):
    """Labelled figures spread over the line; the last one (the total) is emphasised and right-aligned.

    The screen formats the money; the same bar shows "Due / Paid / Balance" on payment.
    """

    COMPONENT_CLASSES = {"totals-bar--label", "totals-bar--total"}

    DEFAULT_CSS = """
    TotalsBar {
        height: 1;
        padding: 0 1;
    }
    TotalsBar > .totals-bar--total { text-style: bold; }
    """

    def __init__(
        self,
        figures: Sequence[tuple[str, str]] = (),
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._figures: tuple[tuple[str, str], ...] = tuple(figures)

    @property
    def figures(self) -> tuple[tuple[str, str], ...]:
        return self._figures

    def set_figures(self, figures: Sequence[tuple[str, str]]) -> None:
        """Show (label, value) pairs; the last pair is the emphasised total. Redrawn only if they changed."""
        figures = tuple(figures)
        if figures != self._figures:
            self._figures = figures
            self.refresh()

    def set_totals(self, items: str, subtotal: str, tax: str, total: str) -> None:
        """The item screen's figures."""
        self.set_figures(((_("Items"), items), (_("Subtotal"), subtotal), (_("Tax"), tax), (_("TOTAL"), total)))

    def pieces(self, width: int) -> list[tuple[str, Style | None]]:
        """The line as (text, style) pieces at ``width`` cells; None: the bar's own style."""
        if not self._figures:
            return []
        *others, (total_label, total_value) = self._figures
        total = f"{total_label}  {total_value}"
        # The total is never cut: on a narrow line the first figures give way to it.
        while others and sum(cell_width(f"{label} {value}") + 2 for label, value in others) + cell_width(total) > width:
            others.pop(0)
        cells = [f"{label} {value}" for label, value in others]
        room = width - cell_width(total)
        column = max((room // len(cells)) if cells else 0, 0)
        fits = all(cell_width(cell) < column for cell in cells)
        label_style = self.part_style("totals-bar--label")
        pieces: list[tuple[str, Style | None]] = []
        used = 0
        for (label, value), cell in zip(others, cells):
            filler = " " * (column - cell_width(cell)) if fits else "  "
            pieces += [(label, label_style), (f" {value}{filler}", None)]
            used += cell_width(cell) + len(filler)
        pieces.append((" " * max(width - used - cell_width(total), 0), None))
        pieces.append((total, self.part_style("totals-bar--total")))
        return pieces

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="crop")
        for piece, style in self.pieces(self.content_size.width):
            text.append(piece, style)
        return text

    def render_line(self, y: int) -> Strip:
        # Segments straight from the pieces (no Text, no Content): the bar is redrawn on every scan.
        width = self.content_size.width
        base = self.base_style
        segments = [Segment(piece, base if style is None else base + style)
                    for piece, style in self.pieces(width)] if y == 0 else []
        return Strip(segments).crop_extend(0, width, base)
