"""A guide's workday through HTTP (issue 17), the parts of tasks, guide coupons and content:
HQ makes a task batch for AT_RISK customers offering a guide coupon, the guide lists their
tasks, issues the coupon, shares a content item, the customer pays with the coupon, the guide
marks the task done, and the figures show it all. (Follow-ups, their credit and the store
manager's view join this day where they are built.)"""

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
mutation($id: ID!) {
  completeGuideTask(id: $id, outcome: "电话回访，已发券，客户下单") {
    task { state } errors { code }
  }
}
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
    done = await guide.client.data(DONE, {"id": task["id"]})
    day = {"from": today().isoformat(), "to": today().isoformat()}
    figures = await manager.client.data(FIGURES, day)

    # then
    assert batch["createGuideTaskBatch"] == {"batch": {"tasksCreated": 1}, "errors": []}
    assert task["memberId"] == buyer.global_id
    assert coupon["errors"] == [] and shared["shareContentItem"]["errors"] == []
    assert order["couponDiscount"] == {"fen": 2000}
    assert done["completeGuideTask"] == {"task": {"state": "DONE"}, "errors": []}
    guide_id = to_global_id("Staff", guide.staff.id)
    assert figures["guideTaskCompletion"] == [
        {"key": guide_id, "due": 1, "done": 1, "completionBp": 10000}
    ]
    assert figures["guideCouponFigures"] == [{"guideId": guide_id, "issued": 1, "used": 1}]
