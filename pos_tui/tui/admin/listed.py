"""An area of the back office that lists records one a row under a heading, Up/Down choosing one
(users, promotions, members): the list, reloading it with the chosen row kept, and the chosen record."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from pos_tui.i18n import _
from pos_tui.tui.admin.screen import AdminScreen
from pos_tui.tui.widgets.message_line import MessageLine


class ListedScreen(AdminScreen):
    BOX_TITLE: ClassVar[str] = ""  # a msgid (N_), translated when drawn
    LIST_ID: ClassVar[str] = "rows"

    def __init__(self) -> None:
        super().__init__()
        self.found: list[Any] = []

    # what each area says
    def load(self) -> list[Any]:
        raise NotImplementedError

    def heading(self) -> str:
        raise NotImplementedError

    def row(self, record: Any) -> str:
        raise NotImplementedError

    def code(self, record: Any) -> str:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        yield self.status_header()
        with Vertical(id="body") as box:
            box.border_title = _(self.BOX_TITLE)
            box.border_subtitle = _("Up/Down choose")
            yield Static(self.heading(), classes="heading")
            yield OptionList(id=self.LIST_ID)
        yield MessageLine()
        yield self.key_footer()

    def reload(self, keep: str | None = None) -> None:
        """The records read again; the row of ``keep`` (a record's code) stays chosen if it is there."""
        self.found = self.attempt(self.load) or []
        listing = self.query_one(OptionList)
        listing.clear_options()
        listing.add_options(Option(self.row(record), id=self.code(record)) for record in self.found)
        if self.found:
            codes = [self.code(record) for record in self.found]
            listing.highlighted = codes.index(keep) if keep in codes else 0

    @property
    def selected(self) -> Any:
        index = self.query_one(OptionList).highlighted
        return self.found[index] if index is not None and index < len(self.found) else None

    def action_move(self, step: int) -> None:
        listing = self.query_one(OptionList)
        if listing.option_count:
            listing.highlighted = min(max((listing.highlighted or 0) + step, 0), listing.option_count - 1)
