"""A guide's workday through HTTP (issue 17, "Done means"): HQ makes a task batch for AT_RISK
customers offering a guide coupon, the guide lists their tasks, opens the customer's page,
records a follow-up, issues the coupon, shares a content item, the customer pays with the
coupon (within guide.follow_up_credit_days of the follow-up), the guide marks the task done with
that follow-up; the guide's performance credits the follow-up and the store manager's view
shows the day: the task done, the share, the coupon, the follow-up and the sales."""

from datetime import UTC, datetime, timedelta

from api.graphql.ids import to_global_id
from api.jobs import run_job
from domain.org.models import StaffRole
from loyalty.workbench.tasks import today
from tests.support.api import make_store
from tests.support.audience import paid_order
from tests.support.commission import sku
from tests.support.loyalty import amount_off, template
from tests.support.orders import delivery, pay, place_ok
from tests.support.workbench import serve

PAID = 9_900 - 2_000 + 1_000  # the product, less the guide's coupon, plus delivery
SEGMENT = """
mutation { createSegment(name: "流失预警", filter: {lifecycles: [AT_RISK]}) {
  segment { id } errors { code } } }
"""
QUOTA = """
mutation($t: ID!) { setGuideCouponQuota(templateId: $t, monthlyQuota: 10) { errors { code } } }
"""
BATCH = """
mutation($input: CreateGuideTaskBatchInput!) {
  createGuideTaskBatch(input: $input) { batch { tasksCreated } errors { code field } }
}
"""
TASKS = """
{ guideTasks(filter: {states: [OPEN]}) { edges { node { id memberId couponTemplateId } } } }
"""
ISSUE = """
mutation($t: ID!, $m: ID!) {
  issueGuideCoupon(templateId: $t, memberId: $m) { coupon { id } errors { code } }
}
"""
CONTENT = """
mutation($input: ContentItemInput!) { createContentItem(input: $input) { item { id } } }
"""
SHARE = "mutation($id: ID!) { shareContentItem(id: $id) { link { code } errors { code } } }"
DONE = """
mutation($id: ID!, $f: ID) {
  completeGuideTask(id: $id, outcome: "电话回访，已发券，客户下单", followUpId: $f) {
    task { state } errors { code }
  }
}
"""
CUSTOMER = """
query($id: ID!) { customer(id: $id) {
  customer { id guideId }
  tasks { edges { node { id state } } }
  followUps { totalCount }
} }
"""
RECORD = """
mutation($m: ID!) {
  recordFollowUp(input: {memberId: $m, channel: CALL, outcome: INTERESTED,
                         note: "关怀回访，客户想回购面霜"}) {
    followUp { id } errors { code field }
  }
}
"""
PERFORMANCE = """
query($p: ReportPeriodInput!) { guidePerformance(period: $p) {
  rows { staffId figures { followUps followUpConversionBp followUpOrders followUpSales { fen } } }
} }
"""
OVERVIEW = """
query($p: ReportPeriodInput!) { guideOverview(period: $p) {
  rows { staffId figures { customers followUps orders sales { fen } } more { name value } }
} }
"""
FIGURES = """
query($from: Date!, $to: Date!) {
  guideTaskCompletion(groupBy: GUIDE, from: $from, to: $to) { key due done completionBp }
  guideCouponFigures(from: $from, to: $to) { guideId issued used }
}
"""


async def test_a_guides_workday(api):
    # given a store, its guide, an AT_RISK customer of theirs and HQ's guide coupon
    store = await make_store()
    guide = await api.staff(StaffRole.GUIDE, store)
    manager = await api.staff(StaffRole.STORE_MANAGER, store)
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    buyer = await api.member()
    await serve(buyer.member_id, store, guide.staff.id)
    await paid_order(buyer.member_id, datetime.now(UTC) - timedelta(days=100))
    await run_job("refresh-tags")
    coupon_template = await template(operator, amount_off(2000, 5000, public=False))
    await operator.client.data(QUOTA, {"t": coupon_template})
    segment = (await operator.client.data(SEGMENT))["createSegment"]["segment"]["id"]
    item = await sku(9900)

    # when HQ makes the batch and the guide works through the day
    batch = await operator.client.data(
        BATCH,
        {
            "input": {
                "segmentId": segment,
                "dueOn": today().isoformat(),
                "instructions": "流失预警客户：电话关怀并赠送 20 元券",
                "couponTemplateId": coupon_template,
            }
        },
    )
    tasks = (await guide.client.data(TASKS))["guideTasks"]["edges"]
    task = tasks[0]["node"]
    page = (await guide.client.data(CUSTOMER, {"id": task["memberId"]}))["customer"]
    recorded = (await guide.client.data(RECORD, {"m": task["memberId"]}))["recordFollowUp"]
    coupon = (
        await guide.client.data(ISSUE, {"t": task["couponTemplateId"], "m": task["memberId"]})
    )["issueGuideCoupon"]
    content = await operator.client.data(
        CONTENT,
        {
            "input": {
                "title": "面霜回购",
                "shareText": "老客回购价",
                "images": ["https://cdn.example.com/cream.jpg"],
                "target": "PRODUCT",
                "targetId": to_global_id("Product", item.product_id),
                "validFrom": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
                "validUntil": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
            }
        },
    )
    shared = await guide.client.data(SHARE, {"id": content["createContentItem"]["item"]["id"]})
    order = await place_ok(buyer.client, delivery((item, 1), couponId=coupon["coupon"]["id"]))
    await pay(api, buyer.client, order)
    follow_up = recorded["followUp"]["id"]
    done = await guide.client.data(DONE, {"id": task["id"], "f": follow_up})
    day = {"from": today().isoformat(), "to": today().isoformat()}
    figures = await manager.client.data(FIGURES, day)
    performance = await manager.client.data(PERFORMANCE, {"p": day})
    overview = await manager.client.data(OVERVIEW, {"p": day})

    # then
    assert batch["createGuideTaskBatch"] == {"batch": {"tasksCreated": 1}, "errors": []}
    assert task["memberId"] == buyer.global_id
    guide_id = to_global_id("Staff", guide.staff.id)
    assert page == {
        "customer": {"id": buyer.global_id, "guideId": guide_id},
        "tasks": {"edges": [{"node": {"id": task["id"], "state": "OPEN"}}]},
        "followUps": {"totalCount": 0},
    }
    assert recorded["errors"] == []
    assert coupon["errors"] == [] and shared["shareContentItem"]["errors"] == []
    assert order["couponDiscount"] == {"fen": 2000}
    assert order["payable"] == {"fen": PAID}
    assert done["completeGuideTask"] == {"task": {"state": "DONE"}, "errors": []}
    assert figures["guideTaskCompletion"] == [
        {"key": guide_id, "due": 1, "done": 1, "completionBp": 10000}
    ]
    assert figures["guideCouponFigures"] == [{"guideId": guide_id, "issued": 1, "used": 1}]
    # the follow-up is credited with the order paid after it: 1 of 1 converted
    assert [r for r in performance["guidePerformance"]["rows"] if r["staffId"] == guide_id] == [
        {
            "staffId": guide_id,
            "figures": {
                "followUps": 1,
                "followUpConversionBp": 10_000,
                "followUpOrders": 1,
                "followUpSales": {"fen": PAID},
            },
        }
    ]
    # the store manager's view: the guide's day, the workbench's columns included
    assert overview["guideOverview"]["rows"] == [
        {
            "staffId": guide_id,
            "figures": {"customers": 1, "followUps": 1, "orders": 1, "sales": {"fen": PAID}},
            "more": [
                {"name": "tasks_due", "value": 1},
                {"name": "tasks_done", "value": 1},
                {"name": "tasks_overdue", "value": 0},
                {"name": "content_shares", "value": 1},
                {"name": "guide_coupons_issued", "value": 1},
                {"name": "guide_coupons_used", "value": 1},
            ],
        }
    ]
