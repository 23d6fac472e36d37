"""Domain enums exposed in GraphQL, registered once for both schemas, with descriptions.

`strawberry.enum` marks the domain enum class itself (and returns it), so each enum is
registered by that call and its GraphQL name is a plain alias of the class: annotations type-check
without `type: ignore` (issue 11). The same pattern declares the other modules' enums.

The domain enums stay free of strawberry (dependency rule), so what each value means is written
here, in api/, and attached by `expose_enum` to the definition strawberry builds: every value of
both schemas carries a description (tests/api/test_schema_descriptions.py)."""

from collections.abc import Mapping
from enum import Enum
from typing import TypeAlias, TypeVar

import strawberry

from distribution.models import ApplicationStatus, DistributorKind, DistributorStatus
from domain.catalog.models import ProductStatus
from domain.members.models import AcquisitionChannel, Gender
from domain.orders.models import (
    Fulfilment,
    OrderChannel,
    OrderStatus,
    RefundStatus,
    ReturnMethod,
)
from domain.org.models import StaffRole, StaffStatus, StoreKind, StoreStatus
from loyalty.models import CouponKind, CouponScope, CouponSource, CouponStatus, PointsKind

E = TypeVar("E", bound=Enum)


def expose_enum(enum: type[E], name: str, description: str, values: Mapping[E, str]) -> None:
    """Registers `enum` as the GraphQL enum `name`, described, each value with its text from
    `values` (a value missing there stays undescribed and the descriptions test names it)."""
    strawberry.enum(enum, name=name, description=description)
    definition = enum.__strawberry_definition__  # type: ignore[attr-defined]
    for value in definition.values:
        value.description = values.get(enum[value.name])


expose_enum(
    StoreKind,
    "StoreKind",
    "How a store is run; decides the STORE_SHARE commission (franchise stores only).",
    {
        StoreKind.DIRECT: "Run by the brand (直营门店).",
        StoreKind.FRANCHISE: "Run by a franchisee (加盟门店); earns the STORE_SHARE commission on"
        " the orders it serves.",
    },
)
StoreKindEnum: TypeAlias = StoreKind
expose_enum(
    StoreStatus,
    "StoreStatus",
    "Whether a store operates.",
    {
        StoreStatus.ACTIVE: "Open: listed in the shop, takes pickups and new customers.",
        StoreStatus.CLOSED: "Closed (已关店): kept for history and reports.",
    },
)
StoreStatusEnum: TypeAlias = StoreStatus
expose_enum(
    StaffRole,
    "StaffRole",
    "A staff member's role; what each may do is the role matrix (SPEC 13), shown on every admin"
    " root field as 'Who'.",
    {
        StaffRole.HQ_ADMIN: "Headquarters administrator (总部管理员): everything, staff management,"
        " the only role that sees personal data unmasked.",
        StaffRole.HQ_FINANCE: "Headquarters finance (总部财务): withdrawals (提现), commission"
        " adjustments, commission reports and balances; amounts, never addresses or phones.",
        StaffRole.HQ_OPERATOR: "Headquarters operations (总部运营): catalog, coupons, segments,"
        " distributor reviews, commission rules, settings, reports.",
        StaffRole.STORE_MANAGER: "Store manager (店长): everything of their own store.",
        StaffRole.GUIDE: "In-store guide (导购): their own customers, links and commission; always"
        " a distributor (分销员) of kind GUIDE.",
    },
)
StaffRoleEnum: TypeAlias = StaffRole
expose_enum(
    StaffStatus,
    "StaffStatus",
    "Whether a staff member still works for the brand.",
    {
        StaffStatus.ACTIVE: "Working: may log in.",
        StaffStatus.LEFT: "Left (离职): cannot log in, every token revoked; customers are"
        " transferred (离职继承), commission earned stays theirs.",
    },
)
StaffStatusEnum: TypeAlias = StaffStatus
expose_enum(
    Gender,
    "Gender",
    "A member's gender as they gave it in their profile.",
    {
        Gender.UNKNOWN: "Not given.",
        Gender.MALE: "Male (男).",
        Gender.FEMALE: "Female (女).",
    },
)
GenderEnum: TypeAlias = Gender
expose_enum(
    AcquisitionChannel,
    "AcquisitionChannel",
    "How a member first came (首次来源), recorded once when the member is created; the key of"
    " the channel cohort report.",
    {
        AcquisitionChannel.MINI_PROGRAM: "Opened the mini-program (小程序) directly.",
        AcquisitionChannel.SHARE_LINK: "Through a distributor's share link (推广链接).",
        AcquisitionChannel.STORE_QR: "Scanned a store's QR code (门店码).",
        AcquisitionChannel.OFFLINE_SIGNUP: "Signed up in store by staff (开卡); only staff may"
        " record it (a member login with it answers CHANNEL_NOT_ALLOWED).",
        AcquisitionChannel.CAMPAIGN: "Through a marketing campaign (活动).",
    },
)
AcquisitionChannelEnum: TypeAlias = AcquisitionChannel
expose_enum(
    ProductStatus,
    "ProductStatus",
    "Whether a product (SPU) is sold.",
    {
        ProductStatus.DRAFT: "Being prepared (草稿): not shown in the shop.",
        ProductStatus.ON_SALE: "On sale (在售): listed in the shop and orderable.",
        ProductStatus.OFF_SALE: "Taken off sale (已下架): not listed; ordering it answers"
        " NOT_ON_SALE.",
    },
)
ProductStatusEnum: TypeAlias = ProductStatus
expose_enum(
    OrderStatus,
    "OrderStatus",
    "Where an order is in its lifecycle (SPEC 8.1): PENDING_PAYMENT → PAID → SHIPPED or"
    " READY_FOR_PICKUP → COMPLETED; PENDING_PAYMENT → CANCELLED; fully refunded → CLOSED.",
    {
        OrderStatus.PENDING_PAYMENT: "Placed, not paid (待付款): stock, coupon and points are held"
        " until it is paid or cancelled (automatically after order.payment_timeout_minutes).",
        OrderStatus.PAID: "Paid (待发货/待备货): commission entries are PENDING.",
        OrderStatus.SHIPPED: "Delivery order shipped (已发货): completes on confirmReceipt or"
        " order.auto_complete_days after shipping.",
        OrderStatus.READY_FOR_PICKUP: "Pickup order ready in store (待自提): completes when staff"
        " verify the member's pickup code.",
        OrderStatus.COMPLETED: "Completed (已完成): growth and points earned; commission settles"
        " after commission.freeze_days.",
        OrderStatus.CANCELLED: "Cancelled before payment (已取消), by the member or the"
        " payment timeout; stock, coupon and points released.",
        OrderStatus.CLOSED: "Closed (已关闭): every item fully refunded.",
    },
)
OrderStatusEnum: TypeAlias = OrderStatus
expose_enum(
    Fulfilment,
    "Fulfilment",
    "How an order reaches the member.",
    {
        Fulfilment.DELIVERY: "Shipped to an address (快递配送); shipping fee unless free.",
        Fulfilment.PICKUP: "Picked up at a store (到店自提) with a pickup code; no shipping fee.",
    },
)
FulfilmentEnum: TypeAlias = Fulfilment
expose_enum(
    OrderChannel,
    "OrderChannel",
    "The channel of an order, fixed in its attribution snapshot when placed (SPEC 8.4).",
    {
        OrderChannel.MINI_PROGRAM: "Natural traffic in the mini-program (自然流量).",
        OrderChannel.SHARE_LINK: "Through a share link (推广链接): a share code in force.",
        OrderChannel.GUIDE_ASSISTED: "Placed by a guide for the member (代客下单).",
        OrderChannel.STORE_QR: "From a store's QR code (门店码).",
        OrderChannel.CAMPAIGN: "From a marketing campaign (活动).",
    },
)
OrderChannelEnum: TypeAlias = OrderChannel
expose_enum(
    RefundStatus,
    "RefundStatus",
    "Where an after-sale refund request (售后退款) is.",
    {
        RefundStatus.REQUESTED: "Requested by the member, waiting for review (待审核); no other"
        " refund of that item may be requested meanwhile (REFUND_IN_PROGRESS).",
        RefundStatus.REJECTED: "Rejected by staff (已拒绝); nothing was refunded.",
        RefundStatus.REFUNDED: "Refunded through the payment provider (已退款); stock,"
        " commission, points and growth reversed in proportion, once, when the provider said"
        " SUCCESS.",
        RefundStatus.PROCESSING: "Approved and sent to the provider, which has not finished it"
        " (退款中); nothing reversed yet and the item's commission does not settle.",
        RefundStatus.ABNORMAL: "The provider could not pay the buyer back (e.g. a closed card);"
        " finance refunds another way and answers resolveRefund(REFUNDED_OFFLINE).",
        RefundStatus.CLOSED: "The provider closed the refund unpaid; finance re-initiates it"
        " (resolveRefund RETRIED) or ends it (ABANDONED).",
        RefundStatus.AWAITING_RETURN: "Approved on condition the goods come back (退货退款):"
        " the member records the return (recordRefundReturn), the store confirms receipt"
        " (confirmRefundReturn), then the money goes back.",
    },
)
RefundStatusEnum: TypeAlias = RefundStatus
expose_enum(
    ReturnMethod,
    "ReturnMethod",
    "How the member sends the goods of a return-and-refund back.",
    {
        ReturnMethod.EXPRESS: "By courier (快递): carrier and tracking number required.",
        ReturnMethod.STORE: "Brought to a store (到店退货): no carrier or tracking number.",
    },
)
ReturnMethodEnum: TypeAlias = ReturnMethod
expose_enum(
    DistributorKind,
    "DistributorKind",
    "What kind of distributor (分销员) someone is.",
    {
        DistributorKind.GUIDE: "An in-store guide (导购); every active guide is one automatically.",
        DistributorKind.KOC: "A key opinion consumer (KOC): a member whose word carries weight.",
        DistributorKind.MEMBER: "An ordinary member who shares (人人分销).",
        DistributorKind.SHOP: "A small partner shop (小b / 夫妻店), owned by a member account.",
    },
)
DistributorKindEnum: TypeAlias = DistributorKind
expose_enum(
    DistributorStatus,
    "DistributorStatus",
    "Whether a distributor earns.",
    {
        DistributorStatus.ACTIVE: "Earns commission and binds new referrals.",
        DistributorStatus.FROZEN: "Frozen (冻结): keeps balances, earns nothing new, binds no one.",
        DistributorStatus.DISABLED: "Disabled (停用): earns nothing, binds no one.",
    },
)
DistributorStatusEnum: TypeAlias = DistributorStatus
expose_enum(
    ApplicationStatus,
    "ApplicationStatus",
    "Where a member's application to become a distributor (分销员申请) is.",
    {
        ApplicationStatus.PENDING: "Waiting for HQ's review (待审核).",
        ApplicationStatus.APPROVED: "Approved: the member is now a distributor.",
        ApplicationStatus.REJECTED: "Rejected; the member may apply again.",
    },
)
ApplicationStatusEnum: TypeAlias = ApplicationStatus
expose_enum(
    CouponKind,
    "CouponKind",
    "What a coupon (优惠券) takes off.",
    {
        CouponKind.AMOUNT_OFF: "A fixed amount in fen once the threshold is reached (满减).",
        CouponKind.PERCENT_OFF: "A share in basis points of the goods in scope (折扣),"
        " up to a cap.",
        CouponKind.FREE_SHIPPING: "The shipping fee (包邮).",
    },
)
CouponKindEnum: TypeAlias = CouponKind
expose_enum(
    CouponScope,
    "CouponScope",
    "Which goods a coupon applies to.",
    {
        CouponScope.ALL: "Every product.",
        CouponScope.CATEGORIES: "Products of the listed categories.",
        CouponScope.PRODUCTS: "The listed products.",
    },
)
CouponScopeEnum: TypeAlias = CouponScope
expose_enum(
    CouponStatus,
    "CouponStatus",
    "Where a member's coupon is.",
    {
        CouponStatus.AVAILABLE: "Usable within its validity (可使用).",
        CouponStatus.LOCKED: "Reserved by an unpaid order (已锁定); released if the order is"
        " cancelled.",
        CouponStatus.USED: "Used by a paid order (已使用); not returned on refund.",
        CouponStatus.EXPIRED: "Past its validity (已过期).",
    },
)
CouponStatusEnum: TypeAlias = CouponStatus
expose_enum(
    CouponSource,
    "CouponSource",
    "How a member got a coupon.",
    {
        CouponSource.CLAIM: "Claimed by the member from a public template (领券中心).",
        CouponSource.ISSUE: "Issued by HQ to members or a segment (定向发券).",
        CouponSource.WELCOME: "Welcome coupon on first login (新人券).",
        CouponSource.NEW_CUSTOMER: "New-customer coupon when bound by a referral (推荐新客券).",
        CouponSource.GUIDE: "Issued by the member's guide, within the guide's monthly quota.",
    },
)
CouponSourceEnum: TypeAlias = CouponSource
expose_enum(
    PointsKind,
    "PointsKind",
    "A movement of points (积分, 1 point = 1 fen off), as the member sees it.",
    {
        PointsKind.EARN: "Earned when an order completes, as a lot that expires after"
        " points.valid_days.",
        PointsKind.SPEND: "Used on an order, earliest-expiring lots first.",
        PointsKind.RETURN: "Spent points given back after a refund, in proportion, to"
        " the lots they came from.",
        PointsKind.REVERSE: "Earned points taken back after a refund, in proportion.",
        PointsKind.EXPIRE: "A lot's remainder expired.",
        PointsKind.ADJUST: "A manual adjustment by HQ, with a reason.",
    },
)
PointsKindEnum: TypeAlias = PointsKind
