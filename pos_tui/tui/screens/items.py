"""IDLE / ENTERING_ITEMS: the entry line and the cart, totals always in view.

Every submitted entry goes to ``lane.items.enter`` synchronously, in arrival order: the line is
committed before it is drawn, and the next scan waits behind it in the queue.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from dataclasses import replace

from textual import events, work
from textual.app import ComposeResult

from pos_tui.config import Department
from pos_tui.domain.checkout import State
from pos_tui.domain.money import format_amount
from pos_tui.domain.permissions import Action, Approval
from pos_tui.i18n import N_, _
from pos_tui.services.lane import LaneView
from pos_tui.services.lane.weighing import NeedsWeight
from pos_tui.tui.format import cart_rows, help_rows, item_figures, member_label, qty_prompt, suspended_row
from pos_tui.tui.keymap import DEFAULT_KEYMAP, KeyBinding
from pos_tui.tui.screens.lane_screen import LaneScreen
from pos_tui.tui.screens.modals import ConfirmModal, PriceCheckModal, RecallModal, SearchModal
from pos_tui.tui.screens.settlement_modals import Adjustment, DiscountModal
from pos_tui.tui.widgets.cart_view import CartLine as CartRow
from pos_tui.tui.widgets.cart_view import CartView
from pos_tui.tui.widgets.change_banner import ChangeBanner
from pos_tui.tui.widgets.message_line import MessageLine
from pos_tui.tui.widgets.scan_entry import ScanEntry
from pos_tui.tui.weighing import Weighing, WeightRead, read_weight
from pos_tui.tui.widgets.totals_bar import TotalsBar

QUANTITY_PREFIX = re.compile(r"^\d+(\.\d+)?\*$")


def show_rows(cart: CartView, rows: Sequence[CartRow]) -> None:
    """Bring the cart box up to ``rows`` touching as little as possible: a scan appends one row,
    a void replaces one (the selection stays), anything else redraws the whole cart."""
    shown = cart.lines
    if len(rows) >= len(shown) and tuple(rows[: len(shown)]) == shown:
        for row in rows[len(shown):]:
            cart.append_line(row)
    elif len(rows) == len(shown) and all(new.line_no == old.line_no for new, old in zip(rows, shown)):
        for new, old in zip(rows, shown):
            if new != old:
                cart.replace_line(new)
    else:
        cart.set_lines(rows)


class ItemsScreen(LaneScreen):
    KEYS = "items"
    TITLE_TEXT = N_("items")
    ENTRY_HELP = (
        ("Enter", N_("add the code typed or scanned (barcode, PLU or SKU)")),
        ("3*", N_("quantity for the item: 3*code, or 3* then scan; 1.25* for kg")),
        ("Esc", N_("clear the entry line")),
    )
    BINDINGS = DEFAULT_KEYMAP.textual_bindings("items")

    def compose(self) -> ComposeResult:
        yield self.status_header()
        yield CartView(id="cart")
        yield ChangeBanner(id="change")
        yield TotalsBar(id="totals")
        yield ScanEntry(id="entry")
        yield MessageLine()
        yield self.key_footer()

    def footer_keys(self) -> list[KeyBinding]:
        """The keymap's keys, each department's key (its name as the label), then leaving."""
        departments = [KeyBinding("items.department", d.key, d.name) for d in self.pos.lane.config.departments]
        return [*self.pos.keymap.footer(self.KEYS), *departments, *self.leaving_keys()]

    @property
    def departments(self) -> dict[str, Department]:
        return {department.key: department for department in self.pos.lane.config.departments}

    def render_view(self, view: LaneView) -> None:
        super().render_view(view)
        cur = self.pos.lane.currency
        cart = self.query_one(CartView)
        show_rows(cart, cart_rows(view.lines, cur, view.discount_text, view.promotions, member_label(view)))
        cart.border_title = _("Sale (open)") if view.state is State.ENTERING_ITEMS else self.idle_title()
        self.query_one(TotalsBar).set_figures(item_figures(view, cur))
        # The change of the sale just paid stays in view until the next sale starts.
        change = view.change if view.state is State.IDLE else 0
        self.query_one(ChangeBanner).show_change(_("CHANGE"), format_amount(change, cur, symbol=True) if change else "")
        self.query_one(ScanEntry).set_prompt(qty_prompt(view))

    def idle_title(self) -> str:
        if self.pos.shift is None:
            key = self.pos.keymap.binding("items.shift").display_key
            return _("No shift open: {key} then O counts the float").format(key=key)
        return _("Ready for the next sale")

    def help_rows(self) -> list[tuple[str, str]]:
        return help_rows(self.pos.keymap.for_screen(self.KEYS), self.ENTRY_HELP, self.pos.lane.config.departments,
                         [self.pos.quit_help()])

    # ------------------------------------------------------------------ entry and departments

    def enter_typed_after_sign_in(self, typed: list[str]) -> None:
        for text in typed:
            self.enter_code(text)

    def on_scan_entry_submitted(self, message: ScanEntry.Submitted) -> None:
        message.stop()
        if message.value.strip():
            self.enter_code(message.value.strip())

    # ------------------------------------------------------------------ weighed items (tui.weighing)

    weighing: Weighing | None = None

    def enter_code(self, text: str) -> None:
        """An entry for the lane, or, while the scale is being read, for after it."""
        if self.weighing is None:
            self.weighing = Weighing()
        if not self.weighing.hold(text):
            self.pos.run_intent(self.enter_or_weigh, text, confirmable=True, approvable=True)

    def enter_or_weigh(self, text: str, *, confirmed: bool = False, approval: Approval | None = None) -> LaneView:
        """``lane.items.enter``; a weighed item on a lane with a scale is weighed first."""
        try:
            return self.pos.lane.items.enter(text, confirmed=confirmed, approval=approval)
        except NeedsWeight as need:
            self.weighing.begin(need)
            self.read_scale(need)
            return replace(self.pos.lane.view(), message=str(need), message_is_error=False)

    @work(thread=True, exit_on_error=False, name="read the scale")
    def read_scale(self, need: NeedsWeight) -> None:
        self.post_message(read_weight(self.pos.lane, need, self.weighing.cancel))

    def on_weight_read(self, message: WeightRead) -> None:
        held = self.weighing.end()
        if message.reading is None:
            self.pos.say(message.error, error=True)
        else:
            self.pos.run_intent(self.pos.lane.items.add_weighed, message.need.code, message.reading)
        for text in held:
            self.enter_code(text)

    def on_key(self, event: events.Key) -> None:
        if event.key == "escape" and self.weighing is not None and self.weighing.need is not None:
            self.weighing.cancel.set()
            return
        if event.key == "escape" and self.pos.view is not None and self.pos.view.price_wanted_for:
            event.stop()
            self.pos.run_intent(self.pos.lane.items.drop_pending_price)
            return
        department = self.departments.get(event.key)
        if department is None:
            return
        event.stop()
        event.prevent_default()
        self.pos.run_intent(self.pos.lane.items.sell_department, department, self.take_entry(), confirmable=True)

    def take_entry(self) -> str:
        """What the cashier typed before a command key; the entry is cleared for the next scan."""
        entry = self.query_one(ScanEntry)
        value = entry.value
        entry.clear()
        return value

    # ------------------------------------------------------------------ command keys

    def action_line_up(self) -> None:
        self.query_one(CartView).select_previous()

    def action_line_down(self) -> None:
        self.query_one(CartView).select_next()

    def action_find(self) -> None:
        typed = self.take_entry().strip()
        prefix, text = (typed, "") if QUANTITY_PREFIX.match(typed) else ("", typed)
        lane = self.pos.lane

        def chosen(sku: str | None) -> None:
            if sku is not None:
                self.enter_code(prefix + sku)

        self.app.push_screen(SearchModal(lane.items.search, lane.currency, text), chosen)

    def action_price_check(self) -> None:
        lane = self.pos.lane

        def chosen(code: str | None) -> None:
            if code is not None:
                self.pos.run_intent(lane.items.enter, code, confirmable=True)

        self.app.push_screen(PriceCheckModal(lane.items.price_check, lane.currency, self.take_entry()), chosen)

    def selected_sale_line(self) -> CartRow | None:
        """The selected row when it is a sale line (not the whole-sale discount's row)."""
        line = self.query_one(CartView).selected_line
        return line if line is not None and line.line_no > 0 else None

    def action_member(self) -> None:
        from pos_tui.tui.screens.member import MemberModal

        def chosen(number: str | None) -> None:
            if number is not None:
                self.pos.run_intent(self.pos.lane.items.identify_member, number)

        self.app.push_screen(MemberModal(), chosen)

    def action_void_line(self) -> None:
        line = self.selected_sale_line()
        if line is None:
            self.say(_("No line to void: scan an item first"), error=True)
            return
        self.pos.run_intent(self.pos.lane.items.void_line, line.line_no, approvable=True)

    def action_suspend(self) -> None:
        lane = self.pos.lane
        if lane.state is State.ENTERING_ITEMS:
            self.pos.run_intent(lane.items.suspend)
            return
        held = lane.items.suspended()
        if not held:
            self.say(_("No sale is on hold"))
            return
        rows = [
            (record.id, suspended_row(f"{record.opened_at:%m-%d %H:%M}", record.cashier, items, total, lane.currency))
            for record, items, total in held
        ]

        def chosen(sale_id: int | None) -> None:
            if sale_id is not None:
                self.pos.run_intent(lane.items.recall, sale_id)

        self.app.push_screen(RecallModal(rows), chosen)

    def action_reprint(self) -> None:
        self.pos.run_intent(self.pos.lane.receipts.request_reprint)  # the receipt queue prints it

    def action_total(self) -> None:
        self.pos.run_intent(self.pos.lane.payments.total)

    def action_void_sale(self) -> None:
        lane = self.pos.lane
        if lane.people.needs_approval(Action.VOID_SALE):
            self.pos.run_intent(lane.items.void_sale, approvable=True)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.pos.run_intent(lane.items.void_sale, approvable=True)

        self.app.push_screen(ConfirmModal(_("Void the whole sale?")), answered)

    def action_lock(self) -> None:
        self.pos.run_intent(self.pos.lane.people.lock)

    def action_discount(self) -> None:
        """F6: an amount or percent off the selected line or the whole sale, or a new price."""
        view = self.pos.view
        if not view.lines:
            self.say(_("Discounts and price overrides need an open sale: scan an item first"), error=True)
            return
        line = self.selected_sale_line()
        names = {sold.line_no: sold.name for sold in view.lines}
        target = (line.line_no, names[line.line_no]) if line is not None and not line.voided else None
        lane = self.pos.lane

        def chosen(adjustment: Adjustment | None) -> None:
            if adjustment is None:
                self.pos.say_after_box(_("No discount"))
            elif adjustment.kind == "line":
                self.pos.run_intent(lane.items.discount_line, adjustment.line_no, adjustment.text, approvable=True)
            elif adjustment.kind == "qty":
                self.pos.run_intent(lane.items.set_quantity, adjustment.line_no, adjustment.text, confirmable=True)
            elif adjustment.kind == "price":
                self.pos.run_intent(lane.items.override_price, adjustment.line_no, adjustment.text, approvable=True)
            else:
                self.pos.run_intent(lane.items.discount_sale, adjustment.text, approvable=True)

        total = format_amount(view.totals.total, lane.currency, symbol=True)
        self.app.push_screen(DiscountModal(target, total), chosen)

    def action_return_sale(self) -> None:
        self.pos.start_return()

    def action_no_sale(self) -> None:
        self.pos.no_sale()

    def action_shift(self) -> None:
        self.pos.shift_menu()
