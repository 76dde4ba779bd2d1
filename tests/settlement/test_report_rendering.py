"""Report values and their text / CSV / JSON forms (pure), and `pos-tui report x` from the CLI."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from click.testing import CliRunner

from pos_tui.cli import main
from pos_tui.domain.display_width import cell_width
from pos_tui.domain.money import currency
from pos_tui.domain.report import (
    HourTotal,
    LineFact,
    MovementFact,
    PaymentFact,
    ReportError,
    SaleFact,
    build_report,
    counted_total,
    hourly_bars,
    render_csv,
    render_json,
    render_text,
    report_from_dict,
    report_to_dict,
)
from pos_tui.services.lane import Lane
from tests.settlement.conftest import BREAD

AT = dt.datetime(2025, 3, 14, 9, 30)


def sample():
    lines = (LineFact("COKE", "可口可乐 330ml 超长的名字也要能换行显示", 3000, 1050, 50),
             LineFact("DEPT-SERV", "Services 服务", 1000, 2000, 0, department="Services 服务"),
             LineFact("SOAP", "Soap", 1000, 500, 0, voided=True))
    return build_report(
        "X", currency_code="CNY", store_name="Demo Mart 演示超市", lane=1,
        sales=[SaleFact("sale", "01-20250314-0001", AT, 3000, {"A": 345}, lines),
               SaleFact("return", "01-R20250314-0001", AT.replace(hour=15), 1000, {"A": 115}, lines[:1]),
               SaleFact("voided", None, AT, 350, {}, ())],
        payments=[PaymentFact("cash", 1000, 0, 1000), PaymentFact("card", 2000, 12, 2000),
                  PaymentFact("card", 1000, 0, 0, refund=True)],
        movements=[MovementFact("paid_in", 500), MovementFact("no_sale")],
        opening_float=10000, counted=11450, shifts=[7], period_start=AT, period_end=AT.replace(hour=18),
    )


def test_build_report_adds_up_the_facts():
    r = sample()
    assert (r.sales_count, r.gross, r.discounts, r.sales_total, r.net) == (1, 3050, 50, 3000, 2000)
    assert (r.voided_lines, r.voided_lines_amount, r.voided_sales, r.voided_sales_amount) == (1, 500, 1, 350)
    assert r.tax == {"A": 230} and r.method("card").net == 2000 - 1000 - 12
    assert (r.cash.expected, r.cash.over_short) == (10000 + 1000 + 500, -50)
    assert [d.name for d in r.departments] == ["Services 服务", "Catalog items"]
    assert r.hourly == (HourTotal(9, 1, 3000),)


@pytest.mark.parametrize("width", [32, 42, 80])
def test_text_fits_the_paper_and_the_screen(width):
    text = render_text(sample(), width)
    assert all(cell_width(line) <= width for line in text.splitlines())
    assert "Short" in text and "NET" in text and "09 #" in text


def test_json_keeps_minor_units_and_reads_back_the_same_report():
    r = sample()
    data = json.loads(render_json(r))
    assert data["currency"] == "CNY" and data["net"] == 2000 and data["cash"]["over_short"] == -50
    assert data["methods"][1] == {"method": "card", "taken": 2000, "refunded": 1000, "fee": 12, "gross": 1000,
                                  "net": 988}
    assert report_from_dict(json.loads(json.dumps(report_to_dict(r)))) == r
    with pytest.raises(ReportError, match="not readable"):
        report_from_dict({"kind": "Z"})


def test_csv_is_one_figure_a_row():
    table = list(csv.reader(io.StringIO(render_csv(sample()))))
    assert table[0] == ["section", "name", "value"]
    assert ["cash", "over_short", "-0.50"] in table and ["payment:card", "fee", "0.12"] in table


def test_hourly_bars_scale_to_the_busiest_hour():
    bars = hourly_bars([HourTotal(9, 1, 100), HourTotal(10, 4, 400)], 42, currency("CNY"))
    assert bars[0].count("#") == round(bars[1].count("#") / 4) and all(len(b) <= 42 for b in bars)


def test_a_count_by_denomination_refuses_nonsense():
    assert counted_total({10000: 2, 50: 3}) == 20150
    with pytest.raises(ReportError, match="denomination"):
        counted_total({-5: 1})
    with pytest.raises(ReportError, match="whole number"):
        counted_total({100: -1})


def test_cli_x_report_in_each_format(config, clock, tmp_path):
    lane = Lane(config, clock=clock)
    lane.people.sign_in("cashier", "1234")
    lane.shifts.open_shift("100")
    lane.items.enter(BREAD)
    lane.payments.total()
    lane.payments.tender_cash("")
    config_file = tmp_path / "config.toml"
    config_file.write_text(f'[paths]\ndata_dir = "{tmp_path}"\n', encoding="utf-8")
    run = lambda *args: CliRunner().invoke(main, ["--config", str(config_file), "report", *args])
    data = json.loads(run("x", "--format", "json").output)
    assert (data["kind"], data["sales_count"], data["sales_total"], data["cash"]["expected"]) == ("X", 1, 1200, 11200)
    assert "sales,total,12.00" in run("x", "--format", "csv").output
    assert "Sales (1)" in run("x").output
    missing = run("z", "--date", "2020-01-01")
    assert missing.exit_code == 1 and "no Z report for 2020-01-01" in missing.output
    refused = CliRunner().invoke(main, ["--config", str(config_file), "report", "z", "--as", "boss", "--pin-stdin"],
                                 input="4321\n")
    assert refused.exit_code == 1 and "close the open shift" in refused.output
