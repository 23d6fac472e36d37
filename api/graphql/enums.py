"""Domain enums exposed in GraphQL, registered once for both schemas."""

import strawberry

from distribution.models import ApplicationStatus, DistributorKind, DistributorStatus
from domain.catalog.models import ProductStatus
from domain.members.models import AcquisitionChannel, Gender
from domain.orders.models import Fulfilment, OrderChannel, OrderStatus, RefundStatus
from domain.org.models import StaffRole, StaffStatus, StoreKind, StoreStatus
from loyalty.models import CouponKind, CouponScope, CouponSource, CouponStatus, PointsKind

StoreKindEnum = strawberry.enum(StoreKind, name="StoreKind")
StoreStatusEnum = strawberry.enum(StoreStatus, name="StoreStatus")
StaffRoleEnum = strawberry.enum(StaffRole, name="StaffRole")
StaffStatusEnum = strawberry.enum(StaffStatus, name="StaffStatus")
GenderEnum = strawberry.enum(Gender, name="Gender")
AcquisitionChannelEnum = strawberry.enum(AcquisitionChannel, name="AcquisitionChannel")
ProductStatusEnum = strawberry.enum(ProductStatus, name="ProductStatus")
OrderStatusEnum = strawberry.enum(OrderStatus, name="OrderStatus")
FulfilmentEnum = strawberry.enum(Fulfilment, name="Fulfilment")
OrderChannelEnum = strawberry.enum(OrderChannel, name="OrderChannel")
RefundStatusEnum = strawberry.enum(RefundStatus, name="RefundStatus")
DistributorKindEnum = strawberry.enum(DistributorKind, name="DistributorKind")
DistributorStatusEnum = strawberry.enum(DistributorStatus, name="DistributorStatus")
ApplicationStatusEnum = strawberry.enum(ApplicationStatus, name="ApplicationStatus")
CouponKindEnum = strawberry.enum(CouponKind, name="CouponKind")
CouponScopeEnum = strawberry.enum(CouponScope, name="CouponScope")
CouponStatusEnum = strawberry.enum(CouponStatus, name="CouponStatus")
CouponSourceEnum = strawberry.enum(CouponSource, name="CouponSource")
PointsKindEnum = strawberry.enum(PointsKind, name="PointsKind")
