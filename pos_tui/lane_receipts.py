"""A paid sale, read back from the store, as the receipt's data (what the customer is handed)."""

from __future__ import annotations

from pos_tui.config import Config
from pos_tui.devices.receipt import ReceiptData, ReceiptLine, ReceiptPayment, ReceiptTax
from pos_tui.domain.tax import tax_breakdown
from pos_tui.domain.tender import method_name
from pos_tui.store import sales


def receipt_for_sale(sale_id: int, config: Config, *, reprint: bool = False) -> tuple[ReceiptData, bool]:
    """The receipt of a paid sale, and whether cash was taken (the drawer opens for cash)."""
    sale = sales.get_sale(sale_id)
    cart = sales.load_cart(sale_id)
    totals = tax_breakdown(cart.lines, config.tax.rates, config.tax.prices_include_tax)
    payments = [p for p in sales.payments_of(sale_id) if p.status in sales.SETTLED]
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
                ReceiptLine(line.name, line.qty_milli, line.unit, line.unit_price, line.net, line.discount)
                for line in cart.active_lines
            ),
            subtotal=totals.subtotal,
            taxes=tuple(
                ReceiptTax(code, str(config.tax.rates[code]), amount) for code, amount in totals.tax_by_rate.items()
            ),
            total=totals.total,
            payments=tuple(
                ReceiptPayment(
                    label=method_name(p.method).capitalize() if p.method in ("cash", "card") else method_name(p.method),
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
            footer=store.receipt_footer,
            currency=config.currency,
            tax_included=config.tax.prices_include_tax,
            reprint=reprint,
        ),
        any(p.method == "cash" for p in payments),
    )
