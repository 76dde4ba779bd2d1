"""Promotions: the store's promotions (name, kind, when they run, running or stopped); import a file
(TOML or CSV, docs/promotions.md), stop one or run it again. On the store server these are the
store's for every lane."""

from __future__ import annotations

from typing import TYPE_CHECKING


from pos_tui.domain.display_width import pad_cells, truncate_cells
from pos_tui.i18n import N_, _, ngettext
from pos_tui.services.promotions import kind_label, window_text
from pos_tui.tui.admin.prompt import PromptModal, Question
from pos_tui.tui.admin.listed import ListedScreen
from pos_tui.tui.admin.screen import keys
from pos_tui.tui.screens.modals import ConfirmModal

if TYPE_CHECKING:
    from pos_tui.services.promotions import Imported, PromotionInfo

NAME_CELLS, KIND_CELLS, WINDOW_CELLS = 26, 12, 26


def heading() -> str:
    return (f"{pad_cells(_('Promotion'), NAME_CELLS)} {pad_cells(_('Kind'), KIND_CELLS)} "
            f"{pad_cells(_('Runs'), WINDOW_CELLS)} {_('State')}")


def promotion_row(promo: PromotionInfo) -> str:
    name = pad_cells(truncate_cells(promo.name or promo.code, NAME_CELLS), NAME_CELLS)
    kind = pad_cells(truncate_cells(kind_label(promo.kind), KIND_CELLS), KIND_CELLS)
    window = pad_cells(truncate_cells(window_text(promo.fields), WINDOW_CELLS), WINDOW_CELLS)
    return f"{name} {kind} {window} {_('running') if promo.active else _('stopped')}"


def imported_text(imported: Imported) -> str:
    r = imported.result
    text = _("Promotions imported: {added} new, {changed} changed, {unchanged} unchanged, {retired} stopped").format(
        added=r.added, changed=r.changed, unchanged=r.unchanged, retired=r.retired)
    if imported.unknown:
        text += "; " + ngettext("{count} product not in the catalog", "{count} products not in the catalog",
                                len(imported.unknown)).format(count=len(imported.unknown))
    return text


class PromotionsScreen(ListedScreen):
    TITLE_TEXT = N_("promotions")
    KEYS = keys(
        ("f1", "help", N_("Help")),
        ("f2", "import_file", N_("Import")),
        ("f4", "disable", N_("Stop")),
        ("f6", "enable", N_("Run again")),
        ("escape", "back", N_("Menu")),
        ("up", "move(-1)", N_("Previous"), False),
        ("down", "move(1)", N_("Next"), False),
    )

    BOX_TITLE = N_("Promotions")
    LIST_ID = "promotions"

    def load(self) -> list:
        return self.office.promotions()

    def heading(self) -> str:
        return heading()

    def row(self, record) -> str:
        return promotion_row(record)

    def code(self, record) -> str:
        return record.code

    def action_reload(self) -> None:
        self.reload()
        self.say(ngettext("{count} promotion: Up/Down choose; F2 import a file, F4 stop, F6 run again",
                          "{count} promotions: Up/Down choose; F2 import a file, F4 stop, F6 run again",
                          len(self.found)).format(count=len(self.found)))

    def action_import_file(self) -> None:
        def done(imported: Imported | None) -> None:
            if imported is None:
                self.say(_("Nothing changed"))
                return
            self.reload()
            self.say(imported_text(imported))

        hint = (_("The file's promotions become the store's on every lane; those not in it stop.")
                if self.office.store_wide else _("The file's promotions become the store's; those not in it stop."))
        self.app.push_screen(PromptModal(_("Import promotions"), [Question(_("File> "))],
                                         lambda answers: self.office.import_promotions(answers[0]), hint=hint), done)

    def action_disable(self) -> None:
        promo = self.selected
        if promo is None:
            return
        if not promo.active:
            self.say(_("{name} is stopped already").format(name=promo.name))
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                self.say(_("Nothing changed"))
                return
            after = self.attempt(self.office.set_promotion_active, promo.code, False)
            if after is not None:
                self.reload(keep=after.code)
                self.say(_("{name} is stopped").format(name=after.name))

        self.app.push_screen(ConfirmModal(_("Stop {name}? Sales will no longer get it.").format(name=promo.name)),
                             answered)

    def action_enable(self) -> None:
        promo = self.selected
        if promo is None:
            return
        if promo.active:
            self.say(_("{name} is running already").format(name=promo.name))
            return
        after = self.attempt(self.office.set_promotion_active, promo.code, True)
        if after is not None:
            self.reload(keep=after.code)
            self.say(_("{name} runs again").format(name=after.name))
