"""The business day and a clock that moves (issue #18, items 1-4): the clock is moved inside the
process, for the lane and for the journal, never on the machine."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import replace

import pytest
from click.testing import CliRunner

from pos_tui.cli import main
from pos_tui.config import ConfigError, parse_config
from pos_tui.domain.business_day import business_day
from pos_tui.domain.report import render_text
from pos_tui.services.errors import USER_ERRORS
from pos_tui.services.lane import Lane
from pos_tui.store import journal
from pos_tui.store.reports import ReportRefused, stored_z_report
from tests.settlement.conftest import ADMIN, ADMIN_PIN, BREAD, COKE, SOAP

T = dt.datetime


@pytest.fixture
def journal_clock(monkeypatch, clock):
    """The journal keeps time with the lane's clock (as both do with the machine's)."""
    monkeypatch.setattr(journal, "utc_now", lambda: clock().astimezone(dt.timezone.utc))


@pytest.fixture
def lane(config, clock, printer, journal_clock):
    lane = Lane(config, printer=printer, clock=clock)
    lane.people.sign_in(ADMIN, ADMIN_PIN)
    return lane


def cli_config(config):
    path = config.data_dir / "config.toml"
    path.write_text(f'[paths]\ndata_dir = "{config.data_dir}"\n[store]\nname = "Demo Mart"\n', encoding="utf-8")
    return str(path)


def sell(lane, code, cash=""):
    lane.items.enter(code)
    lane.payments.total()
    lane.payments.tender_cash(cash)
    receipt = lane.view().receipt_no
    lane.receipts.finish_printing()
    return receipt


def test_business_day_starts_at_the_configured_time():
    assert business_day(T(2027, 1, 1, 0, 0, 17)) == dt.date(2027, 1, 1)
    assert business_day(T(2027, 1, 1, 3, 59), dt.time(4)) == dt.date(2026, 12, 31)
    assert business_day(T(2027, 1, 1, 4, 0), dt.time(4)) == dt.date(2027, 1, 1)


@pytest.mark.parametrize("value", ["4:00", "04:00"])
def test_day_starts_at_is_read_from_the_store_section(tmp_path, value):
    assert parse_config({}, tmp_path).store.day_starts_at == dt.time(0, 0)
    assert parse_config({"store": {"day_starts_at": value}}, tmp_path).store.day_starts_at == dt.time(4, 0)


@pytest.mark.parametrize("value", ["24:00", "4", "04:60", "noon", 4, "04:00:30"])
def test_a_bad_day_starts_at_names_the_key(tmp_path, value):
    with pytest.raises(ConfigError, match=r"^store\.day_starts_at: expected a time of day like \"04:00\""):
        parse_config({"store": {"day_starts_at": value}}, tmp_path)


def test_a_shift_across_midnight_closes_into_the_day_it_opened_in(lane, clock, config):
    clock.now = T(2026, 12, 31, 23, 50)
    lane.shifts.open_shift("500")
    clock.now = T(2026, 12, 31, 23, 50, 30)
    assert sell(lane, COKE) == "01-20261231-0001"
    clock.now = T(2027, 1, 1, 0, 0, 17)
    assert sell(lane, BREAD) == "01-20261231-0002"  # the receipt's date is its business day
    clock.now = T(2027, 1, 1, 0, 0, 44)
    lane.shifts.close_shift("515.50")
    z = lane.reports.z_report()
    assert (z.number, z.business_day, z.sales_count) == (1, "2026-12-31", 2)
    assert (z.first_receipt, z.last_receipt) == ("01-20261231-0001", "01-20261231-0002")
    assert "Day 2026-12-31" in render_text(z, 42)
    assert "business day 2026-12-31" in lane.view().message
    assert stored_z_report(1, dt.date(2026, 12, 31)) == z
    with pytest.raises(ReportRefused, match="no Z report for 2027-01-01"):
        stored_z_report(1, dt.date(2027, 1, 1))
    # The next day is its own: sold in, and closed at 23:00 with the next number.
    clock.now = T(2027, 1, 1, 9, 0)
    lane.shifts.open_shift("")
    assert sell(lane, SOAP) == "01-20270101-0001"
    clock.now = T(2027, 1, 1, 23, 0)
    lane.shifts.close_shift("520.50")
    z2 = lane.reports.z_report()
    assert (z2.number, z2.business_day, z2.sales_count) == (2, "2027-01-01", 1)


def test_yesterdays_z_is_taken_after_midnight_while_todays_shift_is_open(lane, clock):
    clock.now = T(2026, 12, 31, 18, 0)
    lane.shifts.open_shift("500")
    sell(lane, COKE)
    clock.now = T(2026, 12, 31, 23, 55)
    lane.shifts.close_shift("503.50")
    clock.now = T(2027, 1, 1, 0, 10)
    lane.shifts.open_shift("")  # the night shift belongs to the new day
    assert lane.shifts.current.business_day == dt.date(2027, 1, 1)
    clock.now = T(2027, 1, 1, 0, 30)
    z = lane.reports.z_report()
    assert (z.number, z.business_day, z.sales_count) == (1, "2026-12-31", 1)
    # Today's Z waits for today's shift.
    with pytest.raises(USER_ERRORS, match="close the open shift .* Z report of 2027-01-01"):
        lane.reports.z_report()


def test_a_z_is_refused_while_a_shift_of_its_day_is_open_and_twice_for_a_day(lane, clock):
    clock.now = T(2026, 12, 31, 23, 50)
    lane.shifts.open_shift("500")
    clock.now = T(2027, 1, 1, 0, 5)
    with pytest.raises(USER_ERRORS, match="close the open shift .* Z report of 2026-12-31"):
        lane.reports.z_report()
    lane.shifts.close_shift("500")
    assert lane.reports.z_report().business_day == "2026-12-31"
    clock.now = T(2026, 12, 31, 23, 59)  # the clock goes back: its day has its Z already
    with pytest.raises(USER_ERRORS, match="Z report 1 already closed 2026-12-31"):
        lane.reports.z_report()


def test_a_clock_22_hours_ahead_does_not_move_the_shift_into_the_next_day(lane, clock):
    clock.now = T(2026, 12, 31, 9, 0)
    lane.shifts.open_shift("500")
    sell(lane, COKE)
    clock.now += dt.timedelta(hours=22)
    assert sell(lane, BREAD) == "01-20261231-0002"
    lane.shifts.close_shift("515.50")
    z = lane.reports.z_report()
    assert (z.business_day, z.sales_count) == ("2026-12-31", 2)


def test_day_starts_at_keeps_the_small_hours_in_yesterday(config, clock, printer, journal_clock):
    config = replace(config, store=replace(config.store, day_starts_at=dt.time(4, 0)))
    lane = Lane(config, printer=printer, clock=clock)
    lane.people.sign_in(ADMIN, ADMIN_PIN)
    clock.now = T(2027, 1, 1, 2, 0)
    lane.shifts.open_shift("500")
    assert sell(lane, COKE) == "01-20261231-0001"
    lane.shifts.close_shift("503.50")
    assert lane.reports.z_report().business_day == "2026-12-31"


def test_after_the_clock_goes_back_past_a_z_a_new_shift_belongs_to_the_next_day(lane, clock):
    clock.now = T(2027, 1, 1, 0, 5)
    lane.shifts.open_shift("500")
    lane.shifts.close_shift("500")
    assert lane.reports.z_report().business_day == "2027-01-01"
    clock.now = T(2026, 12, 31, 22, 5)  # back two hours: 2026-12-31 is not closed, but 2027-01-01 is
    view = lane.shifts.open_shift("")
    assert lane.shifts.current.business_day == dt.date(2027, 1, 2)
    assert "business day 2027-01-02" in view.message
    assert sell(lane, COKE) == "01-20270102-0001"
    lane.shifts.close_shift("503.50")
    z = lane.reports.z_report()
    assert (z.number, z.business_day) == (2, "2027-01-02")


def test_report_z_from_the_command_line_means_a_business_day(lane, clock, config):
    clock.now = T(2026, 12, 31, 23, 50)
    lane.shifts.open_shift("500")
    sell(lane, COKE)
    clock.now = T(2027, 1, 1, 0, 0, 44)
    lane.shifts.close_shift("503.50")
    lane.reports.z_report()
    runner = CliRunner()
    shown = runner.invoke(main, ["--config", cli_config(config), "report", "z",
                                 "--date", "2026-12-31", "--format", "json"])
    assert shown.exit_code == 0, shown.output
    assert '"business_day": "2026-12-31"' in shown.output


# -- item 3: the suggested float ----------------------------------------------------------------


def test_the_suggested_float_is_what_the_last_shift_left_whatever_the_clock_said(lane, clock):
    clock.now = T(2027, 3, 10, 10, 0)
    lane.shifts.open_shift("500")
    lane.shifts.close_shift("532.50")  # closed at 10:00 by the clock
    clock.now = T(2027, 3, 10, 8, 0)  # the clock goes back two hours
    lane.shifts.open_shift("")
    lane.shifts.close_shift("512")  # closed at 08:00: an earlier time, but the later shift
    assert lane.shifts.suggested_float() == 51200
    view = lane.shifts.open_shift("")  # Enter alone
    assert lane.shifts.current.opening_float == 51200
    assert "expected" not in view.message
    lane.shifts.close_shift("512")
    assert "balanced" in lane.view().message


# -- item 4: reports after the clock went back ---------------------------------------------------


def test_reports_after_the_clock_went_back_keep_the_order_of_events_and_say_so(lane, clock, caplog):
    clock.now = T(2027, 3, 10, 10, 0)
    lane.shifts.open_shift("500")
    clock.now = T(2027, 3, 10, 10, 5)
    first = sell(lane, COKE)
    clock.now = T(2027, 3, 10, 11, 0)
    second = sell(lane, BREAD)
    caplog.set_level(logging.WARNING)
    clock.now = T(2027, 3, 10, 6, 1)  # back five hours
    third = sell(lane, SOAP)
    clock.now = T(2027, 3, 10, 6, 2, 5)
    x = lane.reports.x_report()
    assert (x.first_receipt, x.last_receipt) == (first, third) == ("01-20270310-0001", "01-20270310-0003")
    assert second == "01-20270310-0002"
    assert [h.hour for h in x.hourly] == [10, 11, 6]  # in the order the sales were paid
    assert x.period_start == "2027-03-10T10:00:00"
    assert "the clock went back" in caplog.text  # the lane's log
    assert len(x.clock_went_back) == 1 and x.clock_went_back[0].after.endswith("06:01:00")
    text = render_text(x, 42)
    assert "The clock went back" in text and "in the order they" in text
    lane.shifts.close_shift("520.50")
    z = lane.reports.z_report()
    assert z.clock_went_back == x.clock_went_back
    assert (z.first_receipt, z.last_receipt) == (first, third)


def test_hours_of_two_dates_are_kept_apart_in_a_report(lane, clock):
    clock.now = T(2026, 12, 31, 23, 10)
    lane.shifts.open_shift("500")
    sell(lane, COKE)
    clock.now = T(2027, 1, 1, 0, 20)
    sell(lane, BREAD)
    clock.now = T(2027, 1, 1, 0, 30)
    x = lane.reports.x_report()
    assert [(h.day, h.hour) for h in x.hourly] == [("2026-12-31", 23), ("2027-01-01", 0)]
    assert "12-31 23 " in render_text(x, 42)


def test_journal_verify_warns_of_the_clock_going_back_and_exits_0(lane, clock, config):
    clock.now = T(2027, 3, 10, 10, 0)
    lane.shifts.open_shift("500")
    clock.now = T(2027, 3, 10, 8, 0)
    lane.shifts.close_shift("500")
    result = journal.verify()
    assert result.ok and result.clock_jumps[-1].back == dt.timedelta(hours=2)
    assert result.clock_jumps[-1].seq == journal.entries("shift.close")[-1].seq
    out = CliRunner().invoke(main, ["--config", cli_config(config), "journal", "verify"])
    assert out.exit_code == 0, out.output
    assert "journal ok" in out.output
    assert "warning: the clock went back at row" in out.output
