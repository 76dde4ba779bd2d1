"""Members: the store's member register (card and phone masked, name, points, active or disabled);
add a member, adjust their points with a reason, disable or enable one. On the store server these
are the store's for every lane."""

from __future__ import annotations

from typing import TYPE_CHECKING


from pos_tui.domain.display_width import cell_width, pad_cells, truncate_cells
from pos_tui.domain.text import neutralise
from pos_tui.i18n import N_, _, ngettext, pgettext
from pos_tui.services.members import masked_member
from pos_tui.tui.admin.prompt import PromptModal, Question
from pos_tui.tui.admin.listed import ListedScreen
from pos_tui.tui.admin.screen import keys
from pos_tui.tui.screens.modals import ConfirmModal

if TYPE_CHECKING:
    from pos_tui.services.members import MemberInfo

CARD_CELLS, PHONE_CELLS, NAME_CELLS, POINTS_CELLS = 20, 13, 20, 8


def heading() -> str:
    return (f"{pad_cells(pgettext('members list', 'Card'), CARD_CELLS)} {pad_cells(_('Phone'), PHONE_CELLS)} "
            f"{pad_cells(pgettext('members list', 'Name'), NAME_CELLS)} "
            f"{' ' * max(POINTS_CELLS - cell_width(_('Points')), 0)}{_('Points')} {_('State')}")


def member_row(member: MemberInfo) -> str:
    card = pad_cells(masked_member(member.card) if member.card else "-", CARD_CELLS)
    phone = pad_cells(masked_member(member.phone) if member.phone else "-", PHONE_CELLS)
    name = pad_cells(truncate_cells(neutralise(member.name) or "-", NAME_CELLS), NAME_CELLS)
    points = str(member.balance).rjust(POINTS_CELLS)
    return f"{card} {phone} {name} {points} {_('disabled') if member.disabled else _('active')}"


def who(member: MemberInfo) -> str:
    """A member as messages name them: their name, or their masked number."""
    return neutralise(member.name) or masked_member(member.code)


class MembersScreen(ListedScreen):
    TITLE_TEXT = N_("members")
    KEYS = keys(
        ("f1", "help", N_("Help")),
        ("f2", "add", N_("Add")),
        ("f3", "adjust", N_("Points")),
        ("f4", "disable", N_("Disable")),
        ("f6", "enable", N_("Enable")),
        ("escape", "back", N_("Menu")),
        ("up", "move(-1)", N_("Previous"), False),
        ("down", "move(1)", N_("Next"), False),
    )

    BOX_TITLE = N_("Members")
    LIST_ID = "members"

    def load(self) -> list:
        return self.office.members()

    def heading(self) -> str:
        return heading()

    def row(self, record) -> str:
        return member_row(record)

    def code(self, record) -> str:
        return record.code

    def action_reload(self) -> None:
        self.reload()
        self.say(ngettext("{count} member: Up/Down choose; F2 add, F3 adjust points, F4 disable, F6 enable",
                          "{count} members: Up/Down choose; F2 add, F3 adjust points, F4 disable, F6 enable",
                          len(self.found)).format(count=len(self.found)))

    def action_add(self) -> None:
        def done(member: MemberInfo | None) -> None:
            if member is None:
                self.say(_("Nothing changed"))
                return
            self.reload(keep=member.code)
            self.say(_("{name} is a member now").format(name=who(member)))

        hint = (_("Card or phone (or both), then the name; on every lane of the store.")
                if self.office.store_wide else _("Card or phone (or both), then the name."))
        self.app.push_screen(PromptModal(_("Add a member"), [Question(_("Card> ")), Question(_("Phone> ")),
                                                             Question(_("Name> "))],
                                         lambda answers: self.office.add_member(*answers), hint=hint), done)

    def action_adjust(self) -> None:
        member = self.selected
        if member is None:
            return

        def done(after: MemberInfo | None) -> None:
            if after is None:
                self.say(_("Nothing changed"))
                return
            self.reload(keep=after.code)
            self.say(_("{name} has {points} points now").format(name=who(after), points=after.balance))

        self.app.push_screen(PromptModal(
            _("Points of {name} ({points})").format(name=who(member), points=member.balance),
            [Question(_("Points, - to take> ")), Question(_("Reason> "))],
            lambda answers: self.office.adjust_member_points(member.code, *answers)), done)

    def _set_disabled(self, disabled: bool) -> None:
        member = self.selected
        if member is None:
            return
        if member.disabled == disabled:
            self.say((_("{name} is disabled already") if disabled else _("{name} is active already")).format(
                name=who(member)))
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                self.say(_("Nothing changed"))
                return
            after = self.attempt(self.office.set_member_disabled, member.code, disabled)
            if after is not None:
                self.reload(keep=after.code)
                self.say((_("{name} is disabled") if disabled else _("{name} is active again")).format(
                    name=who(after)))

        question = (_("Disable {name}? The lanes will no longer take their card or phone.") if disabled
                    else _("Enable {name} again? The lanes will take their card or phone."))
        self.app.push_screen(ConfirmModal(question.format(name=who(member))), answered)

    def action_disable(self) -> None:
        self._set_disabled(True)

    def action_enable(self) -> None:
        self._set_disabled(False)
