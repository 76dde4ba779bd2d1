"""The store's promotions kept on the store server (``[server] url``): a file imported there reaches
every lane with the catalog; the command line and the server's back office call these with the
operator's connection."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pos_tui.domain.money import Currency
from pos_tui.domain.promotions.basket import DEPARTMENT_SKU_PREFIX
from pos_tui.server import promotions as server_promotions
from pos_tui.services.promotions import Imported, read_promotion_file
from pos_tui.store.promotions import PromotionInfo, definitions

__all__ = ["import_on_server", "list_on_server", "set_active_on_server"]


def import_on_server(conn: Any, path: Path, cur: Currency, *, actor: str) -> Imported:
    """Make the promotions of the file at ``path`` the store's on the server, in one journaled
    transaction; the whole file or nothing. A product named by barcode is kept by its SKU."""
    found: dict[str, str | None] = {}

    def lookup(name: str) -> str | None:
        if name.startswith(DEPARTMENT_SKU_PREFIX):
            return name
        if name not in found:
            found[name] = server_promotions.catalog_skus(conn, [name]).get(name)
        return found[name]

    promos, unknown = read_promotion_file(path, cur, lookup)
    result = server_promotions.replace_promotions(conn, definitions(promos, cur), actor=actor, source=path.name)
    return Imported(result, tuple(unknown))


def _info(promo: server_promotions.ServerPromotion) -> PromotionInfo:
    fields = promo.definition
    return PromotionInfo(promo.code, fields.get("name", ""), fields.get("kind", ""), promo.active,
                         promo.updated_at, fields)


def list_on_server(conn: Any) -> list[PromotionInfo]:
    """Every promotion the store has had, the running ones first."""
    return [_info(p) for p in server_promotions.promotions(conn)]


def set_active_on_server(conn: Any, code: str, active: bool, *, actor: str) -> PromotionInfo:
    return _info(server_promotions.set_active(conn, code, active, actor=actor))
