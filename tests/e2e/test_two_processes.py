"""A lane selling in one process while this one changes prices and reads sales figures, on one
SQLite file: neither sees "database is locked", and a new price applies to the lane's next scan."""

from __future__ import annotations

import os
import random
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pos_tui.demo import create_demo_store
from pos_tui.store import catalog, journal
from pos_tui.store.backup import db_check
from pos_tui.store.catalog import ProductData
from pos_tui.store.db import close_database, current_database, write_transaction
from pos_tui.store.keys import open_store

SELLER = Path(__file__).with_name("lane_seller.py")
ROOT = Path(__file__).resolve().parents[2]
SOAP = "4006381333931"
OTHER_SKUS = ["COKE330", "BREAD", "MILK1L", "RICE5KG", "GREENTEA"]
ROUNDS = 8
BUSY_SECONDS = 0.3  # back-office work per round while the lane sells: bounds the run to a few seconds
REPLY_TIMEOUT = 15.0


class Seller:
    """The lane child: one command line in, one reply line out, with a bounded wait."""

    def __init__(self, data_dir: Path) -> None:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        self.process = subprocess.Popen([sys.executable, str(SELLER), str(data_dir)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self.buffer = b""

    def reply(self) -> str:
        deadline = time.monotonic() + REPLY_TIMEOUT
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.process.stdout], [], [], left)[0]:
                raise AssertionError(f"the lane said nothing for {REPLY_TIMEOUT:g} s")
            chunk = os.read(self.process.stdout.fileno(), 4096)
            if not chunk:
                self.process.wait(5)
                raise AssertionError(f"the lane died:\n{self.process.stderr.read().decode()}")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.decode()

    def ask(self, command: str) -> str:
        self.process.stdin.write(command.encode() + b"\n")
        self.process.stdin.flush()
        return self.reply()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)


@pytest.fixture
def store(tmp_path):
    """The demo store's config; its database stays open in this process: we are the back office."""
    config = create_demo_store(tmp_path)
    yield config
    close_database()


@pytest.fixture
def seller(store, tmp_path):
    lane = Seller(tmp_path)
    yield lane
    lane.kill()


def change_price(sku: str, price: int) -> None:
    """An operator's price edit: read, upsert and journal in one write transaction."""
    with write_transaction():
        product = catalog.get_by_sku(sku)
        catalog.upsert_products([ProductData(product.sku, product.name, price, product.tax, product.unit,
                                             product.stock, product.barcodes)])
        journal.append("catalog.price", {"sku": sku, "price": price}, "back-office")


def sales_figures() -> tuple[int, int, int]:
    """(paid sales, their total, cash taken for them), read in one snapshot as a report would."""
    db = current_database()
    with db.atomic():
        count, gross = db.execute_sql(
            "SELECT COUNT(*), COALESCE(SUM(total), 0) FROM sale WHERE status = 'paid'").fetchone()
        (taken,) = db.execute_sql(
            "SELECT COALESCE(SUM(p.amount), 0) FROM payment p JOIN sale s ON s.id = p.sale_id "
            "WHERE s.status = 'paid' AND p.status = 'approved'").fetchone()
        db.execute_sql("SELECT sku, SUM(qty_milli) FROM sale_line GROUP BY sku ORDER BY 2 DESC LIMIT 5").fetchall()
    return count, gross, taken


def test_lane_sells_while_prices_change_and_reports_run(store, seller):
    rng = random.Random(6)
    assert seller.reply() == "ready"
    seen_sales = 0
    for round_no in range(ROUNDS):
        busy_until = time.monotonic() + BUSY_SECONDS
        while time.monotonic() < busy_until:
            change_price(rng.choice(OTHER_SKUS), rng.randrange(100, 5000))
            count, gross, taken = sales_figures()
            assert gross == taken, "a report read sales and payments from two different moments"
            assert count >= seen_sales
            seen_sales = count
        new_price = 600 + round_no
        change_price("SOAP", new_price)
        assert seller.ask(f"scan {SOAP}") == f"price {SOAP} {new_price}"

    sold = seller.ask("stop")
    assert seller.process.wait(10) == 0
    stderr = seller.process.stderr.read().decode()
    assert "locked" not in stderr and "Traceback" not in stderr, stderr
    assert sold.startswith("sold ") and int(sold.split()[1]) > ROUNDS
    count, gross, taken = sales_figures()
    assert count == int(sold.split()[1]) and gross == taken
    close_database()
    open_store(store)
    assert db_check().ok
