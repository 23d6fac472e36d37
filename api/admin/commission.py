"""Commission for HQ: the rule set (read by HQ roles, replaced by HQ_OPERATOR/HQ_ADMIN), entries
(HQ_FINANCE/HQ_ADMIN), manual adjustments (HQ_FINANCE/HQ_ADMIN) and every account's balances
(HQ_FINANCE/HQ_ADMIN; a store manager their store's, a guide their own)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, TypeAlias

import strawberry
from strawberry.types import Info

from api.auth.permissions import granted
from api.graphql.commission import (
    BalancesNode,
    BeneficiaryRoleEnum,
    CommissionEntryNode,
    EntryStatusEnum,
    balances_node,
    entry_node,
)
from api.graphql.enums import DistributorKindEnum, expose_enum
from api.graphql.errors import UserError, matching_id
from api.graphql.ids import from_global_id, optional_global_id, to_global_id
from api.graphql.relay import (
    BY_ID,
    NEWEST_FIRST,
    After,
    Connection,
    First,
    build_connection,
    fetch_page,
    paginate,
)
from api.graphql.scalars import Long, Money
from distribution.commission import adjustments, queries
from distribution.commission.queries import AccountKind, AccountOwnerFacts
from distribution.commission.rules import MAX_RULES, RuleSpec, current_rules, replace_rules
from distribution.models import (
    AccountOwner,
    BeneficiaryRole,
    CommissionAccount,
    CommissionRule,
    DistributorKind,
    EntryStatus,
    RuleScope,
)
from domain.access.capabilities import OutOfScope, confine_to_store
from domain.errors import DomainError, ErrorCode

expose_enum(
    RuleScope,
    "CommissionRuleScope",
    "What a commission rule covers; for each item and role the most specific wins (SKU > PRODUCT"
    " > CATEGORY > ALL), then the higher priority, then the newest.",
    {
        RuleScope.ALL: "Every product.",
        RuleScope.CATEGORY: "The products of one category (scopeId: a Category ID).",
        RuleScope.PRODUCT: "One product (scopeId: a Product ID).",
        RuleScope.SKU: "One SKU (scopeId: a Sku ID).",
    },
)
RuleScopeEnum: TypeAlias = RuleScope
expose_enum(
    AccountKind,
    "CommissionAccountKind",
    "A store's own account (STORE), or a distributor's of that kind.",
    {
        AccountKind.GUIDE: "A guide's account (导购佣金).",
        AccountKind.KOC: "A KOC distributor's account.",
        AccountKind.MEMBER: "A member distributor's account (人人分销).",
        AccountKind.SHOP: "A partner shop's account (小b).",
        AccountKind.STORE: "A franchise store's own account (STORE_SHARE commission).",
    },
)
AccountKindEnum: TypeAlias = AccountKind
SCOPE_TYPES = {RuleScope.CATEGORY: "Category", RuleScope.PRODUCT: "Product", RuleScope.SKU: "Sku"}


@strawberry.type(name="CommissionRule")
class CommissionRuleNode:
    id: strawberry.ID
    role: BeneficiaryRoleEnum
    distributor_kind: DistributorKindEnum | None
    scope: RuleScopeEnum
    scope_id: strawberry.ID | None = strawberry.field(
        description="The Category, Product or Sku the rule targets; null for ALL."
    )
    rate_bp: int | None
    fixed_per_unit: Money | None
    priority: int
    active_from: datetime | None
    active_to: datetime | None
    created_by: str
    created_at: datetime


def rule_node(rule: CommissionRule) -> CommissionRuleNode:
    scope_type = SCOPE_TYPES.get(rule.scope)
    return CommissionRuleNode(
        id=strawberry.ID(to_global_id("CommissionRule", rule.id)),
        role=rule.role,
        distributor_kind=rule.distributor_kind,
        scope=rule.scope,
        scope_id=(
            strawberry.ID(to_global_id(scope_type, rule.scope_id))
            if scope_type and rule.scope_id
            else None
        ),
        rate_bp=rule.rate_bp,
        fixed_per_unit=(
            Money.of(rule.fixed_fen_per_unit) if rule.fixed_fen_per_unit is not None else None
        ),
        priority=rule.priority,
        active_from=rule.active_from,
        active_to=rule.active_to,
        created_by=rule.created_by,
        created_at=rule.created_at,
    )


@strawberry.input
class CommissionRuleInput:
    role: BeneficiaryRoleEnum = strawberry.field(description="Who earns by this rule.")
    scope: RuleScopeEnum = strawberry.field(
        description="What the rule covers; the most specific scope wins."
    )
    scope_id: strawberry.ID | None = strawberry.field(
        default=None, description="A Category, Product or Sku ID matching the scope."
    )
    distributor_kind: DistributorKindEnum | None = strawberry.field(
        default=None, description="LEVEL1/LEVEL2 only: the rule applies to this kind only."
    )
    rate_bp: int | None = strawberry.field(default=None, description="0..10000; or fixed.")
    fixed_fen_per_unit: Long | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Fen per unit sold; or a rate."
    )
    priority: int = strawberry.field(
        default=0,
        description=(
            "Among rules of the same scope, the higher wins (then the newest); 0 by default."
        ),
    )
    active_from: datetime | None = strawberry.field(
        default=None, description="In force from (with a timezone); at once when omitted."
    )
    active_to: datetime | None = strawberry.field(
        default=None,
        description=(
            "In force until (with a timezone, after activeFrom); open-ended when omitted."
        ),
    )

    def to_spec(self, index: int) -> RuleSpec:
        scope = RuleScope(self.scope)
        scope_type = SCOPE_TYPES.get(scope)
        field = f"rules.{index}.scopeId"
        scope_id = None
        if self.scope_id is not None:
            if scope_type is None:
                raise DomainError(ErrorCode.INVALID_RULE, field, "ALL takes no scope id")
            scope_id = optional_global_id(self.scope_id, scope_type, field)
        return RuleSpec(
            role=BeneficiaryRole(self.role),
            scope=scope,
            scope_id=scope_id,
            distributor_kind=(
                DistributorKind(self.distributor_kind) if self.distributor_kind else None
            ),
            rate_bp=self.rate_bp,
            fixed_fen_per_unit=self.fixed_fen_per_unit,
            priority=self.priority,
            active_from=self.active_from,
            active_to=self.active_to,
        )


@strawberry.type
class SetCommissionRulesPayload:
    rules: list[CommissionRuleNode] | None = None
    errors: list[UserError]


@strawberry.type
class AdjustCommissionPayload:
    balances: BalancesNode | None = None
    errors: list[UserError]


async def commission_rules(info: Info) -> list[CommissionRuleNode]:
    """The rule set in force or scheduled (at most 100 rules: not paginated)."""
    return [rule_node(r) for r in await current_rules()]


async def set_commission_rules(
    info: Info,
    rules: Annotated[
        list[CommissionRuleInput],
        strawberry.argument(
            description=(
                "The whole new rule set, at most 100 rules; an empty list removes every rule."
            )
        ),
    ],
) -> SetCommissionRulesPayload:
    """Replace the whole rule set; commission already accrued never changes."""
    staff = (await granted(info)).staff
    if len(rules) > MAX_RULES:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "rules", f"at most {MAX_RULES}")
    specs = [rule.to_spec(i) for i, rule in enumerate(rules)]
    created = await replace_rules(specs, actor=f"staff:{staff.id}")
    return SetCommissionRulesPayload(rules=[rule_node(r) for r in created], errors=[])


async def commission_entries(
    info: Info,
    status: Annotated[
        EntryStatusEnum | None, strawberry.argument(description="Only entries in this status.")
    ] = None,
    distributor_id: Annotated[
        strawberry.ID | None,
        strawberry.argument(description="Only entries earned by this Distributor (global ID)."),
    ] = None,
    store_id: Annotated[
        strawberry.ID | None,
        strawberry.argument(
            description="Only entries earned by this Store's own account (global ID)."
        ),
    ] = None,
    order_id: Annotated[
        strawberry.ID | None,
        strawberry.argument(description="Only entries of this Order (global ID)."),
    ] = None,
    first: First = 20,
    after: After = None,
) -> Connection[CommissionEntryNode]:
    """Entries newest first, by state, beneficiary (distributor or store) and order. An
    ID of the wrong type matches nothing."""
    owner = None
    if distributor_id is not None:
        owner = (
            AccountOwner.DISTRIBUTOR,
            matching_id(lambda: from_global_id(distributor_id, "Distributor")),
        )
    elif store_id is not None:
        owner = (AccountOwner.STORE, matching_id(lambda: from_global_id(store_id, "Store")))
    account_id = None
    if owner is not None:
        account = await queries.account_of(*owner)  # type: ignore[arg-type]
        account_id = account.id if account else 0
    queryset = queries.entries(
        account_id=account_id,
        order_id=matching_id(lambda: optional_global_id(order_id, "Order", "orderId")),
        status=EntryStatus(status) if status else None,
    )
    return await paginate(queryset, NEWEST_FIRST, first, after, entry_node)


async def adjust_commission(
    info: Info,
    amount_fen: Annotated[
        Long,  # type: ignore[valid-type]
        strawberry.argument(
            description=(
                "Signed amount in fen: positive credits, negative debits the "
                "available balance; not 0."
            )
        ),
    ],
    reason: Annotated[
        str,
        strawberry.argument(
            description=("Why (调整原因), required, at most 200 characters; kept in the ledger.")
        ),
    ],
    distributor_id: Annotated[
        strawberry.ID | None,
        strawberry.argument(
            description=(
                "The Distributor whose account is adjusted; or storeId, exactly one of them."
            )
        ),
    ] = None,
    store_id: Annotated[
        strawberry.ID | None,
        strawberry.argument(
            description=(
                "The Store whose own account is adjusted; or distributorId, exactly one of them."
            )
        ),
    ] = None,
) -> AdjustCommissionPayload:
    """Post a signed amount on a distributor's or store's available balance, with a reason."""
    staff = (await granted(info)).staff
    if (distributor_id is None) == (store_id is None):
        raise DomainError(
            ErrorCode.INVALID, "distributorId", "exactly one of distributorId, storeId"
        )
    if distributor_id is not None:
        owner = (
            AccountOwner.DISTRIBUTOR,
            from_global_id(distributor_id, "Distributor", "distributorId"),
        )
    else:
        assert store_id is not None
        owner = (AccountOwner.STORE, from_global_id(store_id, "Store", "storeId"))
    account = await adjustments.adjust(*owner, amount_fen, reason, actor=f"staff:{staff.id}")
    return AdjustCommissionPayload(balances=balances_node(queries.balances_of(account)), errors=[])


@strawberry.type(name="CommissionAccount")
class CommissionAccountNode:
    id: strawberry.ID
    kind: AccountKindEnum
    distributor_id: strawberry.ID | None = strawberry.field(
        description="The owner, when a distributor (a guide, KOC, member or partner shop)."
    )
    store_id: strawberry.ID | None = strawberry.field(
        description="The owner when kind is STORE; a guide's store; null for other kinds."
    )
    name: str = strawberry.field(description="The distributor's display name or the store's.")
    pending: Money = strawberry.field(description="Accrued, not yet settled.")
    available: Money = strawberry.field(description="Withdrawable; negative after clawbacks.")
    withdrawing: Money = strawberry.field(description="Held by withdrawal requests.")
    withdrawn: Money
    created_at: datetime


def account_node(account: CommissionAccount, owner: AccountOwnerFacts) -> CommissionAccountNode:
    is_store = account.owner_type == AccountOwner.STORE
    return CommissionAccountNode(
        id=strawberry.ID(to_global_id("CommissionAccount", account.id)),
        kind=owner.kind,
        distributor_id=(
            None if is_store else strawberry.ID(to_global_id("Distributor", account.owner_id))
        ),
        store_id=strawberry.ID(to_global_id("Store", owner.store_id)) if owner.store_id else None,
        name=owner.name,
        pending=Money.of(account.pending_fen),
        available=Money.of(account.available_fen),
        withdrawing=Money.of(account.withdrawing_fen),
        withdrawn=Money.of(account.withdrawn_fen),
        created_at=account.created_at,
    )


async def commission_accounts(
    info: Info,
    kind: Annotated[
        AccountKindEnum | None, strawberry.argument(description="Only accounts of this kind.")
    ] = None,
    store_id: Annotated[
        strawberry.ID | None,
        strawberry.argument(description="Only this Store's own account and its guides' accounts."),
    ] = None,
    distributor_id: Annotated[
        strawberry.ID | None, strawberry.argument(description="Only this Distributor's account.")
    ] = None,
    first: First = 20,
    after: After = None,
) -> Connection[CommissionAccountNode]:
    """Every beneficiary's account with its four balances, oldest account first (keyset on id),
    filtered by kind, store (its own account and its guides') and distributor. HQ_FINANCE and
    HQ_ADMIN read all; a store manager their store's, a guide their own (anything else is empty,
    as in the store reports). HQ_OPERATOR is refused: balances are finance data. A page costs
    its accounts and at most two lookups of their owners."""
    grant = await granted(info)
    requested_store = optional_global_id(store_id, "Store", "storeId")
    distributor_pk = optional_global_id(distributor_id, "Distributor", "distributorId")
    try:
        store = confine_to_store(grant, requested_store)
    except OutOfScope:
        queryset = CommissionAccount.filter(id__in=[])
    else:
        queryset = queries.accounts(
            kind=AccountKind(kind) if kind else None,
            store_id=store,
            distributor_id=distributor_pk,
            guide_staff_id=grant.guide_id,
        )
    rows, has_next = await fetch_page(queryset, BY_ID, first, after)
    owners = await queries.owners_of(rows)
    nodes = [account_node(row, owners[row.id]) for row in rows]
    return build_connection(rows, nodes, has_next, after, BY_ID, queryset.count)
