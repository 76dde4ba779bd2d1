"""Shared fixtures: a real SQLite database file per test, opened through the store."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import pytest

from pos_tui.domain.money import Currency, currency

CSV_HEADER = "sku,name,price,barcodes,tax,unit,stock"


@pytest.fixture
def cny() -> Currency:
    return currency("CNY")


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'pos.db'}"


@pytest.fixture
def store_db(db_url: str) -> Iterator[object]:
    """The store opened (and migrated) on a fresh file; closed afterwards."""
    from pos_tui.store.db import close_database, open_database

    db = open_database(db_url)
    yield db
    close_database()


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write catalog CSV rows (under the standard header unless one is given) to a file."""

    def write(rows: list[str], name: str = "catalog.csv", header: str = CSV_HEADER, bom: bool = False) -> Path:
        path = tmp_path / name
        text = "\n".join([header, *rows]) + "\n"
        path.write_text(("\ufeff" if bom else "") + text, encoding="utf-8")
        return path

    return write
