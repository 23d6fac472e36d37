"""The member's refund list and detail (SPEC 21 "Refunds"): own refunds only, newest first,
one status at a time, a constant number of statements per page."""

from domain.orders.models import OrderItem, Refund, RefundStatus
from domain.org.models import StaffRole
from tests.api.test_refunds import paid_order, request, review
from tests.support.orders import order_pk
from tests.support.sql import count_statements

MY_REFUNDS = """
query($first: Int, $after: String, $status: RefundStatus) {
  myRefunds(first: $first, after: $after, status: $status) {
    edges { node {
      id status reason reviewNote amount { fen } createdAt reviewedAt finishedAt
      item { title quantity specs { name value } paid { fen } refunded { fen } }
    } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
ONE = """
query($id: ID!) {
  refund(id: $id) { id orderId status reason amount { fen } item { id title } }
}
"""


async def test_the_list_is_newest_first_with_item_and_review(api):
    member, order, _ = await paid_order(api, (1, 2))
    hq = await api.staff(StaffRole.HQ_OPERATOR)
    first = (await request(member, order, 5000, line=0))["refund"]["id"]
    second = (await request(member, order, 3000, line=1))["refund"]["id"]
    await review(hq, first)
    bought = await OrderItem.get(order_id=order_pk(order), quantity=2)
    await OrderItem.filter(id=bought.id).update(specs={"颜色": "红色"})

    page = (await member.client.data(MY_REFUNDS, {"first": 10}))["myRefunds"]
    nodes = [e["node"] for e in page["edges"]]

    assert [n["id"] for n in nodes] == [second, first]
    assert [(n["status"], n["amount"]["fen"], n["reviewNote"]) for n in nodes] == [
        ("REQUESTED", 3000, None),
        ("REFUNDED", 5000, "ok"),
    ]
    assert nodes[0]["reason"] == "不想要了"
    assert [n["item"]["quantity"] for n in nodes] == [2, 1]
    assert [(n["item"]["paid"]["fen"], n["item"]["refunded"]["fen"]) for n in nodes] == [
        (10000, 0),
        (5000, 5000),
    ]
    assert nodes[0]["item"]["title"] == bought.title
    assert nodes[0]["item"]["specs"] == [{"name": "颜色", "value": "红色"}]
    assert nodes[0]["reviewedAt"] is None and nodes[0]["finishedAt"] is None
    assert nodes[1]["reviewedAt"].endswith("+08:00") and nodes[1]["finishedAt"] is not None
    assert page["pageInfo"]["hasNextPage"] is False


async def test_status_filter_and_paging(api):
    member, order, _ = await paid_order(api, (1, 1, 1))
    hq = await api.staff(StaffRole.HQ_OPERATOR)
    ids = [(await request(member, order, 5000, line=i))["refund"]["id"] for i in range(3)]
    await review(hq, ids[0], approve=False)

    requested = (await member.client.data(MY_REFUNDS, {"status": "REQUESTED"}))["myRefunds"]
    page1 = (await member.client.data(MY_REFUNDS, {"first": 2}))["myRefunds"]
    after = page1["pageInfo"]["endCursor"]
    page2 = (await member.client.data(MY_REFUNDS, {"first": 2, "after": after}))["myRefunds"]

    assert [e["node"]["id"] for e in requested["edges"]] == [ids[2], ids[1]]
    assert [e["node"]["id"] for e in page1["edges"]] == [ids[2], ids[1]]
    assert page1["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["id"] for e in page2["edges"]] == [ids[0]]
    assert page2["pageInfo"]["hasNextPage"] is False


async def test_another_members_refunds_are_invisible(api):
    member, order, _ = await paid_order(api, (1,))
    refund_id = (await request(member, order, 5000))["refund"]["id"]
    stranger = await api.member()

    own = (await member.client.data(ONE, {"id": refund_id}))["refund"]
    foreign = (await stranger.client.data(ONE, {"id": refund_id}))["refund"]
    foreign_list = (await stranger.client.data(MY_REFUNDS))["myRefunds"]["edges"]

    assert own["id"] == refund_id and own["orderId"] == order["id"]
    assert (own["status"], own["amount"]["fen"]) == ("REQUESTED", 5000)
    assert own["item"]["id"] == order["items"][0]["id"]
    assert foreign is None
    assert foreign_list == []
    assert await Refund.filter(status=RefundStatus.REQUESTED).count() == 1


async def test_a_page_costs_the_same_statements_however_many_refunds(api):
    member, order, _ = await paid_order(api, (1, 1, 1, 1))
    await request(member, order, 5000, line=0)
    await member.client.data(MY_REFUNDS)
    with count_statements(cold_settings=False) as one:
        await member.client.data(MY_REFUNDS)
    for line in (1, 2, 3):
        await request(member, order, 5000, line=line)
    with count_statements(cold_settings=False) as four:
        page = (await member.client.data(MY_REFUNDS))["myRefunds"]

    assert len(page["edges"]) == 4
    assert one.count == four.count, four.statements
