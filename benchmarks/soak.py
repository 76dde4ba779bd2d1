"""Soak: thousands of scripted sales through the lane service on one SQLite file.

    python benchmarks/soak.py [--sales 10000] [--products 20000] [--seed 7]

Random baskets from a generated catalog (CJK and Latin names, weighed items), paid by split
tenders: cash, card through the Concert E+ driver talking to the terminal simulator over a real
pty (8N1, no think time), and Alipay / WeChat Pay through the simulated wallet gateway. Every
receipt is laid out and encoded by python-escpos into a file printer on /dev/null.

The terminal simulator runs in a child process, so its own ledger of charges does not count in
this process's memory; a fresh simulated wallet serves each sale for the same reason. What the
RSS figures show is the lane, the store and the drivers.

A card payment whose outcome is unknown is handled as at a real lane: a supervisor resolves it
from the terminal's own record (the simulator's ledger); a decline is tried again. Each such
incident is counted and printed. At the end the money the terminal charged must equal the card
money the database records, and every sale must be paid.

Prints sales/second, p50/p99 sale latency (first scan to receipt printed), RSS at start, after
10%, middle and end, the database size, and the result of ``db check``; exits 1 unless all is well.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _catalog_data import product_row  # noqa: E402

from pos_tui.demo import create_demo_store  # noqa: E402
from pos_tui.devices.printer import ReceiptPrinter  # noqa: E402
from pos_tui.devices.terminal.concert import ConcertTerminal  # noqa: E402
from pos_tui.devices.wallet.simulator import SimulatedWallet  # noqa: E402
from pos_tui.domain.checkout import State  # noqa: E402
from pos_tui.domain.money import format_amount  # noqa: E402
from pos_tui.services.lane import Lane
from pos_tui.store import journal  # noqa: E402
from pos_tui.store.backup import db_check  # noqa: E402
from pos_tui.store.catalog import ProductData, upsert_products  # noqa: E402
from pos_tui.store.db import close_database, write_transaction  # noqa: E402

ALIPAY_CODE = "281234567890123456"
WECHAT_CODE = "134567890123456789"
FIRST_PRODUCT = 1_000_000
SUPERVISOR, SUPERVISOR_PIN = "super", "9999"  # the demo store's supervisor
CARD_TRIES = 3
WINDOW = 1000  # sales per progress line
STEP_TIMEOUT = 1.0
# Tender plans: the methods used, in order; the last one settles the balance.
PLANS = (("cash",), ("card",), ("wallet",), ("cash", "card"), ("cash", "wallet"), ("card", "wallet"),
         ("cash", "card", "wallet"))


@dataclass(frozen=True)
class Item:
    code: str
    kg: bool


# ---------------------------------------------------------------- the terminal in its own process


def _serve_terminal(link, approvals: int, step_timeout: float) -> None:
    """The simulator's side: answer payments, and tell the parent what it charged when asked."""
    from pos_tui.devices.terminal.simulator import TerminalSimulator

    with TerminalSimulator(["approve"] * approvals, step_timeout=step_timeout, think_seconds=0.0) as simulator:
        link.send(simulator.port)
        while (question := link.recv()) is not None:
            if question == "total":
                link.send(sum(c.amount for c in simulator.ledger if c.kind == "debit"))
            else:
                link.send(bool(simulator.charges_for(question)))


class TerminalProcess:
    """A terminal simulator in a forked child (started before any thread exists here)."""

    def __init__(self, approvals: int, step_timeout: float) -> None:
        context = multiprocessing.get_context("fork")
        self._link, child_link = context.Pipe()
        self._process = context.Process(target=_serve_terminal, args=(child_link, approvals, step_timeout),
                                        daemon=True)
        self._process.start()
        self.port: str = self._link.recv()

    def charged(self, reference: str) -> bool:
        """The terminal's own record (its "last ticket"): was this reference charged?"""
        self._link.send(reference)
        return self._link.recv()

    def total_charged(self) -> int:
        self._link.send("total")
        return self._link.recv()

    def stop(self) -> None:
        self._link.send(None)
        self._process.join(10)


# ---------------------------------------------------------------- setup


def build_catalog(count: int, rng: random.Random) -> list[Item]:
    """``count`` generated products upserted in one write transaction, as an import would.
    Numbered from FIRST_PRODUCT so their barcodes stay clear of the demo catalog's."""
    rows = [product_row(n, rng) for n in range(FIRST_PRODUCT, FIRST_PRODUCT + count)]
    products = [ProductData(sku=sku, name=name, price=price, tax=tax, unit=unit, stock=stock, barcodes=(code,))
                for sku, name, price, tax, unit, stock, code in rows]
    with write_transaction():
        upsert_products(products)
        journal.append("catalog.import", {"file": "soak", "rows": count}, "soak")
    return [Item(code, unit == "kg") for _, _, _, _, unit, _, code in rows]


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def database_mib(path: Path) -> float:
    files = [path, path.with_name(path.name + "-wal")]
    return sum(f.stat().st_size for f in files if f.exists()) / 2**20


# ---------------------------------------------------------------- one sale


class Seller:
    def __init__(self, lane: Lane, terminal: TerminalProcess, catalog: list[Item], rng: random.Random) -> None:
        self.lane = lane
        self.terminal = terminal
        self.catalog = catalog
        self.rng = rng
        self.tenders = {"cash": 0, "card": 0, "alipay": 0, "wechat": 0}
        self.incidents: Counter[str] = Counter()

    def amount_text(self, minor: int) -> str:
        return format_amount(minor, self.lane.currency, grouping=False)

    def sell(self) -> None:
        lane, rng = self.lane, self.rng
        for _ in range(rng.randint(1, 8)):
            item = rng.choice(self.catalog)
            if item.kg:
                lane.items.enter(f"{rng.randint(100, 2500) / 1000:.3f}*{item.code}")
            elif rng.random() < 0.2:
                lane.items.enter(f"{rng.randint(2, 5)}*{item.code}")
            else:
                lane.items.enter(item.code)
        lane.payments.total()
        plan = rng.choice(PLANS)
        for index, method in enumerate(plan):
            remaining = lane.view().remaining
            last = index == len(plan) - 1
            # A part payment leaves at least 1.00 for the methods after it.
            part = "" if last or remaining <= 200 else self.amount_text(rng.randint(100, remaining - 100))
            self.pay(method, part)
            if lane.state is State.PRINTING:
                break
        if lane.state is not State.PRINTING:
            raise RuntimeError(f"sale not paid after {plan}: {lane.view().message}")
        result = lane.receipts.print_pending()
        if not result.ok:
            raise RuntimeError(result.message)
        lane.receipts.finish_printing(result)

    def pay(self, method: str, amount_text: str) -> None:
        lane = self.lane
        if method == "cash":
            lane.payments.tender_cash(amount_text)
            self.tenders["cash"] += 1
        elif method == "card":
            self.pay_card(amount_text)
        else:
            code = self.rng.choice((ALIPAY_CODE, WECHAT_CODE))
            attempt, code = lane.payments.begin_wallet(code, amount_text)
            outcome = lane.payments.run_wallet(attempt, code, sleep=lambda seconds: None)
            view = lane.payments.finish_payment(attempt, outcome)
            if outcome.status != "approved":
                raise RuntimeError(f"{attempt.method} payment not approved: {view.message}")
            self.tenders[attempt.method] += 1

    def pay_card(self, amount_text: str) -> None:
        """A card tender as a cashier would see it through: an unknown outcome is resolved by a
        supervisor from the terminal's record, a decline is tried again."""
        lane = self.lane
        for _ in range(CARD_TRIES):
            attempt = lane.payments.begin_card(amount_text)
            outcome = lane.payments.run_card(attempt)
            lane.payments.finish_payment(attempt, outcome)
            if outcome.approved:
                self.tenders["card"] += 1
                return
            if outcome.status != "unknown":
                self.incidents[f"card {outcome.status}, tried again: {outcome.reason}"] += 1
                continue
            charged = self.terminal.charged(attempt.reference)
            approval = lane.people.approve(SUPERVISOR, SUPERVISOR_PIN, "resolve_payment")
            lane.payments.resolve_payment(attempt.id, charged=charged, auth_code="TICKET" if charged else "",
                                 approval=approval)
            self.incidents[f"card unknown ({outcome.reason}), resolved as "
                           f"{'charged' if charged else 'not charged'}"] += 1
            if charged:
                self.tenders["card"] += 1
                return
        raise RuntimeError(f"card payment failed {CARD_TRIES} times: {lane.view().message}")


# ---------------------------------------------------------------- the run


def percentile(ordered: list[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def card_money_in_database(path: Path) -> tuple[int, int]:
    """(paid sales, card money the database says was charged) read straight from the file."""
    with sqlite3.connect(path) as conn:
        paid = conn.execute("SELECT COUNT(*) FROM sale WHERE status = 'paid'").fetchone()[0]
        card = conn.execute("SELECT COALESCE(SUM(amount), 0) FROM payment WHERE method = 'card' "
                            "AND status IN ('approved', 'resolved_approved')").fetchone()[0]
    conn.close()
    return paid, card


def soak(sales: int, products: int, seed: int) -> bool:
    terminal_process = TerminalProcess(approvals=sales * 2, step_timeout=STEP_TIMEOUT)
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="pos-tui-soak-") as folder:
        config = create_demo_store(Path(folder))
        started = time.perf_counter()
        catalog = build_catalog(products, rng)
        print(f"catalog:        {products} products in {time.perf_counter() - started:.1f} s")
        terminal = ConcertTerminal(terminal_process.port, pos_number=config.store.lane, bytesize=8, parity="N",
                                   step_timeout=STEP_TIMEOUT, answer_timeout=10.0, poll_interval=0.02)
        printer = ReceiptPrinter(os.devnull, connection="file", width=config.devices.printer.width)
        lane = Lane(config, printer=printer, terminal=terminal)
        lane.people.sign_in("cashier", "1234")
        if lane.ctx.shift is None:
            lane.shifts.open_shift()
        seller = Seller(lane, terminal_process, catalog, rng)

        latencies: list[float] = []
        rss = {"start": rss_mib()}
        checkpoints = {sales // 10: "10%", sales // 2: "middle"}
        started = window_wall = time.perf_counter()
        window_cpu = time.process_time()
        for number in range(1, sales + 1):
            lane.ctx.wallets = {name: SimulatedWallet(name, ["approve"]) for name in ("alipay", "wechat")}
            began = time.perf_counter()
            seller.sell()
            latencies.append(time.perf_counter() - began)
            if number in checkpoints:
                rss[checkpoints[number]] = rss_mib()
            if number % WINDOW == 0:
                # CPU time per sale hardly moves with other load on the machine: if it grows with
                # the number of sales behind it, some query grows with history.
                now_wall, now_cpu = time.perf_counter(), time.process_time()
                window = sorted(latencies[-WINDOW:])
                print(f"  sales {number - WINDOW + 1:>6}-{number:<6} {WINDOW / (now_wall - window_wall):5.1f}/s  "
                      f"p50 {statistics.median(window) * 1000:5.1f} ms  "
                      f"CPU {(now_cpu - window_cpu) / WINDOW * 1000:5.1f} ms/sale", file=sys.stderr)
                window_wall, window_cpu = now_wall, now_cpu
        elapsed = time.perf_counter() - started
        rss["end"] = rss_mib()
        terminal.close()

        check_started = time.perf_counter()
        check = db_check()
        check_seconds = time.perf_counter() - check_started
        close_database()
        size = database_mib(config.database_path)
        paid, card_in_database = card_money_in_database(config.database_path)
        card_charged = terminal_process.total_charged()
        terminal_process.stop()

    ordered = sorted(latencies)
    money_ok = paid == sales and card_in_database == card_charged
    print(f"sales:          {sales} in {elapsed:.1f} s = {sales / elapsed:.1f} sales/s ({paid} paid in the database)")
    print(f"sale latency:   p50 {statistics.median(ordered) * 1000:.1f} ms, "
          f"p99 {percentile(ordered, 0.99) * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms")
    print("tenders:        " + ", ".join(f"{name} {count}" for name, count in seller.tenders.items()))
    print(f"card money:     terminal charged {card_charged}, database records {card_in_database} (minor units)")
    for incident, count in sorted(seller.incidents.items()):
        print(f"incident:       {count} x {incident}")
    print("RSS (MiB):      " + ", ".join(f"{label} {value:.1f}" for label, value in rss.items()))
    print(f"database:       {size:.1f} MiB (with its WAL)")
    print(f"db check:       integrity {check.integrity}; {check.journal.describe()} ({check_seconds:.1f} s)")
    print(f"result:         {'OK' if check.ok and money_ok else 'FAILED'}")
    return check.ok and money_ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=10_000, help="scripted sales to run (default 10000)")
    parser.add_argument("--products", type=int, default=20_000, help="generated catalog size (default 20000)")
    parser.add_argument("--seed", type=int, default=7, help="random seed for catalog and baskets")
    args = parser.parse_args()
    if args.sales < 10:
        parser.error("--sales must be at least 10")
    logging.getLogger("pos_tui").setLevel(logging.ERROR)  # incidents are counted and printed at the end
    sys.exit(0 if soak(args.sales, args.products, args.seed) else 1)


if __name__ == "__main__":
    main()
