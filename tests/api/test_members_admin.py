"""Admin member views: scoped by role, phones masked for all but HQ_ADMIN (SPEC 3, 13)."""

import pytest

from api.graphql.ids import to_global_id
from distribution.models import ServiceReason
from distribution.service_relationships import Touch, locked_member, touch
from domain.db import transaction
from domain.members.models import Member
from domain.org.models import StaffRole
from tests.support.api import make_store
from tests.support.sql import count_statements

MEMBERS = "{ members { totalCount edges { node { id phone } } } }"
MEMBER = "query($id: ID!) { member(id: $id) { id phone } }"


async def member_with_phone(api, phone, store=None, guide=None):
    """A member with a phone, served by the store (and guide) when given: what scoping reads."""
    session = await api.member()
    await Member.filter(id=session.member_id).update(phone=phone)
    if store is not None:
        reason = ServiceReason.GUIDE_SHARE if guide else ServiceReason.STORE_QR
        async with transaction():
            await locked_member(session.member_id)
            await touch(session.member_id, Touch(store.id, guide, reason, "test"), 90)
    return session


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (StaffRole.HQ_ADMIN, "+8613812341234"),
        (StaffRole.HQ_OPERATOR, "138****1234"),
        (StaffRole.STORE_MANAGER, "138****1234"),
        (StaffRole.GUIDE, "138****1234"),
    ],
)
async def test_phone_is_masked_for_every_role_but_hq_admin(api, role, expected):
    store = await make_store()
    staff = await api.staff(role, store)
    member = await member_with_phone(api, "+8613812341234", store, staff.staff.id)

    listed = await staff.client.data(MEMBERS)
    single = await staff.client.data(MEMBER, {"id": member.global_id})

    assert listed["members"]["edges"][0]["node"]["phone"] == expected
    assert single["member"] == {"id": member.global_id, "phone": expected}


async def test_store_manager_sees_only_members_of_their_store(api):
    mine, theirs = await make_store(), await make_store()
    manager = await api.staff(StaffRole.STORE_MANAGER, mine)
    own = await member_with_phone(api, "+8613800000001", mine)
    foreign = await member_with_phone(api, "+8613800000002", theirs)

    listed = await manager.client.data(MEMBERS)
    other = await manager.client.data(MEMBER, {"id": foreign.global_id})

    assert [e["node"]["id"] for e in listed["members"]["edges"]] == [own.global_id]
    assert listed["members"]["totalCount"] == 1
    assert other == {"member": None}


async def test_guide_sees_only_own_customers(api):
    store = await make_store()
    guide = await api.staff(StaffRole.GUIDE, store)
    colleague = await api.staff(StaffRole.GUIDE, store)
    own = await member_with_phone(api, "+8613800000003", store, guide.staff.id)
    await member_with_phone(api, "+8613800000004", store, colleague.staff.id)

    listed = await guide.client.data(MEMBERS)

    assert [e["node"]["id"] for e in listed["members"]["edges"]] == [own.global_id]


async def test_member_lookup_with_another_types_id_is_not_found(api):
    admin = await api.staff(StaffRole.HQ_ADMIN)

    data = await admin.client.data(MEMBER, {"id": to_global_id("Store", 1)})

    assert data == {"member": None}


async def test_members_page_follows_source_store_in_one_query_whatever_its_size(api):
    stores = [await make_store() for _ in range(3)]
    admin = await api.staff(StaffRole.HQ_ADMIN)
    for n in range(30):
        member = await member_with_phone(api, f"+86139000000{n:02d}")
        # The first-touch store is what `sourceStore` shows.
        await Member.filter(id=member.member_id).update(source_store_id=stores[n % 3].id)
    query = "query($n: Int) { members(first: $n) { edges { node { id sourceStore { code } } } } }"

    counts = []
    for size in (3, 30):
        with count_statements() as log:
            data = await admin.client.data(query, {"n": size})
        counts.append(log.count)
        assert len(data["members"]["edges"]) == size
    codes = {e["node"]["sourceStore"]["code"] for e in data["members"]["edges"]}

    # staff token and revocation check, the page, the stores
    assert counts == [3, 3]
    assert codes == {s.code for s in stores}


async def test_a_scoped_members_page_is_still_one_query_whatever_its_size(api):
    store = await make_store()
    manager = await api.staff(StaffRole.STORE_MANAGER, store)
    for n in range(30):
        await member_with_phone(api, f"+86139000001{n:02d}", store)
    await member_with_phone(api, "+8613900000200", await make_store())
    query = "query($n: Int) { members(first: $n) { totalCount edges { node { id } } } }"

    counts = []
    for size in (3, 30):
        with count_statements() as log:
            data = await manager.client.data(query, {"n": size})
        counts.append(log.count)
        assert len(data["members"]["edges"]) == size
        assert data["members"]["totalCount"] == 30

    # staff token and revocation check, the page (relationships as a subquery), the count
    assert counts == [3, 3]
