"""What every lane screen shares: the status header, the message line, the key line and F1 help.

A lane screen is a view: it renders the latest ``LaneView`` the app holds whenever it comes to the
front, and sends the cashier's intents to the app, which calls the lane. It knows the app only as a
``LaneHost``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.screen import Screen

from pos_tui.domain.permissions import role_name
from pos_tui.i18n import N_, _
from pos_tui.tui.keymap import KeyBinding
from pos_tui.tui.screen_size import SCREEN_CSS, TooSmall, fit
from pos_tui.tui.widgets.key_footer import KeyFooter
from pos_tui.tui.widgets.message_line import MessageLine
from pos_tui.tui.widgets.scan_entry import ScanEntry
from pos_tui.tui.widgets.status_header import StatusHeader

if TYPE_CHECKING:
    from pos_tui.services.lane import LaneView
    from pos_tui.tui.host import LaneHost


class LaneScreen(Screen[None]):
    """A screen of one lane state; ``KEYS`` names its part of the keymap ("items", "payment", ...).
    ``TITLE_TEXT`` and the ``ENTRY_HELP`` texts are msgids (marked with ``N_``), translated when shown."""

    KEYS: ClassVar[str]
    TITLE_TEXT: ClassVar[str]
    ENTRY_HELP: ClassVar[tuple[tuple[str, str], ...]] = ()
    # Too small a terminal: the notice, and the entry line, so a scan is never lost (see screen_size).
    DEFAULT_CSS = SCREEN_CSS.format(screen="LaneScreen") + "LaneScreen.-too-small > ScanEntry { display: block; }"

    @property
    def pos(self) -> LaneHost:
        return self.app  # type: ignore[return-value]

    def status_header(self) -> StatusHeader:
        store = self.pos.config.store
        header = StatusHeader(store.name, store.lane)
        if self.pos.config.server.url:
            header.follow_sync(self._sync_words)
        return header

    def _sync_words(self) -> tuple[str, bool] | None:
        lane = self.pos.lane
        sync = lane.sync if lane is not None else None
        return sync.status().words() if sync is not None else None

    def show_training(self, header: StatusHeader) -> None:
        """TRAINING first in a red top line while the shift is in training mode (nothing counts)."""
        store = self.pos.config.store
        training = self.pos.training
        header.set_class(training, "-training")
        header.set_store(_("TRAINING  {store}").format(store=store.name) if training else store.name, store.lane)

    def footer_keys(self) -> list[KeyBinding]:
        """Every key the screen answers to, for the key lines: its keymap part, then leaving the lane."""
        return [*self.pos.keymap.footer(self.KEYS), *self.leaving_keys()]

    def leaving_keys(self) -> list[KeyBinding]:
        if self.KEYS == "terminal":
            return []  # the lane is not left while the terminal has the customer's card
        return [KeyBinding(f"{self.KEYS}.quit", "ctrl+q", N_("Leave") if self.pos.kiosk else N_("Quit"))]

    def key_footer(self) -> KeyFooter:
        return KeyFooter(self.footer_keys())

    def _on_mount(self, event: events.Mount) -> None:
        entries = self.query(ScanEntry)
        self.mount(TooSmall(), before=entries.first() if entries else None)  # the entry line stays under it
        fit(self)

    def on_resize(self, event: events.Resize) -> None:
        fit(self)

    def on_screen_resume(self) -> None:
        fit(self)
        if self.pos.view is not None:  # None only while the lane opens, just after the first frame
            self.render_view(self.pos.view)
        typed, self.pos.typed_after_sign_in[:] = list(self.pos.typed_after_sign_in), []
        if typed:
            self.enter_typed_after_sign_in(typed)

    def enter_typed_after_sign_in(self, typed: list[str]) -> None:
        """Lines scanned straight after a PIN, before this screen came up: only the items screen
        sells them; any other screen (a sale reopened at payment) lets them go."""

    def render_view(self, view: LaneView) -> None:
        """Show a lane snapshot; screens extend this with their own widgets."""
        header = self.query_one(StatusHeader)
        self.show_training(header)
        header.set_cashier(view.user or "", role_name(view.role) if view.role else "")
        for device, (state, ok) in self.pos.device_states.items():
            header.set_device(device, state, ok)
        self.say(view.message, error=view.message_is_error)

    def say(self, text: str, *, error: bool = False) -> None:
        line = self.query_one(MessageLine)
        if error:
            line.error(text)
        else:
            line.info(text)

    def help_rows(self) -> list[tuple[str, str]]:
        from pos_tui.tui.format import help_rows  # with the cart's rows: the sign-in screen draws without them

        return help_rows(self.pos.keymap.for_screen(self.KEYS), self.ENTRY_HELP, closing=[self.pos.quit_help()])

    def action_help(self) -> None:
        from pos_tui.tui.screens.modals import HelpModal  # boxes load after the first frame, when first opened

        self.app.push_screen(HelpModal(_("Keys: {screen}").format(screen=_(self.TITLE_TEXT)), self.help_rows()))
