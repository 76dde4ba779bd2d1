"""Rows of figures drawn in boxes (refund, payment summaries): the amounts stay in one column."""

from __future__ import annotations

from pos_tui.domain.display_width import cell_width
from pos_tui.domain.money import currency
from pos_tui.tui.format import figure_rows


def test_amounts_stay_in_one_column_whatever_the_labels_width():
    cny = currency("CNY")
    rows = figure_rows([("Card", 500), ("Cash", 970), ("incl. cash rounding", 2), ("现金抹零", 2), ("Total", 1470)],
                       cny)
    ends = {cell_width(row) for row in rows}
    assert len(ends) == 1  # every amount ends in the same column
    assert [row.split()[-1] for row in rows] == ["¥5.00", "¥9.70", "¥0.02", "¥0.02", "¥14.70"]
    assert rows[2].startswith("incl. cash rounding ")
