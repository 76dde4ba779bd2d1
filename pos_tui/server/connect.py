"""Connecting to the store server: the URL from ``[server] url``, the password from a 0600
credentials file (pgpass format) or libpq's own defaults, TLS through the URL's ``sslmode``."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import psycopg


class ServerError(Exception):
    """A store-server operation that could not be done; the message is one plain line."""


# What a store-server call may fail with, for callers that must not import psycopg themselves.
SERVER_ERRORS: tuple[type[Exception], ...] = (ServerError, psycopg.Error)
# Of those, a connection lost or refused (open it again next time).
CONNECTION_LOST: tuple[type[Exception], ...] = (psycopg.OperationalError,)


class ServerUnreachable(ServerError):
    """The server is down, slow or refusing connections."""


CONNECT_TIMEOUT = 3


def check_credentials_file(path: str | Path) -> Path:
    """The credentials file must exist and be readable by its owner only (0600)."""
    file = Path(path).expanduser()
    try:
        mode = file.stat().st_mode
    except OSError as exc:
        raise ServerError(f"credentials file {file}: {exc.strerror or exc}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ServerError(f"credentials file {file} is readable by others (mode {stat.S_IMODE(mode):04o}); "
                          f"chmod 600 it")
    return file


def connect(url: str, credentials: str = "", *, application_name: str = "pos-tui",
            timeout: float = CONNECT_TIMEOUT, autocommit: bool = True) -> psycopg.Connection:
    """A new connection; ServerUnreachable when the server cannot be reached."""
    if not url:
        raise ServerError("no store server is configured ([server] url)")
    # No JIT: every query here is short, and right after a bulk import (statistics not yet
    # refreshed) the planner's cost estimates made it compile each 2,000-row feed read for ~0.5 s.
    kwargs: dict = {"connect_timeout": max(int(timeout), 1), "application_name": application_name,
                    "autocommit": autocommit, "options": "-c jit=off"}
    if credentials:
        kwargs["passfile"] = str(check_credentials_file(credentials))
    try:
        return psycopg.connect(url, **kwargs)
    except psycopg.OperationalError as exc:
        raise ServerUnreachable(f"store server unreachable: {first_line(exc)}") from None


def first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def write_credentials(path: str | Path, user: str, password: str) -> Path:
    """A pgpass line for ``user`` (any host, port and database), written 0600 from the start."""
    file = Path(path).expanduser()
    file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(f"*:*:*:{user}:{password}\n")
    os.chmod(file, 0o600)
    return file
