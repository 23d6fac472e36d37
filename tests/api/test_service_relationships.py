"""Service relationships (SPEC 5.1): made by a guide's link, a store QR, an in-store signup or a
transfer; protected for `service.protection_days` by the holder's touches and paid orders."""

from datetime import timedelta

import pytest

from api.graphql.ids import to_global_id
from distribution.models import ServiceReason, ServiceRelationship, ServiceTouch, ShareLink
from domain import clock
from domain.catalog.models import Sku
from domain.members.models import Member
from domain.orders.models import Order
from domain.org.models import Staff, StaffRole, StaffStatus
from tests.api.test_binding_rules import outcome_of
from tests.support.api import make_store
from tests.support.catalog import make_category, make_product
from tests.support.orders import delivery, order_pk, pay, place_ok

CREATE_LINK = """
mutation { createShareLink(input: {target: HOME}) { link { code } errors { code } } }
"""
STORE_VISIT = """
mutation($id: ID!) { recordStoreVisit(storeId: $id) { store { id name } errors { code field } } }
"""
SIGN_UP = """
mutation($phone: String!) {
  signUpCustomer(phone: $phone) {
    member { id phone sourceChannel }
    created
    relationship { storeId guideId reason actor validTo }
    errors { code field }
  }
}
"""
TRANSFER = """
mutation($from: ID!, $to: ID, $members: [ID!]) {
  transferCustomers(fromGuideId: $from, toGuideId: $to, memberIds: $members) {
    moved errors { code field }
  }
}
"""
HISTORY = """
query($id: ID!) {
  customerRelationships(memberId: $id) {
    edges { node { storeId guideId reason actor validTo } }
  }
}
"""
MEMBERS = "{ members { edges { node { id } } } }"


def gid(type_name: str, pk: int | None) -> str | None:
    return to_global_id(type_name, pk) if pk else None


async def guide_link(guide) -> ShareLink:
    code = (await guide.client.data(CREATE_LINK))["createShareLink"]["link"]["code"]
    return await ShareLink.get(code=code)


async def in_force(member_id: int) -> tuple[int, int | None, ServiceReason]:
    row = await ServiceRelationship.get(member_id=member_id, valid_to__isnull=True)
    return row.store_id, row.guide_id, row.reason


async def history(member_id: int) -> list[tuple]:
    rows = await ServiceRelationship.filter(member_id=member_id).order_by("id")
    return [(r.store_id, r.guide_id, r.reason, r.valid_to is None) for r in rows]


async def test_a_guides_link_makes_the_member_the_guides_customer(api):
    store = await make_store()
    guide = await api.staff(StaffRole.GUIDE, store)
    manager = await api.staff(StaffRole.STORE_MANAGER, store)
    member = await api.member()

    await outcome_of(member, await guide_link(guide))

    row = await ServiceRelationship.get(member_id=member.member_id)
    assert (row.store_id, row.guide_id, row.reason, row.actor, row.valid_to) == (
        store.id,
        guide.staff.id,
        ServiceReason.GUIDE_SHARE,
        f"member:{member.member_id}",
        None,
    )
    touch = await ServiceTouch.get(member_id=member.member_id)
    assert (touch.guide_id, touch.reason, touch.replaced) == (
        guide.staff.id,
        ServiceReason.GUIDE_SHARE,
        True,
    )
    assert (await guide.client.data(MEMBERS))["members"]["edges"] == [
        {"node": {"id": member.global_id}}
    ]
    listed = await manager.client.data(HISTORY, {"id": member.global_id})
    assert listed["customerRelationships"]["edges"] == [
        {
            "node": {
                "storeId": gid("Store", store.id),
                "guideId": gid("Staff", guide.staff.id),
                "reason": "GUIDE_SHARE",
                "actor": f"member:{member.member_id}",
                "validTo": None,
            }
        }
    ]


async def test_a_store_qr_makes_the_member_the_stores_customer(api):
    store = await make_store(name="静安店")
    member = await api.member()

    result = await member.client.data(STORE_VISIT, {"id": gid("Store", store.id)})

    assert result["recordStoreVisit"] == {
        "store": {"id": gid("Store", store.id), "name": "静安店"},
        "errors": [],
    }
    assert await in_force(member.member_id) == (store.id, None, ServiceReason.STORE_QR)


async def test_an_unknown_store_is_refused_and_nothing_changes(api):
    member = await api.member()

    result = await member.client.data(STORE_VISIT, {"id": gid("Store", 999)})

    assert result["recordStoreVisit"] == {
        "store": None,
        "errors": [{"code": "NOT_FOUND", "field": "storeId"}],
    }
    assert await ServiceTouch.all().count() == 0
    assert await ServiceRelationship.all().count() == 0


@pytest.mark.parametrize(("days", "replaced"), [(89, False), (91, True)])
async def test_another_guides_touch_replaces_only_after_the_protection_days(api, days, replaced):
    start = clock.now()
    with clock.frozen_at(start):
        first = await api.staff(StaffRole.GUIDE)
        second = await api.staff(StaffRole.GUIDE)
        first_link, second_link = await guide_link(first), await guide_link(second)
        member = await api.member("openid-protected")
        await outcome_of(member, first_link)
    with clock.frozen_at(start + timedelta(days=days)):
        member = await api.member("openid-protected")
        await outcome_of(member, second_link)

    expected = second if replaced else first
    assert await in_force(member.member_id) == (
        expected.staff.store_id,
        expected.staff.id,
        ServiceReason.GUIDE_SHARE,
    )
    touches = await ServiceTouch.filter(member_id=member.member_id).order_by("id")
    assert [(t.guide_id, t.replaced) for t in touches] == [
        (first.staff.id, True),
        (second.staff.id, replaced),
    ]
    assert len(await history(member.member_id)) == (2 if replaced else 1)


async def test_the_holders_own_touch_renews_the_protection(api):
    start = clock.now()
    with clock.frozen_at(start):
        first = await api.staff(StaffRole.GUIDE)
        second = await api.staff(StaffRole.GUIDE)
        first_link, second_link = await guide_link(first), await guide_link(second)
        member = await api.member("openid-renewed")
        await outcome_of(member, first_link)
    with clock.frozen_at(start + timedelta(days=80)):
        member = await api.member("openid-renewed")
        await outcome_of(member, first_link)
    with clock.frozen_at(start + timedelta(days=120)):
        member = await api.member("openid-renewed")
        await outcome_of(member, second_link)

    assert await in_force(member.member_id) == (
        first.staff.store_id,
        first.staff.id,
        ServiceReason.GUIDE_SHARE,
    )


async def test_a_paid_order_served_by_the_guide_protects_the_relationship(api):
    start = clock.now()
    with clock.frozen_at(start):
        first = await api.staff(StaffRole.GUIDE)
        second = await api.staff(StaffRole.GUIDE)
        first_link, second_link = await guide_link(first), await guide_link(second)
        sku = await Sku.get(product_id=(await make_product(await make_category())).id)
        member = await api.member("openid-buyer")
        await outcome_of(member, first_link)
    with clock.frozen_at(start + timedelta(days=60)):
        member = await api.member("openid-buyer")
        order = await place_ok(member.client, delivery((sku, 1)))
        # Attribution is another area's: the order was served by the first guide.
        await Order.filter(id=order_pk(order)).update(
            service_store_id=first.staff.store_id, service_guide_id=first.staff.id
        )
        await pay(api, member.client, order)
    with clock.frozen_at(start + timedelta(days=120)):
        member = await api.member("openid-buyer")
        await outcome_of(member, second_link)

    assert await in_force(member.member_id) == (
        first.staff.store_id,
        first.staff.id,
        ServiceReason.GUIDE_SHARE,
    )
    last_touch = await ServiceTouch.filter(member_id=member.member_id).order_by("-id").first()
    assert (last_touch.guide_id, last_touch.replaced) == (second.staff.id, False)


async def test_a_store_qr_does_not_take_a_protected_guides_customer(api):
    guide = await api.staff(StaffRole.GUIDE)
    other_store = await make_store()
    member = await api.member()
    await outcome_of(member, await guide_link(guide))

    await member.client.data(STORE_VISIT, {"id": gid("Store", other_store.id)})

    assert await in_force(member.member_id) == (
        guide.staff.store_id,
        guide.staff.id,
        ServiceReason.GUIDE_SHARE,
    )


async def test_a_guide_signs_up_a_new_customer_by_phone(api):
    guide = await api.staff(StaffRole.GUIDE)

    result = (await guide.client.data(SIGN_UP, {"phone": "138 0013 8000"}))["signUpCustomer"]

    member = await Member.get(phone="+8613800138000")
    assert result == {
        "member": {
            "id": gid("Member", member.id),
            "phone": "138****8000",
            "sourceChannel": "OFFLINE_SIGNUP",
        },
        "created": True,
        "relationship": {
            "storeId": gid("Store", guide.staff.store_id),
            "guideId": gid("Staff", guide.staff.id),
            "reason": "OFFLINE_SIGNUP",
            "actor": f"staff:{guide.staff.id}",
            "validTo": None,
        },
        "errors": [],
    }
    assert (member.source_store_id, member.source_guide_id) == (
        guide.staff.store_id,
        guide.staff.id,
    )


async def test_a_store_manager_signs_up_an_existing_member_for_the_store(api):
    manager = await api.staff(StaffRole.STORE_MANAGER)
    member = await api.member()
    await Member.filter(id=member.member_id).update(phone="+8613900139000")

    result = (await manager.client.data(SIGN_UP, {"phone": "13900139000"}))["signUpCustomer"]

    assert (result["created"], result["member"]["id"], result["errors"]) == (
        False,
        member.global_id,
        [],
    )
    assert await in_force(member.member_id) == (
        manager.staff.store_id,
        None,
        ServiceReason.OFFLINE_SIGNUP,
    )


async def test_a_signup_with_a_bad_phone_is_refused_and_nothing_changes(api):
    guide = await api.staff(StaffRole.GUIDE)
    before = await Member.all().count()

    result = (await guide.client.data(SIGN_UP, {"phone": "12345"}))["signUpCustomer"]

    assert result["errors"] == [{"code": "INVALID_PHONE", "field": "phone"}]
    assert await Member.all().count() == before
    assert await ServiceRelationship.all().count() == 0


async def two_customers_of(api, guide):
    link = await guide_link(guide)
    customers = [await api.member(), await api.member()]
    for customer in customers:
        await outcome_of(customer, link)
    return customers


async def test_a_leaving_guides_customers_all_move_to_a_colleague(api):
    store = await make_store()
    leaving = await api.staff(StaffRole.GUIDE, store)
    heir = await api.staff(StaffRole.GUIDE, store)
    manager = await api.staff(StaffRole.STORE_MANAGER, store)
    customers = await two_customers_of(api, leaving)
    await Staff.filter(id=leaving.staff.id).update(status=StaffStatus.LEFT)

    result = await manager.client.data(
        TRANSFER, {"from": gid("Staff", leaving.staff.id), "to": gid("Staff", heir.staff.id)}
    )

    assert result["transferCustomers"] == {"moved": 2, "errors": []}
    for customer in customers:
        assert await history(customer.member_id) == [
            (store.id, leaving.staff.id, ServiceReason.GUIDE_SHARE, False),
            (store.id, heir.staff.id, ServiceReason.TRANSFER, True),
        ]
        current = await ServiceRelationship.get(member_id=customer.member_id, valid_to=None)
        assert current.actor == f"staff:{manager.staff.id}"
    heirs_list = (await heir.client.data(MEMBERS))["members"]["edges"]
    assert {e["node"]["id"] for e in heirs_list} == {c.global_id for c in customers}


async def test_hq_transfers_chosen_customers_to_the_store_itself(api):
    store = await make_store()
    guide = await api.staff(StaffRole.GUIDE, store)
    hq = await api.staff(StaffRole.HQ_OPERATOR)
    chosen, kept = await two_customers_of(api, guide)

    result = await hq.client.data(
        TRANSFER, {"from": gid("Staff", guide.staff.id), "members": [chosen.global_id]}
    )

    assert result["transferCustomers"] == {"moved": 1, "errors": []}
    assert await in_force(chosen.member_id) == (store.id, None, ServiceReason.TRANSFER)
    assert await in_force(kept.member_id) == (store.id, guide.staff.id, ServiceReason.GUIDE_SHARE)


async def test_a_transfer_of_someone_elses_customer_is_refused_and_nothing_changes(api):
    guide = await api.staff(StaffRole.GUIDE)
    customer, _ = await two_customers_of(api, guide)
    stranger = await api.member()
    hq = await api.staff(StaffRole.HQ_ADMIN)

    result = await hq.client.data(
        TRANSFER,
        {"from": gid("Staff", guide.staff.id), "members": [customer.global_id, stranger.global_id]},
    )

    assert result["transferCustomers"] == {
        "moved": 0,
        "errors": [{"code": "NOT_FOUND", "field": "memberIds"}],
    }
    assert await in_force(customer.member_id) == (
        guide.staff.store_id,
        guide.staff.id,
        ServiceReason.GUIDE_SHARE,
    )


async def test_another_stores_manager_cannot_transfer_and_nothing_changes(api):
    store = await make_store()
    leaving = await api.staff(StaffRole.GUIDE, store)
    heir = await api.staff(StaffRole.GUIDE, store)
    outsider = await api.staff(StaffRole.STORE_MANAGER, await make_store())
    customers = await two_customers_of(api, leaving)

    result = await outsider.client.data(
        TRANSFER, {"from": gid("Staff", leaving.staff.id), "to": gid("Staff", heir.staff.id)}
    )
    history_seen = await outsider.client.data(HISTORY, {"id": customers[0].global_id})

    assert result["transferCustomers"] == {
        "moved": 0,
        "errors": [{"code": "NOT_FOUND", "field": "fromGuideId"}],
    }
    assert history_seen["customerRelationships"]["edges"] == []
    for customer in customers:
        assert await in_force(customer.member_id) == (
            store.id,
            leaving.staff.id,
            ServiceReason.GUIDE_SHARE,
        )


async def test_a_guide_cannot_transfer_and_nothing_changes(api):
    store = await make_store()
    guide = await api.staff(StaffRole.GUIDE, store)
    colleague = await api.staff(StaffRole.GUIDE, store)
    customers = await two_customers_of(api, colleague)

    body = await guide.client.gql(
        TRANSFER, {"from": gid("Staff", colleague.staff.id), "to": gid("Staff", guide.staff.id)}
    )

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await ServiceRelationship.filter(reason=ServiceReason.TRANSFER).count() == 0
    assert await in_force(customers[0].member_id) == (
        store.id,
        colleague.staff.id,
        ServiceReason.GUIDE_SHARE,
    )


async def test_a_transfer_to_a_guide_of_another_store_is_refused(api):
    leaving = await api.staff(StaffRole.GUIDE)
    elsewhere = await api.staff(StaffRole.GUIDE, await make_store())
    hq = await api.staff(StaffRole.HQ_ADMIN)
    await two_customers_of(api, leaving)

    result = await hq.client.data(
        TRANSFER, {"from": gid("Staff", leaving.staff.id), "to": gid("Staff", elsewhere.staff.id)}
    )

    assert result["transferCustomers"]["errors"] == [{"code": "NOT_FOUND", "field": "toGuideId"}]
    assert await ServiceRelationship.filter(reason=ServiceReason.TRANSFER).count() == 0


async def test_the_history_lists_every_relationship_newest_first(api):
    store = await make_store()
    guide = await api.staff(StaffRole.GUIDE, store)
    manager = await api.staff(StaffRole.STORE_MANAGER, store)
    (customer, _) = await two_customers_of(api, guide)
    await manager.client.data(TRANSFER, {"from": gid("Staff", guide.staff.id)})

    listed = await manager.client.data(HISTORY, {"id": customer.global_id})

    assert [e["node"]["reason"] for e in listed["customerRelationships"]["edges"]] == [
        "TRANSFER",
        "GUIDE_SHARE",
    ]
