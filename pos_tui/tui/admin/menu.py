"""Signing in to the back office, and its menu of areas."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from pos_tui.domain.display_width import cell_width, pad_cells
from pos_tui.domain.permissions import Action, role_name
from pos_tui.i18n import N_, NP_, _, translated
from pos_tui.tui.admin.screen import AdminScreen, keys
from pos_tui.tui.screens.modals import ConfirmModal
from pos_tui.tui.widgets.message_line import MessageLine
from pos_tui.tui.widgets.pin_entry import PinEntry
from pos_tui.tui.widgets.scan_entry import ScanEntry

USER_PROMPT = N_("User> ")


class SignInScreen(AdminScreen):
    """User name, Enter, PIN, Enter: a supervisor or an admin."""

    TITLE_TEXT = N_("sign in")
    KEYS = keys(("f1", "help", N_("Help")), ("ctrl+q", "quit", N_("Quit")))
    ENTRY_HELP = (("Enter", N_("after the user name, then after the PIN")),
                  ("Esc", N_("clear the line; on an empty line: back to the user name")))
    BINDINGS = [Binding("escape", "restart", show=False)]

    def __init__(self) -> None:
        super().__init__()
        self.user: str | None = None

    def compose(self) -> ComposeResult:
        yield self.status_header()
        with Vertical(id="body") as box:
            box.border_title = _("Back office")
            yield Static(_("Sign in with a supervisor or admin user: type the name and press Enter, "
                           "then the PIN and Enter."))
            yield Static("", id="user")
        yield PinEntry(_(USER_PROMPT), id="entry")
        yield MessageLine()
        yield self.key_footer()

    def on_mount(self) -> None:
        self.query_one(PinEntry).focus()

    def on_scan_entry_submitted(self, message: ScanEntry.Submitted) -> None:
        message.stop()
        if self.user is None:
            if message.value.strip():
                self.user = message.value.strip()
                self.query_one("#user", Static).update(_("User: {name}").format(name=self.user))
                self.query_one(PinEntry).ask(_("PIN> "), masked=True)
            return
        user, self.user = self.user, None
        self.action_restart()
        if self.attempt(self.office.sign_in, user, message.value) is not None:
            self.admin.signed_in()

    def action_restart(self) -> None:
        self.user = None
        self.query_one("#user", Static).update("")
        self.query_one(PinEntry).ask(_(USER_PROMPT), masked=False)

    def action_quit(self) -> None:
        self.app.exit()


# (key, area, label, what it holds, the action that opens it); label and what are msgids
AREAS = (
    ("f2", "products", N_("Products"), N_("find, price, stock, on/off sale, barcodes"), Action.CATALOG),
    ("f3", "users", N_("Users"), N_("add, reset PIN, disable, unlock"), Action.USERS),
    ("f4", "reports", N_("Reports"), N_("X and Z for a date, sales by hour"), Action.X_REPORT),
    ("f5", "held", N_("Held"), N_("suspended sales on every lane"), None),
    ("f6", "payments", NP_("back office: the payments to resolve", "Payments"),
     N_("unknown outcomes to resolve (supervisor PIN)"), Action.RESOLVE_PAYMENT),
    ("f7", "devices", N_("Devices"), N_("printer, card terminal, scanner, display, scale"), None),
    ("f8", "backup", N_("Backup"), N_("copy the database now, checked"), Action.BACKUP),
    ("f9", "promotions", N_("Promotions"), N_("list, import a file, stop or run again"), Action.CATALOG),
    ("f10", "members", N_("Members"), N_("add, adjust points, disable or enable"), Action.CATALOG),
)


class MenuScreen(AdminScreen):
    TITLE_TEXT = N_("menu")
    KEYS = keys(("f1", "help", N_("Help")),
                *((key, f"open('{area}')", label, False) for key, area, label, _, _ in AREAS),
                ("ctrl+l", "sign_out", N_("Sign out")), ("ctrl+q", "quit", N_("Quit")))

    def compose(self) -> ComposeResult:
        yield self.status_header()
        with Vertical(id="body") as box:
            box.border_title = _("Back office")
            yield Static(self.menu_text(), id="areas")
        yield MessageLine()
        yield self.key_footer()

    def menu_text(self) -> str:
        rows = []
        width = max(10, *(cell_width(translated(label)) + 2 for _key, _area, label, _what, _action in AREAS))
        for key, area, label, what, action in AREAS:
            allowed = action is None or self.office.may(action)
            note = "" if allowed else "  " + _("({role} only)").format(role=role_name(self.office.needed(action)))
            if self.office.not_here(area):
                note = "  " + _("(on the lanes)")
            rows.append(f"{key.upper():<4}{pad_cells(translated(label), width)}{_(what)}{note}")
        return "\n".join(rows)

    def action_open(self, area: str) -> None:
        self.admin.open_area(area)

    def action_sign_out(self) -> None:
        self.admin.sign_out()

    def action_quit(self) -> None:
        self.app.exit()

    def confirm_backup(self) -> None:
        folder = self.office.config.backup_dir

        def answered(yes: bool | None) -> None:
            if yes:
                self.say(_("Backing up to {folder}...").format(folder=folder))
                self.admin.start_backup()
            else:
                self.say(_("No backup made"))

        self.app.push_screen(ConfirmModal(_("Copy the database now to {folder}? (the lanes keep selling)").format(
            folder=folder)), answered)
