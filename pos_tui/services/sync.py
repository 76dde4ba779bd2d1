"""The lane's sync worker: its own PostgreSQL connection (and its own SQLite connection) sends the
outbox and the journal up and brings catalog, staff and settings down.

Selling never waits for it: the lane writes its documents to the outbox in the sale's own
transaction and goes on; the worker reads them afterwards, talks to the server holding no SQLite
lock, and marks them sent in a short transaction of its own once the server has committed. When
the server is down, slow or refusing, the worker backs off (0.5 s doubling to 30 s) and tries again;
the lane's header shows "offline" and how many documents wait. ``status()`` is an in-memory
snapshot: reading it costs the UI thread nothing.

The lane runs it in a process of its own at a lower CPU priority (``services.sync_process``), so its
Python never holds the lane's interpreter lock while a scan wants it; ``start()`` runs it as a thread
instead (tests, tools). Either way it keeps out of the way of the cashier, whose scans take the
SQLite writer lock its writes also need: an exchange starts once the lane has committed nothing for
``LANE_QUIET`` seconds (a scan, a payment), or after ``LANE_WAIT_MOST`` when the lane sells without
a pause; what the server took is acknowledged in one short transaction per exchange (documents,
parked ones and the journal cursor together), itself started in a quiet moment when one comes soon.
"""

from __future__ import annotations

import logging
import random
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

from pos_tui.config import Config

log = logging.getLogger(__name__)

BACKOFF_FIRST, BACKOFF_MAX = 0.5, 30.0
# A cashier's scans come a second or so apart; a scanner's burst and its line take a few ms. An
# exchange waits for a pause this long in the lane's own writes, but no longer than the most (the
# lag of a paid sale to the server stays within its 2 s target).
LANE_QUIET, LANE_WAIT_MOST = 0.05, 0.5
ACK_QUIET, ACK_WAIT_MOST = 0.02, 0.25


@dataclass(frozen=True)
class SyncStatus:
    online: bool = False
    waiting: int = 0
    parked: int = 0
    problem: str = ""  # the last reason the server could not be used, or a gap / chain break it reported
    last_contact: float | None = None  # time.time() of the last successful exchange

    def words(self) -> tuple[str, bool]:
        """What the lane's header says after "server", in the lane's language: ("online", True) /
        ("offline, 12 waiting", False); built each time it is asked, so it follows a language switch."""
        from pos_tui.i18n import _, ngettext

        state = _("online") if self.online else _("offline")
        if self.waiting:
            state = _("{state}, {detail}").format(state=state, detail=ngettext(
                "{count} waiting", "{count} waiting", self.waiting).format(count=self.waiting))
        if self.parked:
            state = _("{state}, {detail}").format(state=state, detail=ngettext(
                "{count} parked", "{count} parked", self.parked).format(count=self.parked))
        return state, self.online and not self.parked


class SyncWorker:
    def __init__(self, config: Config, *, batch: int = 500, journal_batch: int = 1000, feed_batch: int = 2000,
                 apply_batch: int = 250, poll_seconds: float | None = None, apply_pause: float = 0.002,
                 send_journal: bool = True,
                 backoff_max: float = BACKOFF_MAX) -> None:
        self.config = config
        self.lane = config.store.lane
        self.batch = batch
        self.journal_batch = journal_batch
        self.feed_batch = feed_batch
        self.apply_batch = apply_batch
        self.poll_seconds = poll_seconds if poll_seconds is not None else config.server.sync_seconds
        self.apply_pause = apply_pause
        self.send_journal = send_journal
        self.backoff_max = backoff_max
        self._current = SyncStatus()
        # Called with each new status (from the worker's thread): the sync process sends it to the lane.
        self.on_status: Callable[[SyncStatus], None] | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn = None
        self._me = None
        self._next_pull = 0.0

    # ---------------------------------------------------------------- control (any thread)

    def start(self) -> "SyncWorker":
        # The worker's Python (reading rows, building batches) shares the interpreter with the lane's
        # scans; a 1 ms switch interval (default 5 ms) lets a scan that gave up the GIL for each SQLite
        # call get it back sooner, so a busy worker adds less to a scan.
        sys.setswitchinterval(min(sys.getswitchinterval(), 0.001))
        self._thread = threading.Thread(target=self.run, name=f"sync-lane-{self.lane}", daemon=True)
        self._thread.start()
        return self

    def wake(self, *_event: object) -> None:
        """A document was just committed: send it now rather than at the next poll."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def status(self) -> SyncStatus:
        return self._current

    @property
    def _status(self) -> SyncStatus:
        return self._current

    @_status.setter
    def _status(self, status: SyncStatus) -> None:
        changed = status != self._current
        self._current = status
        if changed and self.on_status is not None:
            self.on_status(status)

    # ---------------------------------------------------------------- the loop (worker thread)

    def run(self) -> None:
        """The worker's loop, on the calling thread, until ``stop()``."""
        from pos_tui.store.db import feed_durability, wait_for_lane_quiet

        backoff = BACKOFF_FIRST
        try:
            feed_durability()
            while not self._stop.is_set():
                try:
                    wait_for_lane_quiet(LANE_QUIET, LANE_WAIT_MOST, self._stop)
                    if self._stop.is_set():
                        break
                    busy = self.run_once()
                    backoff = BACKOFF_FIRST
                    if not busy:
                        self._wake.wait(self.poll_seconds)
                        self._wake.clear()
                except Exception as exc:  # down, slow, refusing, or a bug: say so, back off, try again
                    self._offline(exc)
                    self._stop.wait(backoff * random.uniform(0.8, 1.2))
                    backoff = min(backoff * 2, self.backoff_max)
        finally:
            self._close()
            from pos_tui.store.db import database

            if database.obj is not None:
                database.obj.close()  # this thread's SQLite connection

    def _offline(self, exc: Exception) -> None:
        from pos_tui.server.connect import first_line

        self._close()
        try:
            counts = self._counts()
            self._status = replace(self._status, online=False, waiting=counts.waiting, parked=counts.parked,
                                   problem=first_line(exc))
        except Exception:
            self._status = replace(self._status, online=False, problem=first_line(exc))
        log.info("store server: %s", first_line(exc))

    def _close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:
                pass
            self._conn = None

    def _connect(self):
        if self._conn is not None and not self._conn.closed:
            return self._conn
        from pos_tui.server.connect import ServerError, connect
        from pos_tui.server.ingest import whoami

        server = self.config.server
        self._conn = connect(server.url, server.credentials, application_name=f"pos-tui lane {self.lane}")
        me = whoami(self._conn)
        if me.lane != self.lane:
            self._close()
            raise ServerError(f"the server credentials are lane {me.lane}'s, but this is lane {self.lane}")
        self._me = me
        return self._conn

    def _counts(self):
        from pos_tui.store import outbox

        return outbox.counts(self.lane)

    def run_once(self) -> bool:
        """One exchange: everything waiting goes up (a batch of each), the feeds come down when due.
        True when a full batch went up (more may wait: the loop goes on at once)."""
        from pos_tui.server.ingest import heartbeat

        conn = self._connect()
        if not self._status.online:
            self._status = replace(self._status, online=True, problem="", last_contact=time.time())
        busy, acks = self._send_documents()
        if self.send_journal:
            journal_busy, journal_ack = self._send_journal()
            busy, acks = busy or journal_busy, [*acks, *journal_ack]
        self._acknowledge(acks)
        if time.monotonic() >= self._next_pull:
            self.pull()
            self._next_pull = time.monotonic() + self.poll_seconds
        counts = self._counts()
        if not busy:
            heartbeat(conn, self._me, waiting=counts.waiting, oldest_waiting=counts.oldest_waiting)
        problem = self._status.problem if self._status.problem.startswith(("gap", "journal", "key")) else ""
        self._status = SyncStatus(True, counts.waiting, counts.parked, problem, time.time())
        return busy

    def push(self) -> bool:
        """Send the waiting documents, a batch at a time; True when a full batch went (more may wait)."""
        busy, acks = self._send_documents()
        self._acknowledge(acks)
        return busy

    def push_journal(self) -> bool:
        """Send the journal rows the server does not have yet, a batch at a time; True when a full
        batch went."""
        busy, acks = self._send_journal()
        self._acknowledge(acks)
        return busy

    def _send_documents(self) -> tuple[bool, list[Callable[[], None]]]:
        """A batch of waiting documents to the server; whether it was full, and what marks the
        outbox (sent, parked) once the server has committed."""
        from pos_tui.server.ingest import push_documents
        from pos_tui.store import outbox

        docs = outbox.waiting(self.lane, self.batch)
        if not docs:
            return False, []
        result = push_documents(self._conn, self._me, docs, waiting=self._status.waiting, oldest_waiting=None)
        refused = result.parked + result.conflicts
        for seq, reason in refused:
            log.warning("document %s of lane %s parked: %s", seq, self.lane, reason)
        if result.gap:
            self._status = replace(self._status, problem=f"gap: sequence {result.gap[0]}-{result.gap[1]} missing")

        def mark() -> None:
            outbox.mark_sent(self.lane, result.sent)
            for seq, reason in refused:
                outbox.park(self.lane, seq, reason)

        return len(docs) == self.batch, [mark]

    def _send_journal(self) -> tuple[bool, list[Callable[[], None]]]:
        from pos_tui.server.ingest import push_journal
        from pos_tui.store import outbox
        from pos_tui.store.db import current_database
        from pos_tui.store.journal import JOURNAL_COLUMNS
        from pos_tui.store.models import JournalEntry

        after = int(outbox.get_state("journal.sent", "0"))
        rows = current_database().execute_sql(
            f"SELECT {JOURNAL_COLUMNS} FROM {JournalEntry._meta.table_name} WHERE seq > ? ORDER BY seq LIMIT ?",
            (after, self.journal_batch)).fetchall()
        if not rows:
            return False, []
        result = push_journal(self._conn, self._me, rows)
        if result.chain_break:
            self._status = replace(self._status, problem=f"journal: {result.chain_break}")
        return len(rows) == self.journal_batch, [partial(outbox.set_state, "journal.sent", str(result.sent_through))]

    def _acknowledge(self, acks: list[Callable[[], None]]) -> None:
        """What the server took, marked on the lane in one write transaction (a power cut or a kill
        before it only sends the same again, which the server keeps once)."""
        from pos_tui.store.db import wait_for_lane_quiet, write_transaction

        if not acks:
            return
        wait_for_lane_quiet(ACK_QUIET, ACK_WAIT_MOST, self._stop)
        with write_transaction():
            for ack in acks:
                ack()

    def pull(self) -> int:
        """Apply what changed on the server: read ``feed_batch`` rows at a time (one round trip, the
        next read under way while these apply), apply them ``apply_batch`` (~250) rows to a short
        transaction, each with its cursor, pausing between them: a scan that wants the database waits
        for one small batch at most."""
        from concurrent.futures import ThreadPoolExecutor

        from pos_tui.server.ingest import available_feeds, read_feed
        from pos_tui.store import feed

        applied = 0
        with ThreadPoolExecutor(1, thread_name_prefix=f"sync-read-lane-{self.lane}") as ahead:
            for name in available_feeds(self._conn):
                if name == "users" and (problem := self._key_problem()):
                    # The server's PIN hashes are peppered with the store's key: taken here they would
                    # lock every cashier out of this lane.
                    self._status = replace(self._status, problem=problem)
                    log.warning("store server: %s", problem)
                    continue
                rows = read_feed(self._conn, name, feed.cursor(name), self.feed_batch)
                while rows and not self._stop.is_set():
                    more = (ahead.submit(read_feed, self._conn, name, feed.SEQ_OF[name](rows[-1]), self.feed_batch)
                            if len(rows) == self.feed_batch else None)
                    applied = self._apply(name, rows, applied)
                    rows = more.result() if more is not None else []
        return applied

    def _apply(self, name: str, rows: list, applied: int) -> int:
        from pos_tui.store import feed
        from pos_tui.store.db import checkpoint

        for start in range(0, len(rows), self.apply_batch):
            if self._stop.is_set():
                break
            if start:
                time.sleep(self.apply_pause)
            chunk = rows[start:start + self.apply_batch]
            feed.APPLY[name](chunk)
            applied += len(chunk)
            if applied % 5000 < len(chunk):
                checkpoint()  # keep the log short here, so no scan's commit pays for copying it back
        time.sleep(self.apply_pause)
        return applied

    def _key_problem(self) -> str:
        """Why staff must not come down: this lane's key file is not the one the store's PINs were
        hashed with (the server keeps its fingerprint); "" when it is, or either has none."""
        from pos_tui.server.staff import key_fingerprint
        from pos_tui.store.db import current_key

        key = current_key()
        row = self._conn.execute("SELECT value FROM pos_meta WHERE key = 'key_check'").fetchone()
        if key is None or row is None or row[0] == key_fingerprint(key.pin_pepper):
            return ""
        return ("key: this lane's key file is not the store's, so staff are not taken from the server: "
                "copy the store's key file to the lane")

    def bootstrap(self) -> int:
        """A new lane with an empty database: bring staff, catalog and settings down now, before the
        lane opens (raises when the server cannot be reached). Returns the rows applied."""
        try:
            self._connect()
            return self.pull()
        finally:
            self._close()
