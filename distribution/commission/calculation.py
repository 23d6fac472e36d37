"""The pure arithmetic of commission (SPEC 10.1, 10.2): no database, so it is property-tested.

For each order item and beneficiary role the most specific matching rule wins (SKU > product >
own category > parent category > all), then the higher priority, then the newest. A SKU's fixed
per-unit level-1/level-2 commission overrides every LEVEL1/LEVEL2 rule. The roles of one item
together never take more than `max_share_bp` of what the item paid: above it every role is
scaled down proportionally (largest remainder, so the parts add up to the cap exactly).

Decision (the SPEC names "a category"): a CATEGORY rule also reaches the products of its
sub-categories, less specifically than a rule on the item's own category, because HQ sets rules
on top-level categories and expects them to cover everything below.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from distribution.models import BeneficiaryRole, DistributorKind, EntryStatus, RuleScope
from domain.money import allocate, proportional, share

LEVEL_ROLES = (BeneficiaryRole.LEVEL1, BeneficiaryRole.LEVEL2)


class Rule(Protocol):
    """What the calculation reads of a rule (a `CommissionRule` row fits)."""

    id: int
    role: BeneficiaryRole
    distributor_kind: DistributorKind | None
    scope: RuleScope
    scope_id: int | None
    rate_bp: int | None
    fixed_fen_per_unit: int | None
    priority: int


@dataclass(frozen=True)
class ItemFacts:
    """What the calculation reads of an order item."""

    sku_id: int
    product_id: int
    category_id: int
    parent_category_id: int | None
    paid_fen: int
    quantity: int
    commission_enabled: bool = True
    sku_level1_fen: int | None = None
    sku_level2_fen: int | None = None


@dataclass(frozen=True)
class Share:
    """One role's commission on one item."""

    role: BeneficiaryRole
    amount_fen: int
    rule_id: int | None
    basis: str
    capped: bool = False


def specificity(rule: Rule, item: ItemFacts) -> int | None:
    """How specifically `rule` targets `item` (higher wins), or None when it does not."""
    if rule.scope == RuleScope.SKU:
        return 5 if rule.scope_id == item.sku_id else None
    if rule.scope == RuleScope.PRODUCT:
        return 4 if rule.scope_id == item.product_id else None
    if rule.scope == RuleScope.CATEGORY:
        if rule.scope_id == item.category_id:
            return 3
        if item.parent_category_id is not None and rule.scope_id == item.parent_category_id:
            return 2
        return None
    return 1


def pick_rule(
    rules: Iterable[Rule],
    role: BeneficiaryRole,
    kind: DistributorKind | None,
    item: ItemFacts,
) -> Rule | None:
    """The rule that decides `role` on `item` for a beneficiary of `kind` (None: a store)."""
    best: tuple[int, int, int] | None = None
    winner: Rule | None = None
    for rule in rules:
        if rule.role != role:
            continue
        if rule.distributor_kind is not None and rule.distributor_kind != kind:
            continue
        level = specificity(rule, item)
        if level is None:
            continue
        key = (level, rule.priority, rule.id)
        if best is None or key > best:
            best, winner = key, rule
    return winner


def role_share(rule: Rule | None, role: BeneficiaryRole, item: ItemFacts) -> Share:
    """One role's amount before the cap: the SKU override, else the winning rule, else 0."""
    fixed = {
        BeneficiaryRole.LEVEL1: item.sku_level1_fen,
        BeneficiaryRole.LEVEL2: item.sku_level2_fen,
    }.get(role)
    if fixed is not None:
        return Share(role, fixed * item.quantity, None, f"SKU:{fixed}x{item.quantity}")
    if rule is None:
        return Share(role, 0, None, "NO_RULE")
    if rule.fixed_fen_per_unit is not None:
        per_unit = rule.fixed_fen_per_unit
        return Share(role, per_unit * item.quantity, rule.id, f"FIXED:{per_unit}x{item.quantity}")
    rate = rule.rate_bp or 0
    return Share(role, share(item.paid_fen, rate), rule.id, f"RATE:{rate}bp")


def cap_shares(shares: Sequence[Share], paid_fen: int, max_share_bp: int) -> list[Share]:
    """Scale every role down proportionally when together they pass the cap."""
    limit = share(max(paid_fen, 0), max_share_bp)
    total = sum(s.amount_fen for s in shares)
    if total <= limit:
        return list(shares)
    parts = allocate(limit, [s.amount_fen for s in shares])
    return [
        Share(s.role, part, s.rule_id, s.basis, capped=True)
        for s, part in zip(shares, parts, strict=True)
    ]


def item_shares(
    item: ItemFacts,
    beneficiaries: Mapping[BeneficiaryRole, DistributorKind | None],
    rules: Sequence[Rule],
    max_share_bp: int,
) -> list[Share]:
    """Every role's commission on `item` for the beneficiaries present (role → their kind;
    None for a store), after the cap. Zero amounts are dropped."""
    if not item.commission_enabled or not beneficiaries:
        return []
    shares = [
        role_share(pick_rule(rules, role, kind, item), role, item)
        for role, kind in beneficiaries.items()
    ]
    return [s for s in cap_shares(shares, item.paid_fen, max_share_bp) if s.amount_fen > 0]


def remaining_after_refund(original_fen: int, paid_fen: int, refunded_fen: int) -> int:
    """What an entry keeps once `refunded_fen` of the item's `paid_fen` went back: the original
    less floor(original × refunded / paid), exactly zero when fully refunded. Cumulative, so any
    sequence of partial refunds ends where one refund of the same total would."""
    if paid_fen <= 0 or refunded_fen >= paid_fen:
        return 0
    return original_fen - proportional(original_fen, max(refunded_fen, 0), paid_fen)


@dataclass(frozen=True)
class Reduction:
    """What a refund does to one entry: its new amount and status, and the money given back,
    from pending (CANCEL) or, once settled, from available (CLAWBACK)."""

    target_fen: int
    given_back_fen: int
    status: EntryStatus
    clawback: bool


def plan_reduction(
    status: EntryStatus, amount_fen: int, original_fen: int, paid_fen: int, refunded_fen: int
) -> Reduction | None:
    """The change an item's cumulative refund makes to an entry; None when there is none
    (a CANCELLED entry, or one already at or below its target)."""
    if status == EntryStatus.CANCELLED:
        return None
    target = remaining_after_refund(original_fen, paid_fen, refunded_fen)
    if amount_fen <= target:
        return None
    settled = status == EntryStatus.SETTLED
    return Reduction(
        target_fen=target,
        given_back_fen=amount_fen - target,
        status=EntryStatus.CANCELLED if not settled and target == 0 else status,
        clawback=settled,
    )
