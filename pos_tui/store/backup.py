"""Online backup, checked restore and the database health check.

SQLite only for now: copies go through sqlite3's online backup API directly, because a file
copy of a live WAL database is not safe and peewee's SqliteDatabase has no backup(). Every copy is
0600 in a 0700 folder, encrypted under the store key when the database is; beside each backup,
``<copy>.head`` holds the journal head it was taken at (``seq:hash``), which ``db check`` and
``restore`` hold the journal to.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import peewee

from pos_tui.i18n import _
from pos_tui.store import journal
from pos_tui.store.db import (
    StoreError, connect_file, current_database, current_key, database_file, file_errors, private_file, private_folder,
    write_transaction,
)
from pos_tui.store.journal import JOURNAL_COLUMNS, Head, VerifyResult, verify_rows
from pos_tui.store.migrations import apply_migrations, check_not_too_new
from pos_tui.store.models import JournalEntry, ReceiptCounter, ZReport


class BackupError(StoreError):
    """A backup or restore that could not be made or was refused."""


@dataclass(frozen=True)
class CheckResult:
    integrity: str  # "ok" or SQLite's first complaint
    journal: VerifyResult
    disagreements: tuple[str, ...] = ()  # the sales tables against the journal (journal_check)

    @property
    def ok(self) -> bool:
        return self.integrity == "ok" and self.journal.ok and not self.disagreements


def _journal_key() -> bytes | None:
    key = current_key()
    return key.journal_key if key else None


def head_file(copy: Path) -> Path:
    """Where the journal head of a backup is written: ``<copy>.head``."""
    return copy.with_name(copy.name + ".head")


def read_head(copy: Path) -> Head | None:
    """The head written beside a backup, or None when there is none."""
    try:
        return Head.parse(head_file(copy).read_text(encoding="ascii"))
    except (OSError, UnicodeDecodeError, StoreError):
        return None


def _integrity(conn: sqlite3.Connection) -> str:
    rows = conn.execute("PRAGMA integrity_check").fetchall()
    return "ok" if rows == [("ok",)] else "; ".join(str(r[0]) for r in rows[:3])


def _open_readonly(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise BackupError(_("{path}: no such file").format(path=path))
    try:
        conn = connect_file(path, readonly=True)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except file_errors() as exc:
        raise BackupError(_("{path} is not a pos-tui database: {error}").format(path=path, error=exc)) from None
    return conn


BACKUP_NAME = re.compile(r"^pos-(\d{8})-(\d{6})(-\d+)?\.db$")


def _free_dated_name(folder: Path, now: dt.datetime) -> Path:
    """``pos-YYYYMMDD-HHMMSS.db`` in ``folder``, with -2, -3 ... when one was made the same second."""
    stem = f"pos-{now:%Y%m%d-%H%M%S}"
    dest, n = folder / f"{stem}.db", 1
    while dest.exists():
        n += 1
        dest = folder / f"{stem}-{n}.db"
    return dest


def backup_into(folder: Path, *, keep: int, actor: str | None = None, now: dt.datetime | None = None) -> Path:
    """A dated, checked copy in ``folder`` (see ``backup_to``); then only the newest ``keep`` dated
    copies stay there, the newest by what each copy holds (``dated_backups``), never by the date in its
    name: a clock that is behind must not make the new copy look old. The copy just made always stays.
    Other files in the folder are never touched."""
    if keep < 1:
        raise BackupError(_("keep at least one backup (keep = {keep})").format(keep=keep))
    folder = Path(folder)
    private_folder(folder)
    written = backup_to(folder, actor=actor, now=now)
    others = [path for path in dated_backups(folder) if path != written]
    for old in others[:max(len(others) - (keep - 1), 0)]:
        for part in (old, old.with_name(old.name + "-wal"), old.with_name(old.name + "-shm"), head_file(old)):
            part.unlink(missing_ok=True)
    return written


def _made_order(path: Path) -> tuple[int, str, str]:
    """Where a copy stands among the copies, by its own record: the last journal row it holds (rows are
    numbered in the order they were written, and every backup adds one), then that row's time; a file
    that is not a readable copy counts as the oldest."""
    try:
        # immutable: a finished copy never changes, and so reading it leaves no -wal or -shm file beside it
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            row = conn.execute(
                f"SELECT seq, at FROM {JournalEntry._meta.table_name} ORDER BY seq DESC LIMIT 1").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        row = None
    return (int(row[0]), str(row[1]), path.name) if row else (-1, "", path.name)


def dated_backups(folder: Path) -> list[Path]:
    """The copies ``backup_into`` made in ``folder``, oldest first by their own record (``_made_order``)."""
    if not Path(folder).is_dir():
        return []
    return sorted((path for path in Path(folder).iterdir() if BACKUP_NAME.match(path.name)), key=_made_order)


def backed_up_on(folder: Path, day: dt.date) -> bool:
    """Whether ``folder`` holds a copy made on ``day``."""
    stamp = f"{day:%Y%m%d}"
    return any(BACKUP_NAME.match(path.name).group(1) == stamp for path in dated_backups(folder))


def backup_to(dest: Path, *, actor: str | None = None, now: dt.datetime | None = None) -> Path:
    """Copy the open database to ``dest`` (a file, or a folder to put a file dated ``now`` in), check the copy.

    Refuses to overwrite an existing file. The copy passes PRAGMA integrity_check or is removed.
    """
    source = database_file()
    dest = Path(dest)
    if dest.is_dir():
        dest = _free_dated_name(dest, now or dt.datetime.now())
    if dest.exists():
        raise BackupError(_("{path} already exists; choose another name").format(path=dest))
    if dest.resolve() == source:
        raise BackupError(_("the backup cannot be the database itself"))
    if not dest.parent.is_dir():
        raise BackupError(_("folder {folder} does not exist; nothing was written").format(folder=dest.parent))
    private_folder(dest.parent)
    live = current_database().connection()
    copy = connect_file(dest)
    try:
        live.backup(copy)
        # A copy is one self-contained file: in WAL mode each reader would leave -wal/-shm beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
        integrity = _integrity(copy)
        last = copy.execute(f"SELECT seq, hash FROM {JournalEntry._meta.table_name} ORDER BY seq DESC LIMIT 1").fetchone()
    except file_errors() as exc:
        copy.close()
        dest.unlink(missing_ok=True)
        raise BackupError(_("backup to {path} failed: {error}").format(path=dest, error=exc)) from None
    copy.close()
    if integrity == "ok" and last is not None:
        private_file(head_file(dest)).write_text(f"{Head(*last)}\n", encoding="ascii")
    if integrity != "ok":
        dest.unlink(missing_ok=True)
        failed = _("the backup copy failed its integrity check ({details}); removed it")
        raise BackupError(failed.format(details=integrity))
    with write_transaction():
        last = JournalEntry.select(JournalEntry.seq).order_by(JournalEntry.seq.desc()).scalar()
        journal.append("backup", {"path": str(dest.resolve()), "bytes": dest.stat().st_size, "journal_seq": last}, actor)
    return dest


def _check_restorable(src: Path) -> None:
    conn = _open_readonly(src)
    try:
        _check_copy(src, conn)
    except file_errors() as exc:
        raise BackupError(_("{path} is damaged: {error}").format(path=src, error=exc)) from None
    finally:
        conn.close()


def _check_copy(src: Path, conn: sqlite3.Connection) -> None:
    integrity = _integrity(conn)
    if integrity != "ok":
        raise BackupError(_("{path} fails its integrity check: {details}").format(path=src, details=integrity))
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if not {"schema_version", JournalEntry._meta.table_name} <= tables:
        raise BackupError(_("{path} is not a pos-tui database (no schema_version or journal table)").format(path=src))
    version = conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] or 0
    check_not_too_new(version, where=str(src))
    result = verify_rows(conn.execute(
        f"SELECT {JOURNAL_COLUMNS} FROM {JournalEntry._meta.table_name} ORDER BY seq"
    ), _journal_key(), read_head(src))
    if not result.ok:
        raise BackupError(_("{path} has a broken journal: {details}").format(path=src, details=result.describe()))


class OlderThanLastZ(BackupError):
    """The copy predates a Z report the store has taken: restoring it would take numbers back."""


@dataclass(frozen=True)
class _NumbersInUse:
    """What the store has handed out and must never hand out again: Z reports, receipt counters."""

    z_reports: tuple[dict, ...]
    receipt_counters: tuple[tuple[int, str, int], ...]


def _numbers_in_use() -> _NumbersInUse:
    z_reports = tuple(ZReport.select().order_by(ZReport.lane, ZReport.number).dicts())
    counters = tuple(ReceiptCounter.select(ReceiptCounter.lane, ReceiptCounter.day, ReceiptCounter.last).tuples())
    return _NumbersInUse(z_reports, counters)


def _z_reports_not_in(src: Path, numbers: _NumbersInUse) -> list[dict]:
    conn = _open_readonly(src)
    try:
        in_copy = set(conn.execute(f"SELECT lane, number FROM {ZReport._meta.table_name}").fetchall())
    finally:
        conn.close()
    return [z for z in numbers.z_reports if (z["lane"], z["number"]) not in in_copy]


def _keep_numbers(numbers: _NumbersInUse, missing_z: list[dict]) -> None:
    """After a restore (caller's transaction): the Z reports the copy lacks are put back as they were
    printed, and each receipt counter goes on from the higher of the copy's and the store's."""
    for z in missing_z:
        ZReport.insert({k: v for k, v in z.items() if k != "id"}).on_conflict_ignore().execute()
    for lane, day, last in numbers.receipt_counters:
        ReceiptCounter.insert(lane=lane, day=day, last=last).on_conflict(
            conflict_target=[ReceiptCounter.lane, ReceiptCounter.day],
            update={ReceiptCounter.last: peewee.fn.MAX(ReceiptCounter.last, last)},
        ).execute()


def restore_from(src: Path, *, actor: str | None = None, older_confirmed_by: str | None = None) -> Path:
    """Replace the open database's content with ``src`` after checking it; returns the safety copy.

    Refused (nothing changed) when ``src`` fails integrity_check, has a broken journal or a newer
    schema, and (OlderThanLastZ) when it predates a Z report the store has taken, unless an admin
    confirmed it (``older_confirmed_by``). Either way no Z or receipt number is ever issued twice:
    Z reports the copy lacks are kept and receipt counters go on from the store's. The current
    content is kept as ``<db>.before-restore``. The caller makes sure no lane or back office has
    the store open (``lane_lock.holding_store_alone``).
    """
    src = Path(src)
    target = database_file()
    if src.resolve() == target:
        raise BackupError(_("cannot restore the database onto itself"))
    _check_restorable(src)
    numbers = _numbers_in_use()
    missing_z = _z_reports_not_in(src, numbers)
    if missing_z and older_confirmed_by is None:
        last = missing_z[-1]
        raise OlderThanLastZ(_("{path} is older than Z report {number} of lane {lane} ({day}): restoring it would "
                               "issue Z and receipt numbers again; an admin may still restore it with "
                               "--older-than-last-z --as NAME").format(
            path=src, number=f"{last['number']:04d}", lane=f"{last['lane']:02d}", day=last["business_day"]))
    safety = target.with_name(target.name + ".before-restore")
    db = current_database()
    live = db.connection()
    safety.unlink(missing_ok=True)
    keep = connect_file(safety)
    try:
        live.backup(keep)
    finally:
        keep.close()
    source = connect_file(src, readonly=True)
    try:
        source.backup(live)
    except file_errors() as exc:
        failed = _("restore from {path} failed: {error}; the previous database is in {copy}")
        raise BackupError(failed.format(path=src, error=exc, copy=safety)) from None
    finally:
        source.close()
    apply_migrations(db)
    with write_transaction():
        _keep_numbers(numbers, missing_z)
        detail = {"from": str(src.resolve()), "previous_copy": str(safety)}
        if missing_z:
            detail.update(older_than_last_z=True, confirmed_by=older_confirmed_by,
                          z_reports_kept=[[z["lane"], z["number"]] for z in missing_z])
        journal.append("restore", detail, actor)
    return safety


def db_check(heads: Sequence[Head] = ()) -> CheckResult:
    """PRAGMA integrity_check, a walk of the journal's hash chain (holding it to each of ``heads``:
    printed on a report, written beside a backup), and the sales tables against the journal."""
    from pos_tui.store.journal_check import cross_check

    integrity = _integrity(current_database().connection())
    result = journal.verify()
    for head in heads:
        if not result.ok:
            break
        result = journal.verify(head)
    return CheckResult(integrity, result, tuple(cross_check()))

