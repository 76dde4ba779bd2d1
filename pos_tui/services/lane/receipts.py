"""Receipts: what a paid sale (or a refund) prints, the lane's print queue, reprints.

The queue is the first lane-event subscriber (``ReceiptQueue``): a paid sale's print job is
committed with the sale, and the queue prints it on its own thread once told, then publishes how it
went. A printer failure never undoes a sale: the job stays queued for F9.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from pos_tui.config import Config
from pos_tui.domain.payment import SETTLED, method_label, method_name
from pos_tui.domain.permissions import Action
from pos_tui.i18n import _, ngettext
from pos_tui.services.errors import LaneError
from pos_tui.services.events import LaneEvent, ReceiptsPrinted, ReceiptsQueued, SalePaid
from pos_tui.services.lane.context import LaneContext, LaneView, PrintResult
from pos_tui.store import members as member_store
from pos_tui.store import sales
from pos_tui.store.db import checkpoint
from pos_tui.store.promotions import sale_promotions
from pos_tui.store.sale_totals import sale_totals

if TYPE_CHECKING:  # the receipt's layout loads with the first receipt (a lane with a printer has it from its driver)
    from pos_tui.devices.receipt import ReceiptData

log = logging.getLogger(__name__)
QUEUE_NAME = "receipt-queue"


def cash_rounding(payments, change: int) -> int:
    """What the cash tenders of a sale (or a return) came to beyond what they settled: the cash
    rounding (抹零/舍入), positive when the customer paid (or was given back) a little more."""
    return sum(p.tendered - p.amount for p in payments if p.method == "cash" and p.tendered) - change


def receipt_for_sale(sale_id: int, config: Config, *, reprint: bool = False) -> tuple[ReceiptData, bool]:
    """The receipt of a paid sale, and whether cash was taken (the drawer opens for cash)."""
    from pos_tui.devices.receipt import ReceiptData, ReceiptLine, ReceiptPayment, ReceiptTax

    sale = sales.get_sale(sale_id)
    cart = sales.load_cart(sale_id)
    under: dict[int, list[tuple[str, int]]] = {}
    for discount in sorted(sale_promotions(sale_id).discounts, key=lambda d: d.promotion_id):
        under.setdefault(max(s.line_no for s in discount.lines), []).append((discount.name, discount.amount))
    totals = sale_totals(sale_id, config.tax.rates, config.tax.prices_include_tax)
    payments = [p for p in sales.payments_of(sale_id) if p.status in SETTLED]
    store = config.store
    return (
        ReceiptData(
            store_name=store.name,
            address=store.address,
            tax_id=store.tax_id,
            lane=sale.lane,
            cashier=sale.cashier,
            when=sale.closed_at or sale.opened_at,
            receipt_number=sale.receipt_no or "",
            lines=tuple(
                ReceiptLine(line.name, line.qty_milli, line.unit, line.unit_price, line.shown_net, line.line_discount,
                            promotions=tuple(under.get(line.line_no, ())))
                for line in cart.active_lines
            ),
            subtotal=totals.subtotal,
            sale_discount=cart.sale_discount,
            sale_discount_text=sales.sale_discount_text(sale_id) if cart.sale_discount else "",
            savings=cart.discount_total,
            member=sales.masked_member(member) if (member := _member_of(sale)) else "",
            **_points_fields(sale.uuid, member),
            taxes=tuple(
                ReceiptTax(code, str(config.tax.rates[code]), amount) for code, amount in totals.tax_by_rate.items()
            ),
            total=totals.total,
            payments=tuple(
                ReceiptPayment(
                    label=method_label(p.method),
                    amount=p.tendered if p.method == "cash" and p.tendered else p.amount,
                    masked_pan=p.masked_pan,
                    auth_code=p.auth_code,
                    terminal_ref=p.terminal_ref,
                    wallet=method_name(p.method) if p.wallet_txn else None,
                    transaction_id=p.wallet_txn,
                )
                for p in payments
            ),
            change=sale.change,
            rounding=cash_rounding(payments, sale.change),
            footer=store.receipt_footer,
            currency=config.currency,
            tax_included=config.tax.prices_include_tax,
            reprint=reprint,
        ),
        any(p.method == "cash" for p in payments),
    )


def _member_of(sale: sales.SaleRecord) -> str:
    """The member a sale (or, for a return, its original sale) was rung up for."""
    member = sales.sale_member(sale.id)
    if not member and (original := sales.original_of(sale.id)) is not None:
        member = sales.sale_member(original)
    return member


def _points_fields(sale_uuid: str, member: str) -> dict:
    """The receipt's points: earned and redeemed on the sale, the member's balance now."""
    if not member or member_store.find(member) is None:
        return {}
    points = member_store.sale_points(sale_uuid, member)
    name = member_store.find(member).name
    return {"member_name": name, "points_earned": points.earned, "points_redeemed": points.redeemed,
            "points_balance": points.balance}


class Receipts:
    def __init__(self, ctx: LaneContext) -> None:
        self.ctx = ctx

    def receipt_for_job(self, job: sales.PrintJobRecord) -> tuple[ReceiptData, bool]:
        """The receipt a print job prints: a sale's, a refund's, or a training one."""
        data, cash = receipt_for_sale(job.sale_id, self.ctx.config, reprint=job.kind == "reprint")
        kind = sales.receipt_kind(job.sale_id)
        return replace(data, refund=kind.refund, training=kind.training, original_receipt=kind.original_receipt), cash

    def print_pending(self) -> PrintResult:
        """Blocking: print every queued receipt of this lane; a failure leaves the job queued for F9.
        Then, between customers, fold the write-ahead log into the database (``db.checkpoint``)."""
        try:
            return self._print_jobs()
        finally:
            checkpoint()

    def _print_jobs(self) -> PrintResult:
        ctx = self.ctx
        with ctx.printer_lock:
            jobs = sales.pending_print_jobs(ctx.lane_no)
            if not jobs:
                return PrintResult(True, "")
            if ctx.printer is None:
                for job in jobs:
                    sales.mark_print_skipped(job.id)
                return PrintResult(True, _("no receipt printer configured"))
            printed, unprintable = 0, []
            for job in jobs:
                try:
                    data, cash = self.receipt_for_job(job)
                    doc = self._layout(data)
                except Exception as exc:  # a receipt that cannot be laid out never holds up those behind it
                    reason = str(exc) or type(exc).__name__
                    log.exception("print job %s cannot be laid out", job.id)
                    sales.mark_print_unprintable(job.id, reason)
                    unprintable.append(reason)
                    continue
                try:
                    ctx.printer.print_receipt(doc, open_drawer=cash and job.kind == "sale")
                except Exception as exc:  # any device failure: the sale is done, the receipt waits
                    reason = str(exc) or type(exc).__name__
                    log.warning("receipt %s not printed: %s", data.receipt_number, reason)
                    sales.mark_print_failed(job.id, reason)
                    return PrintResult(False, _("Receipt {receipt} not printed: {reason}. F9 prints it").format(
                        receipt=data.receipt_number, reason=reason))
                sales.mark_printed(job.id, ctx.clock())
                printed += 1
            done = ngettext("Printed {count} receipt", "Printed {count} receipts", printed).format(count=printed)
            if unprintable:
                return PrintResult(False, _("{done}; a receipt could not be laid out ({reason}): F9 prints a "
                                            "copy").format(done=done, reason=unprintable[0]))
            return PrintResult(True, done)

    def _layout(self, data: ReceiptData):
        from pos_tui.devices.receipt import layout_receipt

        return layout_receipt(data, self.ctx.config.devices.printer.width)

    def finish_printing(self, result: PrintResult | None = None) -> LaneView:
        """PRINTING -> IDLE once the receipt went out (or was queued)."""
        ctx = self.ctx
        ctx.checkout = ctx.checkout.printed()
        sale_id, ctx.sale = (ctx.sale.id if ctx.sale else None), None
        note = _("Sale {receipt} done. Change {change}").format(receipt=ctx.receipt_no, change=ctx.money(ctx.change)) \
            if ctx.receipt_no else _("Done")
        if ctx.receipt_no and sale_id is not None:
            note += ctx.points_words(sale_id)  # the member's balance after the sale stays in view
        if result is not None and not result.ok:
            return ctx.say(result.message, error=True)
        return ctx.say(note)

    def request_reprint(self) -> LaneView:
        """F9: print what is queued (a receipt the printer missed); else a copy of the last receipt."""
        ctx = self.ctx
        user = ctx.require_user()
        ctx.authorize(Action.REPRINT)
        if sales.pending_print_jobs(ctx.lane_no):
            ctx.publish(ReceiptsQueued(ctx.lane_no))
            return ctx.say(_("Printing the waiting receipt…"))
        last = sales.last_paid_sale(ctx.lane_no)
        if last is None:
            raise LaneError(_("no receipt to reprint yet"))
        sales.queue_reprint(last.id, user.name, ctx.clock())
        ctx.publish(ReceiptsQueued(ctx.lane_no))
        return ctx.say(_("Reprinting receipt {receipt}…").format(receipt=last.receipt_no))

    def waiting_receipts(self) -> int:
        return len(sales.pending_print_jobs(self.ctx.lane_no))

    def serve_queue(self) -> bool:
        """Subscribe the receipt queue to this lane's events (once): a paid sale or a queued receipt
        is printed on the queue's thread, and ``ReceiptsPrinted`` says how it went. True when this
        call started it (its caller stops it: ``stop_queue``)."""
        events = self.ctx.events
        if events.subscribed(QUEUE_NAME):
            return False

        def print_queued(event: LaneEvent) -> None:
            try:
                result = self.print_pending()
            except Exception as exc:  # the store or the layout failed: the jobs stay queued for F9
                log.exception("receipt queue failed")
                result = PrintResult(False, _("receipt not printed: {error}. F9 prints it").format(
                    error=str(exc) or type(exc).__name__))
            events.publish(ReceiptsPrinted(self.ctx.lane_no, result.ok, result.message))

        events.subscribe(QUEUE_NAME, print_queued, SalePaid, ReceiptsQueued)
        return True

    def stop_queue(self) -> None:
        """Stop the receipt queue once it has printed what it was told to."""
        self.ctx.events.unsubscribe(QUEUE_NAME)
