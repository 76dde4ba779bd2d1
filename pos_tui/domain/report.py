"""Settlement reports (X: the shift so far, Z: the closed day) as values, built from plain facts
about sales, payments and cash movements, and rendered as text (42 cells for the printer, 80 for
the screen), CSV or JSON. Pure: the store gathers the facts, the lane prints the text.

Money is integer minor units throughout; JSON keeps it that way, with the currency code beside it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field

from pos_tui.domain.display_width import cell_width, wrap_cells
from pos_tui.domain.errors import DomainError
from pos_tui.domain.money import Currency, currency, format_amount
from pos_tui.domain.payment import method_label, methods_in_report_order
from pos_tui.i18n import N_, _, ngettext

REPORT_KINDS = ("X", "Z")
MOVEMENT_KINDS = ("paid_in", "paid_out", "no_sale")
BEST_SELLERS = 10
OTHER_DEPARTMENT = N_("Catalog items")


class ReportError(DomainError):
    """A report that cannot be built or read (bad kind, bad count, unreadable stored report)."""


STORE_WIDE = 0  # the lane number of a report over every lane of the store (the store server's)


# -- facts: what the store hands over ------------------------------------------------------------


@dataclass(frozen=True)
class LineFact:
    sku: str
    name: str
    qty_milli: int
    amount: int  # before discount
    discount: int
    voided: bool = False
    department: str | None = None  # the configured department's name, for open-price lines


@dataclass(frozen=True)
class SaleFact:
    """A paid sale, a completed return, or a voided sale; ``tax`` is per rate code."""

    kind: str  # sale | return | voided
    receipt_no: str | None
    closed_at: dt.datetime
    total: int
    tax: Mapping[str, int]
    lines: tuple[LineFact, ...]
    without_receipt: bool = False  # a return with no sale behind it (supervisor, cash)
    promotions: tuple[PromotionFact, ...] = ()  # what each promotion took off this sale
    # The member's points: earned (a return: taken back, negative) and redeemed (a return: given
    # back, negative), each with its money value (redeemed: what the points paid).
    points_earned: int = 0
    points_earned_value: int = 0
    points_redeemed: int = 0
    points_redeemed_value: int = 0


@dataclass(frozen=True)
class PromotionFact:
    """What one promotion took off one sale (its lines' shares added up)."""

    code: str
    name: str
    amount: int


@dataclass(frozen=True)
class PaymentFact:
    """A settled payment (or refund, ``refund=True``). ``kept`` is the cash that stayed in the
    drawer (tendered less change; for a cash refund, what was paid out of it), which differs from
    ``amount`` by the cash rounding."""

    method: str
    amount: int
    fee: int = 0
    kept: int = 0
    refund: bool = False


@dataclass(frozen=True)
class MovementFact:
    kind: str  # paid_in | paid_out | no_sale
    amount: int = 0


# -- the report ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MethodTotals:
    """One payment method's settlement: ``gross`` taken less refunded, ``net`` after the fee."""

    method: str
    taken: int
    refunded: int
    fee: int

    @property
    def gross(self) -> int:
        return self.taken - self.refunded

    @property
    def net(self) -> int:
        return self.gross - self.fee


@dataclass(frozen=True)
class CashSummary:
    opening_float: int = 0
    cash_sales: int = 0  # cash kept from sales (after change and rounding)
    cash_refunds: int = 0
    paid_in: int = 0
    paid_out: int = 0
    counted: int | None = None  # None until the drawer has been counted
    rounding: int = 0  # the cash rounding within cash sales less refunds (抹零/舍入), shown on its own line

    @property
    def expected(self) -> int:
        return self.opening_float + self.cash_sales - self.cash_refunds + self.paid_in - self.paid_out

    @property
    def over_short(self) -> int | None:
        """Counted less expected: negative when the drawer is short."""
        return None if self.counted is None else self.counted - self.expected


@dataclass(frozen=True)
class ItemTotal:
    key: str
    name: str
    qty_milli: int
    amount: int


@dataclass(frozen=True)
class PromotionTotal:
    """A promotion in a report: the sales it was given in, and all it took off them."""

    code: str
    name: str
    count: int
    amount: int


@dataclass(frozen=True)
class PointsTotals:
    """Members' points: in how many sales they were earned and redeemed, how many points and their
    money value, net of what returns took back or gave back."""

    earned_count: int = 0
    earned: int = 0
    earned_value: int = 0
    redeemed_count: int = 0
    redeemed: int = 0
    redeemed_value: int = 0


@dataclass(frozen=True)
class HourTotal:
    hour: int
    count: int
    amount: int
    day: str | None = None  # YYYY-MM-DD when the report's sales were paid on more than one date

    @property
    def label(self) -> str:
        """"09", or "12-31 23" when the day is part of it."""
        return f"{self.day[5:]} {self.hour:02d}" if self.day else f"{self.hour:02d}"


@dataclass(frozen=True)
class ClockWentBack:
    """The clock stepped back from ``before`` to ``after`` (local times) while the report's shifts ran."""

    before: str
    after: str


@dataclass(frozen=True)
class Report:
    kind: str  # X | Z
    currency: str
    store_name: str
    lane: int
    number: int | None  # Z reports are numbered per lane
    business_day: str | None
    period_start: str | None  # ISO date-times
    period_end: str | None
    shifts: tuple[int, ...]
    sales_count: int
    gross: int
    discounts: int
    sales_total: int
    voided_lines: int
    voided_lines_amount: int
    voided_sales: int
    voided_sales_amount: int
    returns_count: int
    returns_total: int
    tax: dict[str, int]
    methods: tuple[MethodTotals, ...]
    cash: CashSummary
    paid_in_count: int
    paid_out_count: int
    no_sales: int
    first_receipt: str | None
    last_receipt: str | None
    hourly: tuple[HourTotal, ...] = ()
    best_sellers: tuple[ItemTotal, ...] = ()
    departments: tuple[ItemTotal, ...] = ()
    training: bool = False
    notes: tuple[str, ...] = field(default=())
    journal_head: str = ""  # "seq:hash" of the journal row that took the report (journal verify --head)
    clock_went_back: tuple[ClockWentBack, ...] = ()
    no_receipt_returns_count: int = 0  # of the returns, those without a receipt
    no_receipt_returns_total: int = 0
    promotions: tuple[PromotionTotal, ...] = ()  # of ``discounts``, what each promotion took off
    points: PointsTotals = PointsTotals()

    @property
    def rounding(self) -> int:
        """Cash rounding: what the drawer took (or gave back) beyond the amounts the sales came to."""
        return self.cash.rounding

    @property
    def net(self) -> int:
        """What the customers paid, less what was refunded to them."""
        return self.sales_total - self.returns_total

    @property
    def tax_total(self) -> int:
        return sum(self.tax.values())

    def method(self, name: str) -> MethodTotals:
        for totals in self.methods:
            if totals.method == name:
                return totals
        return MethodTotals(name, 0, 0, 0)


def build_report(
    kind: str,
    *,
    currency_code: str,
    store_name: str,
    lane: int,
    sales: Iterable[SaleFact],
    payments: Iterable[PaymentFact],
    movements: Iterable[MovementFact],
    opening_float: int,
    counted: int | None,
    shifts: Iterable[int] = (),
    number: int | None = None,
    business_day: str | None = None,
    period_start: dt.datetime | None = None,
    period_end: dt.datetime | None = None,
) -> Report:
    """Add the facts up into a report. Every figure is a plain sum of the facts, nothing estimated."""
    if kind not in REPORT_KINDS:
        raise ReportError(f"report kind must be X or Z, got {kind!r}")
    facts = sorted(sales, key=lambda s: receipt_order(s.receipt_no))
    sold = [s for s in facts if s.kind == "sale"]
    returned = [s for s in facts if s.kind == "return"]
    voided = [s for s in facts if s.kind == "voided"]
    active = [line for s in sold for line in s.lines if not line.voided]
    dead = [line for s in sold for line in s.lines if line.voided]
    tax: dict[str, int] = {}
    for s in sold:
        for code, amount in s.tax.items():
            tax[code] = tax.get(code, 0) + amount
    for s in returned:
        for code, amount in s.tax.items():
            tax[code] = tax.get(code, 0) - amount
    pays = list(payments)
    moves = list(movements)
    for move in moves:
        if move.kind not in MOVEMENT_KINDS:
            raise ReportError(f"cash movement kind must be one of {', '.join(MOVEMENT_KINDS)}, got {move.kind!r}")
    cash = CashSummary(
        opening_float=opening_float,
        cash_sales=sum(p.kept for p in pays if p.method == "cash" and not p.refund),
        cash_refunds=sum(p.kept or p.amount for p in pays if p.method == "cash" and p.refund),
        rounding=sum((p.kept - p.amount) * (-1 if p.refund else 1)
                     for p in pays if p.method == "cash" and (p.kept or not p.refund)),
        paid_in=sum(m.amount for m in moves if m.kind == "paid_in"),
        paid_out=sum(m.amount for m in moves if m.kind == "paid_out"),
        counted=counted,
    )
    numbered = [s.receipt_no for s in sold if s.receipt_no]
    return Report(
        kind=kind,
        currency=currency_code,
        store_name=store_name,
        lane=lane,
        number=number,
        business_day=business_day,
        period_start=period_start.isoformat(timespec="seconds") if period_start else None,
        period_end=period_end.isoformat(timespec="seconds") if period_end else None,
        shifts=tuple(shifts),
        sales_count=len(sold),
        gross=sum(line.amount for line in active),
        discounts=sum(line.discount for line in active),
        sales_total=sum(s.total for s in sold),
        voided_lines=len(dead),
        voided_lines_amount=sum(line.amount for line in dead),
        voided_sales=len(voided),
        voided_sales_amount=sum(s.total for s in voided),
        returns_count=len(returned),
        returns_total=sum(s.total for s in returned),
        no_receipt_returns_count=sum(1 for s in returned if s.without_receipt),
        no_receipt_returns_total=sum(s.total for s in returned if s.without_receipt),
        tax=dict(sorted(tax.items())),
        methods=_method_totals(pays),
        cash=cash,
        paid_in_count=sum(1 for m in moves if m.kind == "paid_in"),
        paid_out_count=sum(1 for m in moves if m.kind == "paid_out"),
        no_sales=sum(1 for m in moves if m.kind == "no_sale"),
        first_receipt=numbered[0] if numbered else None,
        last_receipt=numbered[-1] if numbered else None,
        hourly=_hourly(sold),
        best_sellers=_best_sellers(active),
        departments=_departments(active),
        promotions=_promotions(sold),
        points=_points(sold + returned),
    )


def _points(facts: list[SaleFact]) -> PointsTotals:
    return PointsTotals(
        earned_count=sum(1 for s in facts if s.kind == "sale" and s.points_earned > 0),
        earned=sum(s.points_earned for s in facts),
        earned_value=sum(s.points_earned_value for s in facts),
        redeemed_count=sum(1 for s in facts if s.kind == "sale" and s.points_redeemed > 0),
        redeemed=sum(s.points_redeemed for s in facts),
        redeemed_value=sum(s.points_redeemed_value for s in facts),
    )


def receipt_order(receipt_no: str | None) -> tuple[int, str, str, int]:
    """A sort key putting receipts in the order they were numbered: their day, then their count
    ("01-20261231-0002" after "-0001"), never the clock's time; records without a number last."""
    if not receipt_no:
        return (1, "", "", 0)
    _, _, rest = receipt_no.partition("-")
    day, _, count = rest.rpartition("-")
    series = day.rstrip("0123456789")
    return (0, day[len(series):], series, int(count) if count.isdigit() else 0)


def _method_totals(payments: list[PaymentFact]) -> tuple[MethodTotals, ...]:
    """Per method, in the registry's report order (a method no longer registered goes last)."""
    order = {m.name: rank for rank, m in enumerate(methods_in_report_order())}
    methods = sorted({p.method for p in payments}, key=lambda m: (order.get(m, len(order)), m))
    return tuple(
        MethodTotals(
            method,
            taken=sum(p.amount for p in payments if p.method == method and not p.refund),
            refunded=sum(p.amount for p in payments if p.method == method and p.refund),
            fee=sum(p.fee for p in payments if p.method == method),
        )
        for method in methods
    )


def _hourly(sold: list[SaleFact]) -> tuple[HourTotal, ...]:
    """Sales per clock hour, in the order the sales were paid (``sold`` is in that order); hours of
    different dates (past midnight, or after the clock jumped) are kept apart and carry their date."""
    dated = len({s.closed_at.date() for s in sold}) > 1
    hours: dict[tuple[str | None, int], list[int]] = {}
    for s in sold:
        hours.setdefault((s.closed_at.date().isoformat() if dated else None, s.closed_at.hour), []).append(s.total)
    return tuple(HourTotal(hour, len(totals), sum(totals), day) for (day, hour), totals in hours.items())


def _best_sellers(active: list[LineFact]) -> tuple[ItemTotal, ...]:
    items: dict[str, ItemTotal] = {}
    for line in active:
        seen = items.get(line.sku, ItemTotal(line.sku, line.name, 0, 0))
        items[line.sku] = ItemTotal(line.sku, seen.name, seen.qty_milli + line.qty_milli,
                                    seen.amount + line.amount - line.discount)
    ranked = sorted(items.values(), key=lambda item: (-item.amount, -item.qty_milli, item.key))
    return tuple(ranked[:BEST_SELLERS])


def _promotions(sold: list[SaleFact]) -> tuple[PromotionTotal, ...]:
    """Each promotion given: in how many sales, for how much in all; the most given first."""
    totals: dict[str, PromotionTotal] = {}
    for sale in sold:
        for fact in sale.promotions:
            seen = totals.get(fact.code, PromotionTotal(fact.code, fact.name, 0, 0))
            totals[fact.code] = PromotionTotal(fact.code, seen.name, seen.count + 1, seen.amount + fact.amount)
    return tuple(sorted(totals.values(), key=lambda total: (-total.amount, total.code)))


def _departments(active: list[LineFact]) -> tuple[ItemTotal, ...]:
    groups: dict[str, ItemTotal] = {}
    for line in active:
        name = line.department or OTHER_DEPARTMENT
        seen = groups.get(name, ItemTotal(name, name, 0, 0))
        groups[name] = ItemTotal(name, name, seen.qty_milli + line.qty_milli, seen.amount + line.amount - line.discount)
    return tuple(sorted(groups.values(), key=lambda group: (-group.amount, group.key)))


def counted_total(denominations: Mapping[int, int]) -> int:
    """A drawer counted by denomination ({minor units: how many}) as one amount."""
    total = 0
    for value, count in denominations.items():
        if not isinstance(value, int) or value <= 0:
            raise ReportError(f"a denomination must be a positive amount of minor units, got {value!r}")
        if not isinstance(count, int) or count < 0:
            raise ReportError(f"the count of the {value} denomination must be a whole number from 0, got {count!r}")
        total += value * count
    return total


# -- JSON (stored Z reports are read back from it) -----------------------------------------------


def report_to_dict(report: Report) -> dict:
    """The report as JSON-ready data: money as integer minor units, the currency code beside it,
    and the derived figures (net, tax total, per-method gross/net, cash expected/over-short)."""
    data = asdict(report)
    data["net"] = report.net
    data["tax_total"] = report.tax_total
    data["methods"] = [dict(asdict(m), gross=m.gross, net=m.net) for m in report.methods]
    data["cash"] = dict(asdict(report.cash), expected=report.cash.expected, over_short=report.cash.over_short)
    data["rounding"] = report.rounding
    return data


def render_json(report: Report) -> str:
    return json.dumps(report_to_dict(report), ensure_ascii=False, indent=2)


_DERIVED = {"net", "tax_total"}


def report_from_dict(data: Mapping) -> Report:
    """A report back from ``report_to_dict``'s data (a stored Z report)."""
    try:
        fields = {key: value for key, value in data.items() if key not in _DERIVED and key != "rounding"}
        fields["shifts"] = tuple(fields["shifts"])
        fields["methods"] = tuple(
            MethodTotals(m["method"], m["taken"], m["refunded"], m["fee"]) for m in fields["methods"]
        )
        cash = fields["cash"]
        fields["cash"] = CashSummary(cash["opening_float"], cash["cash_sales"], cash["cash_refunds"],
                                     cash["paid_in"], cash["paid_out"], cash["counted"], cash.get("rounding", 0))
        fields["hourly"] = tuple(HourTotal(**h) for h in fields["hourly"])
        fields["best_sellers"] = tuple(ItemTotal(**i) for i in fields["best_sellers"])
        fields["departments"] = tuple(ItemTotal(**i) for i in fields["departments"])
        fields["promotions"] = tuple(PromotionTotal(**p) for p in fields.get("promotions", ()))  # none before them
        fields["points"] = PointsTotals(**fields.get("points", {}))  # none before them
        fields["notes"] = tuple(fields["notes"])
        fields["clock_went_back"] = tuple(ClockWentBack(**c) for c in fields.get("clock_went_back", ()))
        return Report(**fields)
    except (KeyError, TypeError) as exc:
        raise ReportError(f"stored report is not readable: {exc}") from None


# -- CSV -----------------------------------------------------------------------------------------


def render_csv(report: Report) -> str:
    """One row per figure: section, name, value. Money as decimals in the report's currency
    (spreadsheets read "1234.50"); counts and receipt numbers as they are."""
    cur = currency(report.currency)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "name", "value"])
    for section, name, value, money in _figures(report):
        writer.writerow([section, name, _plain(value, cur) if money else ("" if value is None else value)])
    return out.getvalue()


def _plain(value: int | None, cur: Currency) -> str:
    return "" if value is None else format_amount(value, cur, grouping=False)


def _figures(report: Report) -> list[tuple[str, str, object, bool]]:
    """(section, name, value, is_money) for every figure, in reading order."""
    rows: list[tuple[str, str, object, bool]] = [
        ("report", "kind", report.kind, False),
        ("report", "number", report.number, False),
        ("report", "currency", report.currency, False),
        ("report", "lane", report.lane, False),
        ("report", "business_day", report.business_day, False),
        ("report", "from", report.period_start, False),
        ("report", "to", report.period_end, False),
        ("sales", "count", report.sales_count, False),
        ("sales", "gross", report.gross, True),
        ("sales", "discounts", report.discounts, True),
        ("sales", "total", report.sales_total, True),
        ("sales", "voided_lines", report.voided_lines, False),
        ("sales", "voided_lines_amount", report.voided_lines_amount, True),
        ("sales", "voided_sales", report.voided_sales, False),
        ("sales", "voided_sales_amount", report.voided_sales_amount, True),
        ("sales", "returns", report.returns_count, False),
        ("sales", "returns_amount", report.returns_total, True),
        ("sales", "returns_without_receipt", report.no_receipt_returns_count, False),
        ("sales", "returns_without_receipt_amount", report.no_receipt_returns_total, True),
        ("sales", "net", report.net, True),
        ("sales", "first_receipt", report.first_receipt, False),
        ("sales", "last_receipt", report.last_receipt, False),
        ("journal", "head", report.journal_head, False),
    ]
    rows += [("tax", code, amount, True) for code, amount in report.tax.items()]
    rows.append(("tax", "total", report.tax_total, True))
    for m in report.methods:
        rows += [(f"payment:{m.method}", name, value, True)
                 for name, value in (("taken", m.taken), ("refunded", m.refunded), ("gross", m.gross),
                                     ("fee", m.fee), ("net", m.net))]
    cash = report.cash
    rows += [
        ("cash", "opening_float", cash.opening_float, True),
        ("cash", "sales", cash.cash_sales, True),
        ("cash", "rounding", cash.rounding, True),
        ("cash", "refunds", cash.cash_refunds, True),
        ("cash", "paid_in", cash.paid_in, True),
        ("cash", "paid_out", cash.paid_out, True),
        ("cash", "expected", cash.expected, True),
        ("cash", "counted", cash.counted, True),
        ("cash", "over_short", cash.over_short, True),
        ("drawer", "paid_in_count", report.paid_in_count, False),
        ("drawer", "paid_out_count", report.paid_out_count, False),
        ("drawer", "no_sales", report.no_sales, False),
    ]
    rows += [("hourly", f"{h.day} {h.hour:02d}" if h.day else f"{h.hour:02d}", h.amount, True)
             for h in report.hourly]
    rows += [("best_sellers", item.name, item.amount, True) for item in report.best_sellers]
    rows += [("departments", item.name, item.amount, True) for item in report.departments]
    rows += [("promotions", p.name, p.amount, True) for p in report.promotions]
    points = report.points
    rows += [("points", name, value, money) for name, value, money in (
        ("earned_count", points.earned_count, False), ("earned", points.earned, False),
        ("earned_value", points.earned_value, True), ("redeemed_count", points.redeemed_count, False),
        ("redeemed", points.redeemed, False), ("redeemed_value", points.redeemed_value, True))]
    rows += [("warning", "clock_went_back", f"{c.before} -> {c.after}", False) for c in report.clock_went_back]
    return rows


# -- text (screen and printer) -------------------------------------------------------------------


def hourly_bars(hourly: Iterable[HourTotal], width: int, cur: Currency) -> list[str]:
    """One line per hour: "09 ######      3     123.00", bars scaled to the busiest hour. Plain
    '#' so the Linux console draws it too."""
    hours = list(hourly)
    if not hours:
        return []
    amounts = [format_amount(h.amount, cur) for h in hours]
    figures = [f"{h.count:>4} {amount:>{max(map(len, amounts))}}" for h, amount in zip(hours, amounts)]
    label = max(len(h.label) for h in hours)
    room = max(width - label - 1 - max(map(len, figures)) - 1, 1)
    top = max(h.amount for h in hours) or 1
    lines = []
    for h, figure in zip(hours, figures):
        bar = "#" * max(round(h.amount * room / top), 1 if h.amount else 0)
        lines.append(f"{h.label:<{label}} {bar:<{room}} {figure}")
    return lines


def render_text(report: Report, width: int = 42) -> str:
    """The report as lines of at most ``width`` cells (42 fits the printer, 80 the screen)."""
    if width < 32:
        raise ReportError(f"a report needs at least 32 cells of width, got {width}")
    cur = currency(report.currency)
    lines: list[str] = []

    def money(value: int) -> str:
        return format_amount(value, cur)

    def pair(left: str, right: str = "", indent: int = 0) -> None:
        lead = " " * indent
        gap = width - indent - cell_width(left) - cell_width(right)
        if gap >= 1:
            lines.append(lead + left + " " * gap + right)
        else:
            lines.extend(lead + part for part in wrap_cells(left, width - indent))
            lines.append(" " * max(width - cell_width(right), 0) + right)

    def center(text: str) -> None:
        for part in wrap_cells(text, width) or [""]:
            lines.append(" " * ((width - cell_width(part)) // 2) + part)

    def rule(title: str = "") -> None:
        lead = f"-- {title} " if title else ""
        lines.append(lead + "-" * (width - cell_width(lead)))

    title = _("{kind} REPORT").format(kind=report.kind)
    title += f" {report.number:04d}" if report.number is not None else ""
    center(title + (_(" (TRAINING)") if report.training else ""))
    center(report.store_name)
    pair(_("All lanes") if report.lane == STORE_WIDE else _("Lane {lane:02d}").format(lane=report.lane),
         _("Day {day}").format(day=report.business_day) if report.business_day else "")
    if report.period_start:
        pair(_("From"), report.period_start.replace("T", " "))
    if report.period_end:
        pair(_("To"), report.period_end.replace("T", " "))
    if report.shifts:
        pair(_("Shifts"), ", ".join(str(s) for s in report.shifts))
    rule(_("Sales"))
    pair(_("Sales ({count})").format(count=report.sales_count), money(report.sales_total))
    pair(_("Gross"), money(report.gross), 2)
    pair(_("Discounts"), money(-report.discounts), 2)
    for promo in report.promotions:
        pair(f"{promo.name} ({promo.count})", money(-promo.amount), 4)
    pair(_("Voided lines ({count})").format(count=report.voided_lines), money(report.voided_lines_amount))
    pair(_("Voided sales ({count})").format(count=report.voided_sales), money(report.voided_sales_amount))
    pair(_("Returns ({count})").format(count=report.returns_count), money(-report.returns_total))
    if report.no_receipt_returns_count:
        pair(_("without receipt ({count})").format(count=report.no_receipt_returns_count),
             money(-report.no_receipt_returns_total), 2)
    pair(_("NET"), money(report.net))
    if report.rounding:
        pair(_("Cash rounding"), money(report.rounding))
        pair(_("Collected"), money(report.net + report.rounding))
    pair(_("First receipt"), report.first_receipt or "-")
    pair(_("Last receipt"), report.last_receipt or "-")
    rule(_("Tax"))
    for code, amount in report.tax.items():
        pair(_("Tax {code}").format(code=code), money(amount), 2)
    pair(_("Tax total"), money(report.tax_total))
    rule(_("Payments"))
    for m in report.methods:
        pair(method_label(m.method), money(m.gross))
        if m.refunded:
            pair(_("taken"), money(m.taken), 2)
            pair(_("refunded"), money(-m.refunded), 2)
        pair(_("fee"), money(-m.fee), 2)
        pair(_("net"), money(m.net), 2)
    if report.rounding:
        pair(_("Cash rounding"), money(report.rounding))
    points = report.points
    if points != PointsTotals():
        rule(_("Members' points"))
        pair(ngettext("Earned in {count} sale: {points} points", "Earned in {count} sales: {points} points",
                      points.earned_count).format(count=points.earned_count, points=points.earned),
             money(points.earned_value))
        pair(ngettext("Redeemed in {count} sale: {points} points", "Redeemed in {count} sales: {points} points",
                      points.redeemed_count).format(count=points.redeemed_count, points=points.redeemed),
             money(points.redeemed_value))
    rule(_("Cash"))
    c = report.cash
    pair(_("Opening float"), money(c.opening_float))
    pair(_("Cash sales"), money(c.cash_sales))
    pair(_("Cash refunds"), money(-c.cash_refunds))
    if c.rounding:
        pair(_("incl. cash rounding"), money(c.rounding), 2)
    pair(_("Paid in ({count})").format(count=report.paid_in_count), money(c.paid_in))
    pair(_("Paid out ({count})").format(count=report.paid_out_count), money(-c.paid_out))
    pair(_("Expected in drawer"), money(c.expected))
    pair(_("Counted"), money(c.counted) if c.counted is not None else _("not counted"))
    if c.over_short is not None:
        over_short = _("Over") if c.over_short > 0 else _("Short") if c.over_short < 0 else _("Over/short")
        pair(over_short, money(c.over_short))
    pair(_("No-sale drawer opens"), str(report.no_sales))
    if report.hourly:
        rule(_("Sales by hour"))
        lines.extend(hourly_bars(report.hourly, width, cur))
    if report.best_sellers:
        rule(_("Best sellers"))
        for item in report.best_sellers:
            pair(item.name, money(item.amount))
    if report.departments:
        rule(_("Departments"))
        for item in report.departments:
            pair(_(item.name) if item.name == OTHER_DEPARTMENT else item.name, money(item.amount))
    for note in report.notes:
        center(_(note))
    if report.journal_head:
        pair(_("Journal head"), report.journal_head)
    if report.clock_went_back:
        rule(_("Warning"))
        for jump in report.clock_went_back:
            pair(_("The clock went back"), "")
            pair(_("from"), jump.before, 2)
            pair(_("to"), jump.after, 2)
        for part in wrap_cells(_("Times are as the clock gave them; receipts and shifts are in the order they "
                                 "happened."), width):
            lines.append(part)
    rule()
    return "".join(line.rstrip() + "\n" for line in lines)
