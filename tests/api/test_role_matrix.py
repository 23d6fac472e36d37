"""Every admin root field against every role: allowed roles get through, others get FORBIDDEN
and change nothing (SPEC 13 role matrix)."""

import pytest

from api.graphql.ids import to_global_id
from distribution.models import CommissionRule, Distributor, LedgerEntry, ServiceRelationship
from domain.catalog.models import Category, Product
from domain.orders.models import Order
from domain.org.models import StaffRole, Store
from domain.settings.models import Setting
from loyalty.audience.models import MemberTag, Segment, Tag

R = StaffRole
ALL = set(R)
HQ_CATALOG = {R.HQ_ADMIN, R.HQ_OPERATOR}

QUERIES = {
    "viewer": ("{ viewer { id } }", ALL),
    "members": ("{ members { edges { node { id } } } }", ALL - {R.HQ_FINANCE}),
    "member": ('{ member(id: "TWVtYmVyOjE=") { id } }', ALL - {R.HQ_FINANCE}),
    "stores": ("{ stores { edges { node { id } } } }", ALL),
    "staffMembers": ("{ staffMembers { edges { node { id } } } }", {R.HQ_ADMIN, R.STORE_MANAGER}),
    "products": ("{ products { edges { node { id } } } }", HQ_CATALOG),
    "categories": ("{ categories { id } }", ALL),
    "settings": ("{ settings { key } }", HQ_CATALOG),
    "orders": ("{ orders { totalCount } }", ALL),
    "order": ('{ order(id: "T3JkZXI6MQ==") { id } }', ALL),
    "refundRequests": (
        "{ refundRequests { totalCount } }",
        {R.HQ_ADMIN, R.HQ_OPERATOR, R.HQ_FINANCE, R.STORE_MANAGER},
    ),
    "distributors": ("{ distributors { totalCount } }", {R.HQ_ADMIN, R.HQ_OPERATOR, R.HQ_FINANCE}),
    "distributorApplications": ("{ distributorApplications { totalCount } }", HQ_CATALOG),
    "commissionRules": ("{ commissionRules { id } }", {R.HQ_ADMIN, R.HQ_OPERATOR, R.HQ_FINANCE}),
    "commissionEntries": ("{ commissionEntries { totalCount } }", {R.HQ_ADMIN, R.HQ_FINANCE}),
    "withdrawals": ("{ withdrawals { totalCount } }", {R.HQ_ADMIN, R.HQ_FINANCE}),
    "myShareLinks": ("{ myShareLinks { totalCount } }", {R.GUIDE}),
    "customerRelationships": (
        '{ customerRelationships(memberId: "TWVtYmVyOjE=") { totalCount } }',
        {R.HQ_ADMIN, R.HQ_OPERATOR, R.STORE_MANAGER},
    ),
    "tags": ("{ tags { totalCount } }", ALL - {R.HQ_FINANCE}),
    "segments": ("{ segments { totalCount } }", HQ_CATALOG),
    "segment": ('{ segment(id: "U2VnbWVudDox") { id } }', HQ_CATALOG),
    "jobRuns": ("{ jobRuns { totalCount } }", {R.HQ_ADMIN}),
}

MUTATIONS = {
    "createStore": (
        'mutation { createStore(input: {code: "X1", name: "新店", kind: DIRECT}) '
        "{ errors { code } } }",
        {R.HQ_ADMIN},
        lambda: Store.filter(code="X1").count(),
    ),
    "createStaff": (
        'mutation { createStaff(input: {username: "newbie", password: "long enough pw", '
        "role: HQ_FINANCE}) { errors { code } } }",
        {R.HQ_ADMIN},
        None,
    ),
    "createCategory": (
        'mutation { createCategory(name: "面霜") { errors { code } } }',
        HQ_CATALOG,
        lambda: Category.all().count(),
    ),
    "createProduct": (
        'mutation { createProduct(input: {title: "T"}, skus: []) { errors { code } } }',
        HQ_CATALOG,
        lambda: Product.all().count(),
    ),
    "setCommissionRules": (
        "mutation { setCommissionRules(rules: []) { errors { code } } }",
        HQ_CATALOG,
        lambda: CommissionRule.all().count(),
    ),
    "adjustCommission": (
        'mutation { adjustCommission(storeId: "U3RvcmU6MQ==", amountFen: 100, reason: "x") '
        "{ errors { code } } }",
        {R.HQ_ADMIN, R.HQ_FINANCE},
        lambda: LedgerEntry.all().count(),
    ),
    "payWithdrawal": (
        'mutation { payWithdrawal(id: "V2l0aGRyYXdhbDox") { errors { code } } }',
        {R.HQ_ADMIN, R.HQ_FINANCE},
        lambda: LedgerEntry.all().count(),
    ),
    "reviewDistributorApplication": (
        'mutation { reviewDistributorApplication(id: "RGlzdHJpYnV0b3JBcHBsaWNhdGlvbjox", '
        "approve: true) { errors { code } } }",
        HQ_CATALOG,
        lambda: Distributor.all().count(),
    ),
    "transferCustomers": (
        'mutation { transferCustomers(fromGuideId: "U3RhZmY6MQ==") { errors { code } } }',
        {R.HQ_ADMIN, R.HQ_OPERATOR, R.STORE_MANAGER},
        lambda: ServiceRelationship.all().count(),
    ),
    "placeAssistedOrder": (
        'mutation { placeAssistedOrder(memberId: "TWVtYmVyOjE=", idempotencyKey: "k", '
        "input: {lines: [], fulfilment: PICKUP}) { errors { code } } }",
        {R.GUIDE},
        lambda: Order.all().count(),
    ),
    "createTag": (
        'mutation { createTag(name: "孕期") { errors { code } } }',
        HQ_CATALOG,
        lambda: Tag.all().count(),
    ),
    "addMemberTag": (
        'mutation { addMemberTag(memberId: "TWVtYmVyOjE=", tagId: "VGFnOjE=") '
        "{ errors { code } } }",
        ALL - {R.HQ_FINANCE},
        lambda: MemberTag.all().count(),
    ),
    "removeMemberTag": (
        'mutation { removeMemberTag(memberId: "TWVtYmVyOjE=", tagId: "VGFnOjE=") '
        "{ errors { code } } }",
        ALL - {R.HQ_FINANCE},
        lambda: MemberTag.all().count(),
    ),
    "createSegment": (
        'mutation { createSegment(name: "复购", filter: {lifecycles: [REPEAT]}) '
        "{ errors { code } } }",
        HQ_CATALOG,
        lambda: Segment.all().count(),
    ),
    "updateSegment": (
        'mutation { updateSegment(id: "U2VnbWVudDox", name: "x") { errors { code } } }',
        HQ_CATALOG,
        None,
    ),
    "updateSettings": (
        'mutation { updateSettings(changes: [{key: "order.shipping_fen", value: "500"}]) '
        "{ errors { code } } }",
        HQ_CATALOG,
        lambda: Setting.all().count(),
    ),
}


@pytest.mark.parametrize("role", list(R))
async def test_admin_queries_by_role(api, role):
    session = await api.staff(role)
    for name, (query, allowed) in QUERIES.items():
        body = await session.client.gql(query)
        codes = [e["extensions"]["code"] for e in body.get("errors", [])]
        if role in allowed:
            assert codes == [], (name, role, body)
        else:
            assert codes == ["FORBIDDEN"], (name, role, body)
            assert not any((body["data"] or {}).values())


@pytest.mark.parametrize("role", list(R))
async def test_admin_mutations_by_role(api, role):
    session = await api.staff(role)
    for name, (mutation, allowed, counter) in MUTATIONS.items():
        if role in allowed:
            continue
        before = await counter() if counter else None
        body = await session.client.gql(mutation)
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"], (name, role)
        if counter:
            assert await counter() == before, name


async def test_anonymous_admin_calls_are_unauthenticated(api):
    for name, (query, _) in QUERIES.items():
        body = await api.admin().gql(query)
        assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"], name


async def test_store_roles_see_only_their_own_store(api):
    manager = await api.staff(R.STORE_MANAGER)
    other = await api.staff(R.STORE_MANAGER)

    data = await manager.client.data("{ stores { edges { node { id } } totalCount } }")

    assert data["stores"]["totalCount"] == 1
    assert data["stores"]["edges"][0]["node"]["id"] == to_global_id("Store", manager.staff.store_id)
    assert manager.staff.store_id != other.staff.store_id
