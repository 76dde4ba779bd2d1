"""Boxes of the settlement keys: a menu of letters (the shift menu, what to do with a return whose
refund failed), an amount and a reason (paid in, paid out) or a reason alone (no-sale), and the
discount or price override of F6. Each returns its answer through ``dismiss``; Esc closes any.
The lane judges the answers: these boxes only collect them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from pos_tui.i18n import N_, _
from pos_tui.tui.screens.modals import LaneModal
from pos_tui.tui.widgets.message_line import MessageLine
from pos_tui.tui.widgets.scan_entry import ScanEntry


class LetterMenuModal(LaneModal[str | None]):
    """Choices picked by their letter (never by Enter: a stray scanner Enter must not choose)."""

    # Nothing takes the keys: the letters are the answers, not text.
    AUTO_FOCUS = ""
    BINDINGS = [Binding("escape", "close", N_("Close"), show=False)]

    def __init__(self, title: str, choices: Sequence[tuple[str, str]], intro: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.choices = tuple((letter.lower(), text) for letter, text in choices)
        self.intro = intro

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            if self.intro:
                yield Static(self.intro, id="intro")
            yield Static("\n".join(f"{letter.upper()}  {text}" for letter, text in self.choices), id="choices")
            yield Static(_("Press a letter; Esc closes"), classes="hint")

    def on_key(self, event: events.Key) -> None:
        letter = (event.character or "").lower()
        if any(letter == choice for choice, _ in self.choices):
            event.stop()
            event.prevent_default()
            self.dismiss(letter)

    def action_close(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class CashMovement:
    amount_text: str
    reason: str


class MovementModal(LaneModal[CashMovement | None]):
    """Paid in / paid out: the amount, Enter, then the reason, Enter. With ``amount=False`` only the
    reason is asked (no-sale)."""

    BINDINGS = [Binding("escape", "close", N_("Close"), show=False)]

    def __init__(self, title: str, hint: str, *, amount: bool = True) -> None:
        super().__init__()
        self.title_text = title
        self.hint = hint
        self.amount_text: str | None = None if amount else ""

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            yield Static(self.hint, classes="hint")
            yield Static("", id="amount")
            yield ScanEntry(_("Amount> ") if self.amount_text is None else _("Reason> "), id="entry")
            yield MessageLine()

    def on_mount(self) -> None:
        self.query_one(ScanEntry).focus()

    def on_scan_entry_submitted(self, message: ScanEntry.Submitted) -> None:
        message.stop()
        text = message.value.strip()
        if self.amount_text is None:
            if not text:
                self.query_one(MessageLine).error(_("type the amount, then Enter"))
                return
            self.amount_text = text
            self.query_one("#amount", Static).update(_("Amount {amount}").format(amount=text))
            self.query_one(ScanEntry).set_prompt(_("Reason> "))
            self.query_one(MessageLine).clear()
            return
        if not text:
            self.query_one(MessageLine).error(_("type the reason, then Enter"))
            return
        self.dismiss(CashMovement(self.amount_text, text))

    def action_close(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class Adjustment:
    """F6's answer: ``kind`` is "line" (amount or percent off a line), "price" (a new unit price
    for a line), "sale" (amount or percent off the whole sale) or "qty" (a line's new quantity)."""

    kind: str
    line_no: int | None
    text: str


class DiscountModal(LaneModal[Adjustment | None]):
    """What to take off (Up/Down: the selected line, its price, the whole sale), then the amount
    or percent, Enter."""

    # The choice list never has the focus (the entry has it): its highlight must show anyway.
    DEFAULT_CSS = """
    DiscountModal OptionList > .option-list--option-highlighted { background: ansi_white; color: ansi_black; }
    """

    BINDINGS = [
        Binding("escape", "close", N_("Close"), show=False),
        Binding("up", "move(-1)", N_("Previous"), show=False),
        Binding("down", "move(1)", N_("Next"), show=False),
    ]

    def __init__(self, line: tuple[int, str] | None, sale_total: str) -> None:
        super().__init__()
        self.line = line
        self.sale_total = sale_total

    def options(self) -> list[Option]:
        options = []
        if self.line is not None:
            line_no, name = self.line
            options += [Option(_("Line {line} {name}: amount or % off").format(line=line_no, name=name), id="line"),
                        Option(_("Line {line} {name}: new unit price").format(line=line_no, name=name), id="price")]
        options.append(Option(_("The whole sale ({total}): amount or % off").format(total=self.sale_total),
                              id="sale"))
        if self.line is not None:
            line_no, name = self.line
            options.append(Option(_("Line {line} {name}: new quantity").format(line=line_no, name=name), id="qty"))
        return options

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = _("Discount or price override")
            box.border_subtitle = _("supervisor")
            yield OptionList(*self.options(), id="kinds")
            yield Static(_("Up/Down choose; type 2.00 or 10% (a price: 9.90), Enter; Esc closes"), classes="hint")
            entry = ScanEntry(_("Value> "), id="entry")
            yield entry
            yield MessageLine()

    def on_mount(self) -> None:
        kinds = self.query_one(OptionList)
        kinds.can_focus = False
        kinds.highlighted = 0
        self.query_one(ScanEntry).focus()

    def action_move(self, step: int) -> None:
        kinds = self.query_one(OptionList)
        kinds.highlighted = min(max((kinds.highlighted or 0) + step, 0), kinds.option_count - 1)

    def on_scan_entry_submitted(self, message: ScanEntry.Submitted) -> None:
        message.stop()
        text = message.value.strip()
        if not text:
            self.query_one(MessageLine).error(_("type an amount (2.00) or a percent (10%), then Enter"))
            return
        kinds = self.query_one(OptionList)
        kind = kinds.get_option_at_index(kinds.highlighted or 0).id
        self.dismiss(Adjustment(kind, self.line[0] if self.line and kind != "sale" else None, text))

    def action_close(self) -> None:
        self.dismiss(None)
