"""Boxes over a lane screen: supervisor approval, yes/no, find (F2), price check (F3), held sales
(F5), help (F1), the wallet payment code, and the resolution of a payment whose outcome is unknown.
Each one returns its answer through ``dismiss``; Esc closes any of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from pos_tui.domain.cart import format_qty
from pos_tui.domain.money import Currency, format_amount
from pos_tui.i18n import N_, _
from pos_tui.tui.format import help_text, product_row, unresolved_lines
from pos_tui.tui.screen_size import SCREEN_CSS, TooSmall, fit
from pos_tui.tui.widgets.message_line import MessageLine
from pos_tui.tui.widgets.pin_entry import PinEntry
from pos_tui.tui.widgets.scan_entry import ScanEntry
from pos_tui.domain.frozen_records import FrozenRecord, frozen_record

if TYPE_CHECKING:
    from pos_tui.domain.permissions import Approval
    from pos_tui.services.views import PaymentRecord, ProductInfo

ResultT = TypeVar("ResultT")


def lane_refusals() -> tuple[type[Exception], ...]:
    """What a lane method refuses with, each one line for the cashier. Imported on first use: the
    sign-in screen is drawn before the lane and its store are loaded."""
    from pos_tui.services.errors import USER_ERRORS

    return USER_ERRORS


class LaneModal(ModalScreen[ResultT]):
    """A box in the middle of the lane screen, in the lane's 16 colours: never wider or taller than
    the terminal (its text wraps, its lists scroll); on a terminal too small for the lane, the notice
    that says so (``screen_size``)."""

    DEFAULT_CSS = SCREEN_CSS.format(screen="LaneModal") + """
    LaneModal {
        align: center middle;
        background: transparent;
    }
    LaneModal.-too-small {
        background: ansi_black;
    }
    LaneModal > Vertical {
        width: 76;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: solid ansi_cyan;
        border-title-color: ansi_bright_white;
        border-title-style: bold;
        background: ansi_black;
        color: ansi_white;
        padding: 0 1;
    }
    LaneModal Static.hint {
        color: ansi_cyan;
    }
    LaneModal OptionList, LaneModal OptionList:focus {
        height: auto;
        max-height: 15;
        border: none;
        padding: 0;
        background: ansi_black;
        scrollbar-size-vertical: 1;
    }
    LaneModal Input, LaneModal Input:focus {
        height: 1;
        border: none;
        padding: 0;
        background: ansi_black;
        color: ansi_bright_white;
    }
    """

    def _on_mount(self, event: events.Mount) -> None:
        self.mount(TooSmall())
        fit(self)

    def on_resize(self, event: events.Resize) -> None:
        fit(self)


class ConfirmModal(LaneModal[bool]):
    """A yes/no question. Only Y says yes: a stray Enter from the scanner must not confirm."""

    BINDINGS = [
        Binding("y", "answer(True)", N_("Yes"), show=False),
        Binding("n", "answer(False)", N_("No"), show=False),
        Binding("escape", "answer(False)", N_("No"), show=False),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = _("Confirm")
            yield Static(self.question, id="question")
            yield Static(_("Y = yes    N or Esc = no"), classes="hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class ApprovalModal(LaneModal["Approval | None"]):
    """A supervisor's name, then their PIN; ``approve(name, pin)`` checks them (the lane's approve).
    ``admin``: the action needs an admin, and the box asks for one."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), show=False)]

    def __init__(self, title: str, approve: Callable[[str, str], Approval], *, admin: bool = False) -> None:
        super().__init__()
        self.title_text = title
        self.approve = approve
        self.admin = admin
        self.supervisor: str | None = None

    def name_prompt(self) -> str:
        return _("Admin> ") if self.admin else _("Supervisor> ")

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            yield Static(_("An admin types their name, Enter, then their PIN, Enter.") if self.admin
                         else _("A supervisor types their name, Enter, then their PIN, Enter."), classes="hint")
            yield PinEntry(self.name_prompt(), id="entry")
            yield MessageLine()

    def on_mount(self) -> None:
        self.query_one(PinEntry).focus()

    def on_scan_entry_submitted(self, message: ScanEntry.Submitted) -> None:
        message.stop()
        entry = self.query_one(PinEntry)
        if self.supervisor is None:
            if message.value.strip():
                self.supervisor = message.value.strip()
                entry.ask(_("PIN for {name}> ").format(name=self.supervisor), masked=True)
            return
        try:
            approval = self.approve(self.supervisor, message.value)
        except lane_refusals() as exc:
            self.query_one(MessageLine).error(str(exc))
            self.supervisor = None
            entry.ask(self.name_prompt(), masked=False)
            return
        self.dismiss(approval)

    def action_cancel(self) -> None:
        self.dismiss(None)


class HelpModal(LaneModal[None]):
    """Every key of the screen underneath, with what it does; a list longer than the box scrolls
    (a store with department keys has more keys than 24 rows show), and the box's edge says so."""

    BINDINGS = [Binding("escape,f1,enter", "close", N_("Close"), show=False)]
    DEFAULT_CSS = """
    HelpModal VerticalScroll {
        height: auto;
        max-height: 20;
        background: ansi_black;
        /* No scrollbar: its block glyphs are not in every console font; the edge says how to scroll. */
        scrollbar-size-vertical: 0;
    }
    """

    def __init__(self, title: str, rows: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.rows = tuple(rows)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            box.border_subtitle = _("Esc closes")
            with VerticalScroll():
                yield Static(help_text(self.rows), id="keys")

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()
        self.call_after_refresh(self.say_how_to_scroll)

    def say_how_to_scroll(self) -> None:
        if self.query_one(VerticalScroll).max_scroll_y > 0:
            self.query_one(Vertical).border_subtitle = f"{_('Up/Down PgUp/PgDn scroll')}  {_('Esc closes')}"

    def action_close(self) -> None:
        self.dismiss(None)


class SearchModal(LaneModal[str | None]):
    """Find by name: results from the database as the cashier types; Enter returns the SKU."""

    BINDINGS = [
        Binding("escape", "close", N_("Close"), show=False),
        Binding("up", "move(-1)", N_("Previous"), show=False),
        Binding("down", "move(1)", N_("Next"), show=False),
    ]

    def __init__(self, search: Callable[[str], list[ProductInfo]], cur: Currency, text: str = "") -> None:
        super().__init__()
        self.search = search
        self.cur = cur
        self.initial_text = text

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = _("Find by name")
            yield Input(self.initial_text, placeholder=_("type part of a name"), compact=True, select_on_focus=False,
                        id="query")
            yield OptionList(id="results")
            yield MessageLine()

    def on_mount(self) -> None:
        query = self.query_one(Input)
        query.cursor_blink = False
        self.query_one(OptionList).can_focus = False
        query.focus()
        self.show_results(self.initial_text)

    def on_input_changed(self, message: Input.Changed) -> None:
        message.stop()
        self.show_results(message.value)

    def show_results(self, text: str) -> None:
        results = self.query_one(OptionList)
        results.clear_options()
        try:
            found = self.search(text)
        except lane_refusals() as exc:
            self.query_one(MessageLine).error(str(exc))
            return
        width = max(self.query_one(Input).size.width, 60)
        results.add_options(
            Option(product_row(p.name, p.price, p.unit, p.barcodes[0] if p.barcodes else p.sku, self.cur, width),
                   id=p.sku)
            for p in found
        )
        if found:
            results.highlighted = 0
        hint = _("{count} found: Up/Down choose, Enter adds, Esc closes").format(count=len(found)) if found else (
            _("no product has that in its name") if text.strip() else _("type part of a name (Chinese or Latin)"))
        self.query_one(MessageLine).info(hint)

    def action_move(self, step: int) -> None:
        results = self.query_one(OptionList)
        if results.option_count:
            current = results.highlighted or 0
            results.highlighted = min(max(current + step, 0), results.option_count - 1)

    def on_input_submitted(self, message: Input.Submitted) -> None:
        message.stop()
        results = self.query_one(OptionList)
        if results.highlighted is None:
            return
        self.dismiss(results.get_option_at_index(results.highlighted).id)

    def action_close(self) -> None:
        self.dismiss(None)


class PriceCheckModal(LaneModal[str | None]):
    """Type or scan a code: the product's name, price and stock, without selling it; Enter on the
    empty line then adds the product shown to the sale (the box answers with its code)."""

    BINDINGS = [Binding("escape", "close", N_("Close"), show=False)]

    def __init__(self, price_check: Callable[[str], ProductInfo], cur: Currency, code: str = "") -> None:
        super().__init__()
        self.price_check = price_check
        self.cur = cur
        self.initial_code = code
        self.shown_code: str | None = None  # the code of the product shown, for Enter to add

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = _("Price check")
            yield Static("", id="product")
            yield ScanEntry(_("Code> "), id="entry")
            yield MessageLine()

    def on_mount(self) -> None:
        self.query_one(ScanEntry).focus()
        if self.initial_code.strip():
            self.check(self.initial_code)
        else:
            self.query_one(MessageLine).info(_("Scan or type a code, Enter; Esc closes"))

    def on_scan_entry_submitted(self, message: ScanEntry.Submitted) -> None:
        message.stop()
        if message.value.strip():
            self.check(message.value)
        elif self.shown_code is not None:
            self.dismiss(self.shown_code)

    def check(self, code: str) -> None:
        product_box = self.query_one("#product", Static)
        self.shown_code = None
        try:
            product = self.price_check(code)
        except lane_refusals() as exc:
            product_box.update("")
            self.query_one(MessageLine).error(str(exc))
            return
        product_box.update(product_text(product, self.cur))
        if product.active:
            self.shown_code = code.strip()
            self.query_one(MessageLine).info(_("Enter adds it to the sale; scan another code, or Esc to close"))
        else:
            self.query_one(MessageLine).info(_("Scan another code, or Esc to close"))

    def action_close(self) -> None:
        self.dismiss(None)


def product_text(product: ProductInfo, cur: Currency) -> Text:
    """The price-check answer: name, codes, price per unit, stock."""
    price = format_amount(product.price, cur, symbol=True)
    stock = _("not counted") if product.stock is None else format_qty(product.unit, product.stock)
    codes = ", ".join(product.barcodes) or _("none")
    text = Text()
    text.append(product.name, style="bold")
    if not product.active:
        text.append("  " + _("(not for sale)"))
    text.append("\n" + _("SKU {sku}   codes {codes}").format(sku=product.sku, codes=codes) + "\n")
    text.append(_("Price {price} per kg").format(price=price) if product.unit == "kg"
                else _("Price {price} each").format(price=price), style="bold")
    text.append("   " + _("Stock {stock}").format(stock=stock))
    return text


class RecallModal(LaneModal[int | None]):
    """The held sales of this lane; Enter recalls the highlighted one."""

    BINDINGS = [Binding("escape", "close", N_("Close"), show=False)]

    def __init__(self, rows: Sequence[tuple[int, str]]) -> None:
        super().__init__()
        self.rows = tuple(rows)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = _("Held sales")
            yield OptionList(*(Option(text, id=str(sale_id)) for sale_id, text in self.rows), id="held")
            yield Static(_("Up/Down choose, Enter recalls, Esc closes"), classes="hint")

    def on_mount(self) -> None:
        held = self.query_one(OptionList)
        held.highlighted = 0
        held.focus()

    def on_option_list_option_selected(self, message: OptionList.OptionSelected) -> None:
        message.stop()
        self.dismiss(int(message.option.id))

    def action_close(self) -> None:
        self.dismiss(None)


class WalletCodeModal(LaneModal[ResultT]):
    """Scan the customer's payment code; ``begin(code)`` starts the wallet payment and its answer is
    the result. A refused code (neither Alipay nor WeChat Pay, a limit) shows here: scan again or Esc."""

    BINDINGS = [Binding("escape", "close", N_("Close"), show=False)]

    def __init__(self, begin: Callable[[str], ResultT], amount_line: str) -> None:
        super().__init__()
        self.begin = begin
        self.amount_line = amount_line

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = _("Wallet payment")
            yield Static(self.amount_line, id="amount")
            yield Static(_("Scan the customer's payment code (Alipay or WeChat Pay); Esc closes"), classes="hint")
            yield ScanEntry(_("Code> "), id="entry")
            yield MessageLine()

    def on_mount(self) -> None:
        self.query_one(ScanEntry).focus()

    def on_scan_entry_submitted(self, message: ScanEntry.Submitted) -> None:
        message.stop()
        code = message.value.strip()
        if not code:
            return
        try:
            begun = self.begin(code)
        except lane_refusals() as exc:
            self.query_one(MessageLine).error(str(exc))
            return
        self.dismiss(begun)

    def action_close(self) -> None:
        self.dismiss(None)


@frozen_record
class Resolution(FrozenRecord):
    """What the terminal's own ticket says about one attempt: charged (with its auth code) or not."""

    payment_id: int
    charged: bool
    auth_code: str = ""


class ResolveModal(LaneModal[Resolution | None]):
    """A payment whose outcome is unknown: A = approved on the ticket (then its auth code), N = not
    charged. Letters, not Enter, decide: a stray Enter from the scanner must not resolve money."""

    # Nothing takes the keys until A: the letters A and N are the answers, not text.
    AUTO_FOCUS = ""
    BINDINGS = [
        Binding("a", "charged", N_("Approved"), show=False),
        Binding("n", "not_charged", N_("Not charged"), show=False),
        Binding("escape", "close", N_("Later"), show=False),
    ]

    def __init__(self, payment: PaymentRecord, cur: Currency) -> None:
        super().__init__()
        self.payment = payment
        self.cur = cur

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = _("Payment outcome unknown")
            box.border_subtitle = _("supervisor")
            yield Static("\n".join(unresolved_lines(self.payment, self.cur)), id="attempt")
            yield Static("\n" + _("Find this reference and amount on the terminal's last ticket:"), id="question")
            yield Static(
                "A    " + _("approved on the terminal's ticket: enter auth code") + "\n"
                "N    " + _("not charged") + "\n"
                "Esc  " + _("later (card, wallet and cash stay refused until it is resolved)"),
                classes="hint",
            )
            entry = ScanEntry(_("Auth code> "), id="entry")
            entry.display = False
            yield entry
            yield MessageLine()

    def action_charged(self) -> None:
        entry = self.query_one(ScanEntry)
        entry.display = True
        entry.focus()
        self.query_one(MessageLine).info(_("Type the auth code printed on the ticket, then Enter"))

    def action_not_charged(self) -> None:
        self.dismiss(Resolution(self.payment.id, charged=False))

    def on_scan_entry_submitted(self, message: ScanEntry.Submitted) -> None:
        message.stop()
        code = message.value.strip()
        if not code:
            self.query_one(MessageLine).error(_("type the auth code printed on the terminal's ticket"))
            return
        self.dismiss(Resolution(self.payment.id, charged=True, auth_code=code))

    def action_close(self) -> None:
        self.dismiss(None)
