"""A box that asks one or more lines in turn (a PIN drawn as stars), then hands them over.

``submit(answers)`` does the work; what it returns closes the box, a refusal shows in the box's
message line and the questions start again, so nothing half-typed is ever used.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from pos_tui.domain.text import neutralise
from pos_tui.i18n import N_, _
from pos_tui.services.errors import USER_ERRORS
from pos_tui.tui.screens.modals import LaneModal
from pos_tui.tui.widgets.message_line import MessageLine
from pos_tui.tui.widgets.pin_entry import PinEntry
from pos_tui.tui.widgets.scan_entry import ScanEntry

T = TypeVar("T")


@dataclass(frozen=True)
class Question:
    prompt: str
    masked: bool = False


class PromptModal(LaneModal[T]):
    BINDINGS = [Binding("escape", "close", N_("Cancel"), show=False)]

    def __init__(self, title: str, questions: Sequence[Question], submit: Callable[[list[str]], T],
                 hint: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.questions = tuple(questions)
        self.submit = submit
        self.hint = hint
        self.answers: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = neutralise(self.title_text)  # it names a product or a user
            box.border_subtitle = _("Esc cancels")
            if self.hint:
                yield Static(neutralise(self.hint), classes="hint")
            first = self.questions[0]
            yield PinEntry(first.prompt, masked=first.masked, id="entry")
            yield MessageLine()

    def on_mount(self) -> None:
        self.query_one(PinEntry).focus()

    def on_scan_entry_submitted(self, message: ScanEntry.Submitted) -> None:
        message.stop()
        self.answers.append(message.value)
        entry = self.query_one(PinEntry)
        if len(self.answers) < len(self.questions):
            question = self.questions[len(self.answers)]
            entry.ask(question.prompt, masked=question.masked)
            return
        answers, self.answers = self.answers, []
        try:
            result = self.submit(answers)
        except USER_ERRORS as exc:
            self.query_one(MessageLine).error(str(exc))
            first = self.questions[0]
            entry.ask(first.prompt, masked=first.masked)
            return
        self.dismiss(result)

    def action_close(self) -> None:
        self.dismiss(None)
