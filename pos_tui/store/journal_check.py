"""The business tables against the journal: what the hash chain cannot see on its own.

A paid sale (or return) must have the journal row that paid it, with the same receipt number,
total and settled payments; every such journal row must still have its sale; and each series of
receipt numbers (lane, day, kind) must run 1, 2, 3 ... up to its counter, without a gap.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict

from pos_tui.store.models import JournalEntry, Payment, ReceiptCounter, Sale
from pos_tui.store.sales import SETTLED

PAID_KINDS = {"sale.paid": ("sale", "payments"), "return.paid": ("return", "refunds")}


def _settled_payments() -> dict[int, Counter]:
    settled: dict[int, Counter] = defaultdict(Counter)
    for sale_id, method, amount in (Payment.select(Payment.sale, Payment.method, Payment.amount)
                                    .where(Payment.status.in_(SETTLED)).tuples()):
        settled[sale_id][(method, amount)] += 1
    return settled


def cross_check() -> list[str]:
    """Every disagreement between the sales, payments and receipt counters and the journal, in words."""
    problems: list[str] = []
    journaled: dict[str, tuple[int, dict]] = {}
    for seq, kind, payload in (JournalEntry.select(JournalEntry.seq, JournalEntry.kind, JournalEntry.payload)
                               .where(JournalEntry.kind.in_(list(PAID_KINDS))).tuples()):
        data = json.loads(payload)
        journaled[data.get(PAID_KINDS[kind][0], "")] = (seq, data)
    settled = _settled_payments()
    series: dict[str, list[int]] = defaultdict(list)
    paid = list(Sale.select(Sale.id, Sale.uuid, Sale.receipt_no, Sale.total, Sale.tax_total, Sale.kind)
                .where(Sale.status == "paid").tuples())
    for sale_id, uuid, receipt, total, tax, kind in paid:
        if receipt:
            prefix, _, number = receipt.rpartition("-")
            series[prefix].append(int(number) if number.isdigit() else -1)
        row = journaled.pop(uuid, None)
        if row is None:
            problems.append(f"paid {kind} {receipt} has no journal row that paid it (added or kept by hand)")
            continue
        seq, data = row
        entries = data.get("payments" if kind == "sale" else "refunds") or []
        if data.get("receipt") != receipt or data.get("total") != total or (kind == "sale" and data.get("tax") != tax):
            problems.append(f"{kind} {receipt}: its table says total {total}, receipt {receipt}, but journal row {seq} "
                            f"says total {data.get('total')}, receipt {data.get('receipt')} (edited by hand)")
        elif Counter((m, a) for m, a in entries) != settled.get(sale_id, Counter()):
            problems.append(f"{kind} {receipt}: its payments differ from journal row {seq} (edited by hand)")
    for uuid, (seq, data) in journaled.items():
        problems.append(f"journal row {seq} paid receipt {data.get('receipt')}, which is no longer in the sales "
                        f"(removed by hand)")
    counters = {f"{lane:02d}-{day}": last for lane, day, last in
                ReceiptCounter.select(ReceiptCounter.lane, ReceiptCounter.day, ReceiptCounter.last).tuples()}
    for prefix in sorted(set(series) | set(counters)):
        numbers = sorted(series.get(prefix, []))
        expected = list(range(1, counters.get(prefix, 0) + 1))
        if numbers != expected:
            missing = sorted(set(expected) - set(numbers))
            shown = ", ".join(f"{prefix}-{n:04d}" for n in missing[:3]) or f"numbers past {counters.get(prefix, 0)}"
            problems.append(f"receipt numbers of {prefix} are not 1 to {counters.get(prefix, 0)} without a gap "
                            f"(missing or extra: {shown})")
    return problems
