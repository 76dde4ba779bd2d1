"""The answer to the cashier's last action: what happened, or what went wrong.

One line usually; a longer message wraps onto up to ``MAX_LINES`` lines (the box above it gives up
the rows), so nothing a cashier must act on is cut. Drawn with a capital first letter, whatever
case the message was built in ("unknown code 1234567" reads "Unknown code 1234567").
"""

from __future__ import annotations

from typing import Literal

from rich.segment import Segment
from rich.text import Text
from textual.geometry import Size
from textual.strip import Strip

from pos_tui.domain.display_width import wrap_cells
from pos_tui.domain.text import neutralise
from pos_tui.tui.widgets.kept_styles import KeptStyles

Level = Literal["info", "error"]
MAX_LINES = 3


def shown_text(text: str) -> str:
    """A message as the line draws it: one paragraph, a capital first letter."""
    text = neutralise(" ".join(text.split("\n")))
    return text[:1].upper() + text[1:]


# Chinese punctuation never starts a line (行首禁则): the character before it goes down with it.
NO_LINE_START = "，。；：、）》」』！？…,.;:)!?"


def message_lines(text: str, width: int) -> list[str]:
    """The lines a message takes at ``width`` cells (all of them: the widget grows to show them)."""
    rest, lines = shown_text(text), []
    width = max(width, 4)
    while rest:
        line = wrap_cells(rest, width)[0]
        following = rest[len(line):].lstrip(" ")
        while following[:1] in tuple(NO_LINE_START) and len(line) > 1 and not line[-1].isspace():
            line, following = line[:-1], line[-1] + following
        lines.append(line.rstrip(" "))
        rest = following
    return lines or [""]


class MessageLine(KeptStyles):
    """Shows one message; ``-error`` and ``-info`` classes let the theme style each level."""

    DEFAULT_CSS = """
    MessageLine {
        height: auto;
        max-height: 3;
        padding: 0 1;
    }
    MessageLine.-error {
        background: $error;
        color: $text;
        text-style: bold;
    }
    """

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._text = ""
        self._level: Level = "info"
        self._wrapped: tuple[str, int, list[str]] = ("", 0, [""])  # text, width, its lines

    @property
    def text(self) -> str:
        return self._text

    @property
    def level(self) -> Level:
        return self._level

    def info(self, text: str) -> None:
        """Say what just happened ("Added 可口可乐 330ml x 3")."""
        self._show(text, "info")

    def error(self, text: str) -> None:
        """Say what went wrong, in one line the cashier can act on."""
        self._show(text, "error")

    def clear(self) -> None:
        self._show("", "info")

    def _show(self, text: str, level: Level) -> None:
        # A message is one line: a newline in an error text must not push the layout.
        text = neutralise(" ".join(text.split("\n")))
        if (text, level) == (self._text, self._level) and self.has_class(f"-{level}"):
            return  # screens say the view's message each time they show it: the same words are not drawn again
        rows_before = self._height(self.content_size.width) if self.content_size.width else None
        self._text = text
        self._level = level
        self.set_class(level == "error", "-error")
        self.set_class(level == "info", "-info")
        # A new height moves the boxes above; a message of as many rows redraws this line alone, so a
        # scan's "Added ..." costs no layout pass of the screen.
        self.refresh(layout=rows_before != self._height(self.content_size.width))

    def lines(self, width: int) -> list[str]:
        """The message's lines at ``width`` cells (kept until the text or the width changes)."""
        text, wrapped_width, lines = self._wrapped
        if (text, wrapped_width) != (self._text, width):
            lines = message_lines(self._text, width)
            self._wrapped = (self._text, width, lines)
        return lines

    def _height(self, width: int) -> int:
        return min(len(self.lines(width)), MAX_LINES) if self._text and width else 1

    def render(self) -> Text:
        width = self.content_size.width or self.size.width or 80
        return Text("\n".join(self.lines(width)), no_wrap=True, overflow="ellipsis")

    def render_line(self, y: int) -> Strip:
        # One segment per row, drawn straight from the wrapped lines (no Text, no Content): the
        # line is redrawn on every scan.
        width = self.content_size.width
        lines = self.lines(width)
        style = self.base_style
        text = lines[y] if y < len(lines) else ""
        return Strip([Segment(text, style)]).crop_extend(0, width, style)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self._height(width)
