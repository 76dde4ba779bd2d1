"""Roles are enforced by the lane itself: every protected intent refuses a cashier without a
supervisor's approval, and `[security] supervisor_required_for` widens the list."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pos_tui.domain.permissions import PermissionDenied
from pos_tui.services.lane import Lane
from tests.settlement.conftest import BREAD, COKE


@pytest.fixture
def lane(config, clock, printer):
    lane = Lane(config, printer=printer, clock=clock)
    lane.people.sign_in("cashier", "1234")
    lane.shifts.open_shift("")
    return lane


PROTECTED = {
    "void_sale": lambda lane: lane.items.void_sale(),
    "void_line_after_total": lambda lane: (lane.payments.total(), lane.items.void_line(1)),
    "discount_line": lambda lane: lane.items.discount_line(1, "1.00"),
    "discount_sale": lambda lane: lane.items.discount_sale("10%"),
    "override_price": lambda lane: lane.items.override_price(1, "1.00"),
    "start_return": lambda lane: lane.returns.start_return("01-20250314-0001", {1: 1000}),
    "refund_rest_in_cash": lambda lane: lane.payments.refund_rest_in_cash(1),
    "cancel_return": lambda lane: lane.returns.cancel_return(1),
    "no_sale": lambda lane: lane.shifts.no_sale("why"),
    "paid_in": lambda lane: lane.shifts.paid_in("10", "change"),
    "paid_out": lambda lane: lane.shifts.paid_out("10", "supplier"),
    "resolve_payment": lambda lane: lane.payments.resolve_payment(1, charged=False),
    "resolve_refund": lambda lane: lane.payments.resolve_refund(1, refunded=False),
    "set_training": lambda lane: lane.shifts.set_training(True),
    "x_report": lambda lane: lane.reports.x_report(),
    "z_report": lambda lane: lane.reports.z_report(),
}
NEEDS_IDLE = {"start_return", "refund_rest_in_cash", "cancel_return", "no_sale", "paid_in", "paid_out",
              "set_training", "x_report", "z_report"}


@pytest.mark.parametrize("name", sorted(PROTECTED))
def test_a_cashier_without_approval_is_refused_and_nothing_changes(lane, config, name):
    if name not in NEEDS_IDLE:
        lane.items.enter(COKE)
        lane.items.enter(BREAD)
    if name == "start_return":  # a real receipt: the input is checked before the role is
        lane.items.enter(BREAD)
        lane.payments.total()
        lane.payments.tender_cash("")
        lane.receipts.finish_printing()
        assert lane.ctx.receipt_no == "01-20250314-0001"
    before = _journal_size(config)
    with pytest.raises(PermissionDenied):
        PROTECTED[name](lane)
    after = _journal_size(config) - (1 if name == "void_line_after_total" else 0)  # total() is allowed
    assert after == before


def _journal_size(config):
    from tests.settlement.conftest import rows

    return rows(config, "SELECT COUNT(*) FROM journal_entry")[0][0]


def test_a_cashier_approval_does_not_count_as_a_supervisor(lane):
    with pytest.raises(PermissionDenied):
        lane.people.approve("cashier", "1234", "no_sale")


def test_the_z_report_needs_an_admin_even_with_a_supervisor_approval(lane):
    with pytest.raises(PermissionDenied, match="the Z report needs an admin"):
        lane.reports.z_report(lane.people.approve("super", "9999", "x_report"))


def test_supervisor_required_for_widens_the_protected_actions(config, clock):
    config = replace(config, security=replace(config.security, supervisor_required_for=("suspend", "reprint")))
    lane = Lane(config, clock=clock)
    lane.people.sign_in("cashier", "1234")
    lane.shifts.open_shift("")
    lane.items.enter(COKE)
    with pytest.raises(PermissionDenied, match="holding a sale needs a supervisor"):
        lane.items.suspend()
    with pytest.raises(PermissionDenied, match="a reprint needs a supervisor"):
        lane.receipts.request_reprint()
