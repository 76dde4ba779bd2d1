import inspect

import pytest

from pos_tui.domain.checkout import Checkout, State, TransitionError
from pos_tui.domain.errors import DomainError
from pos_tui.domain.payment import PaymentStatus

L, I, E, C, A, P = (
    State.LOCKED, State.IDLE, State.ENTERING_ITEMS, State.CHOOSING_PAYMENT,
    State.AWAITING_TERMINAL, State.PRINTING,
)

# event -> (arguments that satisfy its guard, {legal from-state: to-state})
EVENTS = {
    "sign_in": ({}, {L: I}),
    "lock": ({}, {I: L, E: L}),
    "start_sale": ({}, {I: E}),
    "scan": ({}, {I: E, E: E}),
    "void_sale": ({"paid": 0}, {E: I, C: I}),
    "total": ({"active_lines": 1}, {E: C}),
    "back_to_items": ({"paid": 0}, {C: E}),
    "send_to_terminal": ({"unresolved": 0}, {C: A}),
    "terminal_result": ({"outcome": "approved", "remaining": 0}, {A: P}),
    "tender_settled": ({"remaining": 0}, {C: P}),
    "printed": ({}, {P: I}),
    "suspend": ({"active_lines": 1}, {E: I}),
    "recall": ({}, {I: E}),
}
PAIRS = [(event, state) for event in EVENTS for state in State]


def fire(checkout: Checkout, event: str, **overrides) -> Checkout:
    kwargs = {**EVENTS[event][0], **overrides}
    return getattr(checkout, event)(**kwargs)


def test_the_table_covers_every_event_method():
    methods = {
        name for name, member in inspect.getmembers(Checkout, inspect.isfunction)
        if not name.startswith("_")
    }
    assert methods == set(EVENTS)


@pytest.mark.parametrize("event, state", PAIRS, ids=[f"{e}-{s.name}" for e, s in PAIRS])
def test_every_event_in_every_state(event, state):
    start = Checkout(state)
    legal = EVENTS[event][1]
    if state in legal:
        assert fire(start, event).state is legal[state]
    else:
        with pytest.raises(TransitionError) as info:
            fire(start, event)
        assert info.value.event == event
        assert info.value.state is state
        message = str(info.value)
        assert message.startswith("cannot ") and "\n" not in message
    assert start.state is state  # events never change the instance they are called on


@pytest.mark.parametrize(
    "state, event, message",
    [
        (I, "total", "cannot total: no sale is open"),
        (L, "scan", "cannot scan: the lane is locked"),
        (C, "lock", "cannot lock the lane: the sale is at payment"),
        (A, "void_sale", "cannot void the sale: waiting for the card terminal"),
        (P, "recall", "cannot recall a sale: the receipt is printing"),
        (E, "start_sale", "cannot start a sale: items are being entered"),
        (I, "sign_in", "cannot sign in: someone is signed in"),
        (C, "terminal_result", "cannot take a terminal result: no payment was sent to the terminal"),
    ],
)
def test_messages_are_plain_lines(state, event, message):
    with pytest.raises(TransitionError) as info:
        fire(Checkout(state), event)
    assert str(info.value) == message
    assert isinstance(info.value, DomainError)


@pytest.mark.parametrize(
    "state, event, bad, message",
    [
        (E, "total", {"active_lines": 0}, "cannot total: the sale has no items"),
        (E, "suspend", {"active_lines": 0}, "cannot suspend the sale: the sale has no items"),
        (C, "back_to_items", {"paid": 500}, "cannot go back to items: a payment has been taken"),
        (C, "void_sale", {"paid": 500}, "cannot void the sale: a payment has been taken"),
        (
            C, "tender_settled", {"remaining": 1},
            "cannot finish the payment: part of the total is still to pay",
        ),
        (
            C, "send_to_terminal", {"unresolved": 1},
            "cannot send to the card terminal: "
            "a card payment's outcome is unknown; a supervisor must resolve it",
        ),
    ],
)
def test_guards_refuse_with_their_reason(state, event, bad, message):
    with pytest.raises(TransitionError) as info:
        fire(Checkout(state), event, **bad)
    assert str(info.value) == message


@pytest.mark.parametrize(
    "outcome, remaining, to",
    [
        ("approved", 0, P),
        (PaymentStatus.APPROVED, 0, P),
        ("approved", 1500, C),
        ("declined", 0, C),
        ("unknown", 0, C),
        ("cancelled", 0, C),
        (PaymentStatus.DECLINED, 1500, C),
    ],
)
def test_terminal_results(outcome, remaining, to):
    assert Checkout(A).terminal_result(outcome, remaining=remaining).state is to


@pytest.mark.parametrize("outcome", ["maybe", "pending", "resolved_approved"])
def test_a_terminal_outcome_that_is_not_an_answer_is_refused(outcome):
    with pytest.raises(ValueError):
        Checkout(A).terminal_result(outcome, remaining=0)


@pytest.mark.parametrize("state", [I, E])
def test_lock_returns_to_the_interrupted_state_on_sign_in(state):
    locked = Checkout(state).lock()
    assert locked.state is L and locked.resume is state
    assert locked.sale_open is (state is E)
    assert locked.sign_in() == Checkout(state)


def test_a_whole_sale_split_between_cash_and_card():
    lane = Checkout().sign_in().scan().lock().sign_in()
    assert lane.state is E and lane.sale_open
    lane = lane.total(active_lines=2)
    lane = lane.send_to_terminal(unresolved=0).terminal_result("declined", remaining=3350)
    lane = lane.send_to_terminal(unresolved=0).terminal_result("approved", remaining=1000)
    lane = lane.tender_settled(remaining=0)
    assert lane.state is P and lane.sale_open
    lane = lane.printed()
    assert lane == Checkout(I) and not lane.sale_open


def test_suspend_and_recall():
    lane = Checkout(E).suspend(active_lines=1)
    assert lane.state is I and not lane.sale_open
    assert lane.recall().state is E


@pytest.mark.parametrize(
    "saved, locked, expected",
    [
        (L, False, Checkout(L)),
        (L, True, Checkout(L)),
        (I, False, Checkout(I)),
        (E, False, Checkout(E)),
        (C, False, Checkout(C)),
        (A, False, Checkout(C)),
        (P, False, Checkout(P)),
        (E, True, Checkout(L, E)),
        (A, True, Checkout(L, C)),
        (P, True, Checkout(L, P)),
    ],
)
def test_restore_after_a_restart(saved, locked, expected):
    assert Checkout.restore(saved, locked=locked) == expected


def test_restored_payment_goes_on_after_sign_in():
    lane = Checkout.restore(A, locked=True).sign_in()
    assert lane.state is C
    assert lane.back_to_items(paid=0).state is E
