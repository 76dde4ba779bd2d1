"""The electronic journal: append-only, each row hash-chained to the one before.

``hash = sha256(prev_hash + canonical content)``, where the canonical content is the JSON of
the row's seq, at, kind, actor and payload with sorted keys and no spaces. Editing, deleting or
hand-inserting a row breaks the chain at that row, and ``verify()`` names it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Iterable

from pos_tui.store.db import StoreError, current_database
from pos_tui.store.models import JournalEntry

GENESIS_HASH = "0" * 64


class JournalError(StoreError):
    """The journal cannot take this entry (e.g. no transaction is open)."""


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    rows_checked: int
    first_bad_seq: int | None = None
    reason: str = ""

    def describe(self) -> str:
        """One line for an operator."""
        if self.ok:
            return f"journal ok: {self.rows_checked} rows, chain intact"
        return f"journal broken at row {self.first_bad_seq}: {self.reason}"


def canonical_json(value: Any) -> str:
    """The one JSON spelling of a value that the hash covers."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(prev_hash: str, seq: int, at: str, kind: str, actor: str | None, payload: str) -> str:
    """sha256 over the previous hash and this row's canonical content (payload text exactly as stored)."""
    content = canonical_json({"seq": seq, "at": at, "kind": kind, "actor": actor, "payload": payload})
    return hashlib.sha256((prev_hash + content).encode("utf-8")).hexdigest()


def append(kind: str, payload: dict[str, Any], actor: str | None = None) -> JournalEntry:
    """Add one row to the journal, inside the caller's write transaction.

    The caller's operation and its journal row commit together or not at all, so this refuses
    to run outside a transaction.
    """
    if not kind:
        raise JournalError("a journal entry needs a kind")
    if not current_database().in_transaction():
        raise JournalError(f"journal entry {kind!r} must be written inside a write transaction")
    last = JournalEntry.select(JournalEntry.seq, JournalEntry.hash).order_by(JournalEntry.seq.desc()).first()
    seq = last.seq + 1 if last else 1
    prev_hash = last.hash if last else GENESIS_HASH
    at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")
    text = canonical_json(payload)
    return JournalEntry.create(
        seq=seq, at=at, kind=kind, actor=actor, payload=text, prev_hash=prev_hash,
        hash=entry_hash(prev_hash, seq, at, kind, actor, text),
    )


JournalRow = tuple[int, str, str, "str | None", str, str, str]
JOURNAL_COLUMNS = "seq, at, kind, actor, payload, prev_hash, hash"


def verify_rows(rows: Iterable[JournalRow]) -> VerifyResult:
    """Walk rows (ordered by seq; columns as JOURNAL_COLUMNS) and report the first broken one."""
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    for seq, at, kind, actor, payload, stored_prev, stored_hash in rows:
        if seq != expected_seq:
            return VerifyResult(
                False, checked, expected_seq, f"row {expected_seq} is missing (deleted by hand; row {seq} comes next)"
            )
        if stored_prev != prev_hash:
            return VerifyResult(False, checked, seq, "does not link to the row before it (inserted or replaced by hand)")
        if entry_hash(prev_hash, seq, at, kind, actor, payload) != stored_hash:
            return VerifyResult(False, checked, seq, f"content does not match its hash (edited by hand; kind {kind!r})")
        checked += 1
        expected_seq, prev_hash = seq + 1, stored_hash
    return VerifyResult(True, checked)


def verify() -> VerifyResult:
    """Check the whole chain of the open database."""
    cursor = current_database().execute_sql(
        f"SELECT {JOURNAL_COLUMNS} FROM {JournalEntry._meta.table_name} ORDER BY seq"
    )
    return verify_rows(cursor)


def entries(kind: str | None = None) -> list[JournalEntry]:
    """Journal rows in order, optionally only one kind (for reports and tests)."""
    query = JournalEntry.select().order_by(JournalEntry.seq)
    if kind is not None:
        query = query.where(JournalEntry.kind == kind)
    return list(query)
