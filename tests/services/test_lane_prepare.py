"""A prepared lane's first sale builds no SQL text: its statements were built as it opened."""

from __future__ import annotations

import peewee
import pytest

from pos_tui.services.lane import Lane
from pos_tui.store import statements
from pos_tui.store.db import close_database

CODES = ("6901234567892", "6901234567908", "4006381333931")


@pytest.fixture
def lane(tmp_path, make_demo_store):
    for statement in statements._statements:  # as in a lane process just started: none built yet
        statement._sql.clear()
    lane = Lane(make_demo_store(tmp_path))
    yield lane
    close_database()


@pytest.fixture
def queries_built(monkeypatch) -> list[str]:
    """The SQL text of each query object peewee turns into text from then on: run (``execute``) or
    compiled (``sql``)."""
    built: list[str] = []
    real_execute, real_sql = peewee.Database.execute, peewee.BaseQuery.sql

    def execute(self, query, *args, **kwargs):
        built.append(self.get_sql_context().sql(query).query()[0])
        return real_execute(self, query, *args, **kwargs)

    def sql(self):
        text, params = real_sql(self)
        built.append(text)
        return text, params

    monkeypatch.setattr(peewee.Database, "execute", execute)
    monkeypatch.setattr(peewee.BaseQuery, "sql", sql)
    return built


def test_the_first_scans_and_the_cash_payment_of_a_prepared_lane_build_no_sql(lane, queries_built):
    lane.people.sign_in("cashier", "1234")
    lane.prepare()
    queries_built.clear()
    for code in CODES:
        lane.items.enter(code)
    assert queries_built == []
    lane.payments.total()
    lane.payments.tender_cash("")
    assert queries_built == []
    assert lane.view().receipt_no


def test_the_probe_sees_a_query_peewee_builds(lane, queries_built):
    from pos_tui.store.models import Sale

    Sale.select().where(Sale.id == 1).first()
    assert len(queries_built) == 1 and 'FROM "sale"' in queries_built[0]
