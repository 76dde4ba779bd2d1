"""The electronic journal: append-only, each row hash-chained to the one before.

``hash = HMAC-SHA256(journal key, prev_hash + canonical content)`` when the store is opened with
its key file (``sha256(prev_hash + content)`` without one, as in tests of the store alone), where
the canonical content is the JSON of the row's seq, at, kind, actor and payload with sorted keys
and no spaces. Editing, deleting or hand-inserting a row breaks the chain at that row, and
``verify()`` names it; without the key nobody can re-hash the chain after an edit.

What the chain alone cannot see is anchored from outside: the head (last seq and hash) is printed
on every X and Z report and written beside every backup, and ``verify(head=...)`` checks that the
journal still holds that row unchanged (rows cut off the end are found that way); and
``cross_check()`` compares the sales, payments and receipt numbers with the journal rows that made
them (a total edited in its table, a sale with no journal row, a gap in the receipt numbers).

Rows are in the order of ``seq``, whatever the clock said: a row whose time is before the row
ahead of it means the clock went back (``ClockJump``). That is no break of the chain, but it is
logged when the row is written and shown as a warning by ``verify()`` and the X and Z reports.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

import peewee

from pos_tui.i18n import _
from pos_tui.store import statements
from pos_tui.store.db import StoreError, current_database, current_key
from pos_tui.store.models import JournalEntry
from pos_tui.domain.frozen_records import FrozenRecord, frozen_record

GENESIS_HASH = "0" * 64
HEAD_HEX = 16  # hex digits of the head's hash printed on reports (64 bits: not forgeable without the key)
# A clock stepping back by less than this (an NTP correction) is not worth a warning.
CLOCK_JUMP_TOLERANCE = dt.timedelta(seconds=1)
log = logging.getLogger(__name__)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


# The journal's clock (UTC, aware): the machine's; tests move it here, inside the process.
utc_now: Callable[[], dt.datetime] = _utc_now


class JournalError(StoreError):
    """The journal cannot take this entry (e.g. no transaction is open)."""


@frozen_record
class ClockJump(FrozenRecord):
    """Row ``seq`` was written at ``at``, before ``previous_at`` of the row ahead of it (UTC ISO text)."""

    seq: int
    at: str
    previous_at: str

    @property
    def back(self) -> dt.timedelta:
        return dt.datetime.fromisoformat(self.previous_at) - dt.datetime.fromisoformat(self.at)

    def local_times(self) -> tuple[str, str]:
        """(before the jump, after it) in the machine's local time, to the second."""
        def local(text: str) -> str:
            return dt.datetime.fromisoformat(text).astimezone().strftime("%Y-%m-%d %H:%M:%S")

        return local(self.previous_at), local(self.at)

    def describe(self) -> str:
        before, after = self.local_times()
        return f"the clock went back {_span(self.back)} at row {self.seq}: {after} after {before}"


def _span(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{days} d"] if days else []
    parts += [f"{hours} h"] if hours else []
    parts += [f"{minutes} min"] if minutes and not days else []
    return " ".join(parts) or f"{seconds} s"


def _jumped(at: str, previous_at: str | None) -> bool:
    if previous_at is None:
        return False
    try:
        return dt.datetime.fromisoformat(previous_at) - dt.datetime.fromisoformat(at) > CLOCK_JUMP_TOLERANCE
    except (TypeError, ValueError):
        return False  # a hand-edited time: the hash check names that row


@frozen_record
class VerifyResult(FrozenRecord):
    ok: bool
    rows_checked: int
    first_bad_seq: int | None = None
    reason: str = ""
    clock_jumps: tuple[ClockJump, ...] = ()

    def describe(self) -> str:
        """One line for an operator."""
        if self.ok:
            return f"journal ok: {self.rows_checked} rows, chain intact"
        return f"journal broken at row {self.first_bad_seq}: {self.reason}"

    def warnings(self) -> list[str]:
        """One line per time the clock went back (the chain may be intact all the same)."""
        return [f"warning: {jump.describe()}" for jump in self.clock_jumps]


def canonical_json(value: Any) -> str:
    """The one JSON spelling of a value that the hash covers."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(prev_hash: str, seq: int, at: str, kind: str, actor: str | None, payload: str,
               key: bytes | None = None) -> str:
    """HMAC-SHA256 under ``key`` (sha256 without one) over the previous hash and this row's
    canonical content (payload text exactly as stored)."""
    content = canonical_json({"seq": seq, "at": at, "kind": kind, "actor": actor, "payload": payload})
    message = (prev_hash + content).encode("utf-8")
    if key:
        return hmac.new(key, message, hashlib.sha256).hexdigest()
    return hashlib.sha256(message).hexdigest()


def _journal_key() -> bytes | None:
    key = current_key()
    return key.journal_key if key else None


def append(kind: str, payload: dict[str, Any], actor: str | None = None) -> JournalEntry:
    """Add one row to the journal, inside the caller's write transaction.

    The caller's operation and its journal row commit together or not at all, so this refuses
    to run outside a transaction.
    """
    if not kind:
        raise JournalError("a journal entry needs a kind")
    if not current_database().in_transaction():
        raise JournalError(f"journal entry {kind!r} must be written inside a write transaction")
    last = statements.fetch_one(_LAST_ROW_QUERY, (1,))  # LIMIT 1
    seq = last[0] + 1 if last else 1
    prev_hash = last[1] if last else GENESIS_HASH
    at = utc_now().astimezone(dt.timezone.utc).isoformat(timespec="microseconds")
    if last is not None and _jumped(at, last[2]):
        log.warning("journal row %s (%s): %s", seq, kind, ClockJump(seq, at, last[2]).describe())
    text = canonical_json(payload)
    entry = dict(seq=seq, at=at, kind=kind, actor=actor, payload=text, prev_hash=prev_hash,
                 hash=entry_hash(prev_hash, seq, at, kind, actor, text, _journal_key()))
    statements.insert(JournalEntry, **entry)
    return JournalEntry(**entry)


_LAST_ROW_QUERY = statements.Statement(
    lambda: JournalEntry.select(JournalEntry.seq, JournalEntry.hash, JournalEntry.at)
    .order_by(JournalEntry.seq.desc()).limit(1))


JournalRow = tuple[int, str, str, "str | None", str, str, str]
JOURNAL_COLUMNS = "seq, at, kind, actor, payload, prev_hash, hash"


@frozen_record
class Head(FrozenRecord):
    """The journal's last row as printed on a report: ``seq:hash`` (the hash's first HEAD_HEX digits)."""

    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash[:HEAD_HEX]}"

    @classmethod
    def parse(cls, text: str) -> Head:
        m = re.fullmatch(r"\s*(\d+):([0-9a-fA-F]{%d,64})\s*" % HEAD_HEX, text)
        if not m:
            raise JournalError(_("a journal head is SEQ:HASH as printed on a report (at least {digits} hex digits), "
                                 "not {text}").format(digits=HEAD_HEX, text=repr(text)))
        return cls(int(m.group(1)), m.group(2).lower())


def verify_rows(rows: Iterable[JournalRow], key: bytes | None = None, head: Head | None = None) -> VerifyResult:
    """Walk rows (ordered by seq; columns as JOURNAL_COLUMNS) and report the first broken one;
    with ``head``, the row it names must be there with that hash."""
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    head_seen = head is None
    jumps: list[ClockJump] = []
    previous_at: str | None = None
    for seq, at, kind, actor, payload, stored_prev, stored_hash in rows:
        if seq != expected_seq:
            return VerifyResult(
                False, checked, expected_seq, f"row {expected_seq} is missing (deleted by hand; row {seq} comes next)"
            )
        if stored_prev != prev_hash:
            return VerifyResult(False, checked, seq, "does not link to the row before it (inserted or replaced by hand)")
        if not hmac.compare_digest(entry_hash(prev_hash, seq, at, kind, actor, payload, key), stored_hash):
            return VerifyResult(False, checked, seq, f"content does not match its hash (edited by hand, or not signed "
                                                     f"with this store's key file; kind {kind!r})")
        if head is not None and seq == head.seq:
            if not stored_hash.startswith(head.hash):
                return VerifyResult(False, checked, seq, f"is not the row of the head {head} (rewritten since)")
            head_seen = True
        if _jumped(at, previous_at):
            jumps.append(ClockJump(seq, at, previous_at))
        checked += 1
        expected_seq, prev_hash, previous_at = seq + 1, stored_hash, at
    if not head_seen:
        return VerifyResult(False, checked, checked + 1,
                            f"missing: the journal ends at row {checked} but head {head} was printed (rows cut off the end)")
    return VerifyResult(True, checked, clock_jumps=tuple(jumps))


def _all_rows(db=None) -> Iterable[JournalRow]:
    return (db or current_database()).execute_sql(
        f"SELECT {JOURNAL_COLUMNS} FROM {JournalEntry._meta.table_name} ORDER BY seq"
    )


def verify(head: Head | None = None) -> VerifyResult:
    """Check the whole chain of the open database (against ``head`` too, when one is given)."""
    return verify_rows(_all_rows(), _journal_key(), head)


def head() -> Head | None:
    """The last row now, as a report prints it; None for an empty journal."""
    last = JournalEntry.select(JournalEntry.seq, JournalEntry.hash).order_by(JournalEntry.seq.desc()).first()
    return Head(last.seq, last.hash) if last else None


def sign_unsigned(key: bytes) -> int:
    """Re-chain a journal written without a key under ``key`` (the once-only step when a store
    gets its key file); refuses a chain that does not verify as it is. Returns the rows signed."""
    rows = list(_all_rows())
    if not rows:
        return 0
    if verify_rows(rows, key).ok:
        return 0  # signed already
    result = verify_rows(rows)
    if not result.ok:
        raise JournalError(_("the journal is signed with another key file, or broken ({details}): put the "
                             "store's own key file back").format(details=result.describe()))
    db = current_database()
    prev = GENESIS_HASH
    table = JournalEntry._meta.table_name
    for seq, at, kind, actor, payload, _prev, _hash in rows:
        new = entry_hash(prev, seq, at, kind, actor, payload, key)
        db.execute_sql(f"UPDATE {table} SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, new, seq))
        prev = new
    last = rows[-1]
    append("journal.signed", {"rows": len(rows), "unsigned_head": f"{last[0]}:{last[6]}"}, None)
    return len(rows)


def clock_jumps(start_seq: int | None = None, end_seq: int | None = None) -> list[ClockJump]:
    """Where the clock went back between rows ``start_seq`` and ``end_seq`` (either end open)."""
    query = JournalEntry.select(JournalEntry.seq, JournalEntry.at).order_by(JournalEntry.seq)
    if start_seq is not None:
        query = query.where(JournalEntry.seq >= start_seq)
    if end_seq is not None:
        query = query.where(JournalEntry.seq <= end_seq)
    jumps, previous_at = [], None
    for seq, at in query.tuples():
        if _jumped(at, previous_at):
            jumps.append(ClockJump(seq, at, previous_at))
        previous_at = at
    return jumps


def entries_of_kinds(kinds: Iterable[str]) -> list[JournalEntry]:
    """Journal rows of some kinds, in order."""
    return list(JournalEntry.select().where(JournalEntry.kind.in_(tuple(kinds))).order_by(JournalEntry.seq))


def entries(kind: str | None = None) -> list[JournalEntry]:
    """Journal rows in order, optionally only one kind (for reports and tests)."""
    query = JournalEntry.select().order_by(JournalEntry.seq)
    if kind is not None:
        query = query.where(JournalEntry.kind == kind)
    return list(query)
