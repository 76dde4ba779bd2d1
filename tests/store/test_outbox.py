"""The outbox: each finished document is written in its fact's own transaction, numbered per lane
with no gap, and carries money as integers only."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pytest

from pos_tui.services.lane import Lane
from pos_tui.store import outbox, reports, shifts
from pos_tui.store.db import close_database, write_transaction
from pos_tui.store.reports import context_of

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from lane_seller import sell  # noqa: E402


@pytest.fixture
def lane(tmp_path, make_demo_store):
    config = make_demo_store(tmp_path)
    lane = Lane(config)
    lane.people.sign_in("super", "9999")
    yield lane
    close_database()


def numbers(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from numbers(v)
    elif isinstance(value, list):
        for v in value:
            yield from numbers(v)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield value


def test_every_finished_document_is_in_the_outbox_numbered_without_gaps(lane):
    import random

    sell(lane, random.Random(1))
    lane.items.enter("6901234567892")
    lane.items.void_sale()
    now = dt.datetime.now()
    shifts.record_movement(1, "paid_in", 1000, "float top-up", actor="super", approved_by=None, now=now)
    with pytest.raises(RuntimeError):
        with write_transaction():
            outbox.add("shift.open", {"lane": 1}, lane=1)
            raise RuntimeError("rolled back: its number goes with it")
    summary = shifts.cash_summary(lane.ctx.shift.id)
    shifts.close_shift(1, summary.expected, cur=lane.currency, actor="super", now=now)
    reports.take_z_report(context_of(lane.config), now, actor="super")
    rows = list(outbox.OutboxRow.select().order_by(outbox.OutboxRow.seq))
    assert [r.kind for r in rows] == ["shift.open", "sale.paid", "sale.voided", "drawer.paid_in", "shift.close",
                                      "report.z"]
    assert [r.seq for r in rows] == list(range(1, 7)) and {r.status for r in rows} == {"waiting"}
    docs = [json.loads(r.payload) for r in rows]
    paid = docs[1]
    assert paid["status"] == "paid" and paid["lines"] and paid["payments"][0]["method"] == "cash"
    assert paid["total"] == sum(line["amount"] - line["discount"] for line in paid["lines"] if not line["voided"])
    assert docs[4]["counted"] == summary.expected and docs[5]["number"] == 1
    assert all(isinstance(n, int) for doc in docs for n in numbers(doc)), "money must stay integer minor units"
    assert all(doc["business_day"] == now.date().isoformat() for doc in docs)


def test_a_document_outside_a_transaction_is_refused(lane):
    with pytest.raises(outbox.OutboxError, match="inside the write transaction"):
        outbox.add("shift.open", {}, lane=1)
