"""The guide workbench's customer list (SPEC 22, issue 17 item 1): one hand-written statement
per page, whatever the filters.

Why hand-written: the list must stay under 200 ms for a guide with 5 000 customers among
200 000 members (bench/guide_customers.py), sorted by figures kept in other areas' tables
(the last order and spend in `member_audience`, the binding time in `service_relationship`).
The ORM can neither join those tables (no foreign keys between areas) nor sort by a correlated
value, so the statement is written here, where both areas are visible: it starts from the
caller's relationships in force (index `service_guide_current` / `service_store_current`),
joins each customer's member and stats rows by primary key, filters and sorts the few
thousand rows that leaves. Each combination of filters is one statement of the
`guide.customers` family, built once and cached (`Shape`), with every value bound.

Filters mean what the audience filters (segments, `loyalty.audience.filters`) mean: a member
without a stats row is NEW, LOW, spend 0 and has no last order (never matched by a last-order
range); one without a loyalty row is at the lowest tier.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from distribution.models import ServiceRelationship
from domain import clock, sql
from domain.members.models import Member, MemberStatus
from domain.sql import Sql
from loyalty.audience.filters import AudienceFilter, TagMatch
from loyalty.audience.models import Lifecycle, MemberAudience, ValueLevel
from loyalty.models import Tier

# The sort value of a customer without one (no paid order, no relationship in force: HQ's
# view of every member): before every real moment.
NEVER = datetime(1970, 1, 1, tzinfo=UTC)


class CustomerSort(StrEnum):
    LAST_ORDER = "LAST_ORDER"
    SPEND = "SPEND"
    BOUND_AT = "BOUND_AT"


_SORT_KEYS = {
    CustomerSort.LAST_ORDER: "COALESCE(a.last_paid_at, :never)",
    CustomerSort.SPEND: "COALESCE(a.spend_fen, 0)",
    CustomerSort.BOUND_AT: "COALESCE(r.valid_from, :never)",
}


class Reach(StrEnum):
    ALL = "ALL"
    STORE = "STORE"
    GUIDE = "GUIDE"


@dataclass(frozen=True)
class Shape:
    """Which conditions a statement has (list lengths included): one statement each."""

    scope: Reach = Reach.ALL
    member: bool = False
    guide: bool = False
    lifecycles: int = 0
    values: int = 0
    sources: int = 0
    tags_any: int = 0
    tags_all: int = 0
    tiers: int = 0
    service_store: bool = False
    koc: bool = False
    min_spend: bool = False
    max_spend: bool = False
    last_order_from: bool = False
    last_order_to: bool = False
    birthday_month: bool = False
    sort: CustomerSort = CustomerSort.LAST_ORDER
    descending: bool = True
    after: bool = False
    count: bool = False


@dataclass(frozen=True)
class CustomerQuery:
    """A request: the caller's reach, the audience conditions (validated), the extra ones of
    the workbench and the order."""

    scope_store_id: int | None = None
    scope_guide_id: int | None = None
    audience: AudienceFilter = field(default_factory=AudienceFilter)
    member_id: int | None = None
    guide_id: int | None = None
    birthday_month: int | None = None
    sort: CustomerSort = CustomerSort.LAST_ORDER
    descending: bool = True


@dataclass(frozen=True)
class CustomerRow:
    """One customer of a page: the member, the relationship in force (none: HQ's view of a
    member nobody serves) and the stats the list sorts by."""

    member: Member
    store_id: int | None
    guide_id: int | None
    bound_at: datetime | None
    last_paid_at: datetime | None
    spend_fen: int
    sort_key: Any

    @property
    def id(self) -> int:
        return self.member.id


def _month(postgres: bool, column: str) -> str:
    if postgres:
        return f"CAST(EXTRACT(MONTH FROM {column}) AS INTEGER)"
    return f"CAST(strftime('%m', {column}) AS INTEGER)"


def _tag_count(tags: int) -> str:
    return (
        "(SELECT COUNT(*) FROM member_tag t WHERE t.member_id = m.id"  # noqa: S608 (placeholders)
        f" AND t.tag_id IN ({sql.placeholders('tag', tags)}))"
    )


def _conditions(shape: Shape, postgres: bool) -> list[str]:
    where = ["m.status = :active"]
    if shape.scope is Reach.GUIDE:
        where.append("r.guide_id = :scope_guide")
    elif shape.scope is Reach.STORE:
        where.append("r.store_id = :scope_store")
    if shape.member:
        where.append("m.id = :member_id")
    if shape.guide:
        where.append("r.guide_id = :guide_id")
    if shape.lifecycles:
        where.append(
            "COALESCE(a.lifecycle, :new_lifecycle) IN"
            f" ({sql.placeholders('lifecycle', shape.lifecycles)})"
        )
    if shape.values:
        where.append(
            f"COALESCE(a.value, :low_value) IN ({sql.placeholders('value', shape.values)})"
        )
    if shape.sources:
        where.append(f"m.source_channel IN ({sql.placeholders('source', shape.sources)})")
    # Tags are counted per customer through the (member_id, tag_id) key: a correlated COUNT
    # stays a per-row lookup, where EXISTS would become a hash of every tagged member.
    if shape.tags_any:
        where.append(f"{_tag_count(shape.tags_any)} > 0")
    if shape.tags_all:
        where.append(f"{_tag_count(shape.tags_all)} = :tag_count")
    if shape.tiers:
        where.append(
            f"COALESCE(l.tier_id, :lowest_tier) IN ({sql.placeholders('tier', shape.tiers)})"
        )
    if shape.service_store:
        where.append("r.store_id = :service_store")
    if shape.koc:
        where.append("COALESCE(a.koc_candidate, :no) = :koc")
    if shape.min_spend:
        where.append("COALESCE(a.spend_fen, 0) >= :min_spend")
    if shape.max_spend:
        where.append("COALESCE(a.spend_fen, 0) <= :max_spend")
    if shape.last_order_from:
        where.append("a.last_paid_at >= :last_order_from")
    if shape.last_order_to:
        where.append("a.last_paid_at <= :last_order_to")
    if shape.birthday_month:
        where.append(f"{_month(postgres, 'm.birthday')} = :birthday_month")
    return where


def _by_key(table: str, alias: str, key: str, left: bool) -> str:
    """`table` joined by its key `key` (one row or none) as `alias`, read row by row through
    the key on PostgreSQL: a LATERAL subquery that OFFSET 0 keeps from being flattened.
    Without it the planner, which cannot estimate the COALESCE filters, hash-joins a guide's
    5 000 customers with a scan of all 200 000 members or stats rows (measured: 130 ms against
    25 ms for the key lookups, bench/guide_customers.py)."""
    join = "LEFT JOIN" if left else "JOIN"
    subquery = f"SELECT * FROM {table} WHERE {table}.{key} OFFSET 0"  # noqa: S608 (fixed names)
    return f" {join} LATERAL ({subquery}) {alias} ON TRUE"


def _source(shape: Shape, postgres: bool) -> str:
    """HQ's list starts from every member; a scoped one from the scope's relationships in
    force (index `service_guide_current` or `service_store_current`), each joined to its
    member, stats and loyalty rows by key."""
    if shape.scope is Reach.ALL:
        return (
            "FROM member m LEFT JOIN service_relationship r"
            " ON r.member_id = m.id AND r.valid_to IS NULL"
            " LEFT JOIN member_audience a ON a.member_id = m.id"
            + (" LEFT JOIN member_loyalty l ON l.member_id = m.id" if shape.tiers else "")
        )
    if postgres:
        return (
            "FROM service_relationship r"
            + _by_key("member", "m", "id = r.member_id", left=False)
            + _by_key("member_audience", "a", "member_id = r.member_id", left=True)
            + (
                _by_key("member_loyalty", "l", "member_id = r.member_id", left=True)
                if shape.tiers
                else ""
            )
        )
    return (
        "FROM service_relationship r JOIN member m ON m.id = r.member_id"
        " LEFT JOIN member_audience a ON a.member_id = m.id"
        + (" LEFT JOIN member_loyalty l ON l.member_id = m.id" if shape.tiers else "")
    )


def _text(shape: Shape, postgres: bool) -> str:
    key = _SORT_KEYS[shape.sort]
    where = _conditions(shape, postgres)
    if shape.scope is not Reach.ALL:
        where.insert(0, "r.valid_to IS NULL")
    matching = f"{_source(shape, postgres)} WHERE " + " AND ".join(where)
    if shape.count:
        return f"SELECT COUNT(*) AS n {matching}"
    # The total rides along with the page (a window over every matching row, before the
    # cursor's condition): the rows are all read for the sort anyway.
    listed = (
        "SELECT {m}, r.store_id AS r_store_id, r.guide_id AS r_guide_id,"
        " r.valid_from AS r_valid_from, a.last_paid_at AS a_last_paid_at,"
        f" COALESCE(a.spend_fen, 0) AS a_spend_fen, {key} AS sort_key,"
        f" COUNT(*) OVER () AS total_count {matching}"
    )
    op, direction = ("<", "DESC") if shape.descending else (">", "ASC")
    after = (
        f' WHERE (c.sort_key {op} :after_key OR (c.sort_key = :after_key AND c."m.id" {op}'
        " :after_id))"
        if shape.after
        else ""
    )
    return (
        f"SELECT c.* FROM ({listed}) c{after}"  # noqa: S608 (fixed text, named parameters)
        f' ORDER BY c.sort_key {direction}, c."m.id" {direction} LIMIT :limit'
    )


_CONSTANTS = {
    "active": MemberStatus.ACTIVE,
    "new_lifecycle": Lifecycle.NEW,
    "low_value": ValueLevel.LOW,
    "never": NEVER,
    "no": False,
}

_EXAMPLES = (
    (Shape(),),
    (Shape(scope=Reach.GUIDE, sort=CustomerSort.SPEND, after=True),),
    (Shape(scope=Reach.STORE, member=True),),
    (
        Shape(
            scope=Reach.GUIDE,
            guide=True,
            lifecycles=2,
            values=1,
            sources=1,
            tags_any=2,
            tiers=1,
            service_store=True,
            koc=True,
            min_spend=True,
            max_spend=True,
            last_order_from=True,
            last_order_to=True,
            birthday_month=True,
            sort=CustomerSort.BOUND_AT,
            descending=False,
            after=True,
        ),
    ),
    (Shape(scope=Reach.STORE, tags_all=2, count=True),),
)


@sql.family("guide.customers", _EXAMPLES)
def customer_statement(shape: Shape) -> Sql:
    label = ",".join(
        f"{name}={value}" for name, value in vars(shape).items() if value != getattr(Shape(), name)
    )
    return Sql(
        f"guide.customers[{label}]",
        lambda postgres: _text(shape, postgres),
        constants=_CONSTANTS,
        m=Member,
    )


def _scope_kind(query: CustomerQuery) -> Reach:
    if query.scope_guide_id is not None:
        return Reach.GUIDE
    if query.scope_store_id is not None:
        return Reach.STORE
    return Reach.ALL


async def _tier_ids(codes: tuple[str, ...]) -> tuple[list[int], int]:
    """The ids of the tier codes (already validated) and the lowest tier's id: one statement
    over the handful of tiers."""
    tiers = await Tier.all().order_by("threshold_growth", "id")
    return [t.id for t in tiers if t.code in codes], tiers[0].id if tiers else 0


async def _shape_and_params(query: CustomerQuery) -> tuple[Shape, dict[str, Any]]:
    audience = query.audience
    all_tags = audience.tag_match == TagMatch.ALL
    tag_ids = sorted(set(audience.tag_ids))
    params: dict[str, Any] = {
        "scope_guide": query.scope_guide_id,
        "scope_store": query.scope_store_id,
        "member_id": query.member_id,
        "guide_id": query.guide_id,
        "service_store": audience.service_store_id,
        "koc": audience.koc_candidate,
        "min_spend": audience.min_spend_fen,
        "max_spend": audience.max_spend_fen,
        "birthday_month": query.birthday_month,
        "tag_count": len(tag_ids),
        **sql.numbered("lifecycle", audience.lifecycles),
        **sql.numbered("value", audience.values),
        **sql.numbered("source", audience.sources),
        **sql.numbered("tag", tag_ids),
    }
    tiers: list[int] = []
    if audience.tier_codes:
        tiers, params["lowest_tier"] = await _tier_ids(audience.tier_codes)
        params.update(sql.numbered("tier", tiers))
    now = clock.now()
    if audience.last_order_max_days is not None:
        params["last_order_from"] = now - timedelta(days=audience.last_order_max_days)
    if audience.last_order_min_days is not None:
        params["last_order_to"] = now - timedelta(days=audience.last_order_min_days)
    shape = Shape(
        scope=_scope_kind(query),
        member=query.member_id is not None,
        guide=query.guide_id is not None,
        lifecycles=len(audience.lifecycles),
        values=len(audience.values),
        sources=len(audience.sources),
        tags_any=0 if all_tags else len(tag_ids),
        tags_all=len(tag_ids) if all_tags else 0,
        tiers=len(tiers),
        service_store=audience.service_store_id is not None,
        koc=audience.koc_candidate is not None,
        min_spend=audience.min_spend_fen is not None,
        max_spend=audience.max_spend_fen is not None,
        last_order_from=audience.last_order_max_days is not None,
        last_order_to=audience.last_order_min_days is not None,
        birthday_month=query.birthday_month is not None,
        sort=query.sort,
        descending=query.descending,
    )
    return shape, params


def _row(record: dict[str, Any], sort: CustomerSort) -> CustomerRow:
    bound_at = sql.python_value(ServiceRelationship, "valid_from", record["r_valid_from"])
    last_paid_at = sql.python_value(MemberAudience, "last_paid_at", record["a_last_paid_at"])
    sort_key = record["sort_key"]
    if sort is CustomerSort.SPEND:
        sort_key = int(sort_key)
    else:
        sort_key = sql.python_value(MemberAudience, "last_paid_at", sort_key)
    return CustomerRow(
        member=sql.as_model(Member, record, "m"),
        store_id=record["r_store_id"],
        guide_id=record["r_guide_id"],
        bound_at=bound_at,
        last_paid_at=last_paid_at,
        spend_fen=int(record["a_spend_fen"]),
        sort_key=sort_key,
    )


@dataclass(frozen=True)
class PreparedQuery:
    """A request's statement shape and values, worked out once for its page and its count."""

    shape: Shape
    params: dict[str, Any]
    sort: CustomerSort


async def prepare(query: CustomerQuery) -> PreparedQuery:
    """One statement over the tiers when tiers are asked for; none otherwise."""
    shape, params = await _shape_and_params(query)
    return PreparedQuery(shape, params, query.sort)


@dataclass(frozen=True)
class CustomerPage:
    """A page of customers and, when the page has any, how many match in all."""

    rows: list[CustomerRow]
    total: int | None


async def customer_page(
    prepared: PreparedQuery, limit: int, after: tuple[Any, int] | None
) -> CustomerPage:
    """Up to `limit` customers in order after the cursor's (sort value, member id), with the
    number matching in all: one statement."""
    shape, params = prepared.shape, dict(prepared.params)
    if after is not None:
        shape = replace(shape, after=True)
        params["after_key"], params["after_id"] = after
    records = await sql.fetch(customer_statement(shape), **params, limit=limit)
    total = int(records[0]["total_count"]) if records else None
    return CustomerPage([_row(record, prepared.sort) for record in records], total)


async def customer_count(prepared: PreparedQuery) -> int:
    """How many customers match (totalCount) when a page cannot tell (it is empty): one
    statement."""
    shape = replace(
        prepared.shape, sort=CustomerSort.LAST_ORDER, descending=True, after=False, count=True
    )
    record = await sql.fetch_one(customer_statement(shape), **prepared.params)
    return int(record["n"]) if record else 0
