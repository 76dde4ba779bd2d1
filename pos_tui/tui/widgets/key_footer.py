"""The bottom line: the keys of the current screen, as many as fit, in keymap order."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widget import Widget

from pos_tui.i18n import _
from pos_tui.tui.keymap import PAY_KEYS, KeyBinding


class KeyFooter(Widget):
    """Shows "F1 Help F2 Find ..."; a hint that does not fit is left out whole, never cut, and the
    keys to pay (``PAY_KEYS``) are never the ones left out. Labels are msgids, translated each time
    the line is drawn."""

    COMPONENT_CLASSES = {"key-footer--key"}

    DEFAULT_CSS = """
    KeyFooter {
        height: 1;
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

    def render(self) -> Text:
        width = self.content_size.width
        key_style = self.get_component_rich_style("key-footer--key", partial=True)
        hints = [(binding.action in PAY_KEYS, Text.assemble((binding.display_key, key_style), " ", _(binding.label)))
                 for binding in self._keys]
        # The keys to pay first; what is left of the line goes to the others, in keymap order.
        room = width + 1 - sum(hint.cell_len + 1 for pinned, hint in hints if pinned)  # a space after each but the last
        shown = []
        for pinned, hint in hints:
            if not pinned:
                if hint.cell_len + 1 > room:
                    room = -1  # left out, and so is every key after it: the line keeps its order
                    continue
                room -= hint.cell_len + 1
            shown.append(hint)
        text = Text(no_wrap=True, overflow="crop")
        for hint in shown:
            if text.cell_len:
                text.append(" ")
            text.append_text(hint)
        return text
