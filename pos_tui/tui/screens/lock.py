"""LOCKED: nobody is signed in. One entry line asks for the user name, then the PIN (masked)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from pos_tui.domain.checkout import State
from pos_tui.i18n import N_, _
from pos_tui.tui.keymap import DEFAULT_KEYMAP
from pos_tui.tui.screens.lane_screen import LaneScreen
from pos_tui.tui.widgets.message_line import MessageLine
from pos_tui.tui.widgets.pin_entry import PinEntry
from pos_tui.tui.widgets.scan_entry import ScanEntry

if TYPE_CHECKING:
    from pos_tui.services.lane import LaneView

USER_PROMPT = N_("User> ")


class LockScreen(LaneScreen):
    KEYS = "lock"
    TITLE_TEXT = N_("sign in")
    ENTRY_HELP = (
        ("Enter", N_("after the user name, then after the PIN")),
        ("Esc", N_("clear the line; on an empty PIN line: back to the user name")),
    )
    BINDINGS = [*DEFAULT_KEYMAP.textual_bindings("lock"), Binding("escape", "restart", show=False)]

    DEFAULT_CSS = """
    LockScreen #sign-in {
        height: 1fr;
        border: solid ansi_blue;
        border-title-color: ansi_bright_white;
        border-title-style: bold;
        padding: 1 2;
    }
    LockScreen #user {
        color: ansi_bright_white;
        text-style: bold;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self.user: str | None = None
        # From a PIN's Enter until this screen is left: lines typed meanwhile (a scan straight after
        # the PIN) are the sale's, entered once the sign-in succeeded; dropped if it failed.
        self.for_the_sale: list[str] | None = None

    def compose(self) -> ComposeResult:
        yield self.status_header()
        with Vertical(id="sign-in") as box:
            box.border_title = _("Lane locked")
            yield Static(_("Type your user name and press Enter, then your PIN and Enter."), id="how")
            yield Static("", id="user")
        yield PinEntry(_(USER_PROMPT), id="entry")
        yield MessageLine()
        yield self.key_footer()

    def render_view(self, view: LaneView) -> None:
        super().render_view(view)
        self.query_one("#user", Static).update(_("User: {name}").format(name=self.user) if self.user else "")

    def on_scan_entry_submitted(self, message: ScanEntry.Submitted) -> None:
        message.stop()
        value = message.value
        if self.for_the_sale is not None:
            if value.strip():
                self.for_the_sale.append(value.strip())
                if self.pos.lane is not None and self.pos.lane.state is not State.LOCKED:
                    self.hand_over()  # signed in already, the items screen not up yet
            return
        if self.user is None:
            if value.strip():
                self.ask_pin(value.strip())  # at once, lane open or not: the PIN typed next is masked and kept
            return
        if not value:
            self.say(_("no PIN typed: type the PIN, then Enter"), error=True)  # not a wrong attempt
            return
        user = self.user
        self.for_the_sale = []
        # Typed while the lane was still opening (the first moments after start): signed in, in
        # order, once it is open, on this screen only.
        self.pos.when_lane_open(lambda: self.sign_in(user, value) if self.is_current else None)

    def sign_in(self, user: str, pin: str) -> None:
        if self.pos.run_intent(self.pos.lane.people.sign_in, user, pin):
            self.ask_user()  # anything typed after the PIN was typed at the PIN prompt: cleared
            self.hand_over()
        else:
            self.for_the_sale = None  # typed during a sign-in that failed: nobody may sell it

    def hand_over(self) -> None:
        """What was typed after the PIN goes, in order, to the items screen, entered as it comes up."""
        typed, self.for_the_sale = self.for_the_sale or [], []
        self.pos.typed_after_sign_in.extend(typed)

    def on_screen_suspend(self) -> None:
        self.for_the_sale = None  # the items screen has the keys from here on

    def ask_pin(self, user: str) -> None:
        self.user = user
        self.query_one("#user", Static).update(_("User: {name}").format(name=user))
        self.query_one(PinEntry).ask(_("PIN> "), masked=True)

    def ask_user(self) -> None:
        self.user = None
        self.query_one("#user", Static).update("")
        self.query_one(PinEntry).ask(_(USER_PROMPT), masked=False)

    def action_restart(self) -> None:
        """Esc on an empty line: start again from the user name."""
        self.ask_user()
