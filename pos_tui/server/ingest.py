"""The lane's side of the store server, on the lane role's own connection: send documents and
journal rows (idempotent: ON CONFLICT DO NOTHING on (store, lane, sequence) and uuid), acknowledge
the highest contiguous sequence, park what the server refuses, and read the change feed.

Each function is one server transaction. A document the server already holds under the same
sequence and uuid counts as sent (the lane crashed after the server committed, before it marked
the row); a sequence the server holds under another uuid is a conflict (the lane's database was
replaced by an older copy) and is parked on the lane, never overwritten.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Sequence

import psycopg

from pos_tui.server.connect import ServerError, first_line


@dataclass(frozen=True)
class Identity:
    store: str
    lane: int


@dataclass
class PushResult:
    sent: list[int] = field(default_factory=list)  # on the server now (inserted or already there)
    parked: list[tuple[int, str]] = field(default_factory=list)  # refused by the server, parked there too
    conflicts: list[tuple[int, str]] = field(default_factory=list)  # the server holds another document
    acked_seq: int = 0
    gap: tuple[int, int] | None = None


def whoami(conn: psycopg.Connection) -> Identity:
    row = conn.execute("SELECT store, lane FROM lanes WHERE role_name = current_user").fetchone()
    if row is None:
        raise ServerError("these credentials belong to no lane of the store server (see `pos-tui server add-lane`)")
    return Identity(row[0], row[1])


_INSERT_DOCS = """
INSERT INTO documents (store, lane, lane_seq, uuid, kind, business_day, total, created_at, payload)
SELECT %(store)s, %(lane)s, s, u, k, (j ->> 'business_day')::date, (j ->> 'total')::bigint, c::timestamptz, j
FROM (SELECT s, u, k, c, p::jsonb AS j
      FROM unnest(%(seqs)s::bigint[], %(uuids)s::text[], %(kinds)s::text[], %(created)s::text[],
                  %(payloads)s::text[]) AS x(s, u, k, c, p)
      OFFSET 0) AS parsed  -- each payload parsed once
ON CONFLICT DO NOTHING
RETURNING lane_seq
"""

_HELD = """
SELECT lane_seq, uuid FROM documents WHERE store = %(store)s AND lane = %(lane)s AND lane_seq = ANY(%(seqs)s)
UNION ALL
SELECT lane_seq, uuid FROM parked_documents WHERE store = %(store)s AND lane = %(lane)s AND lane_seq = ANY(%(seqs)s)
"""


def _params(me: Identity, docs: Sequence) -> dict:
    return {"store": me.store, "lane": me.lane, "seqs": [d.seq for d in docs], "uuids": [d.uuid for d in docs],
            "kinds": [d.kind for d in docs], "created": [d.created_at for d in docs],
            "payloads": [d.payload for d in docs]}


def push_documents(conn: psycopg.Connection, me: Identity, docs: Sequence, *, waiting: int,
                   oldest_waiting: str | None) -> PushResult:
    """Send ``docs`` (in sequence order) in one transaction; a batch the server refuses is sent again
    one by one, each refused document parked with the server's reason."""
    result = PushResult()
    try:
        with conn.transaction():
            inserted = {row[0] for row in conn.execute(_INSERT_DOCS, _params(me, docs))}
            _settle(conn, me, docs, inserted, result)
            _ack(conn, me, result, waiting, oldest_waiting)
        return result
    except (psycopg.errors.DataError, psycopg.errors.IntegrityError, psycopg.errors.InvalidTextRepresentation) as exc:
        if len(docs) == 1:
            refused = {docs[0].seq: first_line(exc)}
        else:
            refused = {}
    result = PushResult()
    with conn.transaction():
        inserted = set()
        for doc in docs:
            if doc.seq in refused:
                _park_on_server(conn, me, doc, refused[doc.seq], result)
                continue
            try:
                with conn.transaction():
                    inserted |= {row[0] for row in conn.execute(_INSERT_DOCS, _params(me, [doc]))}
            except (psycopg.errors.DataError, psycopg.errors.IntegrityError) as exc:
                _park_on_server(conn, me, doc, first_line(exc), result)
        _settle(conn, me, [d for d in docs if d.seq not in dict(result.parked)], inserted, result)
        _ack(conn, me, result, waiting, oldest_waiting)
    return result


def _park_on_server(conn: psycopg.Connection, me: Identity, doc, reason: str, result: PushResult) -> None:
    with conn.transaction():
        conn.execute("INSERT INTO parked_documents (store, lane, lane_seq, uuid, kind, reason, payload, created_at) "
                     "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                     (me.store, me.lane, doc.seq, doc.uuid, doc.kind, reason, doc.payload, doc.created_at))
    result.parked.append((doc.seq, reason))


def _settle(conn: psycopg.Connection, me: Identity, docs: Sequence, inserted: set[int], result: PushResult) -> None:
    """Which of ``docs`` the server holds now: inserted, or there already under the same uuid."""
    others = [d for d in docs if d.seq not in inserted]
    held = dict(conn.execute(_HELD, {"store": me.store, "lane": me.lane, "seqs": [d.seq for d in others]})) \
        if others else {}
    for doc in docs:
        if doc.seq in inserted:
            result.sent.append(doc.seq)
        elif held.get(doc.seq) == doc.uuid:
            result.sent.append(doc.seq)
        elif doc.seq in held:
            result.conflicts.append((doc.seq, f"the server holds another document as sequence {doc.seq} of lane "
                                              f"{me.lane} (was this lane's database replaced by an older copy?)"))
        else:  # the uuid is the server's already under another sequence
            result.conflicts.append((doc.seq, f"document {doc.uuid} is on the server under another sequence"))


_CONTIGUOUS = """
WITH have AS (
    SELECT lane_seq FROM documents WHERE store = %(store)s AND lane = %(lane)s AND lane_seq > %(acked)s
    UNION ALL
    SELECT lane_seq FROM parked_documents WHERE store = %(store)s AND lane = %(lane)s AND lane_seq > %(acked)s
), run AS (SELECT lane_seq, row_number() OVER (ORDER BY lane_seq) AS rn FROM have)
SELECT COALESCE(MAX(lane_seq) FILTER (WHERE lane_seq - %(acked)s = rn), %(acked)s),
       MIN(lane_seq) FILTER (WHERE lane_seq - %(acked)s <> rn)
FROM run
"""


def _ack(conn: psycopg.Connection, me: Identity, result: PushResult, waiting: int, oldest: str | None) -> None:
    """Move the lane's acknowledged sequence up to the highest contiguous one; note a gap after it."""
    row = conn.execute("SELECT acked_seq FROM lane_sync WHERE store = %s AND lane = %s FOR UPDATE",
                       (me.store, me.lane)).fetchone()
    acked = row[0] if row else 0
    new_acked, next_after_gap = conn.execute(_CONTIGUOUS, {"store": me.store, "lane": me.lane, "acked": acked}).fetchone()
    gap = (new_acked + 1, next_after_gap - 1) if next_after_gap is not None else None
    conn.execute("UPDATE lane_sync SET acked_seq = %s, gap_from = %s, gap_to = %s, last_seen = now(), waiting = %s, "
                 "oldest_waiting = %s WHERE store = %s AND lane = %s",
                 (new_acked, gap[0] if gap else None, gap[1] if gap else None, waiting, oldest, me.store, me.lane))
    result.acked_seq, result.gap = new_acked, gap


def heartbeat(conn: psycopg.Connection, me: Identity, *, waiting: int, oldest_waiting: str | None) -> None:
    with conn.transaction():
        conn.execute("UPDATE lane_sync SET last_seen = now(), waiting = %s, oldest_waiting = %s "
                     "WHERE store = %s AND lane = %s", (waiting, oldest_waiting, me.store, me.lane))


# ---------------------------------------------------------------- the journal


@dataclass
class JournalPush:
    sent_through: int
    chain_break: str | None = None


def push_journal(conn: psycopg.Connection, me: Identity, rows: Sequence[tuple]) -> JournalPush:
    """Journal rows (seq, at, kind, actor, payload, prev_hash, hash), in seq order. The server checks
    that each links to the one before it; a break (or a row the server holds with another hash) is
    recorded on the lane's sync row and reported by ``server status``."""
    seqs = [r[0] for r in rows]
    cols = list(zip(*rows))
    with conn.transaction():
        inserted = {r[0] for r in conn.execute(
            "INSERT INTO journal (store, lane, seq, at, kind, actor, payload, prev_hash, hash) "
            "SELECT %s, %s, * FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], "
            "%s::text[], %s::text[]) ON CONFLICT DO NOTHING RETURNING seq",
            (me.store, me.lane, *[list(c) for c in cols]))}
        problem = None
        others = [r for r in rows if r[0] not in inserted]
        if others:
            held = dict(conn.execute("SELECT seq, hash FROM journal WHERE store = %s AND lane = %s AND seq = ANY(%s)",
                                     (me.store, me.lane, [r[0] for r in others])))
            for r in others:
                if held.get(r[0]) != r[6]:
                    problem = f"journal row {r[0]} differs from the server's copy"
                    break
        if problem is None:
            broken = conn.execute(
                "SELECT j.seq FROM journal j LEFT JOIN journal p ON p.store = j.store AND p.lane = j.lane "
                "AND p.seq = j.seq - 1 WHERE j.store = %s AND j.lane = %s AND j.seq BETWEEN %s AND %s AND j.seq > 1 "
                "AND (p.seq IS NULL OR p.hash <> j.prev_hash) ORDER BY j.seq LIMIT 1",
                (me.store, me.lane, min(seqs), max(seqs))).fetchone()
            if broken:
                problem = f"journal row {broken[0]} does not link to row {broken[0] - 1}"
        if problem:
            conn.execute("UPDATE lane_sync SET chain_break = COALESCE(chain_break, %s) WHERE store = %s AND lane = %s",
                         (problem, me.store, me.lane))
        conn.execute("UPDATE lane_sync SET journal_seq = GREATEST(journal_seq, %s) WHERE store = %s AND lane = %s",
                     (max(seqs), me.store, me.lane))
    return JournalPush(max(seqs), problem)


# ---------------------------------------------------------------- the change feed


FEEDS = ("products", "users", "settings", "promotions", "members")

_FEED_SQL = {
    "products": """
        WITH p AS (SELECT sku, name, price, tax, unit, active, change_seq, department FROM products
                   WHERE change_seq > %s ORDER BY change_seq LIMIT %s)
        SELECT p.sku, p.name, p.price, p.tax, p.unit, p.active, p.change_seq,
               ARRAY(SELECT code FROM barcodes b WHERE b.sku = p.sku ORDER BY code), p.department
        FROM p ORDER BY change_seq""",
    "users": """SELECT name, role, pin_hash, pin_changed_at, disabled, locked_until, change_seq FROM users
                WHERE change_seq > %s ORDER BY change_seq LIMIT %s""",
    "settings": """SELECT key, value, change_seq FROM settings WHERE change_seq > %s ORDER BY change_seq LIMIT %s""",
    "promotions": """SELECT code, definition, active, change_seq FROM promotions
                     WHERE change_seq > %s ORDER BY change_seq LIMIT %s""",
    "members": """SELECT code, card, phone, name, points, disabled, change_seq FROM members
                  WHERE change_seq > %s ORDER BY change_seq LIMIT %s""",
}


def available_feeds(conn: psycopg.Connection) -> tuple[str, ...]:
    """The feeds this server has: one not migrated yet (``pos-tui server init`` migrates it) has no
    promotions, and a lane newer than its server still sends and takes the rest."""
    missing = conn.execute("SELECT to_regclass('promotions') IS NULL").fetchone()[0]
    return tuple(name for name in FEEDS if not (missing and name == "promotions"))


def read_feed(conn: psycopg.Connection, feed: str, after: int, limit: int) -> list[tuple]:
    """The next ``limit`` rows of a feed above change sequence ``after`` (the change_seq is last for
    users, settings and promotions, 7th for products)."""
    rows = conn.execute(_FEED_SQL[feed], (after, limit)).fetchall()
    return rows


def server_time(conn: psycopg.Connection) -> dt.datetime:
    value = conn.execute("SELECT now()").fetchone()[0]
    return value
