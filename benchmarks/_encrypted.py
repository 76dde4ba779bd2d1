"""An encrypted copy of a benchmark store (``--encrypt``): SQLCipher under the key file's database key."""

from __future__ import annotations

from pathlib import Path


def encrypted_copy(plain: Path, folder: Path) -> Path:
    """``folder/pos-encrypted.db``: ``plain`` exported into SQLCipher, keyed from ``folder/store.key``
    (made here when missing), as `[database] encryption = true` opens it."""
    from sqlcipher3 import dbapi2

    from pos_tui.store.keys import create_key_file, load_key_file

    create_key_file(folder / "store.key")
    key = load_key_file(folder / "store.key").database_key.hex()
    target = folder / "pos-encrypted.db"
    target.unlink(missing_ok=True)
    con = dbapi2.connect(str(plain))
    con.execute(f"ATTACH DATABASE '{target}' AS encrypted KEY \"x'{key}'\"")
    con.execute("SELECT sqlcipher_export('encrypted')")
    con.execute("DETACH DATABASE encrypted")
    con.close()
    return target
