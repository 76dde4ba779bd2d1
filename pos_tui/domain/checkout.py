"""The lane's checkout state machine: one method per event, each guarded; illegal events raise.

Transitions are immutable: every event returns a new ``Checkout``, so the lane swaps its instance
only once the step has been committed, and tests can walk every path without setup.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from pos_tui.domain.errors import DomainError
from pos_tui.domain.payment import OUTCOMES, PaymentStatus
from pos_tui.i18n import N_, _


class State(Enum):
    LOCKED = "locked"
    IDLE = "idle"
    ENTERING_ITEMS = "entering_items"
    CHOOSING_PAYMENT = "choosing_payment"
    AWAITING_TERMINAL = "awaiting_terminal"
    PRINTING = "printing"


EVENT_VERBS = {
    "sign_in": N_("sign in"),
    "lock": N_("lock the lane"),
    "start_sale": N_("start a sale"),
    "scan": N_("scan"),
    "void_sale": N_("void the sale"),
    "total": N_("total"),
    "back_to_items": N_("go back to items"),
    "send_to_terminal": N_("send to the card terminal"),
    "terminal_result": N_("take a terminal result"),
    "tender_settled": N_("finish the payment"),
    "printed": N_("finish printing"),
    "suspend": N_("suspend the sale"),
    "recall": N_("recall a sale"),
}

_STATE_REASONS = {
    State.LOCKED: N_("the lane is locked"),
    State.IDLE: N_("no sale is open"),
    State.ENTERING_ITEMS: N_("items are being entered"),
    State.CHOOSING_PAYMENT: N_("the sale is at payment"),
    State.AWAITING_TERMINAL: N_("waiting for the card terminal"),
    State.PRINTING: N_("the receipt is printing"),
}

_EVENT_REASONS = {
    "sign_in": N_("someone is signed in"),
    "terminal_result": N_("no payment was sent to the terminal"),
}


class TransitionError(DomainError):
    """An event the current state does not allow; ``str()`` is one line for the message bar."""

    def __init__(self, event: str, state: State, reason: str | None = None) -> None:
        self.event = event
        self.state = state
        why = reason or _EVENT_REASONS.get(event) or _STATE_REASONS[state]
        super().__init__(_("cannot {action}: {reason}").format(action=_(EVENT_VERBS[event]), reason=_(why)))


SALE_STATES = frozenset(
    {State.ENTERING_ITEMS, State.CHOOSING_PAYMENT, State.AWAITING_TERMINAL, State.PRINTING}
)


@dataclass(frozen=True)
class Checkout:
    """Where the lane is. ``resume`` is the state a lock interrupted, returned to on sign-in."""

    state: State = State.LOCKED
    resume: State | None = None

    @classmethod
    def restore(cls, state: State, *, locked: bool = False) -> Checkout:
        """Rebuild after a restart from the saved state, behind the lock screen when ``locked``.

        A terminal exchange cannot outlive the process: its outcome is unknown, so the sale comes
        back at payment, where the unresolved attempt blocks another card tender.
        """
        if state is State.AWAITING_TERMINAL:
            state = State.CHOOSING_PAYMENT
        if state is State.LOCKED:
            return cls()
        return cls(State.LOCKED, state) if locked else cls(state)

    @property
    def sale_open(self) -> bool:
        """Whether a sale is in progress, even behind the lock screen."""
        return (self.resume if self.state is State.LOCKED else self.state) in SALE_STATES

    def _require(self, event: str, *allowed: State) -> None:
        if self.state not in allowed:
            raise TransitionError(event, self.state)

    def sign_in(self) -> Checkout:
        self._require("sign_in", State.LOCKED)
        return Checkout(self.resume or State.IDLE)

    def lock(self) -> Checkout:
        self._require("lock", State.IDLE, State.ENTERING_ITEMS)
        return Checkout(State.LOCKED, self.state)

    def start_sale(self) -> Checkout:
        self._require("start_sale", State.IDLE)
        return Checkout(State.ENTERING_ITEMS)

    def scan(self) -> Checkout:
        self._require("scan", State.IDLE, State.ENTERING_ITEMS)
        return Checkout(State.ENTERING_ITEMS)

    def void_sale(self, *, paid: int) -> Checkout:
        self._require("void_sale", State.ENTERING_ITEMS, State.CHOOSING_PAYMENT)
        if paid:
            raise TransitionError("void_sale", self.state, N_("a payment has been taken"))
        return Checkout(State.IDLE)

    def total(self, *, active_lines: int) -> Checkout:
        self._require("total", State.ENTERING_ITEMS)
        if active_lines < 1:
            raise TransitionError("total", self.state, N_("the sale has no items"))
        return Checkout(State.CHOOSING_PAYMENT)

    def back_to_items(self, *, paid: int) -> Checkout:
        self._require("back_to_items", State.CHOOSING_PAYMENT)
        if paid:
            raise TransitionError("back_to_items", self.state, N_("a payment has been taken"))
        return Checkout(State.ENTERING_ITEMS)

    def send_to_terminal(self, *, unresolved: int) -> Checkout:
        self._require("send_to_terminal", State.CHOOSING_PAYMENT)
        if unresolved:
            why = N_("a card payment's outcome is unknown; a supervisor must resolve it")
            raise TransitionError("send_to_terminal", self.state, why)
        return Checkout(State.AWAITING_TERMINAL)

    def terminal_result(self, outcome: PaymentStatus | str, *, remaining: int) -> Checkout:
        self._require("terminal_result", State.AWAITING_TERMINAL)
        if outcome not in OUTCOMES:
            raise ValueError(f"a terminal result is one of {', '.join(OUTCOMES)}, got {outcome!r}")
        if outcome == PaymentStatus.APPROVED and remaining <= 0:
            return Checkout(State.PRINTING)
        return Checkout(State.CHOOSING_PAYMENT)

    def tender_settled(self, *, remaining: int) -> Checkout:
        self._require("tender_settled", State.CHOOSING_PAYMENT)
        if remaining > 0:
            raise TransitionError("tender_settled", self.state, N_("part of the total is still to pay"))
        return Checkout(State.PRINTING)

    def printed(self) -> Checkout:
        self._require("printed", State.PRINTING)
        return Checkout(State.IDLE)

    def suspend(self, *, active_lines: int) -> Checkout:
        self._require("suspend", State.ENTERING_ITEMS)
        if active_lines < 1:
            raise TransitionError("suspend", self.state, N_("the sale has no items"))
        return Checkout(State.IDLE)

    def recall(self) -> Checkout:
        self._require("recall", State.IDLE)
        return Checkout(State.ENTERING_ITEMS)
