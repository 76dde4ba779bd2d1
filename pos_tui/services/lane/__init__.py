"""The cashier's lane: one flow per module, composed around one ``LaneContext``.

``lane.items.enter("6901234567892")``, ``lane.payments.tender_cash("50")``,
``lane.shifts.open_shift("500")``: each intent checks the state machine and the user's role,
commits what changed (write before you show), then answers with a fresh ``LaneView`` and publishes
lane events. Methods that talk to a device block: the screens call them from a worker thread.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING

from pos_tui.config import Config
from pos_tui.domain.checkout import State
from pos_tui.services.devices import DeviceChecks
from pos_tui.services.events import EventBus
from pos_tui.services.lane.context import LaneContext, LaneView, PrintResult
from pos_tui.services.lane.items import Items
from pos_tui.services.lane.payments import Payments
from pos_tui.services.lane.people import People
from pos_tui.services.lane.receipts import Receipts
from pos_tui.services.lane.reports import Reports
from pos_tui.services.lane.shift import ClosedShift, ShiftDrawer
from pos_tui.store import promotions as promotion_store
from pos_tui.store import statements

if TYPE_CHECKING:  # returns load at the first one (``Lane.returns``): a lane opens without them
    from pos_tui.services.lane.returns import Returns

__all__ = ["Lane", "LaneView", "PrintResult", "ClosedShift"]


class Lane:
    def __init__(self, config: Config, printer=None, clock: Callable[[], dt.datetime] = dt.datetime.now, *,
                 terminal=None, wallets: dict | None = None, events: EventBus | None = None, scale=None) -> None:
        self.ctx = LaneContext(config, clock, printer=printer, terminal=terminal, wallets=wallets, events=events,
                               scale=scale)
        self.people = People(self.ctx)
        self.items = Items(self.ctx)
        self.payments = Payments(self.ctx)
        self.shifts = ShiftDrawer(self.ctx)
        self.receipts = Receipts(self.ctx)
        self.reports = Reports(self.ctx)
        self.devices = DeviceChecks(self.ctx)
        self.sync = None  # the store server's sync worker, when one runs (services.opening)

    @cached_property
    def returns(self) -> Returns:
        """Returns against a receipt, imported at the first one."""
        from pos_tui.services.lane.returns import Returns

        return Returns(self.ctx)

    # What every screen reads of the lane, from the one context.
    @property
    def config(self) -> Config:
        return self.ctx.config

    @property
    def currency(self):
        return self.ctx.currency

    @property
    def state(self) -> State:
        return self.ctx.state

    @property
    def events(self) -> EventBus:
        return self.ctx.events

    def view(self) -> LaneView:
        return self.ctx.view()

    def prepare(self) -> None:
        """Do now, as the lane opens and the cashier signs in, what its first scan and first payment
        would otherwise do first: build the store's statements and read the promotions on offer
        (on this thread: the promotions' check of what changed is kept per thread)."""
        statements.prepare_all()
        promotion_store.promotion_set(self.ctx.currency)
