"""The lane's database (peewee on SQLite); the only package that imports peewee."""

import sys as _sys


def _import_peewee_without_postgres_drivers() -> None:
    """peewee imports psycopg at its own import when it is installed (it is: the store server's
    sync worker uses it), which would add ~100 ms to every lane's start. peewee never talks to
    PostgreSQL here (pos_tui.server uses psycopg directly, when needed), so the drivers are hidden
    from that one import and loaded, if at all, only by the code that needs them."""
    if "peewee" in _sys.modules:
        return
    hidden = [name for name in ("psycopg", "psycopg2", "psycopg2cffi") if name not in _sys.modules]
    for name in hidden:
        _sys.modules[name] = None  # type: ignore[assignment]  # "import name" raises ImportError
    try:
        import peewee  # noqa: F401
    finally:
        for name in hidden:
            if _sys.modules.get(name, False) is None:
                del _sys.modules[name]


_import_peewee_without_postgres_drivers()
