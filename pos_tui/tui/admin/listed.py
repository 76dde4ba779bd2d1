"""Areas of the back office that are one list under a heading, Up/Down choosing a row: the list
itself (held sales, unknown payments) and, for lists of records (users, promotions, members),
reloading it with the chosen row kept and the chosen record."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from pos_tui.i18n import _
from pos_tui.tui.admin.screen import AdminScreen
from pos_tui.tui.widgets.message_line import MessageLine


class ListScreen(AdminScreen):
    """An area that is one list with a heading (``LIST_ID``) under the box ``BOX_TITLE``; Up/Down
    choose. ``action_reload`` fills it when it is shown."""

    BOX_TITLE: ClassVar[str] = ""  # a msgid (N_), translated when drawn
    LIST_ID: ClassVar[str] = "rows"

    def heading(self) -> str:
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

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.action_reload()

    def action_reload(self) -> None:
        raise NotImplementedError

    def fill(self, rows: list[tuple[str, str]], keep: str | None = None) -> None:
        """The list's rows as (id, text); the row ``keep`` (an id) stays chosen if it is there, else the first."""
        listing = self.query_one(OptionList)
        listing.clear_options()
        listing.add_options(Option(text, id=key) for key, text in rows)
        if rows:
            keys = [key for key, _text in rows]
            listing.highlighted = keys.index(keep) if keep in keys else 0

    def action_move(self, step: int) -> None:
        listing = self.query_one(OptionList)
        if listing.option_count:
            listing.highlighted = min(max((listing.highlighted or 0) + step, 0), listing.option_count - 1)


class ListedScreen(ListScreen):
    """A list of records (users, promotions, members): reloading it keeps the chosen record's row."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[Any] = []

    # what each area says
    def load(self) -> list[Any]:
        raise NotImplementedError

    def row(self, record: Any) -> str:
        raise NotImplementedError

    def code(self, record: Any) -> str:
        raise NotImplementedError

    def reload(self, keep: str | None = None) -> None:
        """The records read again; the row of ``keep`` (a record's code) stays chosen if it is there."""
        self.found = self.attempt(self.load) or []
        self.fill([(self.code(record), self.row(record)) for record in self.found], keep)

    @property
    def selected(self) -> Any:
        index = self.query_one(OptionList).highlighted
        return self.found[index] if index is not None and index < len(self.found) else None
