"""The shop API at /graphql: anonymous browsing and member tokens. No admin types here."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig

from api.graphql.relay import Connection
from api.graphql.scalars import SCALARS
from api.shop import account, catalog
from api.shop import stores as store_list


@strawberry.type
class Query:
    me: account.MeNode = strawberry.field(resolver=account.me)
    products: Connection[catalog.ProductNode] = strawberry.field(resolver=catalog.products)
    product: catalog.ProductNode | None = strawberry.field(resolver=catalog.product)
    categories: list[catalog.CategoryNode] = strawberry.field(resolver=catalog.category_tree)
    stores: Connection[store_list.StoreNode] = strawberry.field(resolver=store_list.stores)


@strawberry.type
class Mutation:
    login: account.LoginPayload = strawberry.mutation(resolver=account.login)
    refresh_token: account.RefreshTokenPayload = strawberry.mutation(resolver=account.refresh_token)
    logout: account.LogoutPayload = strawberry.mutation(resolver=account.logout)
    bind_phone: account.BindPhonePayload = strawberry.mutation(resolver=account.bind_phone_mutation)
    update_profile: account.UpdateProfilePayload = strawberry.mutation(
        resolver=account.update_profile
    )


schema = strawberry.Schema(
    query=Query, mutation=Mutation, config=StrawberryConfig(scalar_map=SCALARS)
)
