"""Text from outside (a CSV cell, a typed name, a config string) kept away from terminals and printers.

``check_text`` refuses control characters at the door, naming where the first one is; for rows
written before the door was shut, every place that draws or prints text replaces them: on a screen
with ``neutralise``, on paper or a customer display with ``neutralise_for_paper``. Refused: C0
controls (NUL, BEL, ESC, newline, tab ...), DEL, C1 controls (U+0080-U+009F, which some terminals
obey like ESC sequences), the line and paragraph separators, and the bidi marks, embeddings,
overrides and isolates that make a name read in another order than it is stored.

The two replacements differ because their media do: a terminal draws U+FFFD, a mark that the text
held something else; a printer's or display's code page has no such character (it would be
dropped, and the name read as if nothing were there), so paper gets "?" -- and there a tab or line
break pasted from a spreadsheet becomes a space, so the words of a name stay apart on the receipt.
"""

from __future__ import annotations

import re

from pos_tui.domain.errors import DomainError
from pos_tui.i18n import _

PLACEHOLDER = "\ufffd"
PAPER_PLACEHOLDER = "?"
_BREAKS = frozenset("\t\n\v\f\r\x85\u2028\u2029")  # between two words on paper: a space
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMES = {0x00: "NUL", 0x07: "BEL", 0x08: "BS", 0x09: "TAB", 0x0A: "LF", 0x0D: "CR", 0x1B: "ESC", 0x7F: "DEL",
          0x9B: "CSI", 0x9D: "OSC"}


class TextError(DomainError):
    """Text holding a control character; ``line`` and ``column`` (1-based) say where the first one is."""

    def __init__(self, field: str, char: str, line: int, column: int) -> None:
        self.field, self.char, self.line, self.column = field, char, line, column
        self.code = f"U+{ord(char):04X}" + (f" ({_NAMES[ord(char)]})" if ord(char) in _NAMES else "")
        super().__init__(_("{field}: control character {code} at line {line}, column {column}").format(
            field=field, code=self.code, line=line, column=column))

    @property
    def at_column(self) -> str:
        """Where, for a message that already names the line and field: "control character ... at column 6"."""
        return _("control character {code} at column {column}").format(code=self.code, column=self.column)


def first_control(value: str) -> int | None:
    """The index of the first refused character in ``value``, or None."""
    found = _CONTROLS.search(value)
    return found.start() if found else None


def check_text(value: str, field: str) -> str:
    """``value`` unchanged, or TextError naming ``field`` and the line and column of the first control."""
    index = first_control(value)
    if index is None:
        return value
    line = value.count("\n", 0, index) + 1
    column = index - (value.rfind("\n", 0, index) + 1) + 1
    raise TextError(field, value[index], line, column)


def neutralise(text: str) -> str:
    """``text`` for a screen: every refused character replaced by a visible placeholder (U+FFFD)."""
    return _CONTROLS.sub(PLACEHOLDER, text) if _CONTROLS.search(text) else text


def _for_paper(found: re.Match[str]) -> str:
    return " " if found.group() in _BREAKS else PAPER_PLACEHOLDER


def neutralise_for_paper(text: str) -> str:
    """``text`` for a printer or customer display: a tab or line break becomes a space, every other
    refused character "?" (a name pasted from a spreadsheet must not stop a receipt)."""
    return _CONTROLS.sub(_for_paper, text) if _CONTROLS.search(text) else text
