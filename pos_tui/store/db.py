"""Opening the database by URL, the models-wide proxy, and write transactions.

This is the only module that knows which database engine is behind the URL. Everything else
in ``pos_tui.store`` talks to ``database`` (the proxy) and ``write_transaction()``, so a
PostgreSQL backend only needs a new branch in ``open_database``.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator
from urllib.parse import urlsplit

import peewee

from pos_tui.i18n import _
from pos_tui.private_files import private_file, private_folder
from pos_tui.store.wal_sync import wal_syncer

if TYPE_CHECKING:
    from pos_tui.store.keys import StoreKey

# Pragmas for the lane's SQLite file: WAL for concurrent readers, FULL sync because rows are money.
SQLITE_PRAGMAS: dict[str, object] = {
    "journal_mode": "wal",
    "synchronous": "full",
    "foreign_keys": 1,
    "busy_timeout": 5000,
}

database = peewee.DatabaseProxy()
_key: StoreKey | None = None
_encrypted = False


class StoreError(Exception):
    """Base of every error the store raises; its message is one plain line."""


class StoreBusy(StoreError):
    """Another process kept the database's write lock through the wait; nothing was changed."""


class DatabaseUrlError(StoreError):
    """The database URL names an engine or path the store cannot open."""


class DatabaseOpenError(StoreError):
    """The database file could not be opened or prepared."""


def sqlite_path_from_url(url: str) -> str:
    """The file path in ``sqlite:///path`` (``sqlite:////abs/path`` for an absolute one)."""
    if not url.startswith("sqlite:///"):
        raise DatabaseUrlError(f"not a sqlite URL: {url!r} (expected sqlite:///path/to/pos.db)")
    path = url[len("sqlite:///"):]
    if not path:
        raise DatabaseUrlError(f"database URL {url!r} has no file path")
    return path


def cipher_module() -> Any:
    """sqlcipher3's DB-API module; DatabaseOpenError in one line when the extra is not installed."""
    try:
        from sqlcipher3 import dbapi2
    except ImportError:
        raise DatabaseOpenError("database encryption needs the sqlcipher3 package: "
                                "pip install 'pos-tui[encryption]'") from None
    return dbapi2


def _raw_key(key: StoreKey) -> str:
    # SQLCipher's raw-key form: the 256-bit key itself, no passphrase derivation at each connect.
    return f"x'{key.database_key.hex()}'"


def _connect_sqlite(url: str) -> peewee.SqliteDatabase:
    path = sqlite_path_from_url(url)
    if _encrypted:
        cipher_module()  # before any file is made: a missing package changes nothing
    if path != ":memory:":
        try:
            private_folder(Path(path).parent)
            private_file(Path(path))
        except OSError as exc:
            raise DatabaseOpenError(f"cannot open database {path}: {exc.strerror or exc}") from None
    if _encrypted:
        from playhouse.sqlcipher_ext import SqlCipherDatabase

        db = SqlCipherDatabase(path, passphrase=_raw_key(_key), pragmas=SQLITE_PRAGMAS, timeout=5)
    else:
        db = peewee.SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, timeout=5)
    try:
        db.connect()
    except peewee.DatabaseError as exc:
        hint = " (wrong key file, or encryption on for a plain database or off for an encrypted one)" \
            if "not a database" in str(exc) else ""
        raise DatabaseOpenError(f"cannot open database {path}: {exc}{hint}") from None
    return db


def connect_file(path: Path, *, readonly: bool = False) -> Any:
    """A plain DB-API connection to another file of this store (a backup, a copy), keyed like the
    open database when it is encrypted; a new file is created 0600."""
    path = Path(path)
    if not readonly:
        private_file(path)
    module = cipher_module() if _encrypted else __import__("sqlite3")
    target = f"{path.resolve().as_uri()}?mode=ro" if readonly else str(path)
    conn = module.connect(target, uri=readonly)
    if _encrypted:
        conn.execute(f"PRAGMA key=\"{_raw_key(_key)}\"")
    return conn


def file_errors() -> tuple[type[Exception], ...]:
    """What ``connect_file`` connections raise (sqlite3's errors, and sqlcipher3's when encrypted)."""
    import sqlite3

    return (sqlite3.Error, cipher_module().Error) if _encrypted else (sqlite3.Error,)


def current_key() -> StoreKey | None:
    """The store key the open database works with (None: PINs unpeppered, journal chained unkeyed)."""
    return _key


def is_encrypted() -> bool:
    """Whether the open database was opened with SQLCipher under the store key."""
    return _encrypted


_ENGINES = {"sqlite": _connect_sqlite}


def check_url(url: str) -> Any:
    """How to connect to ``url``; DatabaseUrlError for a scheme the store cannot open."""
    scheme = urlsplit(url).scheme
    connect = _ENGINES.get(scheme)
    if connect is None:
        raise DatabaseUrlError(
            f"database URL scheme {scheme or url!r} is not supported yet (use sqlite:///path/to/pos.db)"
        )
    return connect


def open_database(url: str, *, migrate: bool = True, key: StoreKey | None = None,
                  encrypt: bool = False) -> peewee.Database:
    """Open the database at ``url``, bind every model to it and bring its schema up to date.

    Only ``sqlite:///path`` is supported for now; any other scheme raises DatabaseUrlError.
    A schema newer than this code raises ``migrations.SchemaTooNew``. ``key`` (from the key file)
    peppers PINs and signs the journal; ``encrypt`` opens the file with SQLCipher under that key.
    """
    global _key, _encrypted
    connect = check_url(url)
    close_database()
    if encrypt and key is None:
        raise DatabaseOpenError("database encryption needs the store's key file")
    _key, _encrypted = key, encrypt
    db = connect(url)
    database.initialize(db)
    if migrate:
        from pos_tui.store.migrations import apply_migrations

        try:
            apply_migrations(db)
        except Exception:
            close_database()
            raise
    return db


def close_database() -> None:
    """Close and unbind the current database, if one is open."""
    global _key, _encrypted
    db = database.obj
    if db is not None:
        wal_syncer.flush()  # a line committed just before a clean stop is on the disk when it ends
        db.close()
        database.initialize(None)
    _key, _encrypted = None, False


def current_database() -> peewee.Database:
    """The database the models are bound to; StoreError if none was opened."""
    if database.obj is None:
        raise StoreError("no database is open")
    return database.obj


def is_sqlite(db: peewee.Database) -> bool:
    """Whether ``db`` is SQLite (for the few SQLite-only features: FTS search, file backup)."""
    return isinstance(db, peewee.SqliteDatabase)


def database_file(db: peewee.Database | None = None) -> Path:
    """The file behind a SQLite database; StoreError for any other engine."""
    db = db or current_database()
    if not is_sqlite(db) or db.database == ":memory:":
        raise StoreError("this operation needs a SQLite database file")
    return Path(db.database).resolve()


def is_busy_error(exc: BaseException) -> bool:
    """Whether a driver error says another connection holds the lock ("database is locked")."""
    text = str(exc).lower()
    return isinstance(exc, peewee.OperationalError) and ("locked" in text or "busy" in text)


_commits = threading.local()

# Threads of one process writing the same file queue here, woken as soon as the writer before them
# commits, instead of polling under SQLite's busy handler (which sleeps 1, 2, 5, 10 ... ms between
# tries, so a scan behind a run of short background transactions could miss each gap between them).
_writer_locks: dict[str, threading.Lock] = {}
_writer_locks_guard = threading.Lock()


def _forget_writer_locks() -> None:
    global _writer_locks_guard
    _writer_locks.clear()  # a child process starts with none held (a thread of the parent may have held one)
    _writer_locks_guard = threading.Lock()


os.register_at_fork(after_in_child=_forget_writer_locks)


def _writer_lock(db: peewee.Database) -> threading.Lock | None:
    if not is_sqlite(db):
        return None
    with _writer_locks_guard:
        return _writer_locks.setdefault(str(db.database), threading.Lock())


def feed_durability(db: peewee.Database | None = None) -> None:
    """On this thread's connection, commit without waiting for the disk (WAL, synchronous=NORMAL).

    For the sync worker only: everything it writes (what came down from the store server with its
    cursor, which documents the server acknowledged) is fetched or sent again if a power cut takes
    its last commits, and the log is sequential, so the next sale's FULL commit makes them durable
    too. Sales and everything else keep synchronous=FULL on their own connections. The thread then
    counts as background work (``wait_for_lane_quiet``).
    """
    db = db or current_database()
    if is_sqlite(db):
        db.execute_sql("PRAGMA synchronous = NORMAL")
    _background.flag = True


_background = threading.local()
# A background thread's view of the lane's commits: its connection and that connection's
# data_version when last read (a version is only comparable on one connection), and
# (time.monotonic()) when it was first seen.
_seen = threading.local()


def wait_for_lane_quiet(quiet: float, most: float, stop: threading.Event | None = None) -> float:
    """For background work that would contend with a scan (the writer lock): wait until no other
    connection to the file (the lane's scans and payments, in this process or another) has
    committed for ``quiet`` seconds, at most ``most`` seconds (so that a lane scanning without
    pause still lets the work through), or until ``stop`` is set. The lane's commits are seen in
    SQLite's data_version, which moves with every commit but this connection's own, polled a few
    times per ``quiet``; a first look counts as a commit just seen. Only a background thread
    (``feed_durability``) waits: on the lane's own thread there is no one else's scan to wait for.
    Returns the seconds waited."""
    if not getattr(_background, "flag", False):
        return 0.0
    db = current_database()
    if not is_sqlite(db):
        return 0.0
    began = time.monotonic()
    while True:
        now = time.monotonic()
        connection = db.connection()
        version = (connection, connection.execute("PRAGMA data_version").fetchone()[0])
        if version != getattr(_seen, "version", None):
            _seen.version, _seen.at = version, now
        left = most - (now - began)
        still = quiet - (now - _seen.at)
        if still <= 0 or left <= 0 or (stop is not None and stop.is_set()):
            return now - began
        pause = min(still, left, quiet / 5)
        if stop is not None:
            stop.wait(pause)
        else:
            time.sleep(pause)


def commits_on_this_thread() -> int:
    """How many write transactions this thread has committed (a caller about to retry an
    operation that found the store busy checks that nothing of it was committed)."""
    return getattr(_commits, "count", 0)


@contextlib.contextmanager
def write_transaction(db: peewee.Database | None = None, *, sync_later: bool = False) -> Iterator[None]:
    """One write transaction; on SQLite it takes the write lock up front (BEGIN IMMEDIATE).

    Taking the lock at BEGIN means a busy database waits (busy_timeout) instead of failing
    half-way through when a read transaction would have to be upgraded: threads of this process
    queue for each other; another process's lock is waited for by SQLite's busy handler, or, while
    one writes often (``another_writer``), tried for every millisecond at most. A lock still held by
    another process after the wait raises StoreBusy, with nothing written.

    ``sync_later``: for a line added to an open sale only (never money): the commit does not wait
    for the disk; ``wal_sync`` syncs the log right after, off this thread.
    """
    db = db or current_database()
    outermost = not db.in_transaction()
    if sync_later and outermost and _syncs_on_commit(db):
        with _committed_without_sync(db):
            with write_transaction(db):
                yield
        return
    lock = _writer_lock(db) if outermost else None
    if lock is not None and not lock.acquire(timeout=SQLITE_PRAGMAS["busy_timeout"] / 1000):
        raise StoreBusy(_("another program kept the database busy; nothing was changed, try again"))
    begun = False
    try:
        with contextlib.ExitStack() as transaction:
            if outermost and _closely_watched and is_sqlite(db):
                _begin_immediate(db, transaction)
            else:
                transaction.enter_context(db.atomic("IMMEDIATE") if is_sqlite(db) else db.atomic())
            begun = True
            yield
    except peewee.OperationalError as exc:
        if not begun and is_busy_error(exc):
            raise StoreBusy(_("another program kept the database busy; nothing was changed, try again")) from None
        raise
    finally:
        if lock is not None:
            lock.release()
    if outermost:
        _commits.count = commits_on_this_thread() + 1


def _syncs_on_commit(db: peewee.Database) -> bool:
    return is_sqlite(db) and db.database != ":memory:" and SQLITE_PRAGMAS["synchronous"] == "full"


@contextlib.contextmanager
def _committed_without_sync(db: peewee.Database) -> Iterator[None]:
    db.execute_sql("PRAGMA synchronous = NORMAL")
    committed = False
    try:
        yield
        committed = True
    finally:
        db.execute_sql(f"PRAGMA synchronous = {SQLITE_PRAGMAS['synchronous']}")
        if committed:
            wal_syncer.request(f"{db.database}-wal")


# lock_wait's seconds on this thread while its block runs (else the configured busy_timeout).
_lock_waits = threading.local()
LOCK_POLL_FIRST, LOCK_POLL_MOST = 0.0001, 0.001
_closely_watched = 0  # how many of this process's companions write the file (``another_writer``)
_closely_watched_guard = threading.Lock()


@contextlib.contextmanager
def another_writer() -> Iterator[None]:
    """While the block runs, another process writes this store often (the lane's sync process):
    write transactions wait for its lock with ``_begin_immediate``. Otherwise they leave the wait to
    SQLite's busy handler, which costs nothing when the lock is free (``_begin_immediate`` sets the
    busy timeout twice a transaction, some microseconds)."""
    global _closely_watched
    with _closely_watched_guard:
        _closely_watched += 1
    try:
        yield
    finally:
        with _closely_watched_guard:
            _closely_watched -= 1


def _begin_immediate(db: peewee.Database, transaction: contextlib.ExitStack) -> None:
    """BEGIN IMMEDIATE into ``transaction``, waiting for another process's write lock (the sync
    process's acknowledgement, a batch of new prices, a back office) by trying again every
    millisecond at most, instead of under SQLite's busy handler, whose sleeps grow (1, 2, 5 ... 25,
    then 50 and 100 ms): a scan goes on within a millisecond of that transaction's commit. The wait
    is the connection's busy_timeout (``lock_wait``'s while one runs)."""
    wait = getattr(_lock_waits, "seconds", SQLITE_PRAGMAS["busy_timeout"] / 1000)
    connection = db.connection()
    connection.execute("PRAGMA busy_timeout = 0")
    try:
        deadline = time.monotonic() + wait
        pause = LOCK_POLL_FIRST
        while True:
            try:
                transaction.enter_context(db.atomic("IMMEDIATE"))
                return
            except peewee.OperationalError as exc:
                if not is_busy_error(exc) or time.monotonic() >= deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, LOCK_POLL_MOST)
    finally:
        connection.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")


@contextlib.contextmanager
def lock_wait(seconds: float, db: peewee.Database | None = None) -> Iterator[None]:
    """Wait at most ``seconds`` for another process's write lock (SQLite's busy timeout) on this
    thread's connection while the block runs; the configured wait comes back after."""
    db = db or current_database()
    if not is_sqlite(db):
        yield
        return
    before = getattr(_lock_waits, "seconds", SQLITE_PRAGMAS["busy_timeout"] / 1000)
    db.execute_sql(f"PRAGMA busy_timeout = {int(seconds * 1000)}")
    _lock_waits.seconds = seconds
    try:
        yield
    finally:
        _lock_waits.seconds = before
        db.execute_sql(f"PRAGMA busy_timeout = {int(before * 1000)}")


def checkpoint(db: peewee.Database | None = None) -> None:
    """Copy the write-ahead log back into the database file now (SQLite; nothing elsewhere).

    SQLite otherwise does it inside whichever commit finds the log past 1,000 pages, which on a
    large file stalls that commit for tens of milliseconds: the lane calls this between sales, in a
    worker, so a scan never pays for it. PASSIVE: it never waits for, nor blocks, a writer.
    """
    db = db or current_database()
    if is_sqlite(db):
        db.execute_sql("PRAGMA wal_checkpoint(PASSIVE)")
