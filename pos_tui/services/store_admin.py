"""The store itself, for the command line: open and close it, share it with running lanes or hold
it alone, check its database and walk its journal. The store's modules load when a function is
called, not with this module, so a command pays only for what it uses."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from pos_tui.config import Config

if TYPE_CHECKING:
    from pos_tui.store.backup import CheckResult
    from pos_tui.store.journal import Head, VerifyResult


def is_store_url_error(exc: BaseException) -> bool:
    """Whether ``exc`` says the configured database URL is wrong (a config problem)."""
    # Looked up only if the store was loaded: an error raised before that cannot be the store's,
    # and loading it just to ask would slow every command down.
    db = sys.modules.get("pos_tui.store.db")
    return db is not None and isinstance(exc, db.DatabaseUrlError)


def is_store_refusal(exc: BaseException) -> bool:
    """Whether ``exc`` is the store refusing something (StoreError: its ``str()`` is one plain line)."""
    db = sys.modules.get("pos_tui.store.db")
    return db is not None and isinstance(exc, db.StoreError)


def open_store(config: Config, *, create_key: bool = False) -> None:
    """Open the config's database, migrated, with the store key (created when ``create_key``)."""
    from pos_tui.store.keys import open_store as open_with_key

    open_with_key(config, create_key=create_key)


def close_store() -> None:
    from pos_tui.store.db import close_database

    close_database()


@contextlib.contextmanager
def sharing_store(config: Config) -> Iterator[None]:
    """Use the store beside running lanes; a restore is refused meanwhile."""
    from pos_tui.store.lane_lock import sharing_store as share

    with share(config.database.url):
        yield


@contextlib.contextmanager
def store_alone(config: Config) -> Iterator[None]:
    """Hold the store with no lane and no back office on it (StoreError naming who has it)."""
    from pos_tui.store.lane_lock import holding_store_alone

    with holding_store_alone(config.database.url):
        yield


def journal_heads(texts: Iterable[str]) -> list[Head]:
    """Journal heads as printed on a report ("SEQ:HASH"); JournalError names a malformed one."""
    from pos_tui.store.journal import Head

    return [Head.parse(text) for text in texts]


def check_database(head_texts: Iterable[str] = ()) -> CheckResult:
    """SQLite's integrity check, the journal's chain (against each head) and the sales against the journal."""
    from pos_tui.store.backup import db_check

    return db_check(journal_heads(head_texts))


def verify_journal(head_texts: Iterable[str] = ()) -> tuple[VerifyResult, Head | None]:
    """The journal's hash chain walked, then held against each head while it is whole; with the
    journal's current head."""
    from pos_tui.store import journal

    heads = journal_heads(head_texts)
    result = journal.verify()
    for head in heads:
        if result.ok:
            result = journal.verify(head)
    return result, journal.head()


def make_key_file(config: Config) -> bool:
    """Create the store's key file (0600) when it is not there; True when it was made now."""
    from pos_tui.store.keys import create_key_file

    return create_key_file(config.key_path)
