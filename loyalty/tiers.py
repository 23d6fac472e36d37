"""Default tiers and the tier a member is priced at."""

from __future__ import annotations

from domain.money import BP_SCALE
from loyalty.models import MemberLoyalty, Tier

DEFAULT_TIERS = (
    # code, name, growth threshold, discount bp kept, points multiplier bp, free shipping
    ("V0", "普通会员", 0, 10_000, 10_000, False),
    ("V1", "银卡", 1_000, 9_800, 12_000, False),
    ("V2", "金卡", 5_000, 9_500, 15_000, True),
    ("V3", "黑金", 20_000, 9_000, 20_000, True),
)


async def ensure_default_tiers() -> None:
    """Create the SPEC's tiers when none exist (migrations and demo data call this)."""
    if await Tier.exists():
        return
    await Tier.bulk_create(
        Tier(
            code=code,
            name=name,
            threshold_growth=threshold,
            discount_bp=discount,
            points_multiplier_bp=multiplier,
            free_shipping=free,
        )
        for code, name, threshold, discount, multiplier, free in DEFAULT_TIERS
    )


async def price_keep_bp(member_id: int | None) -> int:
    """The share of list price a member pays: their tier's discount_bp (10000 when anonymous)."""
    if member_id is None:
        return BP_SCALE
    row = (
        await MemberLoyalty.filter(member_id=member_id)
        .first()
        .values_list("tier__discount_bp", flat=True)
    )
    if row is not None:
        return int(row)
    lowest = await Tier.all().order_by("threshold_growth").values_list("discount_bp", flat=True)
    return int(lowest[0]) if lowest else BP_SCALE
