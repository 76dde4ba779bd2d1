"""Opening the database by URL, the models-wide proxy, and write transactions.

This is the only module that knows which database engine is behind the URL. Everything else
in ``pos_tui.store`` talks to ``database`` (the proxy) and ``write_transaction()``, so a
PostgreSQL backend only needs a new branch in ``open_database``.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import peewee

from pos_tui.i18n import _

# Pragmas for the lane's SQLite file: WAL for concurrent readers, FULL sync because rows are money.
SQLITE_PRAGMAS: dict[str, object] = {
    "journal_mode": "wal",
    "synchronous": "full",
    "foreign_keys": 1,
    "busy_timeout": 5000,
}

database = peewee.DatabaseProxy()


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


def _connect_sqlite(url: str) -> peewee.SqliteDatabase:
    path = sqlite_path_from_url(url)
    if path != ":memory:":
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseOpenError(f"cannot open database {path}: {exc.strerror or exc}") from None
    db = peewee.SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, timeout=5)
    try:
        db.connect()
    except peewee.DatabaseError as exc:
        raise DatabaseOpenError(f"cannot open database {path}: {exc}") from None
    return db


_ENGINES = {"sqlite": _connect_sqlite}


def open_database(url: str, *, migrate: bool = True) -> peewee.Database:
    """Open the database at ``url``, bind every model to it and bring its schema up to date.

    Only ``sqlite:///path`` is supported for now; any other scheme raises DatabaseUrlError.
    A schema newer than this code raises ``migrations.SchemaTooNew``.
    """
    scheme = urlsplit(url).scheme
    connect = _ENGINES.get(scheme)
    if connect is None:
        raise DatabaseUrlError(
            f"database URL scheme {scheme or url!r} is not supported yet (use sqlite:///path/to/pos.db)"
        )
    close_database()
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
    db = database.obj
    if db is not None:
        db.close()
        database.initialize(None)


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


def commits_on_this_thread() -> int:
    """How many write transactions this thread has committed (a caller about to retry an
    operation that found the store busy checks that nothing of it was committed)."""
    return getattr(_commits, "count", 0)


@contextlib.contextmanager
def write_transaction(db: peewee.Database | None = None) -> Iterator[None]:
    """One write transaction; on SQLite it takes the write lock up front (BEGIN IMMEDIATE).

    Taking the lock at BEGIN means a busy database waits (busy_timeout) instead of failing
    half-way through when a read transaction would have to be upgraded. A lock still held by
    another process after the wait raises StoreBusy, with nothing written.
    """
    db = db or current_database()
    outermost = not db.in_transaction()
    begun = False
    try:
        with db.atomic("IMMEDIATE") if is_sqlite(db) else db.atomic():
            begun = True
            yield
    except peewee.OperationalError as exc:
        if not begun and is_busy_error(exc):
            raise StoreBusy(_("another program kept the database busy; nothing was changed, try again")) from None
        raise
    if outermost:
        _commits.count = commits_on_this_thread() + 1


@contextlib.contextmanager
def lock_wait(seconds: float, db: peewee.Database | None = None) -> Iterator[None]:
    """Wait at most ``seconds`` for another process's write lock (SQLite's busy timeout) on this
    thread's connection while the block runs; the configured wait comes back after."""
    db = db or current_database()
    if not is_sqlite(db):
        yield
        return
    db.execute_sql(f"PRAGMA busy_timeout = {int(seconds * 1000)}")
    try:
        yield
    finally:
        db.execute_sql(f"PRAGMA busy_timeout = {SQLITE_PRAGMAS['busy_timeout']}")


def checkpoint(db: peewee.Database | None = None) -> None:
    """Copy the write-ahead log back into the database file now (SQLite; nothing elsewhere).

    SQLite otherwise does it inside whichever commit finds the log past 1,000 pages, which on a
    large file stalls that commit for tens of milliseconds: the lane calls this between sales, in a
    worker, so a scan never pays for it. PASSIVE: it never waits for, nor blocks, a writer.
    """
    db = db or current_database()
    if is_sqlite(db):
        db.execute_sql("PRAGMA wal_checkpoint(PASSIVE)")
