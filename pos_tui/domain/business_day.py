"""The business day: the calendar day a store's trading belongs to, which starts at a configured time
of the morning (``[store] day_starts_at``), so a shift that runs past midnight stays in its day.

Wall time only picks the day a shift opens in; after that the shift carries its day, and a clock that
jumps (forward a day, back two hours) cannot move a shift, a sale or a Z report into another day.
"""

from __future__ import annotations

import datetime as dt


def business_day(moment: dt.datetime, starts_at: dt.time = dt.time(0, 0)) -> dt.date:
    """The business day ``moment`` falls in: its calendar day, or the day before when it comes
    before ``starts_at`` (with "04:00", 03:59 on the 2nd is still the 1st)."""
    return (moment - dt.timedelta(hours=starts_at.hour, minutes=starts_at.minute)).date()


def day_to_open(clock_day: dt.date, last_closed: dt.date | None) -> dt.date:
    """The business day a shift opened now belongs to: the clock's, unless a Z report has closed that
    day (or a later one) already, as after the clock went back: then the day after the last one closed.
    Days only move forward, so Z reports stay in the order of their days."""
    if last_closed is not None and clock_day <= last_closed:
        return last_closed + dt.timedelta(days=1)
    return clock_day
