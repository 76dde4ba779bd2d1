"""The entry line that asks for a user's name, then their PIN drawn as stars: the sign-in screen's, a
supervisor's approval box's and the back office's."""

from __future__ import annotations

from rich.text import Text

from pos_tui.tui.widgets.scan_entry import CURSOR, ScanEntry


class PinEntry(ScanEntry):
    """The entry line, drawing a star for each character while ``masked`` (a PIN)."""

    def __init__(self, prompt: str = "> ", *, masked: bool = False, id: str | None = None) -> None:
        super().__init__(prompt, id=id)
        self._masked = masked

    @property
    def masked(self) -> bool:
        return self._masked

    def ask(self, prompt: str, *, masked: bool) -> None:
        """Ask for something else ("PIN> ", masked). What is in the entry stays: Enter emptied it, so it
        was typed after the Enter, for this prompt (a PIN typed while the lane was still opening);
        but what was typed at a masked prompt is never shown in clear."""
        if self._masked and not masked:
            self.clear()
        self._masked = masked
        self.set_prompt(prompt)

    def render(self) -> Text:
        if not self._masked:
            return super().render()
        cursor = CURSOR if self.has_focus else " "
        return Text(f"{self.prompt}{'*' * len(self.value)}{cursor}", no_wrap=True, overflow="crop")
