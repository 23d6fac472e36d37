"""The guide workbench's customer list (SPEC 22, issue 17 item 1): reach by role, every filter
and sort, paging, bad filters, transfers, and statements constant in the page size."""

from datetime import UTC, date, datetime, timedelta

import pytest

from api.graphql.ids import to_global_id
from distribution.service_relationships import Transfer, transfer_customers
from domain.members.models import AcquisitionChannel
from domain.org.models import StaffRole
from loyalty.audience.models import Lifecycle, MemberAudience, MemberTag, Tag, ValueLevel
from loyalty.models import MemberLoyalty, Tier
from loyalty.tiers import ensure_default_tiers
from tests.support.api import make_store
from tests.support.customers import make_customer
from tests.support.sql import count_statements

LIST = """
query($f: CustomerFilterInput, $s: CustomerSort, $d: Boolean, $n: Int, $a: String) {
  customers(filter: $f, sort: $s, descending: $d, first: $n, after: $a) {
    totalCount
    edges { node { id guideId storeId boundAt lastOrderAt spend { fen } member { phone } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
PAGE = """
query($id: ID!) { customer(id: $id) { customer { id guideId member { phone } } } }
"""


def gid(member_id: int) -> str:
    return to_global_id("Member", member_id)


async def listed(client, variables: dict | None = None) -> list[str]:
    data = await client.data(LIST, variables or {})
    return [edge["node"]["id"] for edge in data["customers"]["edges"]]


async def test_a_guide_lists_only_their_own_customers_masked(api):
    store = await make_store()
    guide = await api.staff(StaffRole.GUIDE, store)
    colleague = await api.staff(StaffRole.GUIDE, store)
    own = await make_customer(store, guide.staff.id)
    await make_customer(store, colleague.staff.id)
    await make_customer(store)  # the store's, no guide

    data = await guide.client.data(LIST)

    nodes = [edge["node"] for edge in data["customers"]["edges"]]
    assert data["customers"]["totalCount"] == 1
    assert [n["id"] for n in nodes] == [gid(own)]
    assert nodes[0]["guideId"] == to_global_id("Staff", guide.staff.id)
    assert nodes[0]["storeId"] == to_global_id("Store", store.id)
    assert nodes[0]["member"]["phone"].count("*") == 4


async def test_a_store_manager_lists_the_stores_customers_and_hq_every_member(api):
    store, other = await make_store(), await make_store()
    manager = await api.staff(StaffRole.STORE_MANAGER, store)
    admin = await api.staff(StaffRole.HQ_ADMIN)
    guide = await api.staff(StaffRole.GUIDE, store)
    with_guide = await make_customer(store, guide.staff.id)
    store_only = await make_customer(store)
    elsewhere = await make_customer(other)
    nobodys = await make_customer(None)

    managers = await listed(manager.client, {"s": "BOUND_AT", "d": False})
    everyone = await listed(admin.client, {"s": "BOUND_AT", "d": False})

    assert managers == [gid(with_guide), gid(store_only)]
    # HQ: a member nobody serves has no binding time and sorts first when ascending
    assert everyone == [gid(nobodys), gid(with_guide), gid(store_only), gid(elsewhere)]
    admin_phones = await admin.client.data(LIST, {"f": {"guideId": None}})
    assert all("*" not in e["node"]["member"]["phone"] for e in admin_phones["customers"]["edges"])


async def test_a_manager_narrows_to_one_guide(api):
    store = await make_store()
    manager = await api.staff(StaffRole.STORE_MANAGER, store)
    guide = await api.staff(StaffRole.GUIDE, store)
    colleague = await api.staff(StaffRole.GUIDE, store)
    own = await make_customer(store, guide.staff.id)
    await make_customer(store, colleague.staff.id)

    found = await listed(manager.client, {"f": {"guideId": to_global_id("Staff", guide.staff.id)}})

    assert found == [gid(own)]


@pytest.fixture
async def population(api):
    """A guide's six customers, one trait each, and the guide's session."""
    await ensure_default_tiers()
    store = await make_store()
    guide = await api.staff(StaffRole.GUIDE, store)
    g = guide.staff.id
    people = {
        "new": await make_customer(store, g, birthday=date(1990, 3, 9)),
        "repeat_high": await make_customer(
            store, g, lifecycle=Lifecycle.REPEAT, value=ValueLevel.HIGH, spend_fen=90_000,
            last_order_days=10, source=AcquisitionChannel.SHARE_LINK,
        ),
        "at_risk": await make_customer(
            store, g, lifecycle=Lifecycle.AT_RISK, value=ValueLevel.MID, spend_fen=30_000,
            last_order_days=120, birthday=date(1985, 3, 30),
        ),
        "churned": await make_customer(
            store, g, lifecycle=Lifecycle.CHURNED, spend_fen=5_000, last_order_days=200,
            source=AcquisitionChannel.OFFLINE_SIGNUP,
        ),
        "first": await make_customer(
            store, g, lifecycle=Lifecycle.FIRST_PURCHASE, value=ValueLevel.MID,
            spend_fen=12_000, last_order_days=40, birthday=date(2000, 12, 1),
        ),
    }  # fmt: skip
    other_guide = await api.staff(StaffRole.GUIDE, store)
    people["others"] = await make_customer(
        store, other_guide.staff.id, lifecycle=Lifecycle.REPEAT, value=ValueLevel.HIGH
    )
    pregnant = await Tag.create(name="孕期", created_by="t", created_at=datetime.now(UTC))
    sensitive = await Tag.create(name="敏感肌", created_by="t", created_at=datetime.now(UTC))
    for member, tags in (
        ("new", [pregnant]),
        ("at_risk", [pregnant, sensitive]),
        ("first", [sensitive]),
        ("others", [pregnant, sensitive]),
    ):
        for tag in tags:
            await MemberTag.create(
                member_id=people[member], tag=tag, added_by="t", added_at=datetime.now(UTC)
            )
    await MemberAudience.filter(member_id=people["repeat_high"]).update(koc_candidate=True)
    gold = await Tier.get(code="V2")
    await MemberLoyalty.create(
        member_id=people["repeat_high"], growth=5000, tier_growth=5000, tier=gold,
        updated_at=datetime.now(UTC),
    )  # fmt: skip
    tags = {
        "pregnant": to_global_id("Tag", pregnant.id),
        "sensitive": to_global_id("Tag", sensitive.id),
    }
    return guide, people, tags


FILTERS = [
    ({"lifecycles": ["NEW"]}, ["new"]),
    ({"lifecycles": ["AT_RISK", "CHURNED"]}, ["at_risk", "churned"]),
    ({"values": ["LOW"]}, ["new", "churned"]),
    ({"values": ["HIGH"]}, ["repeat_high"]),
    ({"tierCodes": ["V2"]}, ["repeat_high"]),
    ({"tierCodes": ["V0"]}, ["new", "at_risk", "churned", "first"]),
    ({"lastOrderMinDays": 30, "lastOrderMaxDays": 150}, ["at_risk", "first"]),
    ({"lastOrderMinDays": 150}, ["churned"]),
    ({"minSpendFen": 12_000, "maxSpendFen": 30_000}, ["at_risk", "first"]),
    ({"maxSpendFen": 5_000}, ["new", "churned"]),
    ({"birthdayMonth": 3}, ["new", "at_risk"]),
    ({"birthdayMonth": 12}, ["first"]),
    ({"sources": ["SHARE_LINK", "OFFLINE_SIGNUP"]}, ["repeat_high", "churned"]),
    ({"lifecycles": ["AT_RISK"], "birthdayMonth": 3, "minSpendFen": 1}, ["at_risk"]),
    ({"kocCandidate": True}, ["repeat_high"]),
    ({"kocCandidate": False}, ["new", "at_risk", "churned", "first"]),
]


@pytest.mark.parametrize(("given", "expected"), FILTERS)
async def test_each_filter_matches_exactly_the_guides_customers_it_names(
    population, given, expected
):
    guide, people, _ = population

    data = await guide.client.data(LIST, {"f": given})

    found = {edge["node"]["id"] for edge in data["customers"]["edges"]}
    assert found == {gid(people[name]) for name in expected}
    assert data["customers"]["totalCount"] == len(expected)


async def test_service_store_narrows_hqs_list(api):
    store, other = await make_store(), await make_store()
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    ours = await make_customer(store)
    await make_customer(other)
    await make_customer(None)

    found = await listed(
        operator.client, {"f": {"serviceStoreId": to_global_id("Store", store.id)}}
    )
    unknown = await operator.client.gql(
        LIST, {"f": {"serviceStoreId": to_global_id("Store", 999_999)}}
    )

    assert found == [gid(ours)]
    assert unknown["errors"][0]["extensions"]["userError"]["field"] == "filter.serviceStoreId"


async def test_tags_match_any_or_all(population):
    guide, people, tags = population
    both = [tags["pregnant"], tags["sensitive"]]

    any_of = await guide.client.data(LIST, {"f": {"tagIds": both}})
    all_of = await guide.client.data(LIST, {"f": {"tagIds": both, "tagMatch": "ALL"}})

    assert {e["node"]["id"] for e in any_of["customers"]["edges"]} == {
        gid(people["new"]),
        gid(people["at_risk"]),
        gid(people["first"]),
    }
    assert [e["node"]["id"] for e in all_of["customers"]["edges"]] == [gid(people["at_risk"])]
    assert all_of["customers"]["totalCount"] == 1


@pytest.mark.parametrize(
    ("sort", "descending", "expected"),
    [
        ("LAST_ORDER", True, ["repeat_high", "first", "at_risk", "churned", "new"]),
        ("LAST_ORDER", False, ["new", "churned", "at_risk", "first", "repeat_high"]),
        ("SPEND", True, ["repeat_high", "at_risk", "first", "churned", "new"]),
        ("SPEND", False, ["new", "churned", "first", "at_risk", "repeat_high"]),
    ],
)
async def test_sorts_page_through_every_customer_once_in_order(
    population, sort, descending, expected
):
    guide, people, _ = population
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        data = await guide.client.data(LIST, {"s": sort, "d": descending, "n": 2, "a": after})
        seen += [edge["node"]["id"] for edge in data["customers"]["edges"]]
        pages += 1
        if not data["customers"]["pageInfo"]["hasNextPage"]:
            break
        after = data["customers"]["pageInfo"]["endCursor"]

    assert seen == [gid(people[name]) for name in expected]
    assert pages == 3


async def test_sort_by_binding_time(api):
    store = await make_store()
    guide = await api.staff(StaffRole.GUIDE, store)
    start = datetime(2026, 5, 1, tzinfo=UTC)
    older = await make_customer(store, guide.staff.id, bound_at=start)
    newer = await make_customer(store, guide.staff.id, bound_at=start + timedelta(days=3))
    middle = await make_customer(store, guide.staff.id, bound_at=start + timedelta(days=1))

    data = await guide.client.data(LIST, {"s": "BOUND_AT"})

    assert [e["node"]["id"] for e in data["customers"]["edges"]] == [
        gid(newer),
        gid(middle),
        gid(older),
    ]
    assert data["customers"]["edges"][0]["node"]["boundAt"] == "2026-05-04T08:00:00+08:00"


@pytest.mark.parametrize(
    ("given", "error"),
    [
        ({"birthdayMonth": 13}, {"code": "OUT_OF_RANGE", "field": "filter.birthdayMonth"}),
        ({"birthdayMonth": 0}, {"code": "OUT_OF_RANGE", "field": "filter.birthdayMonth"}),
        (
            {"minSpendFen": 500, "maxSpendFen": 100},
            {"code": "INVALID_RANGE", "field": "filter.maxSpendFen"},
        ),
        (
            {"lastOrderMinDays": 90, "lastOrderMaxDays": 30},
            {"code": "INVALID_RANGE", "field": "filter.lastOrderMaxDays"},
        ),
        ({"tagIds": ["VGFnOjk5"]}, {"code": "UNKNOWN_TAG", "field": "filter.tagIds"}),
        ({"tierCodes": ["V9"]}, {"code": "UNKNOWN_TIER", "field": "filter.tierCodes"}),
        ({"guideId": "U3RvcmU6MQ=="}, {"code": "INVALID_ID", "field": "filter.guideId"}),
    ],
)
async def test_a_filter_that_makes_no_sense_is_bad_user_input(api, given, error):
    guide = await api.staff(StaffRole.GUIDE)
    await ensure_default_tiers()

    body = await guide.client.gql(LIST, {"f": given})

    assert body["data"] is None
    [problem] = body["errors"]
    assert problem["extensions"]["code"] == "BAD_USER_INPUT"
    assert {k: problem["extensions"]["userError"][k] for k in ("code", "field")} == error


async def test_total_count_past_the_last_page_is_still_the_total(population):
    guide, _, _ = population
    first = await guide.client.data(LIST, {"n": 5})
    after = first["customers"]["pageInfo"]["endCursor"]

    with count_statements() as log:
        rest = await guide.client.data(LIST, {"n": 5, "a": after})

    assert first["customers"]["totalCount"] == rest["customers"]["totalCount"] == 5
    assert rest["customers"]["edges"] == []
    # token, the (empty) page, then the count it could not carry
    assert log.count == 3


async def test_a_forged_cursor_is_bad_user_input(api):
    guide = await api.staff(StaffRole.GUIDE)

    body = await guide.client.gql(LIST, {"a": "bm90IGEgY3Vyc29y"})

    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_transferred_customer_follows_the_relationship(api):
    store = await make_store()
    leaving = await api.staff(StaffRole.GUIDE, store)
    taking = await api.staff(StaffRole.GUIDE, store)
    moved = await make_customer(store, leaving.staff.id)
    kept = await make_customer(store, leaving.staff.id)

    await transfer_customers(
        Transfer(leaving.staff.id, taking.staff.id, (moved,)), store.id, "test"
    )

    assert await listed(leaving.client) == [gid(kept)]
    assert await listed(taking.client) == [gid(moved)]
    assert await leaving.client.data(PAGE, {"id": gid(moved)}) == {"customer": None}
    page = await taking.client.data(PAGE, {"id": gid(moved)})
    assert page["customer"]["customer"]["guideId"] == to_global_id("Staff", taking.staff.id)


async def test_another_guides_customer_page_is_null_like_a_missing_one(api):
    store = await make_store()
    guide = await api.staff(StaffRole.GUIDE, store)
    colleague = await api.staff(StaffRole.GUIDE, store)
    theirs = await make_customer(store, colleague.staff.id)

    foreign = await guide.client.data(PAGE, {"id": gid(theirs)})
    missing = await guide.client.data(PAGE, {"id": gid(theirs + 1000)})
    malformed = await guide.client.data(PAGE, {"id": to_global_id("Store", store.id)})

    assert foreign == missing == malformed == {"customer": None}


async def test_a_page_of_customers_costs_the_same_statements_whatever_its_size(population):
    guide, _, tags = population
    query = """
    query($n: Int, $f: CustomerFilterInput) { customers(first: $n, filter: $f) {
      totalCount edges { node { id member { audience { lifecycle } loyalty { tier { code } } } } }
    } }"""
    counts = []
    for size in (1, 5):
        with count_statements() as log:
            data = await guide.client.data(
                query, {"n": size, "f": {"tagIds": [tags["pregnant"]], "tierCodes": ["V0"]}}
            )
        counts.append(log.count)
        assert len(data["customers"]["edges"]) == min(size, 2)

    # token check; the tag, the tier and the tier ids; the page with its total; the audience
    # stats and tags; the loyalty standing (tiers and growth, points): 10 for any page size
    assert counts == [10, 10]
