"""`pos-tui admin`: the back office's Textual app, keyboard only, 80x24, in the lane's theme.

The operator signs in, lands on the menu, and opens one area at a time over it (Esc goes back).
Signing out drops every open area, so the next operator starts from a clean menu. Device checks
and backups block on I/O: they run in ``@work`` thread methods whose results come back as typed
messages (``BackupTaken``, ``DevicesReported``) for the screen on top.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import App
from textual.binding import Binding

from pos_tui.config import Config
from pos_tui.domain.permissions import PermissionDenied, role_name
from pos_tui.i18n import N_, _
from pos_tui.tui.admin.areas import AREA_SCREENS, STORE_AREA_SCREENS
from pos_tui.services.back_office import BackOffice
from pos_tui.tui.admin.menu import AREAS, MenuScreen, SignInScreen
from pos_tui.tui.admin.screen import AdminScreen
from pos_tui.tui.messages import BackupTaken, DevicesReported

if TYPE_CHECKING:
    from pos_tui.services.store_office import StoreOffice

THEME = Path(__file__).resolve().parent.parent / "pos.tcss"
BACKUP_JOB = N_("backup")
DEVICES_JOB = N_("device check")

ADMIN_CSS = """
LaneModal { background: transparent; }
#body {
    height: 1fr;
    border: solid ansi_blue;
    border-title-color: ansi_bright_white;
    border-title-style: bold;
    padding: 0 1;
}
/* No scrollbars: their block glyphs are not in every console font; the box's lower edge says how to scroll. */
#body OptionList, #body OptionList:focus {
    height: 1fr;
    border: none;
    padding: 0;
    background: ansi_black;
    scrollbar-size-vertical: 0;
}
#body OptionList > .option-list--option-highlighted {
    background: ansi_cyan;
    color: ansi_black;
    text-style: bold;
}
#body Input, #body Input:focus {
    height: 1;
    border: none;
    padding: 0;
    background: ansi_black;
    color: ansi_bright_white;
}
#body .heading { color: ansi_cyan; text-style: bold; }
#body #detail { height: 3; color: ansi_bright_white; }
#body VerticalScroll { height: 1fr; scrollbar-size-vertical: 0; }
"""


class AdminApp(App[None]):
    CSS_PATH = THEME
    CSS = ADMIN_CSS
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("ctrl+q", "quit", N_("Quit"), show=False, priority=True),
        Binding("ctrl+c", "interrupt", show=False, system=True),
    ]

    def __init__(self, office: BackOffice | StoreOffice) -> None:
        super().__init__(ansi_color=True)
        self.office = office
        self.theme = "ansi-dark"
        self.animation_level = "none"

    def on_mount(self) -> None:
        self.push_screen(SignInScreen())

    @property
    def top(self) -> AdminScreen:
        return next(s for s in reversed(self.screen_stack) if isinstance(s, AdminScreen))

    def signed_in(self) -> None:
        operator = self.office.operator
        self.switch_screen(MenuScreen())
        note = _("Signed in as {name} ({role})").format(name=operator.name, role=role_name(operator.role))
        if operator.pin_expired:
            note += _(": your PIN has expired, have an admin set a new one (Users, F3)")
        self.call_after_refresh(self.top.say, note, error=operator.pin_expired)

    def sign_out(self) -> None:
        self.office.sign_out()
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.switch_screen(SignInScreen())

    def open_area(self, area: str) -> None:
        """Open an area over the menu, if the operator's role may (backup asks first)."""
        action = next(action for _, name, _, _, action in AREAS if name == area)
        menu = self.top
        if action is not None and not self.office.may(action):
            menu.say(str(PermissionDenied(action, self.office.needed(action))), error=True)
            return
        elsewhere = self.office.not_here(area)
        if elsewhere:
            menu.say(elsewhere)
            return
        if area == "backup":
            menu.confirm_backup()  # type: ignore[attr-defined]
            return
        screens = STORE_AREA_SCREENS if self.office.store_wide else AREA_SCREENS
        self.push_screen(screens[area]())

    # ------------------------------------------------------------------ blocking work

    @work(thread=True, exit_on_error=False, name="backup")
    def start_backup(self) -> None:
        try:
            path = self.office.backup_now()
        except Exception as exc:  # a refusal, a full disk: the operator's to read, not a crash
            self.post_message(BackupTaken(None, str(exc) or _("{job} failed").format(job=_(BACKUP_JOB))))
            return
        self.post_message(BackupTaken(path))

    @work(thread=True, exit_on_error=False, name="device check")
    def start_device_check(self) -> None:
        try:
            reports = self.office.check_devices()
        except Exception as exc:  # a refusal (a lane is paying), a dead port
            self.post_message(DevicesReported((), str(exc) or _("{job} failed").format(job=_(DEVICES_JOB))))
            return
        self.post_message(DevicesReported(reports))

    @property
    def leaving(self) -> bool:
        """On the way out: a late answer has no screen to land on."""
        return not self.is_running or self._exit or not any(isinstance(s, AdminScreen) for s in self.screen_stack)

    def on_backup_taken(self, message: BackupTaken) -> None:
        if self.leaving:
            return
        if message.error is not None:
            self.top.say(message.error, error=True)
        else:
            self.top.say(_("Backed up, copy checked: {path}").format(path=message.path))

    def on_devices_reported(self, message: DevicesReported) -> None:
        if self.leaving:
            return
        screen = self.top
        if message.error is not None:
            screen.say(message.error, error=True)
        elif hasattr(screen, "show_reports"):
            screen.show_reports(message.reports)

    def action_interrupt(self) -> None:
        self.top.say(_("Ctrl+Q quits"))


def run_admin(config: Config) -> None:
    """Run the back office on the open store until the operator quits."""
    AdminApp(BackOffice(config)).run(mouse=False)


def run_store_admin(config: Config) -> None:
    """Run the back office on the store server (``[server] url``) until the operator quits; no
    local store is opened."""
    from pos_tui.services.store_office import StoreOffice

    office = StoreOffice(config)
    try:
        AdminApp(office).run(mouse=False)
    finally:
        office.close()
