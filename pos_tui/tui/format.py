"""What the screens show, as text: a ``LaneView`` turned into widget rows and figures.

Money goes through ``format_amount`` and quantities through ``format_qty`` only; columns are
padded by terminal cells, so Chinese and Latin names line up.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from pos_tui.config import Department
from pos_tui.domain.cart import CartLine, format_qty
from pos_tui.domain.display_width import cell_width, pad_cells, truncate_cells
from pos_tui.domain.money import Currency, format_amount
from pos_tui.domain.payment import PaymentStatus, method_label, method_name, status_name
from pos_tui.domain.text import neutralise
from pos_tui.i18n import N_, _, ngettext, pgettext, translated
from pos_tui.tui.keymap import KeyBinding, display_key
from pos_tui.tui.widgets.cart_view import CartLine as CartRow

if TYPE_CHECKING:
    from pos_tui.domain.promotions import Discount
    from pos_tui.services.lane import LaneView
    from pos_tui.services.views import PaymentRecord

Figures = tuple[tuple[str, str], ...]


DISCOUNT_ROW = 0  # the line number of the whole-sale discount's row (no sale line has it)
MEMBER_ROW = -1_000_000  # the member's row: first, below every promotion row's number


def cart_row(line: CartLine, cur: Currency) -> CartRow:
    """One sale line as the cart box shows it: its amount after its own discount (named beside it);
    a voided line shows the amount it counts for (0). A whole-sale discount has its own row."""
    name = neutralise(line.name)
    if line.line_discount and not line.voided:
        name += "  " + _("disc. {amount}").format(amount=format_amount(-line.line_discount, cur))
    return CartRow(
        line_no=line.line_no,
        name=name,
        qty=format_qty(line.unit, line.qty_milli),
        price=format_amount(line.unit_price, cur),
        amount=format_amount(line.shown_net, cur),
        voided=line.voided,
    )


def sale_discount_label(text: str) -> str:
    """The whole-sale discount's row: "Discount 10%", or "Sale discount" when typed as an amount."""
    return _("Discount {rate}").format(rate=text) if text.endswith("%") else _("Sale discount")


def member_label(view: LaneView) -> str:
    """The member a sale is rung up for, as its row names them: "138****8000 王芳, 1250 points"."""
    if not view.member:
        return ""
    name = f" {neutralise(view.member_name)}" if view.member_name else ""
    if view.member_points is None:
        return view.member + name
    return ngettext("{number}{name}, {points} point", "{number}{name}, {points} points", view.member_points).format(
        number=view.member, name=name, points=view.member_points)


def cart_rows(lines: Iterable[CartLine], cur: Currency, discount_text: str = "",
              promotions: Sequence[Discount] = (), member: str = "") -> tuple[CartRow, ...]:
    """The cart box's rows: each line, each promotion's row under the last line it applies to
    (numbered below ``DISCOUNT_ROW``: rows of the sale, never a line) and the sale discount's
    last; the member the sale is rung up for (``member``, masked) first."""
    lines = tuple(lines)
    after: dict[int, list[Discount]] = {}
    for discount in promotions:
        after.setdefault(max(share.line_no for share in discount.lines), []).append(discount)
    rows: tuple[CartRow, ...] = (CartRow(MEMBER_ROW, _("Member {number}").format(number=member), "", "", ""),
                                 ) if member else ()
    for line in lines:
        rows += (cart_row(line, cur),)
        for discount in after.get(line.line_no, ()):
            rows += (CartRow(DISCOUNT_ROW - len(rows) - 1, "  " + neutralise(discount.name), "", "",
                             format_amount(-discount.amount, cur)),)
    sale_discount = sum(line.sale_discount for line in lines if not line.voided)
    if sale_discount:
        rows += (CartRow(DISCOUNT_ROW, sale_discount_label(discount_text), "", "",
                         format_amount(-sale_discount, cur)),)
    return rows


def item_figures(view: LaneView, cur: Currency) -> Figures:
    """The item screen's totals line: Items, Subtotal, Tax, TOTAL (with the currency symbol)."""
    totals = view.totals
    return (
        (_("Items"), str(view.item_count)),
        (_("Subtotal"), format_amount(totals.subtotal, cur)),
        (_("Tax"), format_amount(totals.tax_total, cur)),
        (_("TOTAL"), format_amount(totals.total, cur, symbol=True)),
    )


def payment_figures(view: LaneView, cur: Currency) -> Figures:
    """The payment screen's totals line: Due, Paid, Balance (never below zero)."""
    return (
        (_("Due"), format_amount(view.totals.total, cur)),
        (_("Paid"), format_amount(view.paid, cur)),
        (_("Balance"), format_amount(max(view.remaining, 0), cur, symbol=True)),
    )


def payment_summary(view: LaneView, cur: Currency) -> list[str]:
    """The payment screen's body: the figures one per row, the cash due when rounding changes it,
    then every payment taken so far."""
    def row(label: str, minor: int) -> str:
        return pad_cells(label, 12) + pad_cells(format_amount(minor, cur, symbol=True), 16, "right")

    rows = [row(_("Due"), view.totals.total), row(_("Paid"), view.paid),
            row(_("Balance"), max(view.remaining, 0))]
    if view.cash_due != max(view.remaining, 0):
        rounding = view.cash_due - max(view.remaining, 0)
        rows.append(pad_cells(_("Cash rounding"), 12) + pad_cells(("+" if rounding > 0 else "")
                                                                  + format_amount(rounding, cur), 16, "right"))
        rows.append(row(_("Cash due"), view.cash_due))
    if view.payments:
        rows += ["", pgettext("payment screen: the tenders taken so far", "Payments")]
        for payment in view.payments:
            status = "" if payment.status == PaymentStatus.APPROVED else f"  ({status_name(payment.status)})"
            rows.append(row(f"  {method_name(payment.method)}", payment.amount) + status)
            if payment.method == "cash" and payment.tendered and payment.tendered != payment.amount:
                rows.append("    " + _("handed over {amount}").format(amount=format_amount(payment.tendered, cur)))
    return rows


def payment_title(method: str) -> str:
    """The terminal screen's box title: "Card payment", "Alipay payment"."""
    return _("{method} payment").format(method=method_label(method))


def refund_title(method: str) -> str:
    """The refund box's title: "Card refund", "Alipay refund"."""
    return _("{method} refund").format(method=method_label(method))


def waited_text(seconds: float) -> str:
    """The terminal screen's clock line, in whole seconds."""
    return _("Waiting {seconds} s").format(seconds=int(seconds))


def unresolved_lines(payment: PaymentRecord, cur: Currency) -> list[str]:
    """A payment attempt whose outcome is unknown, as the supervisor compares it with the ticket."""
    why = payment.reason or _("no answer recorded: the lane stopped while it waited")
    return labelled_lines([
        (_("Reference"), payment.reference),
        (_("Method"), method_name(payment.method)),
        (_("Amount"), format_amount(payment.amount, cur, symbol=True)),
        (_("Started"), f"{payment.created_at:%Y-%m-%d %H:%M:%S}"),
        (_("Why"), why),
    ])


def labelled_lines(rows: Sequence[tuple[str, str]]) -> list[str]:
    """"Label  value" rows with the values in one column, the labels padded by terminal cells."""
    width = max((cell_width(label) for label, _value in rows), default=0) + 2
    return [pad_cells(label, width) + value for label, value in rows]


def qty_prompt(view: LaneView) -> str:
    """The entry's prompt: "> ", or "3 x > " while a typed quantity waits for its item."""
    if view.price_wanted_for:
        return _("Price> ")
    if view.pending_qty_milli is None:
        return "> "
    return f"{format_qty('each', view.pending_qty_milli)} x > "


def product_row(name: str, price: int, unit: str, code: str, cur: Currency, width: int) -> str:
    """A search or price-check result: name, then code and price right-aligned in fixed columns."""
    price_text = format_amount(price, cur) + (_("/kg") if unit == "kg" else "")
    code_width, price_width = 14, 12
    name_width = max(width - code_width - price_width - 2, 8)
    name_cell = pad_cells(truncate_cells(name, name_width), name_width)
    return (f"{name_cell} {pad_cells(truncate_cells(code, code_width), code_width)} "
            f"{pad_cells(price_text, price_width, 'right')}")


def suspended_row(opened: str, cashier: str, items: int, total: int, cur: Currency) -> str:
    """One held sale in the recall list."""
    count = ngettext("{count} item", "{count} items", items).format(count=items)
    return (f"{opened}  {pad_cells(truncate_cells(cashier, 12), 12)} {pad_cells(count, 10, 'right')} "
            f"{pad_cells(format_amount(total, cur, symbol=True), 14, 'right')}")


ACTION_HELP = {
    "lock.help": N_("this list of keys"),
    "items.help": N_("this list of keys"),
    "items.find": N_("find an item by name (Chinese or Latin), results as you type"),
    "items.price_check": N_("price check: scan a code; then Enter adds it, Esc sells nothing"),
    "items.void_line": N_("void the selected line"),
    "items.suspend": N_("hold the sale; with no sale open: recall a held sale"),
    "items.discount": N_("discount or price override (supervisor)"),
    "items.return_sale": N_("return by receipt number"),
    "items.no_sale": N_("open the drawer without a sale (supervisor)"),
    "items.reprint": N_("print the waiting receipt, else a copy of the last one"),
    "items.total": N_("total: go to payment"),
    "items.void_sale": N_("void the whole sale (supervisor)"),
    "items.member": N_("member: scan their card or type their phone number; member prices apply"),
    "items.lock": N_("lock the lane (the sale waits)"),
    "items.shift": N_("shift menu: open, paid in/out, close (blind count), X/Z report, training"),
    "items.line_up": N_("select the line above"),
    "items.line_down": N_("select the line below"),
    "payment.help": N_("this list of keys"),
    "payment.cash": N_("cash: the amount typed, or the balance"),
    "payment.card": N_("card through the payment terminal"),
    "payment.wallet": N_("Alipay / WeChat Pay: scan the customer's payment code"),
    "payment.points": N_("the member's points: the amount typed, or as much as their points pay"),
    "payment.back": N_("back to items (only before any payment)"),
    "payment.resolve": N_("resolve a payment whose outcome is unknown (supervisor)"),
    "terminal.help": N_("this list of keys"),
    "terminal.cancel": N_("how to cancel the payment; pressed again: stop waiting (outcome unknown)"),
    "printing.reprint": N_("reprint"),
}


# Notes and coins a drawer is counted in, largest first, in minor units.
DENOMINATIONS = {
    "CNY": (10000, 5000, 2000, 1000, 500, 100, 50, 10),
    "HKD": (100000, 50000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10),
    "USD": (10000, 5000, 2000, 1000, 500, 100, 25, 10, 5, 1),
    "EUR": (50000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1),
    "GBP": (5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1),
}


def denominations(cur: Currency) -> tuple[int, ...]:
    """The notes and coins to count a drawer in; a 100-50-20-10-5-2-1 series of major units
    (and 0.50, 0.20, 0.10 where the currency has minor units) for currencies not listed."""
    if cur.code in DENOMINATIONS:
        return DENOMINATIONS[cur.code]
    unit = 10 ** cur.digits
    coins = tuple(unit * n // 10 for n in (5, 2, 1)) if cur.digits else ()
    return tuple(unit * n for n in (100, 50, 20, 10, 5, 2, 1)) + coins


def count_rows(counts: dict[int, int], current: int | None, cur: Currency) -> list[str]:
    """The drawer count by denomination: one row each ("> 100.00 x 5  = 500.00" on the current one),
    then the total."""
    rows = []
    for value, count in counts.items():
        mark = ">" if value == current else " "
        amount = format_amount(value * count, cur) if count else ""
        rows.append(f"{mark} {format_amount(value, cur):>9} x {count or '':<5} {amount:>12}")
    total = format_amount(sum(v * c for v, c in counts.items()), cur)
    rows.append(f"  {pad_cells(_('Total'), 9, 'right')}   {'':<5} {total:>12}")
    return rows


def figure_rows(figures: Sequence[tuple[str, int]], cur: Currency) -> list[str]:
    """Label and amount per row, the amounts right-aligned with the currency symbol in one column
    (the labels' column as wide as the widest label, 14 cells at least)."""
    width = max([14, *(cell_width(label) + 1 for label, _value in figures)])
    return [pad_cells(label, width) + pad_cells(format_amount(value, cur, symbol=True), 16, "right")
            for label, value in figures]


def return_row(line_no: int, name: str, unit: str, sold: int, returned: int, taken: int) -> str:
    """A line of the sale being returned: what was sold, what came back before, what comes back now."""
    name_cell = pad_cells(truncate_cells(name, 22), 22)
    take = format_qty(unit, taken) if taken else "-"
    return _("{line} {name} sold {sold}  back {back}  now {now}").format(
        line=f"{line_no:>2}", name=name_cell, sold=f"{format_qty(unit, sold):>8}",
        back=f"{format_qty(unit, returned):>8}", now=f"{take:>8}")


def help_rows(
    bindings: Sequence[KeyBinding],
    entry_keys: Sequence[tuple[str, str]] = (),
    departments: Sequence[Department] = (),
    closing: Sequence[tuple[str, str]] = (),
) -> list[tuple[str, str]]:
    """(key, what it does) for the help box: the entry keys, the screen's command keys, the
    department keys, then ``closing`` (how to leave). ``entry_keys`` and the key labels are msgids
    (tables made at import), translated here; ``closing`` comes already translated."""
    rows = [(key, _(what)) for key, what in entry_keys]
    rows += [(binding.display_key, translated(ACTION_HELP.get(binding.action, binding.label))) for binding in bindings]
    rows += [
        (display_key(department.key), _("{department}: the amount typed, then this key").format(
            department=department.name))
        for department in departments
    ]
    return rows + list(closing)


def help_text(rows: Sequence[tuple[str, str]]) -> str:
    """The help box's text: keys right-aligned in one column (by terminal cells), then what each does."""
    width = max((cell_width(key) for key, _what in rows), default=0)
    return "\n".join(f"{pad_cells(key, width, 'right')}  {what}" for key, what in rows)
