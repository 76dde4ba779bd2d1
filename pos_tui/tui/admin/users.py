"""Users (admin): the staff list; add a user, reset a PIN, disable, unlock. PINs are asked twice
and drawn as stars; they are never shown, logged or journaled."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from pos_tui.domain.display_width import pad_cells, truncate_cells
from pos_tui.store.users import UserInfo
from pos_tui.tui.admin.back_office import AdminError
from pos_tui.tui.admin.prompt import PromptModal, Question
from pos_tui.tui.admin.screen import AdminScreen, keys
from pos_tui.tui.screens.modals import ConfirmModal
from pos_tui.tui.widgets.message_line import MessageLine

NAME_CELLS, ROLE_CELLS = 24, 12
HEADING = f"{pad_cells('Name', NAME_CELLS)} {pad_cells('Role', ROLE_CELLS)} State"


def user_state(user: UserInfo) -> str:
    if user.disabled:
        return "disabled"
    if user.locked_until is not None:
        return f"locked until {user.locked_until:%Y-%m-%d %H:%M}"
    if user.failed_attempts:
        return f"{user.failed_attempts} wrong PIN{'s' if user.failed_attempts != 1 else ''}"
    return "active"


def user_row(user: UserInfo) -> str:
    return f"{pad_cells(truncate_cells(user.name, NAME_CELLS), NAME_CELLS)} {user.role:<{ROLE_CELLS}} {user_state(user)}"


def same_pin_twice(answers: list[str]) -> str:
    pin, again = answers[-2:]
    if pin != again:
        raise AdminError("the two PINs differ: type them again")
    return pin


class UsersScreen(AdminScreen):
    TITLE_TEXT = "users"
    KEYS = keys(
        ("f1", "help", "Help"),
        ("f2", "add", "Add"),
        ("f3", "reset_pin", "Reset PIN"),
        ("f4", "disable", "Disable"),
        ("f5", "unlock", "Unlock"),
        ("escape", "back", "Menu"),
        ("up", "move(-1)", "Previous", False),
        ("down", "move(1)", "Next", False),
    )

    def __init__(self) -> None:
        super().__init__()
        self.people: list[UserInfo] = []

    def compose(self) -> ComposeResult:
        yield self.status_header()
        with Vertical(id="body") as box:
            box.border_title = "Users"
            box.border_subtitle = "Up/Down choose"
            yield Static(HEADING, classes="heading")
            yield OptionList(id="people")
        yield MessageLine()
        yield self.key_footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.reload()
        self.say(f"{len(self.people)} users: Up/Down choose; F2 add, F3 reset PIN, F4 disable, F5 unlock")

    def reload(self, keep: str | None = None) -> None:
        self.people = self.attempt(self.office.users) or []
        listing = self.query_one(OptionList)
        listing.clear_options()
        listing.add_options(Option(user_row(user), id=user.name) for user in self.people)
        if self.people:
            names = [user.name for user in self.people]
            listing.highlighted = names.index(keep) if keep in names else 0

    @property
    def selected(self) -> UserInfo | None:
        index = self.query_one(OptionList).highlighted
        return self.people[index] if index is not None and index < len(self.people) else None

    def action_move(self, step: int) -> None:
        listing = self.query_one(OptionList)
        if listing.option_count:
            listing.highlighted = min(max((listing.highlighted or 0) + step, 0), listing.option_count - 1)

    def _done(self, message: str):
        def done(user: UserInfo | None) -> None:
            if user is None:
                self.say("Nothing changed")
                return
            self.reload(keep=user.name)
            self.say(message.format(name=user.name, role=user.role))
        return done

    def action_add(self) -> None:
        questions = [Question("Name> "), Question("Role (cashier, supervisor, admin)> "),
                     Question("PIN> ", masked=True), Question("PIN again> ", masked=True)]
        self.app.push_screen(
            PromptModal("Add a user", questions,
                        lambda a: self.office.add_user(a[0], a[1], same_pin_twice(a)),
                        hint="Name, role, then the PIN twice; each followed by Enter."),
            self._done("Added {name} ({role})"))

    def action_reset_pin(self) -> None:
        user = self.selected
        if user is None:
            return
        self.app.push_screen(
            PromptModal(f"New PIN for {user.name}", [Question("New PIN> ", masked=True),
                                                     Question("New PIN again> ", masked=True)],
                        lambda a: self.office.reset_pin(user.name, same_pin_twice(a)),
                        hint="The new PIN twice, each followed by Enter; it also ends a lockout."),
            self._done("New PIN set for {name}"))

    def action_unlock(self) -> None:
        user = self.selected
        if user is None:
            return
        unlocked = self.attempt(self.office.unlock_user, user.name)
        if unlocked is not None:
            self._done("{name} is unlocked")(unlocked)

    def action_disable(self) -> None:
        user = self.selected
        if user is None:
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                self.say("Nothing changed")
                return
            disabled = self.attempt(self.office.disable_user, user.name)
            if disabled is not None:
                self._done("{name} is disabled: they can no longer sign in")(disabled)

        self.app.push_screen(ConfirmModal(f"Disable {user.name}? They will not be able to sign in."), answered)
