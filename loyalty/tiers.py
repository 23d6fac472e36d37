"""Default tiers, the tier a member is priced at, and keeping a member's tier current
(SPEC 9.1): the highest tier whose threshold ≤ the member's tier growth. It can drop."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.functions import Sum

from domain import clock, sql
from domain.catalog.version import bump_catalog_version, catalog_version
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.members.models import MemberStatus
from domain.money import BP_SCALE
from domain.settings.service import get_setting
from domain.sql import Sql, as_model
from domain.validation import clean_text
from loyalty.models import GrowthRecord, MemberLoyalty, Tier

DEFAULT_TIERS = (
    # code, name, growth threshold, discount bp kept, points multiplier bp, free shipping
    ("V0", "普通会员", 0, 10_000, 10_000, False),
    ("V1", "银卡", 1_000, 9_800, 12_000, False),
    ("V2", "金卡", 5_000, 9_500, 15_000, True),
    ("V3", "黑金", 20_000, 9_000, 20_000, True),
)
MAX_MULTIPLIER_BP = 100_000


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
    """The share of the price (not the list price) a member pays: their tier's discount_bp
    (10000 when anonymous)."""
    if member_id is None:
        return BP_SCALE
    return (await tier_of(member_id)).discount_bp


async def lowest_tier() -> Tier:
    return await Tier.all().order_by("threshold_growth").first()  # type: ignore[return-value]


def _member_tier(columns: str, member_id: str) -> str:
    """The statement choosing a member's tier: the one held or the lowest (threshold 0),
    whichever is higher (a held tier never sits below the lowest)."""
    return f"""SELECT {columns} FROM tier t
        WHERE t.id IN (SELECT l.tier_id FROM member_loyalty l WHERE l.member_id = {member_id})
        OR t.threshold_growth = 0
        ORDER BY t.threshold_growth DESC LIMIT 1"""  # noqa: S608 (fixed text, no values)


_TIER_OF = Sql("tiers.tier_of", _member_tier("{t}", ":member_id"), t=Tier)


async def tier_of(member_id: int) -> Tier:
    """The member's tier, or the lowest (threshold 0) without a loyalty row. One hand-written
    statement: every checkout prices with it. A held tier never sits below the lowest, so the
    highest of the two is the answer."""
    row = await sql.fetch_one(_TIER_OF, member_id=member_id)
    return as_model(Tier, row, "t") if row else await lowest_tier()


async def _read_keep_bp(selected: int | None) -> int:
    """A price share read by a tier sub-select; as in `tier_of`, none selected (no tier with
    threshold 0 and none held) means the lowest tier's."""
    if selected is None:
        return (await lowest_tier()).discount_bp
    return int(selected)


_KEEP_BP_AND_CATALOG_VERSION = Sql(
    "tiers.keep_bp_and_catalog_version",
    f"""SELECT ({_member_tier("t.discount_bp", ":member_id")}) AS keep_bp,
    (SELECT c.version FROM catalog_version c WHERE c.id = 1) AS version""",  # noqa: S608
)


async def price_keep_bp_and_catalog_version(member_id: int | None) -> tuple[int, int]:
    """`price_keep_bp` and the catalog version (domain/catalog/version.py) in one statement: a
    member's cached catalog page needs both and nothing else from the database."""
    if member_id is None:
        return BP_SCALE, await catalog_version()
    row = await sql.fetch_one(_KEEP_BP_AND_CATALOG_VERSION, member_id=member_id)
    assert row is not None  # one row of two sub-selects, always
    return await _read_keep_bp(row["keep_bp"]), int(row["version"] or 0)


_SESSION_PRICING = Sql(
    "tiers.member_session_pricing",
    f"""SELECT m.token_version,
    EXISTS (SELECT 1 FROM revoked_access_token r WHERE r.jti = :jti) AS revoked,
    ({_member_tier("t.discount_bp", "m.id")}) AS keep_bp,
    (SELECT c.version FROM catalog_version c WHERE c.id = 1) AS version
    FROM member m WHERE m.id = :member_id AND m.status = :active""",  # noqa: S608
)


@dataclass(frozen=True)
class SessionPricing:
    """An active member's token state (as domain.access.service.member_token_state gives it)
    with their price share and the catalog version."""

    token_version: int
    revoked: bool
    keep_bp: int
    catalog_version: int


async def member_session_pricing(member_id: int, jti: str) -> SessionPricing | None:
    """Everything a member's cached catalog read needs from the database, in one statement:
    the token check, the tier's price share and the catalog version. None when the member is
    missing or not active (the caller then reads as anonymous)."""
    row = await sql.fetch_one(
        _SESSION_PRICING, member_id=member_id, jti=jti, active=MemberStatus.ACTIVE
    )
    if row is None:
        return None
    return SessionPricing(
        row["token_version"],
        bool(row["revoked"]),
        await _read_keep_bp(row["keep_bp"]),
        int(row["version"] or 0),
    )


def tier_for(tiers: list[Tier], growth: int) -> Tier:
    """The highest tier whose threshold ≤ growth (`tiers` sorted by threshold)."""
    reached = [t for t in tiers if t.threshold_growth <= growth]
    return reached[-1] if reached else tiers[0]


def months_before(moment: datetime, months: int) -> datetime:
    """The same day-of-month `months` earlier (clamped to the month's last day)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = moment.day
    while True:
        try:
            return moment.replace(year=year, month=month + 1, day=day)
        except ValueError:
            day -= 1


async def windowed_growth(member_id: int, since: datetime) -> int:
    rows = (
        await GrowthRecord.filter(member_id=member_id, earned_at__gte=since)
        .annotate(total=Sum("delta"))
        .group_by("member_id")
        .values_list("total", flat=True)
    )
    total: int | None = rows[0] if rows else None  # type: ignore[assignment]  # flat values
    return max(0, int(total or 0))


async def add_growth(member_id: int, delta: int) -> MemberLoyalty:
    """Change a member's growth and re-tier them (caller's transaction): an atomic increment,
    then the row is re-read for the tier."""
    moment = clock.now()
    if not await MemberLoyalty.exists(member_id=member_id):
        lowest = await lowest_tier()
        try:
            async with transaction():  # a savepoint: a concurrent first row wins harmlessly
                await MemberLoyalty.create(
                    member_id=member_id, growth=0, tier_growth=0, tier=lowest, updated_at=moment
                )
        except IntegrityError:
            pass
    await MemberLoyalty.filter(member_id=member_id).update(growth=F("growth") + delta)
    return await retier(member_id, moment)


async def retier(member_id: int, moment: datetime) -> MemberLoyalty:
    row = await MemberLoyalty.get(member_id=member_id)
    months = await get_setting("tier.review_months")
    judged = (
        row.growth
        if months == 0
        else await windowed_growth(member_id, months_before(moment, months))
    )
    tiers = list(await Tier.all().order_by("threshold_growth"))
    tier = tier_for(tiers, judged)
    await MemberLoyalty.filter(member_id=member_id).update(
        tier_growth=judged, tier_id=tier.id, updated_at=moment
    )
    await row.refresh_from_db()
    return row


async def review_tiers(now: datetime) -> int:
    """Job: with `tier.review_months` on, growth ages out of the window; re-tier every member
    with loyalty history. Returns how many changed tier."""
    if await get_setting("tier.review_months") == 0:
        return 0
    changed = 0
    for member_id, tier_id in (
        await MemberLoyalty.all().order_by("member_id").values_list("member_id", "tier_id")
    ):
        async with transaction():
            row = await retier(member_id, now)
        changed += int(row.tier_id != tier_id)
    return changed


@dataclass(frozen=True)
class TierChange:
    """Fields left as None are not changed."""

    name: str | None = None
    threshold_growth: int | None = None
    discount_bp: int | None = None
    points_multiplier_bp: int | None = None
    free_shipping: bool | None = None


async def update_tier(tier_id: int, change: TierChange) -> Tier:
    """HQ edits a tier. Thresholds must rise with the tier codes (V0 < V1 < ...) and the first
    stays 0, so every member has a tier; members are re-tiered by their tier growth."""
    async with transaction():
        tier = await Tier.get_or_none(id=tier_id)
        if tier is None:
            raise DomainError(ErrorCode.NOT_FOUND, "id")
        if change.name is not None:
            tier.name = clean_text(change.name, "name", 32)
        if change.discount_bp is not None:
            if not 1 <= change.discount_bp <= BP_SCALE:
                raise DomainError(ErrorCode.OUT_OF_RANGE, "discountBp", f"1..{BP_SCALE}")
            tier.discount_bp = change.discount_bp
        if change.points_multiplier_bp is not None:
            if not 0 <= change.points_multiplier_bp <= MAX_MULTIPLIER_BP:
                raise DomainError(ErrorCode.OUT_OF_RANGE, "pointsMultiplierBp")
            tier.points_multiplier_bp = change.points_multiplier_bp
        if change.free_shipping is not None:
            tier.free_shipping = change.free_shipping
        if change.threshold_growth is not None:
            tier.threshold_growth = change.threshold_growth
            await _check_thresholds(tier)
        await tier.save()
        await bump_catalog_version()  # member prices follow the discount
        if change.threshold_growth is not None:
            await _retier_everyone()
    return tier


async def _check_thresholds(changed: Tier) -> None:
    tiers = sorted(
        [changed if t.id == changed.id else t for t in await Tier.all()], key=lambda t: t.code
    )
    thresholds = [t.threshold_growth for t in tiers]
    if thresholds[0] != 0 or any(a >= b for a, b in pairwise(thresholds)):
        raise DomainError(
            ErrorCode.OUT_OF_RANGE, "thresholdGrowth", "rising with the tier codes, the first 0"
        )


async def _retier_everyone() -> None:
    """One UPDATE per tier (a handful), over the members' stored tier growth."""
    tiers = list(await Tier.all().order_by("threshold_growth"))
    for tier, higher in zip(tiers, [*tiers[1:], None], strict=True):
        query = MemberLoyalty.filter(tier_growth__gte=tier.threshold_growth)
        if higher is not None:
            query = query.filter(tier_growth__lt=higher.threshold_growth)
        await query.update(tier_id=tier.id)


@dataclass(frozen=True)
class Standing:
    """What `me` shows: tier, growth and how far the next tier is."""

    tier: Tier
    growth: int
    tier_growth: int
    next_tier: Tier | None


async def standing(member_id: int) -> Standing:
    row = await MemberLoyalty.get_or_none(member_id=member_id).select_related("tier")
    tiers = list(await Tier.all().order_by("threshold_growth"))
    tier = row.tier if row is not None else tiers[0]
    higher = [t for t in tiers if t.threshold_growth > tier.threshold_growth]
    return Standing(
        tier=tier,
        growth=row.growth if row else 0,
        tier_growth=row.tier_growth if row else 0,
        next_tier=higher[0] if higher else None,
    )


async def tiers_and_growth_of(member_ids: Sequence[int]) -> dict[int, tuple[Tier, int]]:
    """Tier and lifetime growth of many members (staff views of a page of members): two
    statements whatever the page size; a member without a loyalty row is at the lowest tier."""
    rows = await MemberLoyalty.filter(member_id__in=list(member_ids)).select_related("tier")
    found = {row.member_id: (row.tier, row.growth) for row in rows}
    if len(found) < len(set(member_ids)):
        lowest = await lowest_tier()
        for member_id in member_ids:
            found.setdefault(member_id, (lowest, 0))
    return found
