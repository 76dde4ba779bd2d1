"""Lane events: published after the commit, delivered off the caller's thread, one subscriber's
slowness or failure costing no scan and no other subscriber its event."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from pos_tui.services.events import (
    EventBus, LineAdded, LineVoided, ReceiptsPrinted, SalePaid, SaleTotalled, TenderSettled,
)
from pos_tui.services.lane import Lane
from pos_tui.store.db import close_database

COKE, BREAD = "6901234567892", "6901234567908"
WAIT = 10.0  # seconds a test waits for a thread before it calls the run a failure


@pytest.fixture
def config(tmp_path, make_demo_store):
    cfg = make_demo_store(tmp_path)
    yield cfg
    close_database()


@pytest.fixture
def bus():
    events = EventBus()
    yield events
    events.close()


class Recorder:
    """A subscriber that keeps what it got and lets a test wait for a count."""

    def __init__(self) -> None:
        self.events = []
        self.changed = threading.Condition()

    def __call__(self, event) -> None:
        with self.changed:
            self.events.append(event)
            self.changed.notify_all()

    def wait_for(self, count: int) -> list:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.events) >= count, WAIT), self.events
            return list(self.events)


class KeepingPrinter:
    """Stands in for the ESC/POS printer: keeps each document and counts drawer kicks."""

    def __init__(self) -> None:
        self.docs, self.kicks = [], 0

    def print_receipt(self, doc, *, open_drawer: bool = False) -> None:
        self.docs.append(doc)
        self.kicks += open_drawer


def signed_in(config, bus, **devices) -> Lane:
    lane = Lane(config, events=bus, **devices)
    lane.people.sign_in("cashier", "1234")
    return lane


def test_a_sale_publishes_its_events_in_order_after_each_commit(config, bus):
    seen_committed = []

    def check_committed(event) -> None:  # runs on the subscriber's thread, with its own connection
        if isinstance(event, LineAdded):
            with sqlite3.connect(config.database_path) as con:
                committed = con.execute("SELECT count(*) FROM sale_line WHERE sale_id = ?",
                                        (event.sale_id,)).fetchone()[0]
            seen_committed.append(committed >= event.line.line_no)  # later lines may be in too by now

    recorder = Recorder()
    bus.subscribe("committed", check_committed, LineAdded)
    bus.subscribe("recorder", recorder)
    lane = signed_in(config, bus)
    lane.items.enter(COKE)
    lane.items.enter(BREAD)
    lane.items.void_line(1)
    lane.payments.total()
    lane.payments.tender_cash("20")
    events = recorder.wait_for(6)
    assert [type(e) for e in events] == [LineAdded, LineAdded, LineVoided, SaleTotalled, TenderSettled, SalePaid]
    assert [e.total for e in events[:3]] == [350, 350 + 1200, 1200]
    assert events[-1].receipt_no == lane.view().receipt_no and events[-1].change == 800
    bus.close()
    assert seen_committed == [True, True]


def test_a_stuck_subscriber_delays_no_scan(config, bus):
    """The subscriber blocks until the scans are over: a bus delivering on the caller's thread
    would never let the scans finish."""
    release = threading.Event()
    recorder = Recorder()
    bus.subscribe("stuck", lambda event: release.wait(WAIT))
    bus.subscribe("recorder", recorder, LineAdded)
    lane = signed_in(config, bus)
    scans_done = threading.Event()

    def scan() -> None:
        for _ in range(20):
            lane.items.enter(COKE)
        scans_done.set()

    scanner = threading.Thread(target=scan)
    scanner.start()
    finished = scans_done.wait(WAIT)
    release.set()
    scanner.join(WAIT)
    close_database()  # the scanner thread's connection
    assert finished, "the scans waited for a stuck subscriber"
    assert len(recorder.wait_for(20)) == 20


def test_a_failing_subscriber_costs_no_other_subscriber_its_event(config, bus, caplog):
    def failing(event) -> None:
        raise RuntimeError("display unplugged")

    recorder = Recorder()
    bus.subscribe("failing", failing)
    bus.subscribe("recorder", recorder)
    lane = signed_in(config, bus)
    for _ in range(3):
        lane.items.enter(COKE)
    assert len(recorder.wait_for(3)) == 3
    bus.close()
    failures = [r for r in caplog.records if "subscriber failing failed" in r.getMessage()]
    assert len(failures) == 3 and all("display unplugged" in str(r.exc_info[1]) for r in failures)


def test_the_receipt_queue_prints_a_paid_sale_and_says_how_it_went(config, bus):
    printer = KeepingPrinter()
    recorder = Recorder()
    lane = signed_in(config, bus, printer=printer)
    lane.receipts.serve_queue()
    lane.receipts.serve_queue()  # once only: a second call subscribes nothing more
    bus.subscribe("recorder", recorder, ReceiptsPrinted)
    lane.items.enter(BREAD)
    lane.payments.total()
    lane.payments.tender_cash("")
    (printed,) = recorder.wait_for(1)
    assert printed.ok and printed.message == "Printed 1 receipt", printed
    assert len(printer.docs) == 1 and printer.kicks == 1
    assert lane.receipts.waiting_receipts() == 0
