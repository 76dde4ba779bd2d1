"""Returns (F7): the receipt number typed or scanned, the sale's lines with what was sold and
what came back already, the lines and quantities picked, then the refund.

``ReturnDesk`` drives a return for the app: the lane commits it (a supervisor approves), then
each card or wallet refund goes out like a payment: committed as pending first, sent from a
worker (``RefundRun`` in the app's one payment slot, ``RefundWaitModal`` showing the wait), its
outcome committed on the UI thread. A declined refund is paid in cash with a supervisor, or the
return is cancelled; an unknown one is resolved from the terminal's ticket. Once the refunds
cover it, the return is numbered and its refund receipt prints.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from pos_tui.domain.entry import parse_quantity
from pos_tui.domain.errors import DomainError
from pos_tui.domain.money import Currency, format_amount
from pos_tui.domain.payment import method_label, method_name
from pos_tui.i18n import N_, _, ngettext
from pos_tui.services.errors import USER_ERRORS
from pos_tui.tui.format import figure_rows, labelled_lines, refund_title, return_row, waited_text
from pos_tui.tui.payment_run import PaymentRun, RefundRun
from pos_tui.tui.screens.modals import LaneModal, Resolution, ResolveModal
from pos_tui.tui.screens.settlement_modals import LetterMenuModal
from pos_tui.tui.widgets.message_line import MessageLine
from pos_tui.tui.widgets.scan_entry import ScanEntry

if TYPE_CHECKING:
    from collections.abc import Callable

    from pos_tui.services.lane.returns import ReturnView
    from pos_tui.services.views import ReturnableLine, ReturnableSale
    from pos_tui.tui.host import LaneHost


@dataclass(frozen=True)
class ReturnRequest:
    receipt_no: str
    picks: dict[int, int]  # line number -> quantity in thousandths
    to_cash: bool
    without_receipt: bool = False  # F4: no receipt; an amount and a reason follow, refunded in cash


def kept_amount(payment) -> int:
    """A tender as the drawer or the account saw it: cash tendered less change, else its amount."""
    if payment.method == "cash" and payment.tendered:
        return payment.tendered - payment.change
    return payment.amount


class ReturnModal(LaneModal[ReturnRequest | None]):
    """The receipt number, Enter; then Up/Down to a line and its quantity, Enter (Enter alone: all
    that is left, or none again). F10 refunds to the tenders the customer paid with, F2 all in cash."""

    # The line list never has the focus (the entry has it): its highlight must show anyway.
    DEFAULT_CSS = """
    ReturnModal OptionList > .option-list--option-highlighted { background: ansi_white; color: ansi_black; }
    """

    BINDINGS = [
        Binding("escape", "close", N_("Close"), show=False),
        Binding("up", "move(-1)", N_("Previous"), show=False),
        Binding("down", "move(1)", N_("Next"), show=False),
        Binding("f10", "refund(False)", N_("Refund"), show=False),
        Binding("f2", "refund(True)", N_("Cash"), show=False),
        Binding("f4", "without_receipt", N_("No receipt"), show=False),
    ]

    def __init__(self, find: Callable[[str], ReturnableSale], cur: Currency,
                 preview: Callable[..., object] | None = None) -> None:
        super().__init__()
        self.find = find
        self.preview = preview
        self.cur = cur
        self.sale: ReturnableSale | None = None
        self.picks: dict[int, int] = {}

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = _("Return")
            box.border_subtitle = _("supervisor")
            yield Static(_("Type or scan the receipt number, Enter; F4 no receipt; Esc closes"), id="sale",
                         classes="hint")
            lines = OptionList(id="lines")
            lines.display = False
            yield lines
            yield Static("", id="refund")
            yield ScanEntry(_("Receipt> "), id="entry")
            yield MessageLine()

    def on_mount(self) -> None:
        self.query_one(OptionList).can_focus = False
        self.query_one(ScanEntry).focus()

    def on_scan_entry_submitted(self, message: ScanEntry.Submitted) -> None:
        message.stop()
        if self.sale is None:
            if message.value.strip():
                self.look_up(message.value.strip())
            return
        self.pick(message.value.strip())

    def look_up(self, receipt_no: str) -> None:
        try:
            sale = self.find(receipt_no)
        except USER_ERRORS as exc:
            self.query_one(MessageLine).error(str(exc))
            return
        if not any(line.returnable_milli for line in sale.lines):
            self.query_one(MessageLine).error(
                _("everything on receipt {receipt} has come back already").format(receipt=sale.sale.receipt_no))
            return
        self.sale, self.picks = sale, {}
        record = sale.sale
        # What each tender really took: cash as it stayed in the drawer (rounded, after change).
        paid = ", ".join(f"{method_name(p.method)} {format_amount(kept_amount(p), self.cur)}" for p in sale.payments)
        when = f"{record.closed_at:%Y-%m-%d %H:%M}" if record.closed_at else ""
        self.query_one("#sale", Static).update("\n".join((
            _("Receipt {receipt}  {when}  total {total}").format(
                receipt=record.receipt_no, when=when, total=format_amount(record.total, self.cur, symbol=True)),
            _("Paid: {payments}").format(payments=paid or "-"),
            _("Up/Down a line, its quantity + Enter (Enter alone: all of it). F10 refund to the same tenders, "
              "F2 all in cash."))))
        lines = self.query_one(OptionList)
        lines.display = True
        self.show_lines()
        lines.highlighted = next(i for i, line in enumerate(sale.lines) if line.returnable_milli)
        self.query_one(ScanEntry).set_prompt(_("Quantity> "))
        self.query_one(MessageLine).clear()

    def show_lines(self) -> None:
        lines = self.query_one(OptionList)
        rows = [(str(line.line_no), return_row(line.line_no, line.name, line.unit, line.qty_milli,
                                               line.returned_milli, self.picks.get(line.line_no, 0)),
                 not line.returnable_milli) for line in self.sale.lines]
        if lines.option_count == len(rows):
            # The same lines: new prompts in place, so the highlight a quick Up/Down just moved stays put.
            for option_id, prompt, _disabled in rows:
                lines.replace_option_prompt(option_id, prompt)
            return
        lines.clear_options()
        lines.add_options(Option(prompt, id=option_id, disabled=disabled) for option_id, prompt, disabled in rows)

    @property
    def line(self) -> ReturnableLine:
        return self.sale.lines[self.query_one(OptionList).highlighted or 0]

    def action_move(self, step: int) -> None:
        if self.sale is None:
            return
        lines = self.query_one(OptionList)
        index = lines.highlighted or 0
        while 0 <= index + step < len(self.sale.lines):
            index += step
            if self.sale.lines[index].returnable_milli:
                lines.highlighted = index
                return

    def pick(self, text: str) -> None:
        line = self.line
        if not text:
            qty = 0 if line.line_no in self.picks else line.returnable_milli
        elif text == "0":
            qty = 0
        else:
            try:
                qty = parse_quantity(text)
            except DomainError as exc:
                self.query_one(MessageLine).error(str(exc))
                return
        if qty > line.returnable_milli:
            self.query_one(MessageLine).error(_("line {line} ({name}): only {qty} left to return").format(
                line=line.line_no, name=line.name, qty=f"{line.returnable_milli / 1000:g}"))
            return
        if qty:
            self.picks[line.line_no] = qty
        else:
            self.picks.pop(line.line_no, None)
        self.show_lines()
        count = len(self.picks)
        self.query_one(MessageLine).info(ngettext("{count} line to return", "{count} lines to return", count).format(
            count=count) if count else _("No line picked yet"))
        self.show_refund()

    def show_refund(self) -> None:
        """The refund so far, before any supervisor is asked: its total and what goes back on each
        tender (cash as it leaves the drawer)."""
        box = self.query_one("#refund", Static)
        if self.preview is None or not self.picks:
            box.update("")
            return
        try:
            preview = self.preview(self.sale.sale.receipt_no, dict(self.picks))
        except USER_ERRORS as exc:
            self.query_one(MessageLine).error(str(exc))
            return
        parts = ", ".join(f"{method_name(method)} {format_amount(amount, self.cur)}"
                          for method, amount in preview.refunds)
        box.update(_("Refund {amount}: {tenders}").format(
            amount=format_amount(preview.total, self.cur, symbol=True), tenders=parts))

    def action_without_receipt(self) -> None:
        if self.sale is None:
            self.dismiss(ReturnRequest("", {}, True, without_receipt=True))

    def action_refund(self, to_cash: bool) -> None:
        if self.sale is None:
            return
        if not self.picks:
            self.query_one(MessageLine).error(_("pick a line first: Up/Down, then Enter"))
            return
        self.dismiss(ReturnRequest(self.sale.sale.receipt_no, dict(self.picks), to_cash))

    def action_close(self) -> None:
        self.dismiss(None)


class RefundWaitModal(LaneModal[None]):
    """A card or wallet refund on its way: amount, reference, what the terminal says, seconds
    waited. Esc: how to cancel (the app's cancel, as for a payment)."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), show=False)]

    def __init__(self, run: RefundRun, cur: Currency) -> None:
        super().__init__()
        self.run = run
        self.cur = cur
        self._clock: Timer | None = None

    def compose(self) -> ComposeResult:
        attempt = self.run.attempt
        with Vertical() as box:
            box.border_title = refund_title(attempt.method)
            yield Static("\n".join(labelled_lines([(_("Refund"), format_amount(attempt.amount, self.cur, symbol=True)),
                                                   (_("Reference"), attempt.reference)])), id="amount")
            yield Static(self.run.progress, id="progress")
            yield Static("", id="waited")
            yield MessageLine()

    def on_mount(self) -> None:
        self._clock = self.set_interval(1.0, self.show_waited)
        self.show_waited()

    def show_progress(self, run: PaymentRun) -> None:
        self.query_one("#progress", Static).update(run.progress)

    def show_waited(self) -> None:
        self.query_one("#waited", Static).update(waited_text(time.monotonic() - self.run.started))

    def action_cancel(self) -> None:
        self.app.cancel_payment()


class RefundDoneModal(LaneModal[None]):
    """The return is refunded: how much went back on each tender (the cash to hand over), and the
    refund receipt's number."""

    BINDINGS = [Binding("escape,enter", "close", N_("Close"), show=False)]

    def __init__(self, ret: ReturnView, cur: Currency) -> None:
        super().__init__()
        self.ret = ret
        self.cur = cur

    def compose(self) -> ComposeResult:
        refunds = [(method_label(p.method), kept_amount(p)) for p in self.ret.settled]
        cash = sum(kept_amount(p) for p in self.ret.settled if p.method == "cash")
        rounding = sum(kept_amount(p) - p.amount for p in self.ret.settled if p.method == "cash")
        if rounding:
            refunds.append((_("incl. cash rounding"), rounding))
        with Vertical() as box:
            box.border_title = _("Refunded: receipt {receipt}").format(receipt=self.ret.receipt_no)
            yield Static("\n".join(figure_rows([*refunds, (_("Total"), self.ret.refunded + rounding)], self.cur)),
                         id="refunds")
            if cash:
                yield Static("\n" + _("Give the customer {amount} from the drawer.").format(
                    amount=format_amount(cash, self.cur, symbol=True)), id="cash")
            yield Static(_("The refund receipt prints now. Enter or Esc closes"), classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)


class ReturnDesk:
    """One return at a time, from the receipt number to the refund receipt."""

    def __init__(self, app: LaneHost) -> None:
        self.app = app

    @property
    def lane(self):
        return self.app.lane

    def start(self) -> None:
        """F7: go on with a return left unfinished on the lane, else look up a receipt."""
        if self.app.payment is not None:
            return
        unfinished = self.app.ask_lane(self.lane.returns.open_return)
        if unfinished is not None:
            self.carry_on(unfinished)
            return
        self.app.push_screen(ReturnModal(self.lane.returns.find_return, self.lane.currency,
                                         self.lane.returns.preview_return), self.requested)

    def requested(self, request: ReturnRequest | None) -> None:
        if request is None:
            self.app.say_after_box(_("No return"))
            return
        if request.without_receipt:
            from pos_tui.tui.screens.settlement_modals import MovementModal

            self.app.push_screen(MovementModal(_("Return without receipt"), _(
                "The amount to give back in cash, Enter; then the reason, Enter. A supervisor approves")),
                self.without_receipt)
            return
        self.app.call_lane(self.lane.returns.start_return, request.receipt_no, request.picks, to_cash=request.to_cash,
                           then=self.carry_on, approvable=True)

    def without_receipt(self, movement) -> None:
        if movement is None:
            self.app.say_after_box(_("No return"))
            return
        self.app.call_lane(self.lane.returns.start_return_without_receipt, movement.amount_text, movement.reason,
                           then=self.carry_on, approvable=True)

    def carry_on(self, ret: ReturnView) -> None:
        """The next step of a return the lane has committed, whatever state it is in."""
        self.app.show(self.lane.view())
        if ret.done:
            # Its refund receipt is on the lane's receipt queue already (the lane announced the refund).
            self.app.push_screen(RefundDoneModal(ret, self.lane.currency))
        elif ret.unresolved:
            self.app.push_screen(ResolveModal(ret.unresolved[0], self.lane.currency), partial(self.resolved, ret))
        elif ret.planned:
            self.send_refund(ret)
        else:
            choices = [("c", _("Refund the rest in cash (supervisor)")), ("x", _("Cancel the return (supervisor)"))]
            self.app.push_screen(LetterMenuModal(_("Refund not made"), choices, ret.message),
                                 partial(self.after_failed_refund, ret))

    def send_refund(self, ret: ReturnView) -> None:
        attempt = self.app.ask_lane(self.lane.payments.begin_refund, ret.return_id)
        if attempt is None:
            return
        run = RefundRun(attempt, _("refunding {amount} to {method}").format(
            amount=format_amount(attempt.amount, self.lane.currency, symbol=True), method=method_name(attempt.method)))
        work = (partial(self.lane.payments.run_refund, attempt, on_progress=self.app.report_progress, cancel=run.cancel)
                if attempt.method == "card" else partial(self.lane.payments.run_refund, attempt))
        self.app.push_screen(RefundWaitModal(run, self.lane.currency))
        self.app.start_payment(run, work)

    def refund_ended(self, run: RefundRun, outcome: object) -> None:
        """The worker's outcome: committed by the lane, then the return's next step."""
        while any(isinstance(screen, RefundWaitModal) for screen in self.app.screen_stack):
            self.app.pop_screen()
        self.app.call_lane(self.lane.payments.finish_refund, run.attempt, outcome, then=self.carry_on)

    def resolved(self, ret: ReturnView, answer: Resolution | None) -> None:
        if answer is None:
            key = self.app.keymap.binding("items.return_sale").display_key
            self.app.say_after_box(_("The refund's outcome is still unknown: {key} resolves it (supervisor)").format(
                key=key), error=True)
            return
        self.app.call_lane(self.lane.payments.resolve_refund, answer.payment_id, refunded=answer.charged,
                           auth_code=answer.auth_code, then=self.carry_on, approvable=True)

    def after_failed_refund(self, ret: ReturnView, choice: str | None) -> None:
        if choice == "c":
            self.app.call_lane(self.lane.payments.refund_rest_in_cash, ret.return_id, then=self.carry_on,
                               approvable=True)
        elif choice == "x":
            self.app.run_intent(self.lane.returns.cancel_return, ret.return_id, approvable=True)
        else:
            key = self.app.keymap.binding("items.return_sale").display_key
            self.app.say_after_box(_("The return waits for its refund: {key} goes on with it").format(key=key),
                                   error=True)
