"""Share links (SPEC 7): created by active distributors (members in the shop API, guides in the
admin API), their mini-program paths, QR PNGs and funnel counters."""

import re
from datetime import timedelta
from urllib.parse import quote

import pytest

from api.graphql.ids import to_global_id
from distribution.models import (
    Distributor,
    DistributorKind,
    DistributorStatus,
    ShareLink,
    ShareVisit,
)
from domain import clock
from domain.catalog.models import ProductStatus, Sku
from domain.orders.models import Order
from domain.org.models import StaffRole
from tests.api.test_binding_rules import home_link, make_distributor, outcome_of
from tests.support.api import make_store
from tests.support.catalog import make_category, make_product
from tests.support.orders import delivery, order_pk, pay, place_ok
from tests.support.qr import decoded_qr

LINK_FIELDS = """
id code target targetId campaign channel path qrUrl
funnel { visits uniqueVisitors bindings orders paid { fen formatted } }
"""
CREATE = (
    """
mutation($input: CreateShareLinkInput!) {
  createShareLink(input: $input) { link { %s } errors { code field } }
}
"""
    % LINK_FIELDS
)
MY_LINKS = "{ myShareLinks { edges { node { %s } } } }" % LINK_FIELDS
ZERO_FUNNEL = {
    "visits": 0,
    "uniqueVisitors": 0,
    "bindings": 0,
    "orders": 0,
    "paid": {"fen": 0, "formatted": "¥0.00"},
}


async def koc_session(api, status=DistributorStatus.ACTIVE):
    session = await api.member()
    await make_distributor(api, member_id=session.member_id, status=status)
    return session


async def create(client, **input) -> dict:
    return (await client.data(CREATE, {"input": input}))["createShareLink"]


async def test_a_koc_shares_a_product(api):
    product = await make_product(await make_category())
    koc = await koc_session(api)
    product_id = to_global_id("Product", product.id)

    result = await create(koc.client, target="PRODUCT", targetId=product_id, channel="MOMENTS")

    link = result["link"]
    assert result["errors"] == []
    assert re.fullmatch(r"[A-Za-z0-9_-]{10,16}", link["code"])
    assert (
        link["path"] == f"pages/product/index?id={quote(product_id, safe='')}&share={link['code']}"
    )
    assert link["qrUrl"] == f"http://127.0.0.1:8000/qr/{link['code']}.png"
    assert (link["target"], link["targetId"], link["channel"], link["campaign"]) == (
        "PRODUCT",
        product_id,
        "MOMENTS",
        None,
    )
    assert link["funnel"] == ZERO_FUNNEL
    row = await ShareLink.get(code=link["code"])
    assert (row.target_id, row.distributor_id) == (
        product.id,
        (await Distributor.get(member_id=koc.member_id)).id,
    )


async def test_links_of_other_targets_open_their_pages(api):
    store = await make_store()
    koc = await koc_session(api)
    store_id = to_global_id("Store", store.id)

    for_store = (await create(koc.client, target="STORE", targetId=store_id))["link"]
    home = (await create(koc.client, target="HOME", channel="QR"))["link"]
    campaign = (await create(koc.client, target="CAMPAIGN", campaign="双11 大促"))["link"]

    assert for_store["path"] == (
        f"pages/store/index?id={quote(store_id, safe='')}&share={for_store['code']}"
    )
    assert home["path"] == f"pages/index/index?share={home['code']}"
    assert campaign["path"] == (
        f"pages/campaign/index?c={quote('双11 大促')}&share={campaign['code']}"
    )
    assert (for_store["channel"], home["channel"], campaign["campaign"]) == (
        "CHAT",
        "QR",
        "双11 大促",
    )
    assert len({for_store["code"], home["code"], campaign["code"]}) == 3


@pytest.mark.parametrize(
    ("input", "error"),
    [
        ({"target": "PRODUCT"}, {"code": "REQUIRED", "field": "input.targetId"}),
        (
            {"target": "PRODUCT", "targetId": to_global_id("Product", 999)},
            {"code": "NOT_FOUND", "field": "input.targetId"},
        ),
        (
            {"target": "PRODUCT", "targetId": to_global_id("Store", 1)},
            {"code": "INVALID_ID", "field": "input.targetId"},
        ),
        (
            {"target": "STORE", "targetId": to_global_id("Store", 999)},
            {"code": "NOT_FOUND", "field": "input.targetId"},
        ),
        (
            {"target": "HOME", "targetId": to_global_id("Store", 1)},
            {"code": "INVALID", "field": "input.targetId"},
        ),
        ({"target": "CAMPAIGN", "campaign": "  "}, {"code": "REQUIRED", "field": "input.campaign"}),
    ],
)
async def test_bad_targets_are_refused_and_nothing_is_created(api, input, error):
    koc = await koc_session(api)

    result = await create(koc.client, **input)

    assert result == {"link": None, "errors": [error]}
    assert await ShareLink.all().count() == 0


async def test_a_product_not_on_sale_cannot_be_shared(api):
    product = await make_product(await make_category(), status=ProductStatus.OFF_SALE)
    koc = await koc_session(api)

    result = await create(
        koc.client, target="PRODUCT", targetId=to_global_id("Product", product.id)
    )

    assert result["errors"] == [{"code": "NOT_ON_SALE", "field": "input.targetId"}]
    assert await ShareLink.all().count() == 0


async def test_a_member_who_is_no_distributor_cannot_share(api):
    member = await api.member()

    result = await create(member.client, target="HOME")

    assert result["errors"] == [{"code": "NOT_A_DISTRIBUTOR", "field": None}]
    assert await ShareLink.all().count() == 0


async def test_a_frozen_distributor_cannot_share(api):
    koc = await koc_session(api, DistributorStatus.FROZEN)

    result = await create(koc.client, target="HOME")

    assert result["errors"] == [{"code": "DISTRIBUTOR_INACTIVE", "field": None}]
    assert await ShareLink.all().count() == 0


async def test_a_guide_shares_through_the_admin_api_and_lists_own_links(api):
    guide = await api.staff(StaffRole.GUIDE)
    colleague = await api.staff(StaffRole.GUIDE, await make_store())
    await create(colleague.client, target="HOME")

    created = await create(guide.client, target="HOME", channel="POSTER")
    listed = await guide.client.data(MY_LINKS)

    assert created["errors"] == []
    assert [e["node"] for e in listed["myShareLinks"]["edges"]] == [created["link"]]
    distributor = await Distributor.get(staff_id=guide.staff.id)
    assert (distributor.kind, distributor.store_id) == (DistributorKind.GUIDE, guide.staff.store_id)


@pytest.mark.parametrize("role", [StaffRole.STORE_MANAGER, StaffRole.HQ_ADMIN])
async def test_only_guides_share_in_the_admin_api(api, role):
    staff = await api.staff(role)

    body = await staff.client.gql(CREATE, {"input": {"target": "HOME"}})

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await ShareLink.all().count() == 0


async def test_under_dev_the_qr_png_is_a_plain_qr_of_the_scene(api):
    link = await home_link(await make_distributor(api))

    response = await api.http.get(f"/qr/{link.code}.png")

    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert decoded_qr(response.content) == [link.code]
    assert response.headers["cache-control"] == "public, max-age=300"


@pytest.mark.parametrize("code", ["unknown-code", "x" * 40, "bad%20code"])
async def test_the_qr_of_an_unknown_code_is_not_found(api, code):
    response = await api.http.get(f"/qr/{code}.png")

    assert response.status_code == 404


async def test_the_funnel_counts_visits_visitors_bindings_and_paid_orders(api):
    guide = await api.staff(StaffRole.GUIDE)
    code = (await create(guide.client, target="HOME"))["link"]["code"]
    link = await ShareLink.get(code=code)
    buyer, browser = await api.member(), await api.member()
    for session in (buyer, browser):
        await outcome_of(session, link)
    # The browser comes back after more than 30 minutes: a visit again (a repeat within 30 would
    # not count), but the same visitor.
    await ShareVisit.filter(member_id=browser.member_id).update(
        visited_at=clock.now() - timedelta(minutes=31)
    )
    await outcome_of(browser, link)
    product = await make_product(await make_category(), (19900, 5000))
    small, big = await Sku.filter(product_id=product.id).order_by("price_fen")
    unrelated = await place_ok(browser.client, delivery((small, 1)))
    order = await place_ok(buyer.client, delivery((big, 2), (small, 1)))
    # Attribution is another area's: set which order came through the link.
    await Order.filter(id=order_pk(order)).update(share_link_id=link.id)
    await Order.filter(id=order_pk(unrelated)).update(share_link_id=None)

    await pay(api, browser.client, unrelated)
    await pay(api, buyer.client, order)
    listed = await guide.client.data(MY_LINKS)

    assert listed["myShareLinks"]["edges"][0]["node"]["funnel"] == {
        "visits": 3,
        "uniqueVisitors": 2,
        "bindings": 2,
        "orders": 1,
        "paid": {"fen": 44800, "formatted": "¥448.00"},
    }
