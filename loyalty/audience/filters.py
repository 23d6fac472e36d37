"""Audience filters (SPEC 9.4): the conditions a segment saves and the admin member search
uses, turned into one SQL condition on `member` (subqueries, never Python filtering).

A member without a stats row (no order event and no job run yet) counts as NEW, LOW, spend 0,
no last order and not a KOC candidate, and a member without a loyalty row as the lowest tier:
the conditions below match those members exactly when the defaults would.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from tortoise.expressions import Q, Subquery

from domain import clock
from domain.errors import DomainError, ErrorCode
from domain.members.audience_sources import audience_sources
from domain.members.models import AcquisitionChannel
from domain.org.models import Store
from loyalty.audience.models import Lifecycle, MemberAudience, MemberTag, Tag, ValueLevel
from loyalty.models import MemberLoyalty, Tier

MAX_ITEMS = 100
MAX_DAYS = 3650


class TagMatch(StrEnum):
    ANY = "ANY"
    ALL = "ALL"


@dataclass(frozen=True)
class AudienceFilter:
    """Every condition is optional; given ones must all hold. Days count back from now:
    `last_order_min_days=90` is "last paid order at least 90 days ago"."""

    tag_ids: tuple[int, ...] = ()
    tag_match: TagMatch = TagMatch.ANY
    tier_codes: tuple[str, ...] = ()
    lifecycles: tuple[Lifecycle, ...] = ()
    values: tuple[ValueLevel, ...] = ()
    sources: tuple[AcquisitionChannel, ...] = ()
    service_store_id: int | None = None
    koc_candidate: bool | None = None
    min_spend_fen: int | None = None
    max_spend_fen: int | None = None
    last_order_min_days: int | None = None
    last_order_max_days: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in vars(self).items()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AudienceFilter:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(
            **{k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in known}
        )


async def validated(audience: AudienceFilter, prefix: str) -> AudienceFilter:
    """The filter, or a DomainError naming the first bad field (`prefix.camelCaseName`)."""
    for name in ("tag_ids", "tier_codes", "lifecycles", "values", "sources"):
        if len(getattr(audience, name)) > MAX_ITEMS:
            raise DomainError(ErrorCode.TOO_LONG, f"{prefix}.{_camel(name)}", f"max {MAX_ITEMS}")
    for name in ("min_spend_fen", "max_spend_fen"):
        if (getattr(audience, name) or 0) < 0:
            raise DomainError(ErrorCode.OUT_OF_RANGE, f"{prefix}.{_camel(name)}", "≥ 0")
    for name in ("last_order_min_days", "last_order_max_days"):
        if not 0 <= (getattr(audience, name) or 0) <= MAX_DAYS:
            raise DomainError(ErrorCode.OUT_OF_RANGE, f"{prefix}.{_camel(name)}", f"0..{MAX_DAYS}")
    _ordered(audience.min_spend_fen, audience.max_spend_fen, f"{prefix}.maxSpendFen")
    _ordered(
        audience.last_order_min_days, audience.last_order_max_days, f"{prefix}.lastOrderMaxDays"
    )
    tags = set(audience.tag_ids)
    if tags and await Tag.filter(id__in=list(tags)).count() != len(tags):
        raise DomainError(ErrorCode.UNKNOWN_TAG, f"{prefix}.tagIds")
    # Tiers are a handful of rows: the given codes are compared with all of them, so no client
    # text (an overlong code, a quote, a NUL) ever reaches the SQL, not even as a parameter.
    codes = set(audience.tier_codes)
    if codes and not codes <= set(await Tier.all().values_list("code", flat=True)):
        raise DomainError(ErrorCode.UNKNOWN_TIER, f"{prefix}.tierCodes")
    store = audience.service_store_id
    if store is not None and not await Store.exists(id=store):
        raise DomainError(ErrorCode.NOT_FOUND, f"{prefix}.serviceStoreId")
    return audience


def _ordered(low: int | None, high: int | None, field: str) -> None:
    if low is not None and high is not None and low > high:
        raise DomainError(ErrorCode.INVALID_RANGE, field)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _ids(query: Any) -> Subquery:
    return Subquery(query.values("member_id"))


def _by_stats(defaults_match: bool, **conditions: Any) -> Q:
    """Members whose stats row meets the conditions, and members without a row when the
    row's defaults would."""
    matching = Q(id__in=_ids(MemberAudience.filter(**conditions)))
    if not defaults_match:
        return matching
    return Q(matching, ~Q(id__in=_ids(MemberAudience.all())), join_type=Q.OR)


async def member_condition(audience: AudienceFilter) -> Q:
    """One condition on `member` for the whole filter (one statement reads the lowest tier)."""
    parts: list[Q] = []
    if audience.tag_ids:
        tagged = [MemberTag.filter(tag_id__in=list(audience.tag_ids))]
        if audience.tag_match == TagMatch.ALL:
            tagged = [MemberTag.filter(tag_id=tag) for tag in sorted(set(audience.tag_ids))]
        parts += [Q(id__in=_ids(query)) for query in tagged]
    if audience.tier_codes:
        lowest = (
            await Tier.all().order_by("threshold_growth").first().values_list("code", flat=True)
        )
        in_tier = Q(id__in=_ids(MemberLoyalty.filter(tier__code__in=list(audience.tier_codes))))
        if lowest in audience.tier_codes:
            in_tier = Q(in_tier, ~Q(id__in=_ids(MemberLoyalty.all())), join_type=Q.OR)
        parts.append(in_tier)
    if audience.lifecycles:
        parts.append(
            _by_stats(Lifecycle.NEW in audience.lifecycles, lifecycle__in=list(audience.lifecycles))
        )
    if audience.values:
        parts.append(_by_stats(ValueLevel.LOW in audience.values, value__in=list(audience.values)))
    if audience.sources:
        parts.append(Q(source_channel__in=list(audience.sources)))
    if audience.service_store_id is not None:
        served = audience_sources().members_served(audience.service_store_id, None)
        parts.append(Q(id__in=served))
    if audience.koc_candidate is not None:
        koc = Q(id__in=_ids(MemberAudience.filter(koc_candidate=True)))
        parts.append(koc if audience.koc_candidate else ~koc)
    parts += _spend(audience) + _last_order(audience)
    return Q(*parts) if parts else Q()


def _spend(audience: AudienceFilter) -> list[Q]:
    low, high = audience.min_spend_fen, audience.max_spend_fen
    if low is None and high is None:
        return []
    conditions = {"spend_fen__gte": low, "spend_fen__lte": high}
    return [
        _by_stats(not low, **{k: v for k, v in conditions.items() if v is not None}),
    ]


def _last_order(audience: AudienceFilter) -> list[Q]:
    """Members with no paid order have no last order: they never match a last-order range."""
    now = clock.now()
    conditions: dict[str, Any] = {}
    if audience.last_order_min_days is not None:
        conditions["last_paid_at__lte"] = now - timedelta(days=audience.last_order_min_days)
    if audience.last_order_max_days is not None:
        conditions["last_paid_at__gte"] = now - timedelta(days=audience.last_order_max_days)
    return [_by_stats(False, **conditions)] if conditions else []
