"""Text measured in terminal cells: CJK wide characters take two, combining marks none."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from pos_tui.domain.text import neutralise

_ZERO_WIDTH_CATEGORIES = {"Mn", "Me", "Cf", "Cc"}


@lru_cache(maxsize=8192)  # two Unicode table lookups per character, for every name drawn on each scan
def char_width(char: str) -> int:
    """Cells one character takes: 0 for combining marks, format and control characters, 2 for wide."""
    if unicodedata.category(char) in _ZERO_WIDTH_CATEGORIES:
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def cell_width(text: str) -> int:
    """Cells the text takes in a terminal or on a receipt."""
    if text.isascii() and text.isprintable():
        return len(text)
    return sum(char_width(char) for char in text)


def pad_cells(text: str, width: int, align: str = "left") -> str:
    """Pad with spaces to ``width`` cells ("left", "right" or "center"); wider text is left as it is.
    Control characters come out as a placeholder (``domain.text.neutralise``): padded text is drawn."""
    if not (text.isascii() and text.isprintable()):
        text = neutralise(text)
    gap = max(0, width - cell_width(text))
    if align == "left":
        return text + " " * gap
    if align == "right":
        return " " * gap + text
    if align == "center":
        return " " * (gap // 2) + text + " " * (gap - gap // 2)
    raise ValueError(f"align must be left, right or center, not {align!r}")


def truncate_cells(text: str, width: int) -> str:
    """Cut to at most ``width`` cells without splitting a wide character; a space fills a cell it leaves.
    Control characters come out as a placeholder, as in ``pad_cells``."""
    if width < 0:
        raise ValueError("width cannot be negative")
    if text.isascii() and text.isprintable():
        return text[:width]
    text = neutralise(text)
    used = 0
    for index, char in enumerate(text):
        size = char_width(char)
        if used + size > width:
            return text[:index] + " " * (width - used)
        used += size
    return text


def _tokens(text: str) -> list[str]:
    """Runs of spaces, runs of narrow non-space characters, and single wide characters (a line may
    break between any two wide characters); zero-width marks stay with the character before them."""
    tokens: list[str] = []
    kind = ""
    for char in text:
        size = char_width(char)
        if size == 0 and tokens:
            tokens[-1] += char
            continue
        this = "space" if char == " " else "wide" if size == 2 else "word"
        if tokens and this == kind and this != "wide":
            tokens[-1] += char
        else:
            tokens.append(char)
        kind = this
    return tokens


def _split_long(word: str, width: int) -> list[str]:
    pieces, piece = [], ""
    for char in word:
        if piece and cell_width(piece + char) > width:
            pieces.append(piece)
            piece = ""
        piece += char
    return pieces + [piece]


def wrap_cells(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` cells, broken at spaces or between wide characters; a word longer
    than a line is cut. Always at least one line ("" for empty text)."""
    if width < 2:
        raise ValueError("wrap width must be at least 2 cells")
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0
        for token in _tokens(paragraph):
            size = cell_width(token)
            if token.isspace():
                if used + size <= width:
                    line, used = line + token, used + size
                else:
                    lines.append(line.rstrip(" "))
                    line, used = "", 0
                continue
            if used + size > width and line:
                lines.append(line.rstrip(" "))
                line, used = "", 0
            if size > width:
                *full, token = _split_long(token, width)
                lines.extend(full)
                size = cell_width(token)
            line, used = line + token, used + size
        lines.append(line.rstrip(" "))
    return lines
