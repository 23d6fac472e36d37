"""Member profile updates and the storefront store list."""

from api.graphql.ids import to_global_id
from domain.members.models import Member
from domain.org.models import StoreKind
from tests.support.api import make_store

UPDATE = """
mutation($input: UpdateProfileInput!) {
  updateProfile(input: $input) { member { nickname gender birthday region } errors { code field } }
}
"""
NEAR = """
query($near: GeoPointInput, $first: Int, $after: String) {
  stores(near: $near, first: $first, after: $after) {
    edges { cursor node { code distanceMeters } }
    pageInfo { hasNextPage }
    totalCount
  }
}
"""


async def test_update_profile(api):
    session = await api.member()

    data = await session.client.data(
        UPDATE,
        {"input": {"nickname": " 小红 ", "gender": "FEMALE", "birthday": "1995-04-01"}},
    )

    assert data["updateProfile"] == {
        "member": {"nickname": "小红", "gender": "FEMALE", "birthday": "1995-04-01", "region": ""},
        "errors": [],
    }


async def test_profile_refusal_changes_nothing(api):
    session = await api.member()

    data = await session.client.data(
        UPDATE, {"input": {"nickname": "ok", "avatarUrl": "http://insecure.example.com/a.png"}}
    )

    assert data["updateProfile"] == {
        "member": None,
        "errors": [{"code": "INVALID", "field": "input.avatarUrl"}],
    }
    assert (await Member.get(id=session.member_id)).nickname == ""


async def test_stores_nearest_first_with_distance_and_pages(api):
    await make_store(code="JA", latitude=31.2243, longitude=121.4456)  # Jing'an
    await make_store(code="XH", latitude=31.1949, longitude=121.4370)  # Xuhui
    await make_store(StoreKind.FRANCHISE, code="HZ", latitude=30.2590, longitude=120.1635)
    await make_store(code="NOGEO")
    near_xuhui = {"latitude": 31.1950, "longitude": 121.4371}

    first = await api.shop().data(NEAR, {"near": near_xuhui, "first": 2})
    rest = await api.shop().data(
        NEAR,
        {"near": near_xuhui, "first": 2, "after": first["stores"]["edges"][-1]["cursor"]},
    )

    assert [e["node"]["code"] for e in first["stores"]["edges"]] == ["XH", "JA"]
    assert first["stores"]["edges"][0]["node"]["distanceMeters"] == 15
    assert first["stores"]["pageInfo"]["hasNextPage"] is True
    assert first["stores"]["totalCount"] == 3
    assert [e["node"]["code"] for e in rest["stores"]["edges"]] == ["HZ"]
    assert rest["stores"]["pageInfo"]["hasNextPage"] is False


async def test_stores_without_a_point_are_listed_by_id(api):
    stores = [await make_store(code=c) for c in ("A1", "A2")]

    data = await api.shop().data("{ stores { edges { node { id code distanceMeters } } } }")

    assert [e["node"] for e in data["stores"]["edges"]] == [
        {"id": to_global_id("Store", s.id), "code": s.code, "distanceMeters": None} for s in stores
    ]
