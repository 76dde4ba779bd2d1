"""Users (admin): the staff list; add a user, reset a PIN, disable, unlock, enable. PINs are asked twice
and drawn as stars; they are never shown, logged or journaled."""

from __future__ import annotations


from pos_tui.domain.display_width import pad_cells, truncate_cells
from pos_tui.domain.permissions import role_name
from pos_tui.i18n import N_, _, ngettext
from pos_tui.services.errors import AdminError
from pos_tui.services.views import UserInfo
from pos_tui.tui.admin.prompt import PromptModal, Question
from pos_tui.tui.admin.listed import ListedScreen
from pos_tui.tui.admin.screen import keys
from pos_tui.tui.screens.modals import ConfirmModal

NAME_CELLS, ROLE_CELLS = 24, 12


def heading() -> str:
    return f"{pad_cells(_('User name'), NAME_CELLS)} {pad_cells(_('Role'), ROLE_CELLS)} {_('State')}"


def user_state(user: UserInfo) -> str:
    if user.disabled:
        return _("disabled")
    if user.locked_until is not None:
        return _("locked until {time}").format(time=f"{user.locked_until:%Y-%m-%d %H:%M}")
    if user.failed_attempts:
        return ngettext("{count} wrong PIN", "{count} wrong PINs", user.failed_attempts).format(
            count=user.failed_attempts)
    return _("active")


def user_row(user: UserInfo) -> str:
    name = pad_cells(truncate_cells(user.name, NAME_CELLS), NAME_CELLS)
    return f"{name} {pad_cells(role_name(user.role), ROLE_CELLS)} {user_state(user)}"


def same_pin_twice(answers: list[str]) -> str:
    pin, again = answers[-2:]
    if pin != again:
        raise AdminError(_("the two PINs differ: type them again"))
    return pin


class UsersScreen(ListedScreen):
    TITLE_TEXT = N_("users")
    KEYS = keys(
        ("f1", "help", N_("Help")),
        ("f2", "add", N_("Add")),
        ("f3", "reset_pin", N_("Reset PIN")),
        ("f4", "disable", N_("Disable")),
        ("f5", "unlock", N_("Unlock")),
        ("f6", "enable", N_("Enable")),
        ("escape", "back", N_("Menu")),
        ("up", "move(-1)", N_("Previous"), False),
        ("down", "move(1)", N_("Next"), False),
    )

    BOX_TITLE = N_("Users")
    LIST_ID = "people"

    def load(self) -> list:
        return self.office.users()

    def heading(self) -> str:
        return heading()

    def row(self, record) -> str:
        return user_row(record)

    def code(self, record) -> str:
        return record.name

    @property
    def people(self) -> list[UserInfo]:
        """The users listed."""
        return self.found

    def action_reload(self) -> None:
        self.reload()
        self.say(ngettext("{count} user: Up/Down choose; F2 add, F3 reset PIN, F4 disable, F5 unlock",
                          "{count} users: Up/Down choose; F2 add, F3 reset PIN, F4 disable, F5 unlock",
                          len(self.found)).format(count=len(self.found)))

    def _done(self, message: str):
        def done(user: UserInfo | None) -> None:
            if user is None:
                self.say(_("Nothing changed"))
                return
            self.reload(keep=user.name)
            self.say(message.format(name=user.name, role=role_name(user.role)))
        return done

    def action_add(self) -> None:
        questions = [Question(_("Name> ")), Question(_("Role (cashier, supervisor, admin)> ")),
                     Question(_("PIN> "), masked=True), Question(_("PIN again> "), masked=True)]
        self.app.push_screen(
            PromptModal(_("Add a user"), questions,
                        lambda a: self.office.add_user(a[0], a[1], same_pin_twice(a)),
                        hint=_("Name, role, then the PIN twice; each followed by Enter.")),
            self._done(_("Added {name} ({role})")))

    def action_reset_pin(self) -> None:
        user = self.selected
        if user is None:
            return
        self.app.push_screen(
            PromptModal(_("New PIN for {name}").format(name=user.name),
                        [Question(_("New PIN> "), masked=True), Question(_("New PIN again> "), masked=True)],
                        lambda a: self.office.reset_pin(user.name, same_pin_twice(a)),
                        hint=_("The new PIN twice, each followed by Enter; it also ends a lockout.")),
            self._done(_("New PIN set for {name}")))

    def action_unlock(self) -> None:
        user = self.selected
        if user is None:
            return
        unlocked = self.attempt(self.office.unlock_user, user.name)
        if unlocked is not None:
            self._done(_("{name} is unlocked"))(unlocked)

    def action_enable(self) -> None:
        user = self.selected
        if user is None:
            return
        if not user.disabled:
            self.say(_("{name} is not disabled").format(name=user.name))
            return
        enabled = self.attempt(self.office.enable_user, user.name)
        if enabled is not None:
            self._done(_("{name} is enabled: they can sign in again"))(enabled)

    def action_disable(self) -> None:
        user = self.selected
        if user is None:
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                self.say(_("Nothing changed"))
                return
            disabled = self.attempt(self.office.disable_user, user.name)
            if disabled is not None:
                self._done(_("{name} is disabled: they can no longer sign in"))(disabled)

        self.app.push_screen(ConfirmModal(_("Disable {name}? They will not be able to sign in.").format(
            name=user.name)), answered)
