"""Files and folders only the service user may read (0600 and 0700, whatever the umask).

Standard library only: the command line makes the lane's log file with it before the first frame,
without loading the store.
"""

from __future__ import annotations

import os
from pathlib import Path


def private_folder(folder: Path) -> None:
    """Create ``folder`` (and its missing parents) 0700, whatever the umask."""
    folder = Path(folder)
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for made in reversed(missing):
        made.mkdir(mode=0o700, exist_ok=True)
        os.chmod(made, 0o700)


def private_file(path: Path) -> Path:
    """Create ``path`` empty if it is not there, and make it 0600 whatever the umask (SQLite gives
    its -wal and -shm files the mode of the database file)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)
    return Path(path)
