"""Settlement fixtures: the demo store WITHOUT an open shift, a clock the test moves, a printer
that records what reaches it, and a supervisor approval helper."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from dataclasses import replace

import pytest

from pos_tui.config import PaymentMethod
from pos_tui.demo import create_demo_store, demo_config
from pos_tui.domain.money import parse_rate
from pos_tui.store import users
from pos_tui.store.db import close_database
from pos_tui.store.keys import open_store

COKE, BREAD, SOAP = "6901234567892", "6901234567908", "4006381333931"
ALIPAY_CODE = "281234567890123456"
ADMIN, ADMIN_PIN = "boss", "4321"


class Clock:
    """The lane's clock: starts at 08:00 on a fixed day; ``at("10:15")`` moves it."""

    def __init__(self, day: dt.date = dt.date(2025, 3, 14)) -> None:
        self.now = dt.datetime.combine(day, dt.time(8, 0))

    def __call__(self) -> dt.datetime:
        return self.now

    def at(self, hhmm: str) -> None:
        hour, minute = map(int, hhmm.split(":"))
        self.now = self.now.replace(hour=hour, minute=minute)


class RecordingPrinter:
    """Stands in for the ESC/POS printer: keeps each document and each drawer kick."""

    def __init__(self) -> None:
        self.docs = []
        self.kicks = 0

    def print_receipt(self, doc, *, open_drawer: bool = False) -> None:
        self.docs.append(doc)
        self.kicks += open_drawer

    def kick_drawer(self, pin=None) -> None:
        self.kicks += 1

    def texts(self) -> list[str]:
        from pos_tui.devices.receipt import render_text

        return [render_text(doc) for doc in self.docs]


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture(scope="session")
def demo_store_template(tmp_path_factory):
    """The demo store without a shift, plus the admin, made once per run (closed) to be copied."""
    cfg = create_demo_store(tmp_path_factory.mktemp("settlement"), with_open_shift=False)
    users.add_user(ADMIN, "admin", ADMIN_PIN, cfg.security.pin_min_length, actor="test")
    close_database()
    assert not cfg.database_path.with_name("pos.db-wal").exists(), "the template's log was not checkpointed"
    return cfg


@pytest.fixture
def config(tmp_path, demo_store_template):
    cfg = demo_config(tmp_path)
    shutil.copyfile(demo_store_template.database_path, cfg.database_path)
    shutil.copy2(demo_store_template.key_path, cfg.key_path)  # its PINs and journal are keyed with it (0600 kept)
    open_store(cfg)
    payments = dict(cfg.payments)
    payments["alipay"] = PaymentMethod(fee_rate=parse_rate("0.38%"), gateway="simulator")
    yield replace(cfg, payments=payments)
    close_database()


@pytest.fixture
def printer():
    return RecordingPrinter()


def rows(config, sql, *args):
    with sqlite3.connect(config.database_path) as con:
        return con.execute(sql, args).fetchall()


def supervisor(lane, action):
    return lane.people.approve("super", "9999", action)
