"""Promotions: the rules a store runs (``rules``), what the engine reads of a sale (``basket``) and
the engine that picks the discounts best for the customer (``engine``; its docstring states the order
with manual discounts and the stacking rules)."""

from pos_tui.domain.promotions.basket import PromoLine, promo_lines
from pos_tui.domain.promotions.engine import Discount, LineShare, PromotionResult, PromotionSet, evaluate
from pos_tui.domain.promotions.rules import (
    ALWAYS,
    BuyGet,
    Member,
    MemberPrice,
    MixMatch,
    MultiBuy,
    NthItem,
    Promotion,
    SpendSave,
    Stacking,
    TimeWindow,
)

__all__ = [
    "ALWAYS", "BuyGet", "Discount", "LineShare", "Member", "MemberPrice", "MixMatch", "MultiBuy", "NthItem",
    "PromoLine", "Promotion", "PromotionResult", "PromotionSet", "SpendSave", "Stacking", "TimeWindow", "evaluate",
    "promo_lines",
]
