"""The store's promotions for the command line and the back office: import a file (TOML or CSV,
docs/promotions.md), list what the store has."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from pos_tui.domain.errors import DomainError
from pos_tui.domain.money import Currency
from pos_tui.domain.promotion_file import Problem, PromotionFileError, parse_promotions
from pos_tui.domain.promotions import MemberPrice, MixMatch, Promotion
from pos_tui.domain.promotions.basket import DEPARTMENT_SKU_PREFIX
from pos_tui.i18n import N_, _, ngettext
from pos_tui.store import catalog
from pos_tui.store import promotions as promotion_store
from pos_tui.store.promotions import ImportResult, PromotionInfo

__all__ = ["ImportResult", "Imported", "PromotionError", "PromotionInfo", "import_promotions", "list_promotions",
           "file_refusal", "kind_label", "promotion_file_path", "read_promotion_file", "set_promotion_active", "window_text", "with_catalog_skus"]


def import_promotions(path: Path, cur: Currency, *, actor: str, now: dt.datetime | None = None) -> Imported:
    """Make the promotions of the file at ``path`` the store's, in one journaled transaction; the
    whole file or nothing (PromotionFileError lists every bad row with its line and field). A
    product may be named by SKU, barcode or PLU; it is kept by SKU."""
    promos, unknown = read_promotion_file(path, cur, _catalog_sku)
    result = promotion_store.replace_promotions(promos, cur, source=path.name, actor=actor,
                                                now=now or dt.datetime.now())
    return Imported(result, tuple(unknown))


def read_promotion_file(path: Path, cur: Currency, lookup: Callable[[str], str | None]
                        ) -> tuple[list[Promotion], list[tuple[str, str]]]:
    """The promotions of the file at ``path`` with their products named by catalog SKU (``lookup``
    gives the SKU a name stands for, or None), and (promotion id, product) for each name unknown."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise PromotionFileError([Problem(1, "file", _("not UTF-8 text (save the file as UTF-8)"))]) from None
    promos = []
    unknown: list[tuple[str, str]] = []
    for promo in parse_promotions(text, path.name, cur):
        promo, missing = with_catalog_skus(promo, lookup)
        promos.append(promo)
        unknown += [(promo.id, name) for name in missing]
    return promos, unknown


def set_promotion_active(code: str, active: bool, *, actor: str, now: dt.datetime | None = None) -> PromotionInfo:
    """Stop a promotion of the lane's store or run it again (journaled)."""
    try:
        return promotion_store.set_active(code, active, actor=actor, now=now or dt.datetime.now())
    except LookupError:
        raise PromotionError(_("no promotion {code}").format(code=repr(code))) from None


def promotion_file_path(text: str) -> Path:
    """The promotions file an operator typed; PromotionError when there is none there."""
    path = Path(text.strip()).expanduser()
    if not text.strip() or not path.is_file():
        raise PromotionError(_("no promotions file at {path}").format(path=text.strip() or "''"))
    return path


def file_refusal(exc: PromotionFileError) -> str:
    """A refused promotions file in one line: its first problem, and how many more there are."""
    first = str(exc.problems[0]) if exc.problems else str(exc)
    more = len(exc.problems) - 1
    if more <= 0:
        return _("no promotion was taken: {problem}").format(problem=first)
    return ngettext("no promotion was taken: {problem} (and {count} more problem)",
                    "no promotion was taken: {problem} (and {count} more problems)", more).format(
        problem=first, count=more)


class PromotionError(DomainError):
    """A promotion named that the store does not have."""


KIND_LABELS = {"multi_buy": N_("multi-buy"), "nth_item": N_("Nth item"), "buy_get": N_("buy & get"),
               "mix_match": N_("mix & match"), "spend_save": N_("spend & save"), "member_price": N_("member price")}


def kind_label(kind: str) -> str:
    """A promotion's kind in the operator's language (the file's word for a kind not known here)."""
    return _(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def window_text(fields: dict) -> str:
    """When a promotion runs, from its file's fields: "2026-12-01..2026-12-24 sat,sun 09:00-12:00",
    or "always"."""
    parts = []
    if fields.get("starts") or fields.get("ends"):
        parts.append(f"{fields.get('starts', '')}..{fields.get('ends', '')}")
    if fields.get("weekdays"):
        parts.append(",".join(fields["weekdays"]))
    if fields.get("hours"):
        parts.append(fields["hours"])
    return " ".join(parts) or _("always")


@dataclass(frozen=True)
class Imported:
    """What an import did, and (promotion id, product) for each product the catalog does not know."""

    result: ImportResult
    unknown: tuple[tuple[str, str], ...]


def _catalog_sku(name: str) -> str | None:
    """The catalog SKU a promotion's product name stands for: the SKU itself, or a product's
    barcode or PLU (a shelf label's number), or None when the catalog has neither."""
    if name.startswith(DEPARTMENT_SKU_PREFIX) or catalog.get_by_sku(name) is not None:
        return name
    product = catalog.find_by_code(name)
    return product.sku if product is not None else None


def with_catalog_skus(promo: Promotion, lookup: Callable[[str], str | None] | None = None
                      ) -> tuple[Promotion, list[str]]:
    """``promo`` naming its products by catalog SKU (a barcode given for one is taken for its
    SKU), and the names the catalog does not know (kept as they are: the catalog may come later).
    ``lookup``: the SKU a name stands for (default: the lane's catalog)."""
    unknown: list[str] = []
    lookup = lookup or _catalog_sku

    def sku(name: str) -> str:
        found = lookup(name)
        if found is None:
            unknown.append(name)
        return found or name

    def skus(names: frozenset[str]) -> frozenset[str]:
        return frozenset(sku(n) for n in sorted(names))

    changes: dict[str, object] = {}
    for field in ("skus", "buy_skus", "get_skus"):
        if hasattr(promo, field):
            changes[field] = skus(getattr(promo, field))
    if isinstance(promo, MixMatch):
        changes["groups"] = tuple((skus(group), count) for group, count in promo.groups)
    if isinstance(promo, MemberPrice):
        changes["prices"] = tuple(sorted((sku(name), price) for name, price in promo.prices))
    return replace(promo, **changes), sorted(set(unknown))


def list_promotions() -> list[PromotionInfo]:
    """Every promotion the store has had, the active ones first."""
    return promotion_store.list_promotions()
