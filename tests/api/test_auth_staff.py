"""Staff login with throttling and uniform failures; token versions (SPEC 13)."""

from datetime import timedelta

from api.graphql.ids import to_global_id
from domain import clock
from domain.access.models import LoginFailure
from domain.org.models import Staff, StaffRole, StaffStatus
from tests.support.api import STAFF_PASSWORD

LOGIN = """
mutation($u: String!, $p: String!) {
  staffLogin(username: $u, password: $p) {
    staff { username role }
    tokens { accessToken }
    errors { code field message }
  }
}
"""
VIEWER = "{ viewer { username } }"
CHANGE_PASSWORD = """
mutation($old: String!, $new: String!) {
  changePassword(oldPassword: $old, newPassword: $new) { ok errors { code field } }
}
"""


async def login(api, username, password):
    return (await api.admin().data(LOGIN, {"u": username, "p": password}))["staffLogin"]


async def test_staff_login_with_right_password(api):
    session = await api.staff(StaffRole.HQ_OPERATOR)

    result = await login(api, session.staff.username, STAFF_PASSWORD)

    assert result["errors"] == []
    assert result["staff"] == {"username": session.staff.username, "role": "HQ_OPERATOR"}


async def test_unknown_user_and_wrong_password_get_the_same_answer(api):
    session = await api.staff(StaffRole.HQ_OPERATOR)

    wrong = await login(api, session.staff.username, "wrong password!")
    unknown = await login(api, "nobody-here", "wrong password!")

    assert wrong == unknown
    assert wrong["tokens"] is None
    assert [e["code"] for e in wrong["errors"]] == ["INVALID_CREDENTIALS"]


async def test_five_failures_lock_the_username_for_15_minutes(api):
    session = await api.staff(StaffRole.HQ_FINANCE)
    username = session.staff.username
    start = clock.now()
    with clock.frozen_at(start):
        for _ in range(5):
            await login(api, username, "wrong password!")
        locked = await login(api, username, STAFF_PASSWORD)
        wrong = await login(api, "nobody-here", "wrong password!")
    with clock.frozen_at(start + timedelta(minutes=15, seconds=1)):
        unlocked = await login(api, username, STAFF_PASSWORD)

    # Locked answers exactly like a wrong password: the right one tells a guesser nothing.
    assert locked == wrong
    assert [e["code"] for e in locked["errors"]] == ["INVALID_CREDENTIALS"]
    assert locked["tokens"] is None
    assert unlocked["errors"] == []
    assert await LoginFailure.filter(username=username).count() == 0


async def test_four_failures_do_not_lock(api):
    session = await api.staff(StaffRole.HQ_FINANCE)
    for _ in range(4):
        await login(api, session.staff.username, "wrong password!")

    result = await login(api, session.staff.username, STAFF_PASSWORD)

    assert result["errors"] == []


async def test_password_change_kills_every_old_token(api):
    session = await api.staff(StaffRole.HQ_ADMIN)
    body = await session.client.data(
        CHANGE_PASSWORD, {"old": STAFF_PASSWORD, "new": "a new long password"}
    )
    assert body["changePassword"] == {"ok": True, "errors": []}

    after = await session.client.gql(VIEWER)
    relogin = await login(api, session.staff.username, "a new long password")

    assert after["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert relogin["errors"] == []


async def test_wrong_old_password_changes_nothing(api):
    session = await api.staff(StaffRole.HQ_ADMIN)
    body = await session.client.data(
        CHANGE_PASSWORD, {"old": "not it at all", "new": "a new long password"}
    )

    assert body["changePassword"] == {
        "ok": False,
        "errors": [{"code": "INVALID_CREDENTIALS", "field": "oldPassword"}],
    }
    staff = await Staff.get(id=session.staff.id)
    assert staff.token_version == session.staff.token_version
    assert "errors" not in await session.client.gql(VIEWER)


async def test_guide_leaving_kills_their_tokens(api):
    guide = await api.staff(StaffRole.GUIDE)
    admin = await api.staff(StaffRole.HQ_ADMIN)

    body = await admin.client.data(
        "mutation($id: ID!) { markStaffLeft(id: $id) { staff { status } errors { code } } }",
        {"id": to_global_id("Staff", guide.staff.id)},
    )

    assert body["markStaffLeft"] == {"staff": {"status": "LEFT"}, "errors": []}
    assert (await guide.client.gql(VIEWER))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await Staff.get(id=guide.staff.id)).status == StaffStatus.LEFT


async def test_store_manager_cannot_mark_another_stores_guide_left(api):
    guide = await api.staff(StaffRole.GUIDE)
    manager = await api.staff(StaffRole.STORE_MANAGER)

    body = await manager.client.data(
        "mutation($id: ID!) { markStaffLeft(id: $id) { staff { status } errors { code } } }",
        {"id": to_global_id("Staff", guide.staff.id)},
    )

    assert body["markStaffLeft"] == {"staff": None, "errors": [{"code": "NOT_FOUND"}]}
    assert (await Staff.get(id=guide.staff.id)).status == StaffStatus.ACTIVE


async def test_shop_token_is_refused_on_admin_api(api):
    member = await api.member()
    member.client.path = "/admin/graphql"

    body = await member.client.gql(VIEWER)

    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_admin_token_is_refused_on_shop_api(api):
    staff = await api.staff(StaffRole.HQ_ADMIN)
    staff.client.path = "/graphql"

    body = await staff.client.gql("{ me { id } }")

    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
