"""Domain enums exposed in GraphQL, registered once for both schemas.

`strawberry.enum` marks the domain enum class itself (and returns it), so each enum is
registered by that call and its GraphQL name is a plain alias of the class: annotations type-check
without `type: ignore` (issue 11). The same pattern declares the other modules' enums."""

from typing import TypeAlias

import strawberry

from distribution.models import ApplicationStatus, DistributorKind, DistributorStatus
from domain.catalog.models import ProductStatus
from domain.members.models import AcquisitionChannel, Gender
from domain.orders.models import Fulfilment, OrderChannel, OrderStatus, RefundStatus
from domain.org.models import StaffRole, StaffStatus, StoreKind, StoreStatus
from loyalty.models import CouponKind, CouponScope, CouponSource, CouponStatus, PointsKind

strawberry.enum(StoreKind, name="StoreKind")
StoreKindEnum: TypeAlias = StoreKind
strawberry.enum(StoreStatus, name="StoreStatus")
StoreStatusEnum: TypeAlias = StoreStatus
strawberry.enum(StaffRole, name="StaffRole")
StaffRoleEnum: TypeAlias = StaffRole
strawberry.enum(StaffStatus, name="StaffStatus")
StaffStatusEnum: TypeAlias = StaffStatus
strawberry.enum(Gender, name="Gender")
GenderEnum: TypeAlias = Gender
strawberry.enum(AcquisitionChannel, name="AcquisitionChannel")
AcquisitionChannelEnum: TypeAlias = AcquisitionChannel
strawberry.enum(ProductStatus, name="ProductStatus")
ProductStatusEnum: TypeAlias = ProductStatus
strawberry.enum(OrderStatus, name="OrderStatus")
OrderStatusEnum: TypeAlias = OrderStatus
strawberry.enum(Fulfilment, name="Fulfilment")
FulfilmentEnum: TypeAlias = Fulfilment
strawberry.enum(OrderChannel, name="OrderChannel")
OrderChannelEnum: TypeAlias = OrderChannel
strawberry.enum(RefundStatus, name="RefundStatus")
RefundStatusEnum: TypeAlias = RefundStatus
strawberry.enum(DistributorKind, name="DistributorKind")
DistributorKindEnum: TypeAlias = DistributorKind
strawberry.enum(DistributorStatus, name="DistributorStatus")
DistributorStatusEnum: TypeAlias = DistributorStatus
strawberry.enum(ApplicationStatus, name="ApplicationStatus")
ApplicationStatusEnum: TypeAlias = ApplicationStatus
strawberry.enum(CouponKind, name="CouponKind")
CouponKindEnum: TypeAlias = CouponKind
strawberry.enum(CouponScope, name="CouponScope")
CouponScopeEnum: TypeAlias = CouponScope
strawberry.enum(CouponStatus, name="CouponStatus")
CouponStatusEnum: TypeAlias = CouponStatus
strawberry.enum(CouponSource, name="CouponSource")
CouponSourceEnum: TypeAlias = CouponSource
strawberry.enum(PointsKind, name="PointsKind")
PointsKindEnum: TypeAlias = PointsKind
