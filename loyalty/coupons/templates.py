"""Coupon templates: what HQ defines, validated as a whole before anything is written."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from tortoise.expressions import F

from domain import clock
from domain.catalog.models import Category, Product
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.money import BP_SCALE
from domain.validation import clean_text
from loyalty.models import CouponKind, CouponScope, CouponTemplate

MAX_FEN = 10**12
MAX_STOCK = 10**9
MAX_LIMIT = 100
MAX_DAYS = 3650
MAX_SCOPE_IDS = 100


@dataclass(frozen=True)
class TemplateInput:
    name: str
    kind: CouponKind
    amount_fen: int = 0
    percent_off_bp: int = 0
    threshold_fen: int = 0
    cap_fen: int = 0
    scope: CouponScope = CouponScope.ALL
    scope_ids: tuple[int, ...] = ()
    total_stock: int = 0
    per_member_limit: int = 1
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    valid_days: int | None = None
    public: bool = False
    active: bool = True


async def _validated(spec: TemplateInput) -> TemplateInput:
    name = clean_text(spec.name, "name", 64)
    if spec.kind == CouponKind.AMOUNT_OFF and not 1 <= spec.amount_fen <= MAX_FEN:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "amountFen")
    if spec.kind == CouponKind.PERCENT_OFF and not 1 <= spec.percent_off_bp < BP_SCALE:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "percentOffBp", f"1..{BP_SCALE - 1}")
    for value, field in ((spec.threshold_fen, "thresholdFen"), (spec.cap_fen, "capFen")):
        if not 0 <= value <= MAX_FEN:
            raise DomainError(ErrorCode.OUT_OF_RANGE, field)
    if not 0 <= spec.total_stock <= MAX_STOCK:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "totalStock")
    if not 1 <= spec.per_member_limit <= MAX_LIMIT:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "perMemberLimit", f"1..{MAX_LIMIT}")
    fixed = spec.valid_from is not None or spec.valid_until is not None
    if fixed == (spec.valid_days is not None):
        raise DomainError(ErrorCode.INVALID, "validDays", "a fixed window or N days, one of them")
    if fixed:
        if spec.valid_from is None or spec.valid_until is None:
            raise DomainError(ErrorCode.REQUIRED, "validUntil" if spec.valid_from else "validFrom")
        if spec.valid_until <= spec.valid_from:
            raise DomainError(ErrorCode.OUT_OF_RANGE, "validUntil")
    elif not 1 <= (spec.valid_days or 0) <= MAX_DAYS:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "validDays", f"1..{MAX_DAYS}")
    ids = tuple(dict.fromkeys(spec.scope_ids))
    if spec.scope == CouponScope.ALL:
        ids = ()
    elif not ids or len(ids) > MAX_SCOPE_IDS:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "scopeIds", f"1..{MAX_SCOPE_IDS}")
    else:
        model = Category if spec.scope == CouponScope.CATEGORIES else Product
        if await model.filter(id__in=list(ids)).count() != len(ids):
            raise DomainError(ErrorCode.NOT_FOUND, "scopeIds")
    return replace(spec, name=name, scope_ids=ids)


def _columns(spec: TemplateInput) -> dict[str, object]:
    return {
        "name": spec.name,
        "kind": spec.kind,
        "amount_fen": spec.amount_fen if spec.kind == CouponKind.AMOUNT_OFF else 0,
        "percent_off_bp": spec.percent_off_bp if spec.kind == CouponKind.PERCENT_OFF else 0,
        "threshold_fen": spec.threshold_fen,
        "cap_fen": spec.cap_fen if spec.kind == CouponKind.PERCENT_OFF else 0,
        "scope": spec.scope,
        "scope_ids": list(spec.scope_ids),
        "per_member_limit": spec.per_member_limit,
        "valid_from": spec.valid_from,
        "valid_until": spec.valid_until,
        "valid_days": spec.valid_days,
        "public": spec.public,
        "active": spec.active,
    }


async def create_template(spec: TemplateInput) -> CouponTemplate:
    spec = await _validated(spec)
    moment = clock.now()
    return await CouponTemplate.create(
        **_columns(spec),
        total_stock=spec.total_stock,
        stock_left=spec.total_stock,
        created_at=moment,
        updated_at=moment,
    )


async def update_template(template_id: int, spec: TemplateInput) -> CouponTemplate:
    """Replace a template's terms. Coupons already held keep their validity. Total stock may
    not fall below what was already granted: the stock left moves by the same difference."""
    spec = await _validated(spec)
    async with transaction():
        template = await CouponTemplate.get_or_none(id=template_id)
        if template is None:
            raise DomainError(ErrorCode.NOT_FOUND, "id")
        difference = spec.total_stock - template.total_stock
        moved = await CouponTemplate.filter(id=template_id, stock_left__gte=-difference).update(
            **_columns(spec),
            total_stock=F("total_stock") + difference,
            stock_left=F("stock_left") + difference,
            updated_at=clock.now(),
        )
        if not moved:
            raise DomainError(ErrorCode.OUT_OF_RANGE, "totalStock", "below what was granted")
        await template.refresh_from_db()
    return template
