"""The store's key file: one random secret, kept outside the database and its backups.

From it come, each by HMAC-SHA256 of the secret over its own label, the PIN pepper (a stolen
database alone cannot be cracked offline), the journal key (the hash chain cannot be recomputed
after an edit) and the database key (SQLCipher, when encryption is on). The file is created 0600
in a 0700 folder by ``pos-tui init`` and the demo; ``[security] key_file`` names it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pos_tui.i18n import _
from pos_tui.store.db import StoreError, check_url, open_database, private_folder

if TYPE_CHECKING:
    import peewee

    from pos_tui.config import Config

_HEADER = "pos-tui store key v1"
SECRET_BYTES = 32


class KeyFileError(StoreError):
    """The key file is missing, unreadable, malformed or readable by others."""


@dataclass(frozen=True, repr=False)
class StoreKey:
    path: Path
    pin_pepper: bytes
    journal_key: bytes
    database_key: bytes

    def __repr__(self) -> str:  # never print a secret by accident
        return f"StoreKey({self.path})"


def _derive(secret: bytes, label: str) -> bytes:
    return hmac.new(secret, f"pos-tui {label}".encode(), hashlib.sha256).digest()


def key_from_secret(secret: bytes, path: Path = Path("-")) -> StoreKey:
    return StoreKey(path, _derive(secret, "pin pepper"), _derive(secret, "journal"), _derive(secret, "database"))


def create_key_file(path: Path) -> bool:
    """Write a new secret to ``path`` (0600); False when a file is there already (it is kept)."""
    path = Path(path)
    private_folder(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="ascii") as out:
        os.fchmod(out.fileno(), 0o600)
        out.write(f"{_HEADER}\n{secrets.token_hex(SECRET_BYTES)}\n")
    return True


def load_key_file(path: Path) -> StoreKey:
    """The store key from ``path``; KeyFileError in one line when it cannot be used."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise KeyFileError(_("key file {path} is missing: `pos-tui init` creates it (keep a copy away from the "
                             "lane and its backups)").format(path=path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(_("cannot read key file {path}: {error}").format(
            path=path, error=getattr(exc, "strerror", None) or exc)) from None
    if stat.S_IMODE(mode) & 0o077:
        raise KeyFileError(_("key file {path} is readable by other users (mode {mode:o}): chmod 600 it").format(
            path=path, mode=stat.S_IMODE(mode)))
    lines = text.split()
    try:
        if " ".join(lines[:-1]) != _HEADER:
            raise ValueError(text[:20])
        secret = bytes.fromhex(lines[-1])
        if len(secret) < 16:
            raise ValueError(lines[-1])
    except (ValueError, IndexError):
        raise KeyFileError(_("key file {path} is not a pos-tui key file").format(path=path)) from None
    return key_from_secret(secret, path)


def open_store(config: Config, *, migrate: bool = True, create_key: bool = False) -> peewee.Database:
    """Open the configured database with the store key (``create_key``: make the key file first if
    it is not there, as ``init`` and the demo do)."""
    check_url(config.database.url)
    created = create_key_file(config.key_path) if create_key else False
    try:
        key = load_key_file(config.key_path)
        db = open_database(config.database.url, migrate=migrate, key=key, encrypt=config.database.encryption)
        if created:
            # A store that had no key file until now: its journal, checked as it is, is signed once.
            from pos_tui.store import journal
            from pos_tui.store.db import write_transaction

            with write_transaction():
                journal.sign_unsigned(key.journal_key)
    except Exception:
        if created:  # nothing half-done: a store signed with another key keeps waiting for that one
            Path(config.key_path).unlink(missing_ok=True)
        raise
    return db
