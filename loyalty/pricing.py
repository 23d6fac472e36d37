"""The loyalty steps of the checkout pipeline (SPEC 8.3 steps 2–4). `price` reads only;
`commit` reserves in the order's transaction and refuses when something changed since."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

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
        quote.notes["price_keep_bp"] = tier.discount_bp
        for line in quote.lines:
            line.tier_discount_fen = discount(line.amount_fen, tier.discount_bp)
        if tier.free_shipping:
            quote.free_shipping = True

    async def commit(self, quote: Quote, order: Order) -> None:
        return None


async def sub_categories(templates: Iterable[CouponTemplate]) -> dict[int, list[int]]:
    """The sub-categories of every category a coupon scope names (one query, none when no
    template is scoped by category), for `coupon_fit`."""
    parents = {
        pk
        for template in templates
        if template.scope == CouponScope.CATEGORIES
        for pk in template.scope_ids
    }
    children: dict[int, list[int]] = {}
    if parents:
        rows = await Category.filter(parent_id__in=list(parents)).values_list("id", "parent_id")
        for child, parent in rows:
            children.setdefault(parent, []).append(child)
    return children


def covered_lines(
    template: CouponTemplate, lines: list[QuoteLine], children: Mapping[int, list[int]]
) -> list[QuoteLine]:
    """The lines a coupon's scope covers; a category covers its sub-categories too."""
    if template.scope == CouponScope.ALL:
        return list(lines)
    ids = set(template.scope_ids)
    if template.scope == CouponScope.PRODUCTS:
        return [line for line in lines if line.product.id in ids]
    for parent in template.scope_ids:
        ids.update(children.get(parent, ()))
    return [line for line in lines if line.product.category_id in ids]


def coupon_discount(template: CouponTemplate, base_fen: int) -> int:
    if template.kind == CouponKind.AMOUNT_OFF:
        return min(template.amount_fen, base_fen)
    if template.kind == CouponKind.PERCENT_OFF:
        off = share(base_fen, template.percent_off_bp)
        return min(off, template.cap_fen) if template.cap_fen else off
    return 0


@dataclass(frozen=True)
class CouponFit:
    """How one coupon meets a quote priced up to the tier step: the lines in its scope, the
    goods in scope after tier discount (what the threshold is judged on), how much is missing
    to the threshold and the discount it gives. The checkout's coupon step and the list of
    coupons for a cart both judge a coupon by this, so they never disagree."""

    covered: list[QuoteLine]
    base_fen: int
    shortfall_fen: int
    discount_fen: int

    @property
    def applies(self) -> bool:
        return bool(self.covered) and self.shortfall_fen == 0


def coupon_fit(
    template: CouponTemplate, lines: list[QuoteLine], children: Mapping[int, list[int]]
) -> CouponFit:
    covered = covered_lines(template, lines, children)
    base = sum(line.after_tier_fen for line in covered)
    shortfall = max(0, template.threshold_fen - base) if covered else 0
    discount_fen = coupon_discount(template, base) if covered and not shortfall else 0
    return CouponFit(covered, base, shortfall, discount_fen)


def apply_coupon(quote: Quote, coupon_id: int, template: CouponTemplate, fit: CouponFit) -> None:
    """The coupon's discount allocated to the covered items (a fit that `applies`)."""
    for line, part in zip(
        fit.covered,
        allocate(fit.discount_fen, [line.after_tier_fen for line in fit.covered]),
        strict=True,
    ):
        line.coupon_discount_fen = part
    if template.kind == CouponKind.FREE_SHIPPING:
        quote.free_shipping = True
    quote.applied_coupon_id = coupon_id


def shortfall_detail(shortfall_fen: int) -> str:
    return f"还差 {shortfall_fen} 分 / {shortfall_fen} fen short"


class CouponStep:
    """Step 3: one coupon on the goods after tier discount within its scope, the threshold
    judged on that same amount, the discount allocated to the covered items."""

    async def price(self, quote: Quote) -> None:
        if quote.coupon_id is None:
            return
        coupon = await usage.usable(quote.member_id, quote.coupon_id)
        template = coupon.template
        fit = coupon_fit(template, quote.lines, await sub_categories([template]))
        if not fit.covered:
            raise DomainError(ErrorCode.COUPON_NOT_APPLICABLE, "couponId")
        if fit.shortfall_fen:
            raise DomainError(
                ErrorCode.COUPON_THRESHOLD_NOT_MET, "couponId", shortfall_detail(fit.shortfall_fen)
            )
        apply_coupon(quote, coupon.id, template, fit)

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
