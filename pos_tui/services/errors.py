"""What a service may refuse with: each one's ``str()`` is the one line a person reads."""

from __future__ import annotations

from pos_tui.domain.errors import DomainError
from pos_tui.domain.money import MoneyError
from pos_tui.store.db import StoreError


class LaneError(Exception):
    """Something the cashier asked for that cannot happen now; ``str()`` is one plain line."""


class NeedsConfirmation(LaneError):
    """A line over a configured bound: the screen asks, then calls again with ``confirmed=True``."""


class PaidElsewhere(LaneError):
    """The sale at payment was paid meanwhile from the back office (a supervisor resolved its unknown
    card payment there as charged). The lane has moved on to printing its receipt: the screen shows
    ``view()`` instead of a refusal."""


class AdminError(Exception):
    """Something the operator asked for that cannot happen; ``str()`` is one plain line."""


# What a lane or back-office method may refuse with: a store refusal (no shift open, a second Z,
# more returned than sold) reads as one plain line like the others.
USER_ERRORS: tuple[type[Exception], ...] = (LaneError, AdminError, DomainError, MoneyError, StoreError)
