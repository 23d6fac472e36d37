"""A member's first touch claimed at login (issue 11, finding 9): staff-only channels are refused,
an unknown store is an error, not silently dropped; bad input creates nobody."""

from api.graphql.ids import to_global_id
from domain.members.models import AcquisitionChannel, Member, MemberIdentity
from domain.org.models import Store, StoreStatus
from tests.support.api import make_store

LOGIN = """
mutation($code: String!, $touch: FirstTouchInput) {
  login(code: $code, firstTouch: $touch) {
    created member { id } tokens { accessToken } errors { code field }
  }
}
"""


async def login(api, touch: dict, openid: str = "first-touch") -> dict:
    answer = await api.shop().data(LOGIN, {"code": f"dev:{openid}", "touch": touch})
    return answer["login"]


async def nobody_was_created() -> bool:
    return await Member.all().count() == 0 and await MemberIdentity.all().count() == 0


async def test_a_member_cannot_claim_an_in_store_sign_up(api):
    store = await make_store()

    result = await login(
        api, {"channel": "OFFLINE_SIGNUP", "storeId": to_global_id("Store", store.id)}
    )

    assert result == {
        "created": False,
        "member": None,
        "tokens": None,
        "errors": [{"code": "CHANNEL_NOT_ALLOWED", "field": "firstTouch.channel"}],
    }
    assert await nobody_was_created()


async def test_an_unknown_store_is_refused(api):
    result = await login(api, {"channel": "STORE_QR", "storeId": to_global_id("Store", 999)})

    assert result["errors"] == [{"code": "NOT_FOUND", "field": "firstTouch.storeId"}]
    assert await nobody_was_created()


async def test_a_closed_store_is_refused(api):
    store = await make_store()
    await Store.filter(id=store.id).update(status=StoreStatus.CLOSED)

    result = await login(api, {"channel": "STORE_QR", "storeId": to_global_id("Store", store.id)})

    assert result["errors"] == [{"code": "NOT_FOUND", "field": "firstTouch.storeId"}]
    assert await nobody_was_created()


async def test_a_store_qr_needs_its_store(api):
    result = await login(api, {"channel": "STORE_QR"})

    assert result["errors"] == [{"code": "REQUIRED", "field": "firstTouch.storeId"}]
    assert await nobody_was_created()


async def test_a_campaign_name_too_long_is_refused_not_cut(api):
    result = await login(api, {"channel": "CAMPAIGN", "campaign": "双" * 65})

    assert result["errors"] == [{"code": "TOO_LONG", "field": "firstTouch.campaign"}]
    assert await nobody_was_created()


async def test_a_store_qr_first_touch_is_recorded(api):
    store = await make_store()

    result = await login(api, {"channel": "STORE_QR", "storeId": to_global_id("Store", store.id)})

    member = await Member.get()
    assert (result["created"], result["errors"]) == (True, [])
    assert (member.source_channel, member.source_store_id, member.source_guide_id) == (
        AcquisitionChannel.STORE_QR,
        store.id,
        None,
    )


async def test_a_campaign_first_touch_is_recorded(api):
    result = await login(api, {"channel": "CAMPAIGN", "campaign": " 双十一 "})

    member = await Member.get()
    assert result["errors"] == []
    assert (member.source_channel, member.source_store_id, member.source_campaign) == (
        AcquisitionChannel.CAMPAIGN,
        None,
        "双十一",
    )


async def test_a_store_without_a_store_qr_is_refused(api):
    store = await make_store()

    result = await login(
        api, {"channel": "MINI_PROGRAM", "storeId": to_global_id("Store", store.id)}
    )

    assert result["errors"] == [{"code": "INVALID", "field": "firstTouch.storeId"}]
    assert await nobody_was_created()


async def test_an_existing_member_with_a_bad_first_touch_is_refused_and_unchanged(api):
    known = await login(api, {"channel": "MINI_PROGRAM"}, openid="known")

    again = await login(api, {"channel": "OFFLINE_SIGNUP"}, openid="known")

    assert (known["created"], known["errors"]) == (True, [])
    assert again["errors"] == [{"code": "CHANNEL_NOT_ALLOWED", "field": "firstTouch.channel"}]
    member = await Member.get()
    assert (member.source_channel, member.source_store_id) == (
        AcquisitionChannel.MINI_PROGRAM,
        None,
    )
