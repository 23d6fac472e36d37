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
from api.shop import account, catalog, storefront
from api.shop import checkout_coupons as checkout_coupon_api
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
    cart: storefront.CartNode = shop_field(
        storefront.my_cart,
        "The member's cart: each line with its member price now, its price change since it was "
        "added and whether it can be bought. Two statements whatever its size.",
    )
    my_addresses: list[storefront.AddressNode] = shop_field(
        storefront.my_addresses, "The address book: the default first, then the newest (max 20)."
    )
    my_favourites: Connection[storefront.FavouriteNode] = shop_field(
        storefront.my_favourites, "Favourite products, newest first."
    )
    browsing_history: Connection[storefront.BrowsingRecordNode] = shop_field(
        storefront.browsing_history,
        "The last 100 products the member opened (`product(id)`), newest first, each once.",
    )
    coupons_for_checkout: checkout_coupon_api.CouponsForCheckoutResult = shop_field(
        checkout_coupon_api.coupons_for_checkout_field,
        "The member's coupons judged on this checkout input (as checkoutPreview's): usable ones "
        "with what each takes off, then unusable ones with the reason and any shortfall.",
    )


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
    apply_for_distributor: distribution_api.ApplyForDistributorPayload = shop_mutation(
        distribution_api.apply_for_distributor
    )
    add_to_cart: storefront.CartPayload = shop_mutation(
        storefront.add_to_cart,
        "Add 1..99 units of a SKU on sale; a SKU already in the cart adds to its line (capped "
        "at 99) and is selected. At most 100 lines; never past the stock.",
    )
    set_cart_quantity: storefront.CartPayload = shop_mutation(
        storefront.set_cart_quantity,
        "Set a line's quantity (1..99); raising it past the stock is refused, lowering is not.",
    )
    select_cart_lines: storefront.CartPayload = shop_mutation(
        storefront.select_cart_lines,
        "Select or unselect the lines named, or every line when `lineIds` is left out.",
    )
    remove_cart_lines: storefront.CartPayload = shop_mutation(
        storefront.remove_cart_lines, "Remove lines from the cart."
    )
    create_address: storefront.AddressPayload = shop_mutation(
        storefront.create_address,
        "Add an address (max 20); the first one, or one with `isDefault`, is the default.",
    )
    update_address: storefront.AddressPayload = shop_mutation(
        storefront.update_address, "Rewrite an address; orders keep their own copy."
    )
    delete_address: storefront.AddressPayload = shop_mutation(
        storefront.delete_address,
        "Delete an address; when it was the default, the newest remaining one becomes it.",
    )
    set_default_address: storefront.AddressPayload = shop_mutation(
        storefront.set_default_address, "Make an address the default (exactly one is)."
    )
    add_favourite: storefront.FavouritePayload = shop_mutation(
        storefront.add_favourite, "Keep a product on sale among the favourites (idempotent)."
    )
    remove_favourite: storefront.FavouritePayload = shop_mutation(
        storefront.remove_favourite, "Remove a product from the favourites (idempotent)."
    )
    clear_browsing_history: storefront.ClearHistoryPayload = shop_mutation(
        storefront.clear_browsing_history, "Forget the products the member opened."
    )


schema = strawberry.Schema(
    query=Query, mutation=Mutation, config=StrawberryConfig(scalar_map=SCALARS)
)
