"""`siyu demo`: the demo data set, loaded once into an empty database, with working logins."""

from __future__ import annotations

import re

from api.demo import DEMO_PASSWORD, load_demo_data
from distribution.ledger import check_ledger
from distribution.models import (
    BindingOutcome,
    CommissionEntry,
    Distributor,
    DistributorKind,
    EntryStatus,
    ReferralBinding,
    ServiceReason,
    ServiceRelationship,
    ShareLink,
    ShareVisit,
    Withdrawal,
    WithdrawalStatus,
)
from domain.catalog.models import Category, Product, ProductStatus, Sku
from domain.members.models import Member, MemberIdentity
from domain.orders.models import Order, OrderStatus, Refund, RefundStatus
from domain.org.models import Staff, StaffRole, Store, StoreKind
from loyalty.audience.models import MemberAudience, MemberTag, Segment, Tag
from loyalty.models import (
    Coupon,
    CouponSource,
    CouponTemplate,
    LotSource,
    MemberLoyalty,
    PointsLot,
)


async def _counts() -> dict[str, int]:
    return {
        "stores": await Store.all().count(),
        "direct": await Store.filter(kind=StoreKind.DIRECT).count(),
        "franchise": await Store.filter(kind=StoreKind.FRANCHISE).count(),
        **{role.value: await Staff.filter(role=role).count() for role in StaffRole},
        "categories": await Category.all().count(),
        "top_categories": await Category.filter(parent_id=None).count(),
        "products": await Product.all().count(),
        "on_sale": await Product.filter(status=ProductStatus.ON_SALE).count(),
        "skus": await Sku.all().count(),
        "zero_stock_skus": await Sku.filter(stock=0).count(),
        "coupon_templates": await CouponTemplate.all().count(),
        "welcome_coupons": await Coupon.filter(source=CouponSource.WELCOME).count(),
        "points_lots_ADJUST": await PointsLot.filter(source=LotSource.ADJUST).count(),
        "points_lots_EARN": await PointsLot.filter(source=LotSource.EARN).count(),
        "members_with_growth": await MemberLoyalty.filter(growth__gt=0).count(),
        "tags": await Tag.all().count(),
        "member_tags": await MemberTag.all().count(),
        "segments": await Segment.all().count(),
        "audience_rows": await MemberAudience.all().count(),
        "members": await Member.all().count(),
        "identities": await MemberIdentity.all().count(),
        "phones": await Member.filter(phone__not_isnull=True).count(),
        **{
            f"distributors_{kind.value}": await Distributor.filter(kind=kind).count()
            for kind in DistributorKind
        },
        "share_links": await ShareLink.all().count(),
        **{
            f"visits_{outcome.value}": await ShareVisit.filter(outcome=outcome).count()
            for outcome in BindingOutcome
        },
        "bindings": await ReferralBinding.all().count(),
        **{
            f"relationships_{reason.value}": await ServiceRelationship.filter(
                reason=reason, valid_to__isnull=True
            ).count()
            for reason in ServiceReason
        },
        **{
            f"orders_{status.value}": await Order.filter(status=status).count()
            for status in OrderStatus
        },
        **{
            f"refunds_{status.value}": await Refund.filter(status=status).count()
            for status in RefundStatus
        },
        "partly_refunded_orders": await Order.filter(
            status=OrderStatus.COMPLETED, items__refunded_fen__gt=0
        )
        .distinct()
        .count(),
        **{
            f"commission_{status.value}": await CommissionEntry.filter(status=status).count()
            for status in EntryStatus
        },
        **{
            f"withdrawals_{status.value}": await Withdrawal.filter(status=status).count()
            for status in WithdrawalStatus
        },
    }


EXPECTED = {
    "stores": 3,
    "direct": 2,
    "franchise": 1,
    "HQ_ADMIN": 1,
    "HQ_FINANCE": 1,
    "HQ_OPERATOR": 1,
    "STORE_MANAGER": 1,
    "GUIDE": 6,
    "categories": 14,
    "top_categories": 5,
    "products": 30,
    "on_sale": 26,
    "skus": 45,
    "zero_stock_skus": 5,
    "coupon_templates": 3,
    "welcome_coupons": 200,
    "points_lots_ADJUST": 20,
    "points_lots_EARN": 169,
    "members_with_growth": 76,
    "tags": 3,
    "member_tags": 30,
    "segments": 3,
    "audience_rows": 200,
    "members": 200,
    "identities": 200,
    "phones": 100,
    "distributors_GUIDE": 6,
    "distributors_KOC": 2,
    "distributors_MEMBER": 0,
    "distributors_SHOP": 1,
    "share_links": 9,
    "visits_BOUND": 72,
    "visits_REBOUND": 0,
    "visits_ALREADY_BOUND": 21,
    "visits_SELF_REFERRAL": 1,
    "visits_CYCLE": 1,
    "visits_REFERRER_INACTIVE": 0,
    "visits_NOT_NEW_MEMBER": 0,
    "bindings": 72,
    "relationships_GUIDE_SHARE": 22,
    "relationships_STORE_QR": 0,
    "relationships_OFFLINE_SIGNUP": 24,
    "relationships_TRANSFER": 0,
    "relationships_MERGE": 0,
    "orders_PENDING_PAYMENT": 5,
    "orders_PAID": 4,
    "orders_SHIPPED": 11,
    "orders_READY_FOR_PICKUP": 3,
    "orders_COMPLETED": 103,
    "orders_CANCELLED": 11,
    "orders_CLOSED": 13,
    "refunds_REQUESTED": 0,
    "refunds_REJECTED": 1,
    "refunds_REFUNDED": 25,
    "refunds_PROCESSING": 0,
    "refunds_ABNORMAL": 0,
    "refunds_CLOSED": 0,
    "refunds_AWAITING_RETURN": 0,
    "partly_refunded_orders": 8,
    "commission_PENDING": 28,
    # the KOCs' own purchases earn nobody level 1 (SPEC 8.4, self-purchase off)
    "commission_SETTLED": 135,
    "commission_CANCELLED": 9,
    "withdrawals_PENDING_REVIEW": 1,
    "withdrawals_APPROVED": 0,
    "withdrawals_PAID": 1,
    "withdrawals_FAILED": 0,
    "withdrawals_REJECTED": 0,
    "withdrawals_RELEASED": 0,
    "withdrawals_PAYING": 0,
    "withdrawals_AWAITING_PAYEE": 0,
    "withdrawals_CANCELLED": 0,
    "withdrawals_EXPIRED": 0,
}


async def test_demo_loads_once_with_working_logins(api, capsys):
    """One load for every assertion: the demo runs several seconds of real service calls."""
    # given an empty database, when the demo is loaded
    await load_demo_data(if_empty=True)
    # then it holds exactly the demo set, its ledger balances, and it prints the logins
    assert await _counts() == EXPECTED
    assert await check_ledger() == []
    out = capsys.readouterr().out
    assert f"admin     password {DEMO_PASSWORD}  HQ_ADMIN" in out

    # the two KOCs (the second under the first) and the shop owner are printed with their logins
    printed = re.findall(r"dev:demo-(\d+) +(KOC|partner shop)", out)
    assert [kind for _, kind in printed] == ["KOC", "KOC", "partner shop"]
    distributors = []
    for number, _ in printed:
        identity = await MemberIdentity.get(openid=f"demo-{number}")
        distributors.append(await Distributor.get(member_id=identity.member_id))
    koc1, koc2, shop = distributors
    assert (koc1.kind, koc2.kind, shop.kind) == (
        DistributorKind.KOC,
        DistributorKind.KOC,
        DistributorKind.SHOP,
    )
    assert koc1.upline_id is None
    assert koc2.upline_id == koc1.id
    assert shop.shop_name

    # when it is loaded again with --if-empty, then nothing changes
    await load_demo_data(if_empty=True)
    assert await _counts() == EXPECTED
    assert capsys.readouterr().out.strip() == "demo data already present"

    # when the printed admin login is used on the admin API, then it issues tokens
    data = await api.admin().data(
        'mutation { staffLogin(username: "admin", password: "%s") '
        "{ errors { code } tokens { accessToken } } }" % DEMO_PASSWORD
    )
    assert data["staffLogin"]["errors"] == []
    assert data["staffLogin"]["tokens"]["accessToken"]

    # when the printed member logins are used on the shop API, then they are the demo members'
    for code in ["demo-1", *(f"demo-{number}" for number, _ in printed)]:
        data = await api.shop().data(
            'mutation { login(code: "dev:%s") { tokens { accessToken } errors { code } } }' % code
        )
        assert data["login"]["errors"] == []
    assert await Member.all().count() == EXPECTED["members"]
