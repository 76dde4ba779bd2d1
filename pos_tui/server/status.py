"""``pos-tui server status``: per lane, when it was last seen, how many documents it holds back,
how far behind it is, what the server parked, and any gap or journal-chain break."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import psycopg


@dataclass(frozen=True)
class LaneStatus:
    lane: int
    role: str
    last_seen: dt.datetime | None
    waiting: int
    lag_seconds: float
    documents: int
    acked_seq: int
    parked: int
    gap: tuple[int, int] | None
    chain_break: str | None
    journal_seq: int


@dataclass(frozen=True)
class ParkedDocument:
    lane: int
    lane_seq: int
    kind: str
    reason: str
    parked_at: dt.datetime


_STATUS = """
SELECT l.lane, l.role_name, s.last_seen, COALESCE(s.waiting, 0),
       CASE WHEN COALESCE(s.waiting, 0) > 0 AND s.oldest_waiting IS NOT NULL
            THEN EXTRACT(EPOCH FROM now() - s.oldest_waiting)::float8 ELSE 0 END,
       (SELECT count(*) FROM documents d WHERE d.store = l.store AND d.lane = l.lane),
       COALESCE(s.acked_seq, 0),
       (SELECT count(*) FROM parked_documents p WHERE p.store = l.store AND p.lane = l.lane),
       s.gap_from, s.gap_to, s.chain_break, COALESCE(s.journal_seq, 0)
FROM lanes l LEFT JOIN lane_sync s ON s.store = l.store AND s.lane = l.lane
WHERE l.store = %s ORDER BY l.lane
"""


def lane_status(conn: psycopg.Connection, store: str) -> list[LaneStatus]:
    rows = conn.execute(_STATUS, (store,)).fetchall()
    return [LaneStatus(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7],
                       (r[8], r[9]) if r[8] is not None else None, r[10], r[11]) for r in rows]


def parked_documents(conn: psycopg.Connection, store: str) -> list[ParkedDocument]:
    rows = conn.execute("SELECT lane, lane_seq, kind, reason, parked_at FROM parked_documents WHERE store = %s "
                        "ORDER BY lane, lane_seq", (store,)).fetchall()
    return [ParkedDocument(*row) for row in rows]
