"""Commission rules (SPEC 10.1): the default plan, the rules in force, and replacing the rule
set as a whole. A replaced rule is retired (kept for history), never edited or deleted, and
commission already accrued never changes with the rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q

from distribution.models import BeneficiaryRole, CommissionRule, DistributorKind, RuleScope
from domain import clock
from domain.catalog.models import Category, Product, Sku
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.money import BP_SCALE

MAX_RULES = 100
MAX_PRIORITY = 1_000_000
MAX_FIXED_FEN = 100_000_000

DEFAULT_PLAN: tuple[tuple[BeneficiaryRole, int], ...] = (
    (BeneficiaryRole.LEVEL1, 1000),
    (BeneficiaryRole.LEVEL2, 300),
    (BeneficiaryRole.GUIDE_SERVICE, 200),
    (BeneficiaryRole.STORE_SHARE, 500),
)
SCOPE_MODELS = {RuleScope.CATEGORY: Category, RuleScope.PRODUCT: Product, RuleScope.SKU: Sku}


async def ensure_default_plan() -> None:
    """Seed the SPEC's default plan when no rule was ever set (migrate, tests, demo data).
    Retired rules count: a plan HQ emptied on purpose stays empty."""
    if await CommissionRule.exists():
        return
    moment = clock.now()
    await CommissionRule.bulk_create(
        CommissionRule(
            role=role,
            scope=RuleScope.ALL,
            rate_bp=rate,
            created_by="system:default-plan",
            created_at=moment,
        )
        for role, rate in DEFAULT_PLAN
    )


def current_rules():
    """The rule set not retired, whatever its active windows (what HQ edits)."""
    return CommissionRule.filter(retired_at__isnull=True).order_by("role", "scope", "-id")


async def rules_in_force(now: datetime) -> list[CommissionRule]:
    """The rules that decide commission at `now`: current and inside their active window."""
    return await CommissionRule.filter(
        Q(active_from__isnull=True) | Q(active_from__lte=now),
        Q(active_to__isnull=True) | Q(active_to__gt=now),
        retired_at__isnull=True,
    )


@dataclass(frozen=True)
class RuleSpec:
    """One rule of a new rule set, as HQ enters it (ids already decoded)."""

    role: BeneficiaryRole
    scope: RuleScope
    scope_id: int | None = None
    distributor_kind: DistributorKind | None = None
    rate_bp: int | None = None
    fixed_fen_per_unit: int | None = None
    priority: int = 0
    active_from: datetime | None = None
    active_to: datetime | None = None


def _check_shape(spec: RuleSpec, path: str) -> None:
    if (spec.rate_bp is None) == (spec.fixed_fen_per_unit is None):
        raise DomainError(ErrorCode.INVALID_RULE, f"{path}.rateBp", "exactly one of rate or fixed")
    if spec.rate_bp is not None and not 0 <= spec.rate_bp <= BP_SCALE:
        raise DomainError(ErrorCode.OUT_OF_RANGE, f"{path}.rateBp", f"0..{BP_SCALE}")
    if spec.fixed_fen_per_unit is not None and not 0 <= spec.fixed_fen_per_unit <= MAX_FIXED_FEN:
        raise DomainError(ErrorCode.OUT_OF_RANGE, f"{path}.fixedFenPerUnit", f"0..{MAX_FIXED_FEN}")
    if not -MAX_PRIORITY <= spec.priority <= MAX_PRIORITY:
        raise DomainError(
            ErrorCode.OUT_OF_RANGE, f"{path}.priority", f"-{MAX_PRIORITY}..{MAX_PRIORITY}"
        )
    if spec.distributor_kind is not None and spec.role not in (
        BeneficiaryRole.LEVEL1,
        BeneficiaryRole.LEVEL2,
    ):
        raise DomainError(
            ErrorCode.INVALID_RULE, f"{path}.distributorKind", "only for LEVEL1 and LEVEL2"
        )
    if spec.scope == RuleScope.ALL and spec.scope_id is not None:
        raise DomainError(ErrorCode.INVALID_RULE, f"{path}.scopeId", "ALL takes no scope id")
    if spec.scope != RuleScope.ALL and spec.scope_id is None:
        raise DomainError(ErrorCode.REQUIRED, f"{path}.scopeId")
    for name, moment in (("activeFrom", spec.active_from), ("activeTo", spec.active_to)):
        if moment is not None and moment.tzinfo is None:
            raise DomainError(ErrorCode.INVALID_RULE, f"{path}.{name}", "needs a timezone")
    if spec.active_from and spec.active_to and spec.active_from >= spec.active_to:
        raise DomainError(ErrorCode.INVALID_RULE, f"{path}.activeTo", "must follow activeFrom")


async def validate_rules(specs: Sequence[RuleSpec]) -> None:
    """Every rule checked before anything changes; one query per scope kind for existence."""
    if len(specs) > MAX_RULES:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "rules", f"at most {MAX_RULES}")
    for index, spec in enumerate(specs):
        _check_shape(spec, f"rules.{index}")
    for scope, model in SCOPE_MODELS.items():
        wanted = {s.scope_id for s in specs if s.scope == scope}
        if not wanted:
            continue
        found = set(await model.filter(id__in=list(wanted)).values_list("id", flat=True))
        for index, spec in enumerate(specs):
            if spec.scope == scope and spec.scope_id not in found:
                raise DomainError(ErrorCode.NOT_FOUND, f"rules.{index}.scopeId")


async def replace_rules(specs: Sequence[RuleSpec], actor: str) -> list[CommissionRule]:
    """Put `specs` in place of the current rule set, in one transaction: the new rules are
    inserted, then every other current rule is retired (kept, with `retired_at`)."""
    await validate_rules(specs)
    moment = clock.now()
    async with transaction():
        created = [
            await CommissionRule.create(
                role=spec.role,
                distributor_kind=spec.distributor_kind,
                scope=spec.scope,
                scope_id=spec.scope_id,
                rate_bp=spec.rate_bp,
                fixed_fen_per_unit=spec.fixed_fen_per_unit,
                priority=spec.priority,
                active_from=spec.active_from,
                active_to=spec.active_to,
                created_by=actor,
                created_at=moment,
            )
            for spec in specs
        ]
        older = CommissionRule.filter(retired_at__isnull=True)
        if created:
            older = older.exclude(id__in=[rule.id for rule in created])
        await older.update(retired_at=moment)
    return created
