"""The content library (素材, SPEC 22, issue 17 item 5): HQ_OPERATOR writes items, a guide lists
the ones valid now for their store and shares one through their own link (made once, reused),
and each item's funnel is known per guide and in total."""

from datetime import UTC, datetime, timedelta

import pytest

from api.graphql.ids import from_global_id, to_global_id
from distribution.content.models import ContentItem, ContentLink, ContentShare
from distribution.content.sharing import content_share_figures_by_guide
from distribution.models import ShareLink
from domain.org.models import StaffRole
from tests.support.api import make_store
from tests.support.commission import sku
from tests.support.orders import delivery, pay, place_ok
from tests.support.sql import count_statements

CREATE = """
mutation($input: ContentItemInput!) {
  createContentItem(input: $input) {
    item { id title images target targetId campaign storeIds } errors { code field }
  }
}
"""
UPDATE = """
mutation($id: ID!, $input: ContentItemInput!) {
  updateContentItem(id: $id, input: $input) { item { title storeIds } errors { code field } }
}
"""
ITEMS = "{ contentItems(first: 100) { totalCount edges { node { id title } } } }"
SHARE = """
mutation($id: ID!) {
  shareContentItem(id: $id, channel: MOMENTS) {
    link { id code target targetId channel } errors { code field }
  }
}
"""
FUNNEL = """
query($id: ID!) {
  contentFunnel(id: $id) {
    total { guideId shares visits uniqueVisitors bindings orders paidFen }
    guides { guideId shares visits uniqueVisitors bindings orders paidFen }
  }
}
"""
VISIT = "mutation($c: String!) { recordShareVisit(code: $c) { outcome errors { code } } }"
NOW = datetime.now(UTC)


def item_input(**extra) -> dict:
    return {
        "title": "秋冬面霜上新",
        "shareText": "天冷了，这款面霜很滋润\n限时九折",
        "images": ["https://cdn.example.com/a.jpg", "https://cdn.example.com/b.jpg"],
        "target": "CAMPAIGN",
        "campaign": "autumn-2026",
        "validFrom": (NOW - timedelta(days=1)).isoformat(),
        "validUntil": (NOW + timedelta(days=7)).isoformat(),
        **extra,
    }


async def create(operator, **extra) -> dict:
    return (await operator.client.data(CREATE, {"input": item_input(**extra)}))["createContentItem"]


@pytest.fixture
async def library(api):
    store = await make_store()
    elsewhere = await make_store()
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    guide = await api.staff(StaffRole.GUIDE, store)
    everywhere = (await create(operator, title="全店"))["item"]["id"]
    ours = (await create(operator, title="本店", storeIds=[to_global_id("Store", store.id)]))[
        "item"
    ]["id"]
    theirs = (await create(operator, title="别店", storeIds=[to_global_id("Store", elsewhere.id)]))[
        "item"
    ]["id"]
    ended = (
        await create(
            operator,
            title="过期",
            validFrom=(NOW - timedelta(days=9)).isoformat(),
            validUntil=(NOW - timedelta(days=2)).isoformat(),
        )
    )["item"]["id"]
    return {
        "store": store,
        "elsewhere": elsewhere,
        "operator": operator,
        "guide": guide,
        "everywhere": everywhere,
        "ours": ours,
        "theirs": theirs,
        "ended": ended,
    }


async def test_hq_writes_an_item(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    product = (await sku()).product_id

    made = await create(
        operator, target="PRODUCT", targetId=to_global_id("Product", product), campaign=None
    )

    assert made["errors"] == []
    assert made["item"] == {
        "id": made["item"]["id"],
        "title": "秋冬面霜上新",
        "images": ["https://cdn.example.com/a.jpg", "https://cdn.example.com/b.jpg"],
        "target": "PRODUCT",
        "targetId": to_global_id("Product", product),
        "campaign": None,
        "storeIds": [],
    }
    row = await ContentItem.get(id=from_global_id(made["item"]["id"], "ContentItem"))
    assert (row.share_text, row.all_stores) == ("天冷了，这款面霜很滋润\n限时九折", True)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (
            {"images": ["https://cdn.example.com/a.jpg", "http://cdn.example.com/b.jpg"]},
            {"code": "INVALID", "field": "input.images.1"},
        ),
        (
            {"images": ["https://x.cn/a.jpg"] * 10},
            {"code": "OUT_OF_RANGE", "field": "input.images"},
        ),
        ({"title": "标" * 65}, {"code": "TOO_LONG", "field": "input.title"}),
        ({"shareText": " "}, {"code": "REQUIRED", "field": "input.shareText"}),
        (
            {"validUntil": (NOW - timedelta(days=2)).isoformat()},
            {"code": "INVALID_RANGE", "field": "input.validUntil"},
        ),
        (
            {"storeIds": [to_global_id("Store", 999)]},
            {"code": "NOT_FOUND", "field": "input.storeIds"},
        ),
        (
            {"target": "PRODUCT", "targetId": to_global_id("Product", 999)},
            {"code": "NOT_FOUND", "field": "input.targetId"},
        ),
        ({"target": "PRODUCT"}, {"code": "REQUIRED", "field": "input.targetId"}),
    ],
)
async def test_a_bad_item_is_refused_and_nothing_is_written(api, change, error):
    operator = await api.staff(StaffRole.HQ_OPERATOR)

    made = await create(operator, **change)

    assert made == {"item": None, "errors": [error]}
    assert await ContentItem.all().count() == 0


async def test_updating_replaces_the_item_and_its_stores(library):
    other = to_global_id("Store", library["elsewhere"].id)

    updated = await library["operator"].client.data(
        UPDATE, {"id": library["ours"], "input": item_input(title="改版", storeIds=[other])}
    )

    assert updated["updateContentItem"] == {
        "item": {"title": "改版", "storeIds": [other]},
        "errors": [],
    }


async def test_a_guide_lists_the_items_valid_now_for_their_store(library):
    listed = await library["guide"].client.data(ITEMS)
    everything = await library["operator"].client.data(ITEMS)

    assert sorted(e["node"]["title"] for e in listed["contentItems"]["edges"]) == ["全店", "本店"]
    assert listed["contentItems"]["totalCount"] == 2
    assert everything["contentItems"]["totalCount"] == 4


async def test_sharing_makes_the_guides_link_once_and_reuses_it(library):
    guide = library["guide"]

    first = await guide.client.data(SHARE, {"id": library["ours"]})
    second = await guide.client.data(SHARE, {"id": library["ours"]})

    link = first["shareContentItem"]["link"]
    assert first["shareContentItem"]["errors"] == []
    assert (link["target"], link["channel"]) == ("CAMPAIGN", "MOMENTS")
    assert second["shareContentItem"]["link"]["code"] == link["code"]
    assert await ShareLink.all().count() == 1
    assert (await ContentLink.all().count(), await ContentShare.all().count()) == (1, 2)
    figures = await content_share_figures_by_guide(
        NOW - timedelta(hours=1), datetime.now(UTC) + timedelta(hours=1)
    )
    assert figures == {guide.staff.id: 2}


@pytest.mark.parametrize("which", ["theirs", "ended"])
async def test_another_stores_or_an_ended_item_is_not_found_like_a_missing_one(library, which):
    guide = library["guide"]

    refused = await guide.client.data(SHARE, {"id": library[which]})
    missing = await guide.client.data(SHARE, {"id": to_global_id("ContentItem", 9999)})

    assert (
        refused
        == missing
        == {"shareContentItem": {"link": None, "errors": [{"code": "NOT_FOUND", "field": "id"}]}}
    )
    assert (await ShareLink.all().count(), await ContentShare.all().count()) == (0, 0)


async def test_each_items_funnel_per_guide_and_in_total(api, library):
    store = library["store"]
    guide, colleague = library["guide"], await api.staff(StaffRole.GUIDE, store)
    item = await sku(9900)
    product_item = (
        await create(
            library["operator"],
            target="PRODUCT",
            targetId=to_global_id("Product", item.product_id),
            campaign=None,
        )
    )["item"]["id"]
    code = (await guide.client.data(SHARE, {"id": product_item}))["shareContentItem"]["link"][
        "code"
    ]
    await colleague.client.data(SHARE, {"id": product_item})
    await colleague.client.data(SHARE, {"id": product_item})
    buyer, browser = await api.member(), await api.member()
    for visitor in (buyer, browser):
        await visitor.client.data(VISIT, {"c": code})
    order = await place_ok(buyer.client, delivery((item, 1)))
    await pay(api, buyer.client, order)
    manager = await api.staff(StaffRole.STORE_MANAGER, store)
    other_manager = await api.staff(StaffRole.STORE_MANAGER, library["elsewhere"])

    funnel = (await manager.client.data(FUNNEL, {"id": product_item}))["contentFunnel"]
    elsewhere = await other_manager.client.data(FUNNEL, {"id": library["ours"]})

    mine = {
        "guideId": to_global_id("Staff", guide.staff.id),
        "shares": 1,
        "visits": 2,
        "uniqueVisitors": 2,
        "bindings": 2,
        "orders": 1,
        "paidFen": 9900,
    }
    theirs = {
        "guideId": to_global_id("Staff", colleague.staff.id),
        "shares": 2,
        "visits": 0,
        "uniqueVisitors": 0,
        "bindings": 0,
        "orders": 0,
        "paidFen": 0,
    }
    assert funnel["guides"] == [mine, theirs]
    assert funnel["total"] == {**mine, "guideId": None, "shares": 3}
    assert elsewhere == {"contentFunnel": None}


async def test_a_page_of_items_costs_the_same_statements_whatever_its_size(library):
    guide, operator = library["guide"], library["operator"]
    counts = []
    for more in (0, 10):
        for n in range(more):
            await create(
                operator, title=f"新品{n}", storeIds=[to_global_id("Store", library["store"].id)]
            )
        with count_statements(cold_settings=False) as log:
            page = await guide.client.data(ITEMS)
        counts.append((page["contentItems"]["totalCount"], log.count))

    assert [total for total, _ in counts] == [2, 12]
    assert counts[0][1] == counts[1][1]
