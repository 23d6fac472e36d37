"""The loyalty steps of the checkout pipeline (SPEC 8.3 steps 2–4). `price` reads only;
`commit` reserves in the order's transaction and refuses when something changed since."""

from __future__ import annotations

from domain.catalog.models import Category
from domain.errors import DomainError, ErrorCode
from domain.money import allocate, discount, share
from domain.orders.models import Order, OrderItem
from domain.orders.pricing import Quote, QuoteLine
from loyalty import points
from loyalty.coupons import usage
from loyalty.models import CouponKind, CouponScope, CouponTemplate
from loyalty.tiers import tier_of


class TierStep:
    """Step 2: each item keeps its tier's `discount_bp`; the tier may ship for free."""

    async def price(self, quote: Quote) -> None:
        tier = await tier_of(quote.member_id)
        for line in quote.lines:
            line.tier_discount_fen = discount(line.amount_fen, tier.discount_bp)
        if tier.free_shipping:
            quote.free_shipping = True

    async def commit(self, quote: Quote, order: Order) -> None:
        return None


async def covered_lines(template: CouponTemplate, lines: list[QuoteLine]) -> list[QuoteLine]:
    """The lines a coupon's scope covers; a category covers its sub-categories too."""
    if template.scope == CouponScope.ALL:
        return list(lines)
    ids = set(template.scope_ids)
    if template.scope == CouponScope.PRODUCTS:
        return [line for line in lines if line.product.id in ids]
    children = await Category.filter(parent_id__in=list(ids)).values_list("id", flat=True)
    ids.update(children)
    return [line for line in lines if line.product.category_id in ids]


def coupon_discount(template: CouponTemplate, base_fen: int) -> int:
    if template.kind == CouponKind.AMOUNT_OFF:
        return min(template.amount_fen, base_fen)
    if template.kind == CouponKind.PERCENT_OFF:
        off = share(base_fen, template.percent_off_bp)
        return min(off, template.cap_fen) if template.cap_fen else off
    return 0


class CouponStep:
    """Step 3: one coupon on the goods after tier discount within its scope, the threshold
    judged on that same amount, the discount allocated to the covered items."""

    async def price(self, quote: Quote) -> None:
        if quote.coupon_id is None:
            return
        coupon = await usage.usable(quote.member_id, quote.coupon_id)
        template = coupon.template
        covered = await covered_lines(template, quote.lines)
        if not covered:
            raise DomainError(ErrorCode.COUPON_NOT_APPLICABLE, "couponId")
        base = sum(line.after_tier_fen for line in covered)
        if base < template.threshold_fen:
            raise DomainError(ErrorCode.COUPON_THRESHOLD_NOT_MET, "couponId")
        amount = coupon_discount(template, base)
        for line, part in zip(
            covered, allocate(amount, [line.after_tier_fen for line in covered]), strict=True
        ):
            line.coupon_discount_fen = part
        if template.kind == CouponKind.FREE_SHIPPING:
            quote.free_shipping = True
        quote.applied_coupon_id = coupon.id

    async def commit(self, quote: Quote, order: Order) -> None:
        if quote.applied_coupon_id is not None:
            await usage.lock(quote.member_id, quote.applied_coupon_id, order.id)


class PointsStep:
    """Step 4: 1 point = 1 fen, at most `points.max_deduct_bp` of the goods after coupon, and
    never more than the member holds; allocated to the items."""

    async def price(self, quote: Quote) -> None:
        after_coupon = sum(line.after_coupon_fen for line in quote.lines)
        limit = share(after_coupon, quote.settings["points.max_deduct_bp"])
        quote.notes["points_limit"] = limit
        wanted = quote.points_requested
        if wanted == 0:
            return
        if wanted > limit:
            raise DomainError(ErrorCode.POINTS_OVER_LIMIT, "points", f"max {limit}")
        if wanted > await points.balance(quote.member_id):
            raise DomainError(ErrorCode.INSUFFICIENT_POINTS, "points")
        parts = allocate(wanted, [line.after_coupon_fen for line in quote.lines])
        for line, part in zip(quote.lines, parts, strict=True):
            line.points_discount_fen = part
        quote.points_used = wanted

    async def commit(self, quote: Quote, order: Order) -> None:
        if quote.points_used == 0:
            return
        item_ids = dict(
            await OrderItem.filter(order_id=order.id).values_list("line", "id")  # type: ignore[arg-type]
        )
        await points.spend_for_order(
            quote.member_id,
            order.id,
            [(item_ids[line.line], line.points_discount_fen) for line in quote.lines],
        )
