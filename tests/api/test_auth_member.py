"""Member login, refresh rotation with reuse detection, logout (SPEC 13)."""

from datetime import timedelta

from domain import clock
from domain.access.models import RefreshToken
from domain.members.models import Member, MemberIdentity

REFRESH = """
mutation Refresh($token: String!) {
  refreshToken(refreshToken: $token) {
    tokens { accessToken refreshToken }
    errors { code field }
  }
}
"""
ME = "{ me { id } }"


async def test_login_creates_member_once_and_returns_it_again(api):
    first = await api.member("openid-a")
    second = await api.member("openid-a")

    assert first.member_id == second.member_id
    assert await Member.all().count() == 1
    assert await MemberIdentity.all().count() == 1


async def test_same_unionid_attaches_identity_to_existing_member(api):
    first = await api.member("openid-mp", unionid="union-1")
    second = await api.member("openid-other-app", unionid="union-1")

    assert first.member_id == second.member_id
    assert await MemberIdentity.filter(member_id=first.member_id).count() == 2


async def test_bad_login_code_is_a_user_error_and_creates_nothing(api):
    body = await api.shop().data(
        'mutation { login(code: "not-a-dev-code") '
        "{ tokens { accessToken } errors { code field } } }"
    )

    assert body["login"] == {
        "tokens": None,
        "errors": [{"code": "INVALID_LOGIN_CODE", "field": "code"}],
    }
    assert await Member.all().count() == 0


async def test_refresh_rotates_and_old_token_is_single_use(api):
    session = await api.member()
    rotated = (await api.shop().data(REFRESH, {"token": session.refresh_token}))["refreshToken"]
    assert rotated["errors"] == []
    assert rotated["tokens"]["refreshToken"] != session.refresh_token

    reuse = (await api.shop().data(REFRESH, {"token": session.refresh_token}))["refreshToken"]

    assert reuse == {
        "tokens": None,
        "errors": [{"code": "INVALID_REFRESH_TOKEN", "field": "refreshToken"}],
    }


async def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(api):
    session = await api.member()
    newer = (await api.shop().data(REFRESH, {"token": session.refresh_token}))["refreshToken"]
    newest_token = newer["tokens"]["refreshToken"]

    await api.shop().data(REFRESH, {"token": session.refresh_token})  # replay by a thief
    after = (await api.shop().data(REFRESH, {"token": newest_token}))["refreshToken"]

    assert after["errors"] == [{"code": "INVALID_REFRESH_TOKEN", "field": "refreshToken"}]
    assert await RefreshToken.filter(revoked_at__isnull=True).count() == 0


async def test_refresh_token_expires_after_30_days(api):
    start = clock.now()
    with clock.frozen_at(start):
        session = await api.member()
    with clock.frozen_at(start + timedelta(days=30, seconds=1)):
        body = await api.shop().data(REFRESH, {"token": session.refresh_token})

    assert body["refreshToken"]["errors"][0]["code"] == "INVALID_REFRESH_TOKEN"


async def test_refresh_token_of_shop_is_refused_on_admin(api):
    session = await api.member()
    body = await api.admin().data(REFRESH, {"token": session.refresh_token})

    assert body["refreshToken"]["errors"][0]["code"] == "INVALID_REFRESH_TOKEN"


async def test_access_token_expires_after_15_minutes(api):
    start = clock.now()
    with clock.frozen_at(start):
        session = await api.member()
    with clock.frozen_at(start + timedelta(minutes=14, seconds=59)):
        assert "errors" not in await session.client.gql(ME)
    with clock.frozen_at(start + timedelta(minutes=15)):
        body = await session.client.gql(ME)

    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_logout_kills_access_token_and_refresh_family(api):
    session = await api.member()
    body = await session.client.data(
        "mutation($t: String) { logout(refreshToken: $t) { ok errors { code } } }",
        {"t": session.refresh_token},
    )
    assert body["logout"] == {"ok": True, "errors": []}

    me = await session.client.gql(ME)
    refresh = await api.shop().data(REFRESH, {"token": session.refresh_token})

    assert me["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert refresh["refreshToken"]["errors"][0]["code"] == "INVALID_REFRESH_TOKEN"
