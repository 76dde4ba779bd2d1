"""`pos-tui run` in its own process on a pseudo-terminal: a scanner's burst of codes and the F10
after them, in one write, reach the lane in order through its terminal driver (the keys of one read
go to the app together): every code is a line, in order, before the sale is totalled."""

from __future__ import annotations

import os
import sqlite3

from pos_tui.store.db import close_database
from tests.e2e.test_start_up_signals import Screen, kiosk  # noqa: F401 - the fixture

CODES = ["6901234567892", "6901234567908", "4006381333931", "6900000000014", "6931234567806"]
F10 = b"\x1b[21~"


def test_a_burst_of_scans_and_f10_in_one_write_arrive_in_order(kiosk, tmp_path):  # noqa: F811
    child, master = kiosk
    screen = Screen(master)
    screen.wait_for("User>", child)
    os.write(master, b"cashier\r1234\r")
    screen.wait_for("Signed in as cashier", child)
    os.write(master, b"".join(code.encode() + b"\r" for code in CODES) + F10)
    screen.wait_for("Balance", child)
    close_database()
    con = sqlite3.connect(tmp_path / "pos.db")
    try:
        phase = con.execute("SELECT phase FROM sale WHERE status = 'open'").fetchone()
        scanned = [code for (code,) in con.execute(
            "SELECT b.code FROM sale_line l JOIN barcode b ON b.product_id = l.product_id "
            "WHERE b.code IN (%s) ORDER BY l.line_no" % ",".join("?" * len(CODES)), CODES)]
    finally:
        con.close()
    assert phase == ("payment",)
    assert scanned == CODES
