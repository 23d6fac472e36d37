"""Becoming a distributor (SPEC 6): APPLY, OPEN, THRESHOLD, upline snapshot, reviews."""

from api.graphql.ids import to_global_id
from distribution.models import (
    ApplicationStatus,
    Distributor,
    DistributorApplication,
    DistributorKind,
    DistributorStatus,
)
from domain.catalog.models import Sku
from domain.org.models import StaffRole
from domain.settings.service import update_settings
from tests.support.catalog import make_category, make_product
from tests.support.distribution import bind, make_distributor
from tests.support.orders import delivery, pay, place_ok

APPLY = """
mutation($kind: DistributorKind!, $shop: String) {
  applyForDistributor(kind: $kind, shopName: $shop) {
    distributor { kind status uplineId }
    application { id kind status shopName }
    errors { code field }
  }
}
"""
REVIEW = """
mutation($id: ID!, $ok: Boolean!) {
  reviewDistributorApplication(id: $id, approve: $ok) {
    application { status } errors { code field }
  }
}
"""


async def apply(member, kind="KOC", shop=None):
    data = await member.client.data(APPLY, {"kind": kind, "shop": shop})
    return data["applyForDistributor"]


async def test_apply_then_hq_approves_with_the_referrer_as_upline(api):
    member = await api.member()
    upline = await make_distributor()
    await bind(member.member_id, upline)
    operator = await api.staff(StaffRole.HQ_OPERATOR)

    applied = await apply(member)
    reviewed = await operator.client.data(REVIEW, {"id": applied["application"]["id"], "ok": True})

    assert applied["application"]["status"] == "PENDING"
    assert applied["distributor"] is None
    assert reviewed["reviewDistributorApplication"] == {
        "application": {"status": "APPROVED"},
        "errors": [],
    }
    distributor = await Distributor.get(member_id=member.member_id)
    assert (distributor.kind, distributor.upline_id, distributor.ancestry) == (
        DistributorKind.KOC,
        upline.id,
        f"/{upline.id}/",
    )


async def test_second_application_and_existing_distributors_are_refused(api):
    member = await api.member()
    await apply(member)

    again = await apply(member, "MEMBER")

    assert again["errors"] == [{"code": "APPLICATION_PENDING", "field": None}]
    assert await DistributorApplication.all().count() == 1


async def test_shop_needs_a_name_and_rejection_creates_no_distributor(api):
    member = await api.member()
    operator = await api.staff(StaffRole.HQ_ADMIN)

    nameless = await apply(member, "SHOP")
    applied = await apply(member, "SHOP", "街角小店")
    rejected = await operator.client.data(REVIEW, {"id": applied["application"]["id"], "ok": False})
    twice = await operator.client.data(REVIEW, {"id": applied["application"]["id"], "ok": True})

    assert nameless["errors"] == [{"code": "REQUIRED", "field": "shopName"}]
    assert rejected["reviewDistributorApplication"]["application"] == {"status": "REJECTED"}
    assert twice["reviewDistributorApplication"]["errors"] == [
        {"code": "INVALID_STATE", "field": "id"}
    ]
    assert await Distributor.all().count() == 0


async def test_open_enrollment_activates_members_at_once(api):
    await update_settings([("distribution.enrollment", "OPEN")], "test")
    member = await api.member()

    result = await apply(member, "MEMBER")

    assert result["distributor"] == {"kind": "MEMBER", "status": "ACTIVE", "uplineId": None}
    assert await DistributorApplication.all().count() == 0


async def test_threshold_enrollment_follows_the_paid_total(api):
    await update_settings(
        [("distribution.enrollment", "THRESHOLD"), ("distribution.threshold_fen", "20000")], "test"
    )
    product = await make_product(await make_category(), (15000,), stock=10)
    sku = await Sku.get(product_id=product.id)
    member = await api.member()

    early = await apply(member, "MEMBER")
    first = await place_ok(member.client, delivery((sku, 1)))
    await pay(api, member.client, first)
    assert not await Distributor.exists(member_id=member.member_id)
    second = await place_ok(member.client, delivery((sku, 1)))
    await pay(api, member.client, second)

    assert early["errors"] == [{"code": "ENROLLMENT_CLOSED", "field": "kind"}]
    distributor = await Distributor.get(member_id=member.member_id)
    assert distributor.kind == DistributorKind.MEMBER


async def test_frozen_distributors_are_listed_and_reactivated(api):
    member = await api.member()
    distributor = await make_distributor(member.member_id)
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    query = (
        "mutation($id: ID!, $s: DistributorStatus!) { setDistributorStatus(id: $id, status: $s) "
        "{ distributor { status } errors { code } } }"
    )
    gid = to_global_id("Distributor", distributor.id)

    frozen = await operator.client.data(query, {"id": gid, "s": "FROZEN"})
    listed = await operator.client.data("{ distributors(status: FROZEN) { totalCount } }")

    assert frozen["setDistributorStatus"] == {"distributor": {"status": "FROZEN"}, "errors": []}
    assert listed["distributors"]["totalCount"] == 1
    assert (await Distributor.get(id=distributor.id)).status == DistributorStatus.FROZEN
    assert await DistributorApplication.filter(status=ApplicationStatus.PENDING).count() == 0
