"""The sale's promotions, worked out again after every line change (the engine is pure and takes
about a millisecond for a 100-line sale; the store's promotion set remembers what it found for the
groups of units the change did not touch) and written with the change that caused them: only the
shares that changed."""

from __future__ import annotations

from dataclasses import replace

from pos_tui.domain.cart import Cart
from pos_tui.domain.promotions import LineShare, Member, PromotionResult, evaluate, promo_lines
from pos_tui.domain.promotions.basket import DEPARTMENT_SKU_PREFIX
from pos_tui.services.lane.context import LaneContext
from pos_tui.store import catalog
from pos_tui.store import promotions as promotion_store
from pos_tui.store.sales import SalePromotions


def reprice(ctx: LaneContext, cart: Cart, member: str | None = None) -> tuple[Cart, SalePromotions | None]:
    """``cart`` (the open sale after a change, not yet written) with the promotions it now earns
    for ``member`` (None: the sale's), and what to write with the change: None when no promotion
    runs and none was given."""
    committed = ctx.sale.cart if ctx.sale else Cart()
    offered = promotion_store.promotion_set(ctx.currency)
    if not offered.promotions and not any(line.promo_discount for line in cart.lines):
        return cart, None
    manual = {line.line_no for line in cart.active_lines if line.line_discount}
    number = ctx.member if member is None else member
    departments = _departments(ctx, cart) if offered.departments else None
    result = evaluate(promo_lines(cart, departments=departments, manual=manual), offered,
                      member=Member(number) if number else None, at=ctx.clock())
    promoted = cart.with_promotions(result.line_discounts())
    result = _as_given(result, promoted)
    before = {line.line_no: line.promo_discount for line in committed.lines}
    changed = tuple(line for line in promoted.lines if line.promo_discount != before.get(line.line_no, 0))
    written = ctx.sale.promotions if ctx.sale else PromotionResult()  # what the store holds for the sale now
    return promoted, SalePromotions(changed, result, written)


def _departments(ctx: LaneContext, cart: Cart) -> dict[str, str | None]:
    """SKU -> department of the cart's products, each read once a sale (a new sale reads them again:
    the catalog may have moved a product meanwhile)."""
    known = ctx.departments if ctx.sale else {}
    missing = {line.sku for line in cart.active_lines
               if line.sku not in known and not line.sku.startswith(DEPARTMENT_SKU_PREFIX)}
    if missing:
        found = catalog.departments_of(missing)
        known.update((sku, found.get(sku)) for sku in missing)
    ctx.departments = known
    return known


def same_shares(a: PromotionResult, b: PromotionResult) -> bool:
    """Whether two results give the same lines the same amounts from the same promotions (what is
    written of them; how many times a deal was given is not)."""
    def shares(result: PromotionResult) -> list[tuple[str, int, int]]:
        return sorted((d.promotion_id, s.line_no, s.amount) for d in result.discounts for s in d.lines)

    return shares(a) == shares(b)


def _as_given(result: PromotionResult, cart: Cart) -> PromotionResult:
    """``result`` with each line's shares cut to what the line took (a line whose sale-discount
    share leaves less than the promotions would give): the rows then add up to the lines."""
    room = {line.line_no: line.promo_discount for line in cart.lines}
    if all(room.get(line_no, 0) == amount for line_no, amount in result.line_discounts().items()):
        return result
    discounts = []
    for discount in result.discounts:
        shares = []
        for share in discount.lines:
            amount = min(share.amount, room.get(share.line_no, 0))
            room[share.line_no] = room.get(share.line_no, 0) - amount
            if amount:
                shares.append(LineShare(share.line_no, amount))
        if shares:
            discounts.append(replace(discount, amount=sum(s.amount for s in shares), lines=tuple(shares)))
    return PromotionResult(tuple(discounts))

