"""The shop API at /graphql: anonymous browsing and member tokens. No admin types here. Every
root field answers DomainErrors through `ErrorsAsData` (payload errors, null, BAD_USER_INPUT)."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig

from api.auth.permissions import shop_field, shop_mutation
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
    me: account.MeNode = shop_field(account.me)
    products: Connection[catalog.ProductNode] = shop_field(catalog.products)
    product: catalog.ProductNode | None = shop_field(catalog.product)
    categories: list[catalog.CategoryNode] = shop_field(catalog.category_tree)
    stores: Connection[store_list.StoreNode] = shop_field(store_list.stores)
    checkout_preview: order_api.CheckoutPreviewResult = shop_field(order_api.checkout_preview)
    order: OrderNode | None = shop_field(order_api.order)
    my_orders: Connection[OrderNode] = shop_field(order_api.my_orders)
    my_points: loyalty_api.MyPoints = shop_field(loyalty_api.my_points)
    my_coupons: Connection[CouponNode] = shop_field(loyalty_api.my_coupons)
    claimable_coupons: Connection[CouponTemplateNode] = shop_field(loyalty_api.claimable_coupons)
    distribution_center: center_api.DistributionCenter = shop_field(center_api.distribution_center)


@strawberry.type
class Mutation:
    login: account.LoginPayload = shop_mutation(account.login)
    refresh_token: account.RefreshTokenPayload = shop_mutation(account.refresh_token)
    logout: account.LogoutPayload = shop_mutation(account.logout)
    bind_phone: account.BindPhonePayload = shop_mutation(account.bind_phone_mutation)
    update_profile: account.UpdateProfilePayload = shop_mutation(account.update_profile)
    place_order: order_api.PlaceOrderPayload = shop_mutation(order_api.place_order)
    cancel_order: order_api.OrderPayload = shop_mutation(order_api.cancel_order)
    pay_order: order_api.PayOrderPayload = shop_mutation(order_api.pay_order)
    confirm_receipt: order_api.OrderPayload = shop_mutation(order_api.confirm_receipt)
    request_refund: order_api.RefundPayload = shop_mutation(order_api.request_refund)
    create_share_link: link_api.ShareLinkPayload = shop_mutation(link_api.create_share_link)
    record_share_visit: link_api.ShareVisitPayload = shop_mutation(link_api.record_share_visit)
    record_store_visit: link_api.StoreVisitPayload = shop_mutation(link_api.record_store_visit)
    claim_coupon: loyalty_api.ClaimCouponPayload = shop_mutation(loyalty_api.claim_coupon)
    request_withdrawal: withdrawal_api.WithdrawalPayload = shop_mutation(
        withdrawal_api.request_withdrawal
    )
    set_payee_real_name: withdrawal_api.PayeeRealNamePayload = shop_mutation(
        withdrawal_api.set_payee_real_name
    )
    apply_for_distributor: distribution_api.ApplyForDistributorPayload = shop_mutation(
        distribution_api.apply_for_distributor
    )


schema = strawberry.Schema(
    query=Query, mutation=Mutation, config=StrawberryConfig(scalar_map=SCALARS)
)
