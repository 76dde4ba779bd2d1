"""`pos-tui admin`: the back office's Textual app, keyboard only, 80x24, in the lane's theme.

The operator signs in, lands on the menu, and opens one area at a time over it (Esc goes back).
Signing out drops every open area, so the next operator starts from a clean menu. Device checks
and backups block on I/O: they run in thread workers and report back to the screen on top.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.binding import Binding
from textual.worker import Worker, WorkerState

from pos_tui.config import Config
from pos_tui.domain.permissions import PermissionDenied, role_name
from pos_tui.i18n import N_, _
from pos_tui.tui.admin.areas import AREA_SCREENS
from pos_tui.services.back_office import BackOffice
from pos_tui.tui.admin.menu import AREAS, MenuScreen, SignInScreen
from pos_tui.tui.admin.screen import AdminScreen

THEME = Path(__file__).resolve().parent.parent / "pos.tcss"
BACKUP_GROUP = "backup"
DEVICES_GROUP = "devices"

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

    def __init__(self, office: BackOffice) -> None:
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
        if area == "backup":
            menu.confirm_backup()  # type: ignore[attr-defined]
            return
        self.push_screen(AREA_SCREENS[area]())

    # ------------------------------------------------------------------ blocking work

    def start_backup(self) -> None:
        self.run_worker(self.office.backup_now, name=N_("backup"), group=BACKUP_GROUP, thread=True, exit_on_error=False)

    def start_device_check(self) -> None:
        self.run_worker(self.office.check_devices, name=N_("device check"), group=DEVICES_GROUP, thread=True,
                        exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        group = event.worker.group
        if group not in (BACKUP_GROUP, DEVICES_GROUP) or not event.worker.is_finished:
            return
        screen = self.top
        if event.state is WorkerState.ERROR:
            # Any failure (a refusal, a full disk, a dead port) is the operator's to read, not a crash.
            screen.say(str(event.worker.error) or _("{job} failed").format(job=_(event.worker.name)), error=True)
        elif group == BACKUP_GROUP:
            written: Path = event.worker.result
            screen.say(_("Backed up, copy checked: {path}").format(path=written))
        elif hasattr(screen, "show_reports"):
            screen.show_reports(event.worker.result)

    def action_interrupt(self) -> None:
        self.top.say(_("Ctrl+Q quits"))


def run_admin(config: Config) -> None:
    """Run the back office on the open store until the operator quits."""
    AdminApp(BackOffice(config)).run(mouse=False)
