"""The customer's receipt laid out as data: pure, no I/O, no printer library.

``layout_receipt`` turns a ``ReceiptData`` into a ``ReceiptDoc``: a list of typed blocks at a paper
width of 32, 42 or 48 cells. The ESC/POS printer and ``render_text`` both consume the same blocks, so
what the tests and the virtual printer compare is what the paper shows. Widths are display cells:
CJK characters take two.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Union

from pos_tui.domain.display_width import cell_width, wrap_cells
from pos_tui.domain.money import Currency, format_amount
from pos_tui.domain.text import first_control, neutralise_for_paper
from pos_tui.i18n import _, pgettext
from pos_tui.domain.frozen_records import FrozenRecord, frozen_record

PAPER_WIDTHS = (32, 42, 48)
Align = Literal["left", "center", "right"]
ALIGNS = ("left", "center", "right")
BARCODE_KINDS = ("code128", "qr")


class ReceiptError(ValueError):
    """A receipt that cannot be laid out; the message names the field or line that is wrong."""


@frozen_record
class Text(FrozenRecord):
    """One printed line. ``double`` prints twice as wide and high, so it takes two cells a character."""

    text: str
    align: Align = "left"
    bold: bool = False
    double: bool = False

    @property
    def cells(self) -> int:
        return cell_width(self.text) * (2 if self.double else 1)


@frozen_record
class Rule(FrozenRecord):
    """A line of ``char`` across the whole paper width."""

    char: str = "-"


@frozen_record
class Barcode(FrozenRecord):
    code: str
    kind: Literal["code128", "qr"] = "code128"


@frozen_record
class Cut(FrozenRecord):
    """End of the receipt: the printer feeds and cuts (or just feeds when cutting is off)."""


Block = Union[Text, Rule, Barcode, Cut]


@dataclass
class ReceiptDoc:
    """Blocks to print at ``width`` cells; the helpers wrap and pad so every line fits."""

    width: int
    blocks: list[Block] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.width not in PAPER_WIDTHS:
            raise ReceiptError(f"receipt width must be 32, 42 or 48 cells, got {self.width!r}")

    def add(self, block: Block) -> None:
        """Append one block, refusing a line that would not fit the paper."""
        if isinstance(block, Text):
            _check_text(block, self.width)
        elif isinstance(block, Rule):
            if len(block.char) != 1 or cell_width(block.char) != 1:
                raise ReceiptError(f"a rule needs one single-cell character, got {block.char!r}")
        elif isinstance(block, Barcode):
            if block.kind not in BARCODE_KINDS:
                raise ReceiptError(f"barcode kind must be code128 or qr, got {block.kind!r}")
            if not block.code:
                raise ReceiptError("a barcode needs a code to encode")
            if block.kind == "code128" and not all(" " <= ch <= "~" for ch in block.code):
                raise ReceiptError(f"CODE128 takes printable ASCII only, got {block.code!r}")
        elif not isinstance(block, Cut):
            raise ReceiptError(f"not a receipt block: {block!r}")
        self.blocks.append(block)

    def text(self, text: str, align: Align = "left", *, bold: bool = False, double: bool = False) -> None:
        """Add ``text``, wrapped by cells into as many lines as it needs."""
        room = self.width // 2 if double else self.width
        for line in wrap_cells(neutralise_for_paper(text), room) or [""]:
            self.add(Text(line, align, bold, double))

    def pair(self, left: str, right: str, *, bold: bool = False, indent: int = 0) -> None:
        """``left`` at the margin and ``right`` flush right on the same line when both fit;
        otherwise ``left`` wrapped, then ``right`` flush right on the line below."""
        lead = " " * indent
        left, right = neutralise_for_paper(left), neutralise_for_paper(right)
        gap = self.width - indent - cell_width(left) - cell_width(right)
        if gap >= 1:
            self.add(Text(lead + left + " " * gap + right, "left", bold))
            return
        for line in wrap_cells(left, self.width - indent):
            self.add(Text(lead + line, "left", bold))
        for line in wrap_cells(right, self.width):
            self.add(Text(line, "right", bold))

    def rule(self, char: str = "-") -> None:
        self.add(Rule(char))

    def barcode(self, code: str, kind: Literal["code128", "qr"] = "code128") -> None:
        self.add(Barcode(code, kind))

    def cut(self) -> None:
        self.add(Cut())


def _check_text(block: Text, width: int) -> None:
    if block.align not in ALIGNS:
        raise ReceiptError(f"align must be left, center or right, got {block.align!r}")
    if first_control(block.text) is not None:
        raise ReceiptError(f"a receipt line cannot hold control characters: {block.text!r}")
    if block.cells > width:
        raise ReceiptError(f"line is {block.cells} cells, wider than the {width}-cell paper: {block.text!r}")


# -- rendering as plain text -------------------------------------------------------------------


def align_line(text: str, cells: int, width: int, align: str) -> str:
    """Where a line of ``cells`` cells sits on paper ``width`` cells wide, as leading spaces."""
    room = width - cells
    if room <= 0 or align == "left":
        return text
    return " " * (room if align == "right" else room // 2) + text


def widen(text: str, times: int = 2) -> str:
    """Text printed ``times`` as wide, as plain text: each character followed by the blanks that
    fill the cells it takes on paper ("AB" double -> "A B "; "中" double -> "中  "), so a centred
    double-width line sits where the printer puts it."""
    if times <= 1:
        return text
    return "".join(ch + " " * (cell_width(ch) * (times - 1)) for ch in text)


def barcode_caption(kind: str, code: str) -> str:
    """The line that stands for a printed barcode or QR code in plain text."""
    return f"[{'barcode' if kind == 'code128' else 'qr'} {code}]"


def join_lines(lines: list[str]) -> str:
    """Receipt lines as one text: trailing spaces and trailing blank lines dropped."""
    stripped = [line.rstrip() for line in lines]
    while stripped and not stripped[-1]:
        stripped.pop()
    return "".join(line + "\n" for line in stripped)


def render_text(doc: ReceiptDoc, width: int | None = None) -> str:
    """The receipt as the paper shows it, one line per printed line (barcodes as a caption)."""
    width = doc.width if width is None else width
    lines: list[str] = []
    for block in doc.blocks:
        if isinstance(block, Text):
            text = widen(block.text) if block.double else block.text
            lines.append(align_line(text, block.cells, width, block.align))
        elif isinstance(block, Rule):
            lines.append(block.char * width)
        elif isinstance(block, Barcode):
            caption = barcode_caption(block.kind, block.code)
            lines.append(align_line(caption, cell_width(caption), width, "center"))
    return join_lines(lines)


# -- the receipt's data ------------------------------------------------------------------------


@frozen_record
class ReceiptLine(FrozenRecord):
    """A sold line. ``amount`` is what the line charges after ``discount`` (the amount taken off);
    the gross ``amount + discount`` is shown next to the quantity. ``unit`` is "each" or a measure
    ("kg") whose quantity prints with three decimals."""

    name: str
    qty_milli: int
    unit: str
    unit_price: int
    amount: int
    discount: int = 0
    voided: bool = False
    promotions: tuple[tuple[str, int], ...] = ()  # (name, amount off) of each promotion printed under it


@frozen_record
class ReceiptTax(FrozenRecord):
    code: str
    rate: str
    amount: int


@frozen_record
class ReceiptPayment(FrozenRecord):
    """A tender as the customer sees it. There is deliberately no fee: fees never reach the receipt."""

    label: str
    amount: int
    masked_pan: str | None = None
    auth_code: str | None = None
    terminal_ref: str | None = None
    wallet: str | None = None
    transaction_id: str | None = None


@frozen_record
class ReceiptData(FrozenRecord):
    store_name: str
    address: str
    tax_id: str
    lane: int
    cashier: str
    when: datetime
    receipt_number: str
    lines: tuple[ReceiptLine, ...]
    subtotal: int
    taxes: tuple[ReceiptTax, ...]
    total: int
    payments: tuple[ReceiptPayment, ...]
    change: int
    footer: str
    currency: Currency
    tax_included: bool = True
    reprint: bool = False
    refund: bool = False
    training: bool = False
    original_receipt: str | None = None
    rounding: int = 0  # cash rounding (抹零/舍入): what the cash tenders came to beyond the total
    sale_discount: int = 0  # a discount on the whole sale, shown as its own row (its share is off the lines)
    sale_discount_text: str = ""  # as typed: "10%" prints "Discount 10%"
    savings: int = 0  # all the promotions and discounts took off: "You saved" under the total
    member: str = ""  # the member's number, masked (138****8000), for a sale rung up for one
    member_name: str = ""
    points_earned: int = 0  # the member's points: earned and redeemed on this sale (taken back and
    points_redeemed: int = 0  # given back on a refund), and the balance after it; None: not a member's
    points_balance: int | None = None


# -- layout ------------------------------------------------------------------------------------


def layout_receipt(data: ReceiptData, width: int, *, qr: bool = False) -> ReceiptDoc:
    """The receipt of ``data`` at ``width`` cells: header, lines, totals, tenders, footer, the
    receipt number as a CODE128 barcode (and a QR code with ``qr``), then a cut. Training
    receipts, and receipts without a number, carry no barcode: they cannot be returned against."""
    doc = ReceiptDoc(width)
    _banners(doc, data)
    _header(doc, data)
    doc.rule()
    for line in data.lines:
        _item(doc, line, data.currency)
    doc.rule()
    _totals(doc, data)
    if data.payments or data.change:
        doc.rule()
        _tenders(doc, data)
    if data.points_balance is not None:
        doc.rule()
        _points(doc, data)
    doc.rule()
    for paragraph in data.footer.splitlines():
        doc.text(paragraph.strip(), "center")
    if data.receipt_number and not data.training:
        doc.barcode(data.receipt_number, "code128")
        if qr:
            doc.barcode(data.receipt_number, "qr")
    if data.training:
        doc.text(_("*** TRAINING - NOT A RECEIPT ***"), "center", bold=True)
    doc.cut()
    return doc


def _points(doc: ReceiptDoc, data: ReceiptData) -> None:
    if data.points_earned:
        doc.pair(_("Points earned"), f"{data.points_earned:+d}")
    if data.points_redeemed:
        doc.pair(_("Points redeemed"), f"{-data.points_redeemed:+d}")
    doc.pair(_("Points balance"), str(data.points_balance))


def _banners(doc: ReceiptDoc, data: ReceiptData) -> None:
    if data.training:
        doc.text(_("*** TRAINING - NOT A RECEIPT ***"), "center", bold=True)
    if data.refund:
        doc.text(_("*** REFUND ***"), "center", bold=True)
    if data.reprint:
        doc.text(_("*** REPRINT ***"), "center", bold=True)


def _header(doc: ReceiptDoc, data: ReceiptData) -> None:
    double = cell_width(data.store_name) * 2 <= doc.width
    doc.text(data.store_name, "center", bold=True, double=double)
    for paragraph in data.address.splitlines():
        doc.text(paragraph.strip(), "center")
    if data.tax_id:
        doc.text(_("Tax ID {tax_id}").format(tax_id=data.tax_id), "center")
    doc.rule()
    doc.pair(_("Lane {lane:02d}").format(lane=data.lane), _("Cashier {name}").format(name=data.cashier))
    doc.text(data.when.strftime("%Y-%m-%d %H:%M:%S"))
    if data.receipt_number:
        doc.pair(_("Receipt"), data.receipt_number)
    if data.original_receipt:
        doc.pair(_("Original receipt"), data.original_receipt)
    if data.member:
        doc.pair(_("Member"), f"{data.member} {data.member_name}".strip())


def quantity_text(qty_milli: int, unit: str) -> str:
    """3000 each -> "3", 1500 each -> "1.5", 1250 kg -> "1.250 kg"."""
    sign = "-" if qty_milli < 0 else ""
    whole, milli = divmod(abs(qty_milli), 1000)
    if unit == "each":
        frac = f"{milli:03d}".rstrip("0")
        return f"{sign}{whole}" + (f".{frac}" if frac else "")
    return f"{sign}{whole}.{milli:03d} {unit}"


def _item(doc: ReceiptDoc, line: ReceiptLine, cur: Currency) -> None:
    doc.text(line.name)
    qty = f"{quantity_text(line.qty_milli, line.unit)} x {format_amount(line.unit_price, cur)}"
    if line.voided:
        doc.pair(qty, _("VOIDED"), indent=2)
        return
    doc.pair(qty, format_amount(line.amount + line.discount, cur), indent=2)
    if line.discount:
        doc.pair(_("Discount"), format_amount(-line.discount, cur), indent=2)
    for name, amount in line.promotions:
        doc.pair(name, format_amount(-amount, cur), indent=2)


def _totals(doc: ReceiptDoc, data: ReceiptData) -> None:
    cur = data.currency
    if data.sale_discount:
        text = data.sale_discount_text
        label = _("Discount {rate}").format(rate=text) if text.endswith("%") else _("Sale discount")
        doc.pair(label, format_amount(-data.sale_discount, cur))
    doc.pair(_("Subtotal"), format_amount(data.subtotal, cur))
    for tax in data.taxes:
        label = (_("Incl. tax {code} {rate}") if data.tax_included else _("Tax {code} {rate}")).format(
            code=tax.code, rate=tax.rate)
        doc.pair(label, format_amount(tax.amount, cur))
    label = _("REFUND TOTAL") if data.refund else _("TOTAL")
    doc.pair(label, format_amount(data.total, cur, symbol=True), bold=True)
    if data.rounding:
        doc.pair(_("Cash rounding"), ("+" if data.rounding > 0 else "") + format_amount(data.rounding, cur))
    if data.savings and not data.refund:  # a refund gives back what was paid: nothing was saved by it
        doc.text(_("You saved {amount}").format(amount=format_amount(data.savings, cur, symbol=True)), bold=True)


def _tenders(doc: ReceiptDoc, data: ReceiptData) -> None:
    cur = data.currency
    for payment in data.payments:
        doc.pair(payment.label, format_amount(payment.amount, cur))
        details = (
            (pgettext("receipt: the card number's row", "Card"), payment.masked_pan),
            (_("Auth"), payment.auth_code),
            (_("Ref"), payment.terminal_ref),
            (_("Wallet"), payment.wallet),
            (_("Txn"), payment.transaction_id),
        )
        for name, value in details:
            if value:
                doc.pair(name, value, indent=2)
    if data.change:
        doc.pair(_("Change"), format_amount(data.change, cur), bold=True)
