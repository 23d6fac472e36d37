"""One-ID merges keep relationships right (SPEC 3): the survivor's own are kept, otherwise the
absorbed member's are taken over; the distributor role, last share touch and visits move."""

from datetime import timedelta

from api.auth.tokens import ADMIN
from distribution.models import (
    Distributor,
    ReferralBinding,
    ServiceReason,
    ServiceRelationship,
    ShareTouch,
    ShareVisit,
)
from domain import clock
from domain.members.models import MemberMerge
from domain.org.models import StaffRole
from tests.api.test_binding_rules import home_link, make_distributor, outcome_of
from tests.support.api import Client

BIND = """
mutation($code: String!) { bindPhone(code: $code) { member { id } merged errors { code } } }
"""
SIGN_UP = """
mutation($phone: String!) { signUpCustomer(phone: $phone) { created errors { code } } }
"""
MEMBERS = "{ members { edges { node { id phone } } } }"


async def bind_phone(session, phone: str) -> dict:
    return (await session.client.data(BIND, {"code": f"dev-phone:{phone}"}))["bindPhone"]


async def relationships_of(member_id: int) -> list[tuple]:
    rows = await ServiceRelationship.filter(member_id=member_id).order_by("id")
    return [(r.store_id, r.guide_id, r.reason, r.valid_to is None) for r in rows]


def staff_client(api, session) -> Client:
    """A fresh admin token (tokens live 15 minutes; these tests move the clock)."""
    tokens = api.app.state.services.tokens
    token = tokens.issue(ADMIN, session.staff.id, session.staff.token_version).token
    return Client(api.http, "/admin/graphql", token=token)


async def test_an_offline_signup_survives_the_members_wechat_login(api):
    guide = await api.staff(StaffRole.GUIDE)
    start = clock.now()
    with clock.frozen_at(start):
        signed = await guide.client.data(SIGN_UP, {"phone": "13700137000"})
    with clock.frozen_at(start + timedelta(hours=1)):
        wechat = await api.member("openid-in-store")
        result = await bind_phone(wechat, "13700137000")
        listed = await staff_client(api, guide).data(MEMBERS)

    assert signed["signUpCustomer"] == {"created": True, "errors": []}
    assert result["merged"] is True
    survivor_id = result["member"]["id"]
    assert listed["members"]["edges"] == [{"node": {"id": survivor_id, "phone": "137****7000"}}]
    record = await MemberMerge.get(absorbed_id=wechat.member_id)
    assert await relationships_of(record.survivor_id) == [
        (guide.staff.store_id, guide.staff.id, ServiceReason.OFFLINE_SIGNUP, True)
    ]
    assert record.moved == {"identities": 1}


async def test_a_signup_of_an_existing_wechat_member_moves_to_the_older_account(api):
    guide = await api.staff(StaffRole.GUIDE)
    start = clock.now()
    with clock.frozen_at(start):
        wechat = await api.member("openid-early")
    with clock.frozen_at(start + timedelta(days=2)):
        await staff_client(api, guide).data(SIGN_UP, {"phone": "13600136000"})
    with clock.frozen_at(start + timedelta(days=3)):
        wechat = await api.member("openid-early")
        result = await bind_phone(wechat, "13600136000")

    assert (result["merged"], result["member"]["id"]) == (True, wechat.global_id)
    record = await MemberMerge.get(survivor_id=wechat.member_id)
    assert await relationships_of(wechat.member_id) == [
        (guide.staff.store_id, guide.staff.id, ServiceReason.MERGE, True)
    ]
    assert await relationships_of(record.absorbed_id) == [
        (guide.staff.store_id, guide.staff.id, ServiceReason.OFFLINE_SIGNUP, False)
    ]
    assert record.moved == {"service_relationship": 1, "service_touches": 1}


async def older_and_newer(api):
    """Two accounts of one person: the newer one will bind the older one's phone."""
    with clock.frozen_at(clock.now() - timedelta(days=1)):
        await bind_phone(await api.member("openid-older"), "13500135000")
    # Logged in again: access tokens live 15 minutes.
    return await api.member("openid-older"), await api.member("openid-newer")


async def test_the_absorbed_members_referral_binding_is_taken_over(api):
    koc = await make_distributor(api)
    link = await home_link(koc)
    older, newer = await older_and_newer(api)
    await outcome_of(newer, link)
    absorbed_binding = await ReferralBinding.get(member_id=newer.member_id)

    await bind_phone(newer, "13500135000")

    taken = await ReferralBinding.get(member_id=older.member_id)
    assert (taken.referrer_id, taken.link_id, taken.reason, taken.actor, taken.ended_at) == (
        koc.id,
        link.id,
        "MERGE",
        f"merge:{newer.member_id}",
        None,
    )
    assert taken.expires_at == absorbed_binding.expires_at
    assert (await ReferralBinding.get(id=absorbed_binding.id)).ended_at is not None
    touch = await ShareTouch.get(member_id=older.member_id)
    assert (touch.link_id, touch.distributor_id) == (link.id, koc.id)
    assert await ShareTouch.filter(member_id=newer.member_id).count() == 0
    assert await ShareVisit.filter(member_id=older.member_id).count() == 1
    record = await MemberMerge.get(absorbed_id=newer.member_id)
    assert record.moved == {
        "identities": 1,
        "referral_binding": 1,
        "share_touch": 1,
        "share_visits": 1,
    }


async def test_the_survivors_own_referral_binding_is_kept(api):
    first, second = await make_distributor(api), await make_distributor(api)
    older, newer = await older_and_newer(api)
    await outcome_of(older, await home_link(first))
    await outcome_of(newer, await home_link(second))

    await bind_phone(newer, "13500135000")

    kept = await ReferralBinding.filter(member_id=older.member_id, ended_at__isnull=True)
    assert [(b.referrer_id, b.reason) for b in kept] == [(first.id, "VISIT")]
    assert await ReferralBinding.filter(member_id=newer.member_id, ended_at=None).count() == 0
    assert "referral_binding" not in (await MemberMerge.get(absorbed_id=newer.member_id)).moved


async def test_the_distributor_role_moves_to_a_survivor_without_one(api):
    older, newer = await older_and_newer(api)
    role = await make_distributor(api, member_id=newer.member_id)

    await bind_phone(newer, "13500135000")

    assert (await Distributor.get(id=role.id)).member_id == older.member_id
    assert (await MemberMerge.get(absorbed_id=newer.member_id)).moved["distributor"] == 1


async def test_a_binding_to_the_role_the_survivor_takes_over_is_ended(api):
    older, newer = await older_and_newer(api)
    role = await make_distributor(api, member_id=newer.member_id)
    await outcome_of(older, await home_link(role))

    await bind_phone(newer, "13500135000")

    assert await ReferralBinding.filter(member_id=older.member_id, ended_at=None).count() == 0
