"""What every back-office screen shares with the lane's: the status header, the message line and
the key line, drawn by the same widgets in the same 16-colour theme.

Each screen lists its command keys once (``KEYS``); they become its Textual bindings, its key
line and its F1 help. A screen knows the app only as an ``OfficeHost``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from textual.binding import Binding
from textual.screen import Screen

from pos_tui.domain.permissions import role_name
from pos_tui.i18n import _, translated
from pos_tui.services.back_office import BackOffice
from pos_tui.services.errors import USER_ERRORS
from pos_tui.tui.keymap import KeyBinding, display_key
from pos_tui.tui.screens.modals import HelpModal
from pos_tui.tui.widgets.key_footer import KeyFooter
from pos_tui.tui.widgets.message_line import MessageLine
from pos_tui.tui.widgets.status_header import StatusHeader

if TYPE_CHECKING:
    from pos_tui.services.store_office import StoreOffice

T = TypeVar("T")


class OfficeHost(Protocol):
    """What the back office's screens use of the app that shows them (``AdminApp`` is the one)."""

    office: BackOffice | StoreOffice

    def signed_in(self) -> None: ...

    def sign_out(self) -> None: ...

    def open_area(self, area: str) -> None: ...

    def start_backup(self) -> object: ...

    def start_device_check(self) -> object: ...


def keys(*rows: tuple[str, str, str] | tuple[str, str, str, bool]) -> tuple[KeyBinding, ...]:
    """(key, action, label[, in the key line]) rows as bindings; the action is the screen's
    ``action_<name>``, with arguments if it has any ("open('users')"). Labels are msgids marked
    with ``N_``: the key line and the help translate them when drawn."""
    return tuple(KeyBinding(f"admin.{row[1]}", row[0], row[2], *row[3:]) for row in rows)


def bindings(rows: Sequence[KeyBinding]) -> list[Binding]:
    return [Binding(row.key, row.name, row.label, show=False) for row in rows]


class AdminScreen(Screen[None]):
    """One area of the back office; ``TITLE_TEXT`` heads its help. ``TITLE_TEXT`` and the
    ``ENTRY_HELP`` rows are msgids (marked with ``N_``), translated when shown."""

    KEYS: ClassVar[tuple[KeyBinding, ...]] = ()
    TITLE_TEXT: ClassVar[str] = ""
    ENTRY_HELP: ClassVar[tuple[tuple[str, str], ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Before Textual's own hook, which merges the class's bindings once, here.
        if "KEYS" in cls.__dict__:
            cls.BINDINGS = [*bindings(cls.KEYS), *cls.__dict__.get("BINDINGS", [])]
        super().__init_subclass__(**kwargs)

    @property
    def admin(self) -> OfficeHost:
        return self.app  # type: ignore[return-value]

    @property
    def office(self) -> BackOffice | StoreOffice:
        return self.admin.office

    def status_header(self) -> StatusHeader:
        store = self.office.config.store
        header = StatusHeader(store.name, 0 if self.office.store_wide else store.lane)
        operator = self.office.operator
        header.set_cashier(operator.name if operator else "", role_name(operator.role) if operator else "")
        return header

    def key_footer(self) -> KeyFooter:
        return KeyFooter([row for row in self.KEYS if row.footer])

    def say(self, text: str, *, error: bool = False) -> None:
        line = self.query_one(MessageLine)
        if error:
            line.error(text)
        else:
            line.info(text)

    def attempt(self, intent: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """Call a back-office method; a refusal becomes one line in the message line and None."""
        try:
            return intent(*args, **kwargs)
        except USER_ERRORS as exc:
            self.say(str(exc), error=True)
            return None

    def action_help(self) -> None:
        rows = [*((_(key), _(what)) for key, what in self.ENTRY_HELP),
                *((display_key(k.key), translated(k.label)) for k in self.KEYS)]
        self.app.push_screen(HelpModal(_("Keys: {screen}").format(screen=_(self.TITLE_TEXT)), rows))

    def action_back(self) -> None:
        """Esc: back to the menu."""
        self.app.pop_screen()

