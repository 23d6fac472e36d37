"""Signing up a phone that is already somebody's customer (issue 11, finding 1): the touch is
recorded under the protection rule (SPEC 5.1) and the answer shows only what the caller may see
afterwards, exactly as admin `member(id:)` does."""

from datetime import timedelta

from api.graphql.ids import to_global_id
from distribution.models import ServiceReason, ServiceRelationship, ServiceTouch
from domain import clock
from domain.members.models import Member
from domain.org.models import StaffRole
from tests.api.test_binding_rules import outcome_of
from tests.api.test_service_relationships import guide_link, in_force
from tests.support.api import make_store

SIGN_UP = """
mutation($phone: String!) {
  signUpCustomer(phone: $phone) {
    outcome created
    member { id nickname phone region loyalty { pointsBalance } }
    relationship { storeId guideId reason }
    errors { code field }
  }
}
"""
MEMBER = "query($id: ID!) { member(id: $id) { id nickname } }"
PHONE = "+8613800000198"


async def customer_of(api, guide, phone: str = PHONE):
    """A member with a phone, made the guide's customer by the guide's link just now."""
    member = await api.member()
    await Member.filter(id=member.member_id).update(phone=phone, nickname="小林", region="上海")
    await outcome_of(member, await guide_link(guide))
    return member


async def sign_up(staff, phone: str = PHONE) -> dict:
    return (await staff.client.data(SIGN_UP, {"phone": phone}))["signUpCustomer"]


async def touches(member_id: int) -> list[tuple]:
    rows = await ServiceTouch.filter(member_id=member_id).order_by("id")
    return [(t.store_id, t.guide_id, t.reason, t.replaced) for t in rows]


def relationship(store_id: int, guide_id: int | None, reason: str) -> dict:
    return {
        "storeId": to_global_id("Store", store_id),
        "guideId": to_global_id("Staff", guide_id) if guide_id else None,
        "reason": reason,
    }


async def test_another_stores_guide_learns_only_that_the_customer_is_kept(api):
    first_store, second_store = await make_store(), await make_store()
    guide1 = await api.staff(StaffRole.GUIDE, first_store)
    guide3 = await api.staff(StaffRole.GUIDE, second_store)
    member = await customer_of(api, guide1)

    result = await sign_up(guide3)
    looked_up = await guide3.client.data(MEMBER, {"id": member.global_id})

    assert result == {
        "outcome": "KEPT_BY_ANOTHER_STORE",
        "created": False,
        "member": None,
        "relationship": None,
        "errors": [],
    }
    assert looked_up == {"member": None}
    assert await in_force(member.member_id) == (
        first_store.id,
        guide1.staff.id,
        ServiceReason.GUIDE_SHARE,
    )
    assert await touches(member.member_id) == [
        (first_store.id, guide1.staff.id, ServiceReason.GUIDE_SHARE, True),
        (second_store.id, guide3.staff.id, ServiceReason.OFFLINE_SIGNUP, False),
    ]


async def test_another_stores_manager_learns_only_that_the_customer_is_kept(api):
    first_store, second_store = await make_store(), await make_store()
    guide1 = await api.staff(StaffRole.GUIDE, first_store)
    manager = await api.staff(StaffRole.STORE_MANAGER, second_store)
    member = await customer_of(api, guide1)

    result = await sign_up(manager)

    assert (result["outcome"], result["member"], result["relationship"]) == (
        "KEPT_BY_ANOTHER_STORE",
        None,
        None,
    )
    assert await ServiceRelationship.filter(member_id=member.member_id).count() == 1
    assert (await touches(member.member_id))[-1] == (
        second_store.id,
        None,
        ServiceReason.OFFLINE_SIGNUP,
        False,
    )


async def test_a_colleagues_protected_customer_stays_with_the_colleague(api):
    store = await make_store()
    holder = await api.staff(StaffRole.GUIDE, store)
    colleague = await api.staff(StaffRole.GUIDE, store)
    member = await customer_of(api, holder)

    result = await sign_up(colleague)

    assert (result["outcome"], result["member"], result["relationship"]) == (
        "KEPT_IN_THIS_STORE",
        None,
        None,
    )
    assert await in_force(member.member_id) == (
        store.id,
        holder.staff.id,
        ServiceReason.GUIDE_SHARE,
    )


async def test_a_customer_out_of_protection_joins_the_signing_guides_store(api):
    first_store, second_store = await make_store(), await make_store()
    guide1 = await api.staff(StaffRole.GUIDE, first_store)
    guide3 = await api.staff(StaffRole.GUIDE, second_store)
    member = await customer_of(api, guide1)
    await ServiceTouch.filter(member_id=member.member_id).update(
        touched_at=clock.now() - timedelta(days=91)
    )

    result = await sign_up(guide3)
    looked_up = await guide3.client.data(MEMBER, {"id": member.global_id})

    assert result == {
        "outcome": "JOINED_THIS_STORE",
        "created": False,
        "member": {
            "id": member.global_id,
            "nickname": "小林",
            "phone": "138****0198",
            "region": "上海",
            "loyalty": {"pointsBalance": 0},
        },
        "relationship": relationship(second_store.id, guide3.staff.id, "OFFLINE_SIGNUP"),
        "errors": [],
    }
    assert looked_up == {"member": {"id": member.global_id, "nickname": "小林"}}
    assert await in_force(member.member_id) == (
        second_store.id,
        guide3.staff.id,
        ServiceReason.OFFLINE_SIGNUP,
    )


async def test_the_guides_own_customer_is_already_theirs(api):
    guide = await api.staff(StaffRole.GUIDE)
    member = await customer_of(api, guide)

    result = await sign_up(guide)

    assert (result["outcome"], result["member"]["id"], result["relationship"]) == (
        "ALREADY_OURS",
        member.global_id,
        relationship(guide.staff.store_id, guide.staff.id, "GUIDE_SHARE"),
    )
    assert await ServiceRelationship.filter(member_id=member.member_id).count() == 1


async def test_the_manager_sees_a_protected_customer_of_their_own_store(api):
    store = await make_store()
    guide = await api.staff(StaffRole.GUIDE, store)
    manager = await api.staff(StaffRole.STORE_MANAGER, store)
    member = await customer_of(api, guide)

    result = await sign_up(manager)

    assert (result["outcome"], result["member"]["id"], result["relationship"]) == (
        "ALREADY_OURS",
        member.global_id,
        relationship(store.id, guide.staff.id, "GUIDE_SHARE"),
    )
    assert await in_force(member.member_id) == (store.id, guide.staff.id, ServiceReason.GUIDE_SHARE)


async def test_a_new_phone_creates_the_member_for_the_signing_guide(api):
    guide = await api.staff(StaffRole.GUIDE)

    result = await sign_up(guide, "13800138001")

    member = await Member.get(phone="+8613800138001")
    assert (result["outcome"], result["created"], result["member"]["id"]) == (
        "CREATED",
        True,
        to_global_id("Member", member.id),
    )
    assert result["relationship"] == relationship(
        guide.staff.store_id, guide.staff.id, "OFFLINE_SIGNUP"
    )
