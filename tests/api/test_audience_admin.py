"""Manual tags, segments and the admin member filters (SPEC 9.4, 13): who may tag whom, what a
segment counts and lists, and refusals that change nothing."""

import pytest

from api.graphql.ids import from_global_id, to_global_id
from distribution.models import ServiceReason
from distribution.service_relationships import Touch, locked_member, touch
from domain import clock
from domain.db import transaction
from domain.org.models import StaffRole
from loyalty.audience.models import MemberTag, Segment, Tag
from loyalty.audience.segments import segment_member_ids
from loyalty.models import MemberLoyalty, Tier
from tests.support.api import make_store
from tests.support.audience import NOW, member_with_orders, new_member
from tests.support.sql import count_statements

ADD = """
mutation($m: ID!, $t: ID!) {
  addMemberTag(memberId: $m, tagId: $t) { memberId tag { name } errors { code field } }
}
"""
REMOVE = """
mutation($m: ID!, $t: ID!) {
  removeMemberTag(memberId: $m, tagId: $t) { memberId errors { code field } }
}
"""
CREATE_TAG = (
    "mutation($n: String!) { createTag(name: $n) { tag { id name } errors { code field } } }"
)
CREATE_SEGMENT = """
mutation($n: String!, $f: AudienceFilterInput!) {
  createSegment(name: $n, filter: $f) {
    segment { id name count members { edges { node { id } } } filter { lifecycles minSpendFen } }
    errors { code field }
  }
}
"""
UPDATE_SEGMENT = """
mutation($id: ID!, $f: AudienceFilterInput) {
  updateSegment(id: $id, filter: $f) { segment { count } errors { code field } }
}
"""
MEMBERS = """
query($f: MemberFilterInput, $n: Int, $after: String) {
  members(filter: $f, first: $n, after: $after) {
    totalCount edges { node { id } } pageInfo { hasNextPage endCursor }
  }
}
"""


async def buyer(*days_ago: float, fen: int = 10_000) -> int:
    """A member with orders paid that many days before the real now (tokens need real time)."""
    return await member_with_orders(*days_ago, fen=fen, now=clock.now())


def gid(member_id: int) -> str:
    return to_global_id("Member", member_id)


async def served(member_id: int, store, guide_id: int | None = None) -> int:
    reason = ServiceReason.GUIDE_SHARE if guide_id else ServiceReason.STORE_QR
    async with transaction():
        await locked_member(member_id)
        await touch(member_id, Touch(store.id, guide_id, reason, "test"), 90)
    return member_id


async def make_tag(name: str = "孕期") -> str:
    tag = await Tag.create(name=name, created_by="test", created_at=clock.now())
    return to_global_id("Tag", tag.id)


async def tag_rows() -> list[tuple[int, int]]:
    return sorted(await MemberTag.all().values_list("member_id", "tag_id"))


# --- manual tags -------------------------------------------------------------------------------


async def test_hq_operator_defines_a_tag_once(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)

    made = await operator.client.data(CREATE_TAG, {"n": " 敏感肌 "})
    again = await operator.client.data(CREATE_TAG, {"n": "敏感肌"})

    assert made["createTag"]["tag"]["name"] == "敏感肌"
    assert again["createTag"] == {"tag": None, "errors": [{"code": "DUPLICATE", "field": "name"}]}
    assert await Tag.all().count() == 1


@pytest.mark.parametrize("role", [StaffRole.HQ_ADMIN, StaffRole.HQ_OPERATOR])
async def test_hq_tags_any_member_once_and_removes_it(api, role):
    hq = await api.staff(role)
    member, tag = await new_member(), await make_tag()

    first = await hq.client.data(ADD, {"m": gid(member), "t": tag})
    second = await hq.client.data(ADD, {"m": gid(member), "t": tag})
    assert first["addMemberTag"] == {"memberId": gid(member), "tag": {"name": "孕期"}, "errors": []}
    assert second["addMemberTag"]["errors"] == []
    assert len(await tag_rows()) == 1

    removed = await hq.client.data(REMOVE, {"m": gid(member), "t": tag})
    assert removed["removeMemberTag"]["errors"] == []
    assert await tag_rows() == []


async def test_a_guide_tags_only_own_customers_and_others_look_not_found(api):
    store = await make_store()
    guide = await api.staff(StaffRole.GUIDE, store)
    colleague = await api.staff(StaffRole.GUIDE, store)
    own = await served(await new_member(), store, guide.staff.id)
    theirs = await served(await new_member(), store, colleague.staff.id)
    tag = await make_tag()

    mine = await guide.client.data(ADD, {"m": gid(own), "t": tag})
    before = await tag_rows()
    refused = await guide.client.data(ADD, {"m": gid(theirs), "t": tag})
    missing = await guide.client.data(ADD, {"m": gid(999_999), "t": tag})

    assert mine["addMemberTag"]["errors"] == []
    assert refused == missing
    assert refused["addMemberTag"] == {
        "memberId": None,
        "tag": None,
        "errors": [{"code": "NOT_FOUND", "field": "memberId"}],
    }
    assert await tag_rows() == before


async def test_a_guide_cannot_remove_a_tag_from_another_guides_customer(api):
    store = await make_store()
    guide = await api.staff(StaffRole.GUIDE, store)
    colleague = await api.staff(StaffRole.GUIDE, store)
    theirs = await served(await new_member(), store, colleague.staff.id)
    tag = await make_tag()
    assert (await colleague.client.data(ADD, {"m": gid(theirs), "t": tag}))["addMemberTag"][
        "errors"
    ] == []
    before = await tag_rows()

    refused = await guide.client.data(REMOVE, {"m": gid(theirs), "t": tag})

    assert refused["removeMemberTag"]["errors"] == [{"code": "NOT_FOUND", "field": "memberId"}]
    assert await tag_rows() == before


async def test_a_store_manager_tags_only_their_stores_customers(api):
    mine, other = await make_store(), await make_store()
    manager = await api.staff(StaffRole.STORE_MANAGER, mine)
    own = await served(await new_member(), mine)
    foreign = await served(await new_member(), other)
    tag = await make_tag()

    allowed = await manager.client.data(ADD, {"m": gid(own), "t": tag})
    refused = await manager.client.data(ADD, {"m": gid(foreign), "t": tag})

    assert allowed["addMemberTag"]["errors"] == []
    assert refused["addMemberTag"]["errors"] == [{"code": "NOT_FOUND", "field": "memberId"}]
    assert [m for m, _ in await tag_rows()] == [own]


async def test_an_unknown_or_malformed_tag_is_refused(api):
    admin = await api.staff(StaffRole.HQ_ADMIN)
    member = await new_member()

    unknown = await admin.client.data(ADD, {"m": gid(member), "t": to_global_id("Tag", 77)})
    malformed = await admin.client.data(ADD, {"m": gid(member), "t": to_global_id("Store", 1)})

    assert unknown["addMemberTag"]["errors"] == [{"code": "UNKNOWN_TAG", "field": "tagId"}]
    assert malformed["addMemberTag"]["errors"] == [{"code": "INVALID_ID", "field": "tagId"}]
    assert await tag_rows() == []


# --- segments ----------------------------------------------------------------------------------


async def test_a_segment_counts_and_lists_its_members_and_follows_its_update(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    repeat = await buyer(200, 10, fen=30_000)
    await buyer(200, 10, fen=5_000)  # REPEAT but spends 10000
    first = await buyer(5, fen=80_000)
    await new_member()

    made = await operator.client.data(
        CREATE_SEGMENT,
        {"n": "复购高消费", "f": {"lifecycles": ["REPEAT"], "minSpendFen": 20000}},
    )
    segment = made["createSegment"]["segment"]
    widened = await operator.client.data(
        UPDATE_SEGMENT, {"id": segment["id"], "f": {"minSpendFen": 50000}}
    )

    assert made["createSegment"]["errors"] == []
    assert segment["count"] == 1
    assert segment["members"]["edges"] == [{"node": {"id": gid(repeat)}}]
    assert segment["filter"] == {"lifecycles": ["REPEAT"], "minSpendFen": 20000}
    # spend ≥ 50000: the REPEAT member (60000) and the first purchase (80000)
    assert widened["updateSegment"] == {"segment": {"count": 2}, "errors": []}
    issued = [batch async for batch in segment_member_ids(await _only_segment())]
    assert issued == [sorted([repeat, first])]


async def _only_segment() -> int:
    return (await Segment.all().values_list("id", flat=True))[0]


@pytest.mark.parametrize(
    ("given", "error"),
    [
        (
            {"minSpendFen": 500, "maxSpendFen": 100},
            {"code": "INVALID_RANGE", "field": "filter.maxSpendFen"},
        ),
        (
            {"lastOrderMinDays": 90, "lastOrderMaxDays": 30},
            {"code": "INVALID_RANGE", "field": "filter.lastOrderMaxDays"},
        ),
        ({"minSpendFen": -1}, {"code": "OUT_OF_RANGE", "field": "filter.minSpendFen"}),
        (
            {"lastOrderMaxDays": 100000},
            {"code": "OUT_OF_RANGE", "field": "filter.lastOrderMaxDays"},
        ),
        ({"tagIds": ["VGFnOjk5"]}, {"code": "UNKNOWN_TAG", "field": "filter.tagIds"}),
        ({"tagIds": ["U3RvcmU6MQ=="]}, {"code": "INVALID_ID", "field": "filter.tagIds"}),
        ({"tierCodes": ["V9"]}, {"code": "UNKNOWN_TIER", "field": "filter.tierCodes"}),
        (
            {"serviceStoreId": "U3RvcmU6OTk="},
            {"code": "NOT_FOUND", "field": "filter.serviceStoreId"},
        ),
    ],
)
async def test_bad_segment_filters_are_refused_and_nothing_is_saved(api, given, error):
    operator = await api.staff(StaffRole.HQ_OPERATOR)

    result = await operator.client.data(CREATE_SEGMENT, {"n": "坏", "f": given})

    assert result["createSegment"] == {"segment": None, "errors": [error]}
    assert await Segment.all().count() == 0


async def test_a_bad_update_leaves_the_segment_as_it_was(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    made = await operator.client.data(CREATE_SEGMENT, {"n": "新客", "f": {"lifecycles": ["NEW"]}})
    before = await Segment.all().values_list("rules", flat=True)

    result = await operator.client.data(
        UPDATE_SEGMENT,
        {"id": made["createSegment"]["segment"]["id"], "f": {"minSpendFen": 2, "maxSpendFen": 1}},
    )

    assert result["updateSegment"]["errors"] == [
        {"code": "INVALID_RANGE", "field": "filter.maxSpendFen"}
    ]
    assert await Segment.all().values_list("rules", flat=True) == before


async def test_segment_by_service_store_and_last_order_range(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    store, other = await make_store(), await make_store()
    lapsed = await served(await buyer(120), store)
    await served(await buyer(20), store)  # too recent
    await served(await buyer(120), other)  # another store
    await served(await new_member(), store)  # never ordered
    made = await operator.client.data(
        CREATE_SEGMENT,
        {
            "n": "门店沉睡",
            "f": {
                "serviceStoreId": to_global_id("Store", store.id),
                "lastOrderMinDays": 90,
                "lastOrderMaxDays": 180,
            },
        },
    )

    segment = made["createSegment"]["segment"]
    assert segment["count"] == 1
    assert segment["members"]["edges"] == [{"node": {"id": gid(lapsed)}}]


async def test_segment_member_ids_come_in_ascending_batches(api):
    members = [await new_member() for _ in range(5)]
    segment = await Segment.create(
        name="新客", rules={"lifecycles": ["NEW"]}, created_by="t", created_at=NOW, updated_at=NOW
    )

    batches = [batch async for batch in segment_member_ids(segment.id, batch=2)]

    assert batches == [members[0:2], members[2:4], members[4:5]]


async def test_segments_are_listed_for_hq_operators(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    for name in ("甲", "乙"):
        await operator.client.data(CREATE_SEGMENT, {"n": name, "f": {}})

    listed = await operator.client.data("{ segments { totalCount edges { node { name count } } } }")

    assert listed["segments"]["totalCount"] == 2
    assert [e["node"]["name"] for e in listed["segments"]["edges"]] == ["甲", "乙"]


# --- admin members filters ---------------------------------------------------------------------


async def _tagged(member_id: int, *tags: str) -> None:
    for tag in tags:
        await MemberTag.create(
            member_id=member_id, tag_id=from_global_id(tag, "Tag"), added_by="t", added_at=NOW
        )


def ids(data) -> list[str]:
    return [e["node"]["id"] for e in data["members"]["edges"]]


async def test_members_filtered_by_any_or_all_tags(api):
    admin = await api.staff(StaffRole.HQ_ADMIN)
    pregnant, sensitive = await make_tag("孕期"), await make_tag("敏感肌")
    both, one, none = await new_member(), await new_member(), await new_member()
    await _tagged(both, pregnant, sensitive)
    await _tagged(one, sensitive)

    any_ = await admin.client.data(MEMBERS, {"f": {"tagIds": [pregnant, sensitive]}})
    all_ = await admin.client.data(
        MEMBERS, {"f": {"tagIds": [pregnant, sensitive], "tagMatch": "ALL"}}
    )

    assert ids(any_) == [gid(one), gid(both)]
    assert ids(all_) == [gid(both)]
    assert none not in ids(any_)


async def test_members_filtered_by_tier_counting_members_without_growth_as_the_lowest(api):
    admin = await api.staff(StaffRole.HQ_ADMIN)
    gold, plain = await new_member(), await new_member()
    await MemberLoyalty.create(
        member_id=gold, growth=6000, tier=await Tier.get(code="V2"), updated_at=NOW
    )

    v2 = await admin.client.data(MEMBERS, {"f": {"tierCodes": ["V2"]}})
    v0 = await admin.client.data(MEMBERS, {"f": {"tierCodes": ["V0"]}})

    assert ids(v2) == [gid(gold)]
    assert ids(v0) == [gid(plain)]


async def test_members_filtered_by_lifecycle_and_paged(api):
    admin = await api.staff(StaffRole.HQ_ADMIN)
    repeaters = [await buyer(200, 10) for _ in range(3)]
    await buyer(100)
    fresh = await new_member()

    page1 = await admin.client.data(MEMBERS, {"f": {"lifecycles": ["REPEAT"]}, "n": 2})
    cursor = page1["members"]["pageInfo"]["endCursor"]
    page2 = await admin.client.data(
        MEMBERS, {"f": {"lifecycles": ["REPEAT"]}, "n": 2, "after": cursor}
    )
    new = await admin.client.data(MEMBERS, {"f": {"lifecycles": ["NEW"]}})

    assert page1["members"]["totalCount"] == 3
    assert ids(page1) + ids(page2) == [gid(m) for m in reversed(repeaters)]
    assert page1["members"]["pageInfo"]["hasNextPage"] is True
    assert page2["members"]["pageInfo"]["hasNextPage"] is False
    assert gid(fresh) in ids(new)
    assert not set(ids(new)) & {gid(m) for m in repeaters}


async def test_members_filtered_by_segment_keep_the_store_managers_scope(api):
    mine, other = await make_store(), await make_store()
    manager = await api.staff(StaffRole.STORE_MANAGER, mine)
    tag = await make_tag()
    own = await served(await new_member(), mine)
    foreign = await served(await new_member(), other)
    await _tagged(own, tag)
    await _tagged(foreign, tag)
    segment = await Segment.create(
        name="孕妈",
        rules={"tag_ids": [from_global_id(tag, "Tag")]},
        created_by="t",
        created_at=NOW,
        updated_at=NOW,
    )

    data = await manager.client.data(
        MEMBERS, {"f": {"segmentId": to_global_id("Segment", segment.id)}}
    )

    assert ids(data) == [gid(own)]
    assert data["members"]["totalCount"] == 1


@pytest.mark.parametrize(
    ("given", "code", "field"),
    [
        ({"tagIds": ["VGFnOjk5"]}, "UNKNOWN_TAG", "filter.tagIds"),
        ({"tierCodes": ["V9"]}, "UNKNOWN_TIER", "filter.tierCodes"),
        ({"segmentId": "U2VnbWVudDo5OQ=="}, "NOT_FOUND", "filter.segmentId"),
        ({"segmentId": "U3RvcmU6MQ=="}, "INVALID_ID", "filter.segmentId"),
    ],
)
async def test_a_bad_member_filter_is_a_clear_user_error(api, given, code, field):
    admin = await api.staff(StaffRole.HQ_ADMIN)

    body = await admin.client.gql(MEMBERS, {"f": given})

    (error,) = body["errors"]
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "userError": {"code": code, "field": field},
    }
    assert body["data"] is None


async def test_a_members_page_shows_system_and_manual_tags_in_constant_statements(api):
    guide_store = await make_store()
    guide = await api.staff(StaffRole.GUIDE, guide_store)
    tag = await make_tag("敏感肌")
    for n in range(12):
        member = await served(
            await buyer(200, 10) if n % 2 else await new_member(), guide_store, guide.staff.id
        )
        await _tagged(member, tag)
    query = """
    query($n: Int) {
      members(first: $n) {
        edges { node { audience {
          lifecycle value kocCandidate paidOrders spendFen tags { name }
        } } }
      }
    }
    """

    counts = []
    for size in (2, 12):
        with count_statements() as log:
            data = await guide.client.data(query, {"n": size})
        counts.append(log.count)
    audiences = [e["node"]["audience"] for e in data["members"]["edges"]]

    # staff token and revocation check, the page, the stats rows, the tags
    assert counts == [4, 4]
    assert {a["lifecycle"] for a in audiences} == {"NEW", "REPEAT"}
    assert sorted(a["paidOrders"] for a in audiences) == [0] * 6 + [2] * 6
    assert all(a["tags"] == [{"name": "敏感肌"}] for a in audiences)
    assert {(a["value"], a["kocCandidate"]) for a in audiences} == {("LOW", False), ("MID", False)}
