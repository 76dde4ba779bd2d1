"""A promotion kept by the store as its file's fields reads back as the same promotion."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pos_tui.domain.money import currency
from pos_tui.domain.promotion_file import (
    PromotionFileError, parse_promotions, promotion_fields, promotion_from_fields,
)

CNY = currency("CNY")
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "promotions.example.toml"


def test_every_kind_in_the_example_file_reads_back_the_same_through_json() -> None:
    promos = parse_promotions(EXAMPLE.read_text(encoding="utf-8"), EXAMPLE.name, CNY)
    assert len({p.kind for p in promos}) == 6
    for promo in promos:
        stored = json.dumps(promotion_fields(promo, CNY), ensure_ascii=False)
        assert promotion_from_fields(json.loads(stored), CNY) == promo


def test_a_window_and_exclusive_stacking_are_kept() -> None:
    text = ('[[promotion]]\nid = "w"\nname = "周末满减"\nkind = "spend_save"\nstacking = "exclusive"\n'
            'weekdays = ["sat", "sun"]\nhours = "22:00-02:00"\nstarts = 2026-01-01\nends = 2026-12-31\n'
            'repeat = true\ntiers = [{ spend = "1000.00", off = "20.00" }]\n')
    (promo,) = parse_promotions(text, "p.toml", CNY)
    fields = promotion_fields(promo, CNY)
    assert fields["tiers"] == [{"spend": "1000.00", "off": "20.00"}]  # no thousands separator
    assert promotion_from_fields(fields, CNY) == promo


def test_a_bad_stored_definition_names_its_field() -> None:
    with pytest.raises(PromotionFileError, match="price"):
        promotion_from_fields({"id": "x", "name": "x", "kind": "multi_buy", "skus": ["1"], "quantity": 3,
                               "price": "1.005"}, CNY)
