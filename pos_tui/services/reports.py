"""This lane's X and Z reports asked for away from the lane (the command line): the lane prints
its own through ``services.lane.reports``, the back office through ``BackOffice``; all of them are
``store.reports``' figures."""

from __future__ import annotations

import datetime as dt

from pos_tui.config import Config
from pos_tui.domain.report import Report
from pos_tui.store import reports
# The report context (the store's currency, rates, lane and business day), also used for the
# store server's reports.
from pos_tui.store.reports import context_of as context_of


def x_report(config: Config, now: dt.datetime, *, day: dt.date | None, actor: str) -> Report:
    """The open shift so far, or with ``day`` every shift of that business day (journaled)."""
    return reports.x_report(context_of(config), now, day=day, actor=actor)


def stored_z_report(config: Config, day: dt.date) -> Report:
    """The Z report that closed business day ``day`` on this lane, exactly as it was taken."""
    return reports.stored_z_report(config.store.lane, day)


def take_z_report(config: Config, now: dt.datetime, *, actor: str) -> Report:
    """Close the oldest business day not closed yet (refused while a shift of that day is open)."""
    return reports.take_z_report(context_of(config), now, actor=actor)
