"""A store filled for trying the lane (`pos-tui demo`, and the tests built on it): a catalog, its
staff, and a cashier's shift open with the float the drawer should hold."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from pos_tui.config import Config
from pos_tui.domain.business_day import business_day
from pos_tui.services.catalog_admin import import_catalog
from pos_tui.services.staff import add_user
from pos_tui.store import shifts


def fill_store(config: Config, catalog_file: Path, staff: Iterable[tuple[str, str, str]], *, actor: str) -> None:
    """Import ``catalog_file`` into the open store and add each (name, role, PIN) of ``staff``."""
    import_catalog(config, catalog_file, actor=actor)
    for name, role, pin in staff:
        add_user(config, name, role, pin, actor=actor, now=dt.datetime.now())


def open_shift_unless_open(config: Config, cashier: str) -> None:
    """Open ``cashier``'s shift on the config's lane with the float the drawer should hold, unless a
    shift is open there."""
    lane = config.store.lane
    if shifts.open_shift_on_lane(lane) is None:
        counted = shifts.suggested_float(lane, config.cash.default_float)
        now = dt.datetime.now()
        shifts.open_shift(lane, counted, actor=cashier, now=now, suggested=counted,
                          clock_day=business_day(now, config.store.day_starts_at))
