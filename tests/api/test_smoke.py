from api.graphql.ids import to_global_id
from domain.org.models import StaffRole


async def test_anonymous_products_empty(api):
    data = await api.shop().data("{ products { edges { node { id } } totalCount } }")
    assert data == {"products": {"edges": [], "totalCount": 0}}


async def test_member_login_and_me(api):
    session = await api.member("abc")
    data = await session.client.data("{ me { id nickname } }")
    assert data["me"]["id"] == to_global_id("Member", session.member_id)


async def test_staff_viewer(api):
    session = await api.staff(StaffRole.HQ_ADMIN)
    data = await session.client.data("{ viewer { role username } }")
    assert data["viewer"]["role"] == "HQ_ADMIN"
