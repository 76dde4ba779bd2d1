"""The change to hand back, drawn large (three rows of ASCII digits) from the end of a sale until the
next sale starts, so the cashier reads it at a glance whatever the message line says meanwhile.

Only ASCII and the currency symbol: the Linux console's font draws them (no box or block glyphs).
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from pos_tui.domain.display_width import cell_width, pad_cells

_FONT = {
    "0": (" _ ", "| |", "|_|"), "1": ("   ", "  |", "  |"), "2": (" _ ", " _|", "|_ "),
    "3": (" _ ", " _|", " _|"), "4": ("   ", "|_|", "  |"), "5": (" _ ", "|_ ", " _|"),
    "6": (" _ ", "|_ ", "|_|"), "7": (" _ ", "  |", "  |"), "8": (" _ ", "|_|", "|_|"),
    "9": (" _ ", "|_|", " _|"),
}


def big_text(text: str) -> tuple[str, str, str]:
    """``text`` in three rows: digits as seven-segment figures, anything else (the symbol, the point)
    as itself on the bottom row."""
    rows = ["", "", ""]
    for char in text:
        glyph = _FONT.get(char)
        if glyph is None:
            blank = " " * cell_width(char)
            glyph = (blank, blank, char)
        for i in range(3):
            rows[i] += glyph[i] + " "
    return rows[0].rstrip(), rows[1].rstrip(), rows[2].rstrip()


class ChangeBanner(Widget):
    """"CHANGE" and the amount in big figures; hidden while there is no change to show."""

    DEFAULT_CSS = """
    ChangeBanner {
        height: 3;
        padding: 0 1;
        display: none;
        color: ansi_bright_yellow;
        text-style: bold;
    }
    ChangeBanner.-shown { display: block; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._label = ""
        self._amount = ""

    @property
    def amount(self) -> str:
        return self._amount

    def show_change(self, label: str, amount: str) -> None:
        """Show ``amount`` (already formatted, with its symbol) under ``label``; "" hides the banner."""
        if (label, amount) == (self._label, self._amount):
            return
        self._label, self._amount = label, amount
        self.set_class(bool(amount), "-shown")
        self.refresh()

    def render(self) -> Text:
        if not self._amount:
            return Text()
        rows = big_text(self._amount)
        width = max(cell_width(self._label), 6) + 2
        labels = ("", self._label, "")
        return Text("\n".join(pad_cells(label, width) + row for label, row in zip(labels, rows)), no_wrap=True)
