"""The shop API at /graphql: anonymous browsing and member tokens. No admin types here."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig

from api.graphql.loyalty import CouponNode, CouponTemplateNode
from api.graphql.orders import OrderNode
from api.graphql.relay import Connection
from api.graphql.scalars import SCALARS
from api.shop import account, catalog
from api.shop import distribution as distribution_api
from api.shop import distribution_center as center_api
from api.shop import distribution_links as link_api
from api.shop import loyalty as loyalty_api
from api.shop import orders as order_api
from api.shop import stores as store_list
from api.shop import withdrawals as withdrawal_api


@strawberry.type
class Query:
    me: account.MeNode = strawberry.field(resolver=account.me)
    products: Connection[catalog.ProductNode] = strawberry.field(resolver=catalog.products)
    product: catalog.ProductNode | None = strawberry.field(resolver=catalog.product)
    categories: list[catalog.CategoryNode] = strawberry.field(resolver=catalog.category_tree)
    stores: Connection[store_list.StoreNode] = strawberry.field(resolver=store_list.stores)
    checkout_preview: order_api.CheckoutPreviewResult = strawberry.field(
        resolver=order_api.checkout_preview
    )
    order: OrderNode | None = strawberry.field(resolver=order_api.order)
    my_orders: Connection[OrderNode] = strawberry.field(resolver=order_api.my_orders)
    my_points: loyalty_api.MyPoints = strawberry.field(resolver=loyalty_api.my_points)
    my_coupons: Connection[CouponNode] = strawberry.field(resolver=loyalty_api.my_coupons)
    claimable_coupons: Connection[CouponTemplateNode] = strawberry.field(
        resolver=loyalty_api.claimable_coupons
    )
    distribution_center: center_api.DistributionCenter = strawberry.field(
        resolver=center_api.distribution_center
    )


@strawberry.type
class Mutation:
    login: account.LoginPayload = strawberry.mutation(resolver=account.login)
    refresh_token: account.RefreshTokenPayload = strawberry.mutation(resolver=account.refresh_token)
    logout: account.LogoutPayload = strawberry.mutation(resolver=account.logout)
    bind_phone: account.BindPhonePayload = strawberry.mutation(resolver=account.bind_phone_mutation)
    update_profile: account.UpdateProfilePayload = strawberry.mutation(
        resolver=account.update_profile
    )
    place_order: order_api.PlaceOrderPayload = strawberry.mutation(resolver=order_api.place_order)
    cancel_order: order_api.OrderPayload = strawberry.mutation(resolver=order_api.cancel_order)
    pay_order: order_api.PayOrderPayload = strawberry.mutation(resolver=order_api.pay_order)
    confirm_receipt: order_api.OrderPayload = strawberry.mutation(
        resolver=order_api.confirm_receipt
    )
    request_refund: order_api.RefundPayload = strawberry.mutation(resolver=order_api.request_refund)
    create_share_link: link_api.ShareLinkPayload = strawberry.mutation(
        resolver=link_api.create_share_link
    )
    record_share_visit: link_api.ShareVisitPayload = strawberry.mutation(
        resolver=link_api.record_share_visit
    )
    record_store_visit: link_api.StoreVisitPayload = strawberry.mutation(
        resolver=link_api.record_store_visit
    )
    claim_coupon: loyalty_api.ClaimCouponPayload = strawberry.mutation(
        resolver=loyalty_api.claim_coupon
    )
    request_withdrawal: withdrawal_api.WithdrawalPayload = strawberry.mutation(
        resolver=withdrawal_api.request_withdrawal
    )
    apply_for_distributor: distribution_api.ApplyForDistributorPayload = strawberry.mutation(
        resolver=distribution_api.apply_for_distributor
    )


schema = strawberry.Schema(
    query=Query, mutation=Mutation, config=StrawberryConfig(scalar_map=SCALARS)
)
