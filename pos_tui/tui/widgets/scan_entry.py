"""The lane's one-line entry: scanner bursts and typed codes, strictly in arrival order.

Textual's stock ``Input`` submits through a binding, and bindings run only when the
Enter key has bubbled up to the App: by then the characters of the next scan, already
queued, have been typed into the same value (textual #6605). Here every key the entry
cares about is handled by one handler, in the order the terminal delivered it, and no
binding is involved.
"""

from __future__ import annotations

import asyncio

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.message import Message
from textual.widget import Widget

SUBMIT_KEYS = frozenset({"enter", "ctrl+j"})
CURSOR = "_"
# A scanner's burst is over in a few milliseconds; drawing the code digit by digit would spend
# frames (and push the cart line's frame back) on text the Enter clears at once. Typed keys show
# this much later, well under what a person can notice. The wait is a plain event-loop timer, not a
# Textual one: that would start a task, and wake this widget's queue, on every scan.
ECHO_DELAY = 0.01


class ScanEntry(Widget, can_focus=True):
    """Collects printable characters; Enter submits them as one entry.

    Printable characters append, Backspace deletes the last one, Escape clears a
    non-empty entry (an empty entry lets Escape through to the screen, where it
    means "back" or "cancel"). Enter (CR) or a line feed submits; the LF of a CR LF
    suffix is swallowed. Every other key bubbles on untouched.
    """

    DEFAULT_CSS = """
    ScanEntry {
        height: 1;
        width: 1fr;
    }
    """

    class Submitted(Message):
        """The cashier or the scanner ended an entry with Enter."""

        ALLOW_SELECTOR_MATCH = {"entry"}

        def __init__(self, entry: ScanEntry, value: str) -> None:
            super().__init__()
            self.entry = entry
            self.value = value

        @property
        def control(self) -> ScanEntry:
            return self.entry

    def __init__(
        self,
        prompt: str = "> ",
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._prompt = prompt
        self._chars: list[str] = []
        self._last_key_was_cr = False
        self._echo: asyncio.TimerHandle | None = None
        self._drawn: str | None = None  # the line as last drawn

    @property
    def value(self) -> str:
        """What has been entered since the last submit or clear."""
        return "".join(self._chars)

    @property
    def prompt(self) -> str:
        return self._prompt

    def set_prompt(self, prompt: str) -> None:
        """Change the text drawn before the entry (e.g. "PIN> ")."""
        if prompt != self._prompt:
            self._prompt = prompt
            self._draw_now()

    def clear(self) -> None:
        """Empty the entry without submitting it."""
        self._chars.clear()
        self._draw_now()

    def _draw_soon(self) -> None:
        """Draw what was typed once the keys arriving together are all in (see ECHO_DELAY)."""
        if self._echo is None:
            self._echo = asyncio.get_running_loop().call_later(ECHO_DELAY, self._draw_now)

    def _draw_now(self) -> None:
        if self._echo is not None:
            self._echo.cancel()
            self._echo = None
        if not self.is_attached:
            return
        if self._line() != self._drawn:
            # A scanner's burst and its Enter leave the line as it was drawn: nothing to send.
            self.refresh()

    async def _on_key(self, event: events.Key) -> None:
        if self._handle_key(event.key, event.character):
            event.stop()
            event.prevent_default()

    def take_key(self, event: events.Key) -> bool:
        """Take a character or Enter straight from the app, before it is forwarded here: a scan's 14
        keys then skip a message queue each. Only when no key is still queued here (order holds) and
        only keys this entry always takes; False: forward it as usual."""
        key, character = event.key, event.character
        if self.message_queue_size or not (key in SUBMIT_KEYS or (
                character is not None and len(character) == 1 and character.isprintable())):
            return False
        return self._handle_key(key, character)

    async def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()
        for char in event.text:
            if char == "\r":
                self._handle_key("enter", char)
            elif char == "\n":
                self._handle_key("ctrl+j", char)
            elif char.isprintable():
                self._handle_key(char, char)

    def _handle_key(self, key: str, character: str | None) -> bool:
        """Apply one key to the entry; return whether it was the entry's to handle."""
        after_cr = self._last_key_was_cr
        self._last_key_was_cr = key == "enter"
        if key in SUBMIT_KEYS:
            if key == "ctrl+j" and after_cr:
                return True
            self._submit()
            return True
        if character is not None and len(character) == 1 and character.isprintable():
            self._chars.append(character)
            self._draw_soon()
            return True
        if key == "backspace":
            if self._chars:
                self._chars.pop()
                self._draw_soon()
            return True
        if key == "escape" and self._chars:
            self.clear()
            return True
        return False

    def _submit(self) -> None:
        message = self.Submitted(self, self.value)
        self._chars.clear()
        # A scanner's burst was never drawn, so the emptied line is the one on screen: nothing to
        # draw, no echo left waiting. Typed keys already drawn are cleared in the frame that shows
        # the screen's answer to the entry (a cart line).
        self._draw_now()
        # Posting to our own queue would put the message behind keys that are already
        # queued here (an F10 right after a scan would reach the screen first). The
        # parent's queue is where the next bubbled key will land, so order holds.
        target = self.parent if self.parent is not None else self
        target.post_message(message)

    def enter_code(self, value: str) -> None:
        """A code from elsewhere (the serial scanner), entered as if typed and Enter pressed, in
        order with the keys already queued; what the cashier has typed so far stays."""
        target = self.parent if self.parent is not None else self
        target.post_message(self.Submitted(self, value))

    def _line(self) -> str:
        value = self.value
        cursor = CURSOR if self.has_focus else " "
        room = max(self.content_size.width - cell_len(self._prompt) - 1, 1)
        while cell_len(value) > room:
            # Keep the tail visible: it is what was typed last.
            value = value[1:]
        return f"{self._prompt}{value}{cursor}"

    def render(self) -> Text:
        self._drawn = self._line()
        return Text(self._drawn, no_wrap=True, overflow="crop")

    def _on_focus(self, event: events.Focus) -> None:
        self.refresh()

    def _on_blur(self, event: events.Blur) -> None:
        self.refresh()

    def _on_unmount(self, event: events.Unmount) -> None:
        if self._echo is not None:
            self._echo.cancel()
            self._echo = None
