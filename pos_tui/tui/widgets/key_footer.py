"""The bottom lines: every key of the current screen, in keymap order, on one row or two."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

from pos_tui.i18n import translated
from pos_tui.tui.keymap import PAY_KEYS, KeyBinding

MAX_ROWS = 2


class KeyFooter(Widget):
    """Shows "F1 Help F2 Find ..."; hints that do not fit the first row go on a second one (never
    cut). When two rows cannot hold them all, keys are left out whole from the end of the keymap, but
    never the keys to pay (``PAY_KEYS``). Labels are msgids, translated when drawn."""

    COMPONENT_CLASSES = {"key-footer--key"}

    DEFAULT_CSS = """
    KeyFooter {
        height: auto;
        max-height: 2;
        padding: 0 1;
    }
    KeyFooter > .key-footer--key { text-style: bold; }
    """

    def __init__(
        self,
        keys: Sequence[KeyBinding] = (),
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._keys: tuple[KeyBinding, ...] = tuple(keys)

    @property
    def keys(self) -> tuple[KeyBinding, ...]:
        return self._keys

    def show_keys(self, keys: Sequence[KeyBinding]) -> None:
        """Show another screen's keys (pass ``keymap.footer(screen)``)."""
        self._keys = tuple(keys)
        self.refresh()

    def rows(self, width: int) -> list[Text]:
        """The hints laid out in rows of at most ``width`` cells (at most ``MAX_ROWS``)."""
        key_style = self.get_component_rich_style("key-footer--key", partial=True) if self.is_mounted else ""
        hints = [(binding.action in PAY_KEYS, Text.assemble((binding.display_key, key_style), " ",
                                                            translated(binding.label)))
                 for binding in self._keys]
        rows = _laid_out([hint for _pinned, hint in hints], width)
        while len(rows) > MAX_ROWS:
            # Leave out the last key that is not one to pay, and lay out again.
            last = max((i for i, (pinned, _hint) in enumerate(hints) if not pinned), default=None)
            if last is None:
                break
            del hints[last]
            rows = _laid_out([hint for _pinned, hint in hints], width)
        return rows[:MAX_ROWS]

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self.rows(width))

    def render(self) -> Text:
        return Text("\n").join(self.rows(self.content_size.width))


def _laid_out(hints: list[Text], width: int) -> list[Text]:
    """Hints in rows of at most ``width`` cells, as many rows as they take; one wider than a row is left out."""
    rows = [Text(no_wrap=True, overflow="crop")]
    for hint in hints:
        if hint.cell_len > width:
            continue
        text = rows[-1]
        separator = " " if text.cell_len else ""
        if text.cell_len + cell_len(separator) + hint.cell_len > width:
            rows.append(Text(no_wrap=True, overflow="crop"))
            text, separator = rows[-1], ""
        text.append(separator)
        text.append_text(hint)
    return rows
