"""Card and wallet payments (and refunds) whose outcome nobody knows, across every lane of the store,
read from the journal rows the lanes upload: an attempt journaled with no outcome after it is
``pending`` (the lane is talking to its terminal, or stopped while it did), one whose last word is
outcome ``unknown`` is ``unknown``; a later resolve, approval or decline takes it off the list. It is
what each lane's back office shows for itself, as of the lane's last upload."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

_EVENTS = ("payment.attempt", "payment.outcome", "payment.resolve", "refund.attempt", "refund.outcome",
           "refund.resolve")


@dataclass(frozen=True)
class StoreUnknownPayment:
    lane: int
    reference: str
    kind: str  # "payment" or "refund"
    method: str
    amount: int  # minor units
    document: str  # the sale's (or return's) uuid
    status: str  # "pending" or "unknown"
    reason: str
    attempted_at: str  # as the lane journaled it
    actor: str | None


_UNKNOWN = """
WITH ev AS (
    SELECT lane, seq, at, kind, actor, payload::jsonb AS p FROM journal
    WHERE store = %s AND kind = ANY(%s)
), last AS (
    SELECT DISTINCT ON (lane, p->>'reference') lane, p->>'reference' AS ref, kind, p->>'status' AS status,
           COALESCE(p->>'reason', '') AS reason
    FROM ev ORDER BY lane, p->>'reference', seq DESC
)
SELECT l.lane, l.ref, split_part(a.kind, '.', 1), COALESCE(a.p->>'method', ''), (a.p->>'amount')::bigint,
       COALESCE(a.p->>'sale', a.p->>'return', ''),
       CASE WHEN l.kind LIKE '%%.attempt' THEN 'pending' ELSE 'unknown' END, l.reason, a.at, a.actor
FROM last l JOIN ev a ON a.lane = l.lane AND a.kind LIKE '%%.attempt' AND a.p->>'reference' = l.ref
WHERE l.kind LIKE '%%.attempt' OR (l.kind LIKE '%%.outcome' AND l.status = 'unknown')
ORDER BY a.at, l.lane
"""


def unknown_payments(conn: psycopg.Connection, store: str, lane: int | None = None) -> list[StoreUnknownPayment]:
    """Every attempt still pending or unknown on the store's lanes (or one lane), oldest first."""
    rows = conn.execute(_UNKNOWN, (store, list(_EVENTS))).fetchall()
    return [StoreUnknownPayment(*row) for row in rows if lane is None or row[0] == lane]

