"""Placing and paying orders the way the mini-program does."""

from __future__ import annotations

import itertools
import secrets
from datetime import timedelta
from typing import Any

from api.graphql.ids import from_global_id, to_global_id
from domain import clock
from domain.catalog.models import Sku
from domain.members.models import Member
from domain.orders.models import Fulfilment, Order, OrderItem
from tests.support.catalog import make_category, make_product

_keys = itertools.count(1)

ORDER_FIELDS = """
id number status fulfilment pickupCode
goods { fen } tierDiscount { fen } couponDiscount { fen } pointsUsed shipping { fen }
payable { fen }
items { id quantity amount { fen } paid { fen } refunded { fen } }
"""
PLACE = (
    """
mutation($input: CheckoutInput!, $key: String!) {
  placeOrder(input: $input, idempotencyKey: $key) {
    created
    order { %s }
    errors { code field }
  }
}
"""
    % ORDER_FIELDS
)
PREVIEW = """
query($input: CheckoutInput!) {
  checkoutPreview(input: $input) {
    preview { goods { fen } tierDiscount { fen } couponDiscount { fen } pointsUsed
      shipping { fen } payable { fen } lines { skuId quantity paid { fen } } }
    errors { code field }
  }
}
"""
PAY = """
mutation($id: ID!) {
  payOrder(orderId: $id) { provider outTradeNo payParams errors { code field } }
}
"""
ADDRESS = {
    "name": "张三",
    "phone": "13800001111",
    "region": "上海市静安区",
    "detail": "南京西路1号",
}


def delivery(*lines: tuple[Sku, int], **extra: Any) -> dict[str, Any]:
    return {
        "lines": [{"skuId": to_global_id("Sku", sku.id), "quantity": q} for sku, q in lines],
        "fulfilment": "DELIVERY",
        "address": ADDRESS,
        **extra,
    }


def pickup(store_id: int, *lines: tuple[Sku, int], **extra: Any) -> dict[str, Any]:
    return {
        "lines": [{"skuId": to_global_id("Sku", sku.id), "quantity": q} for sku, q in lines],
        "fulfilment": "PICKUP",
        "pickupStoreId": to_global_id("Store", store_id),
        **extra,
    }


def new_key() -> str:
    return f"key-{next(_keys)}"


async def place(client, checkout: dict[str, Any], key: str | None = None) -> dict[str, Any]:
    data = await client.data(PLACE, {"input": checkout, "key": key or new_key()})
    return data["placeOrder"]


async def place_ok(client, checkout: dict[str, Any]) -> dict[str, Any]:
    result = await place(client, checkout)
    assert result["errors"] == [], result["errors"]
    return result["order"]


def order_pk(order: dict[str, Any]) -> int:
    return from_global_id(order["id"], "Order")


async def pay(api, client, order: dict[str, Any]) -> None:
    """Pay through the sandbox provider: its signed notification reaches the notify path."""
    started = (await client.data(PAY, {"id": order["id"]}))["payOrder"]
    assert started["errors"] == [], started["errors"]
    response = await api.http.post(f"/payments/sandbox/{started['outTradeNo']}/succeed")
    assert response.status_code in (200, 204), response.text


async def unpaid_order(payable_fen: int) -> Order:
    """An order awaiting payment, made directly: for tests about paying, not checkout."""
    now = clock.now()
    member = await Member.create(created_at=now, updated_at=now)
    category = await make_category()
    product = await make_product(category, (payable_fen,))
    sku = (await product.skus.all())[0]
    order = await Order.create(
        number=f"T{secrets.token_hex(6)}",
        member=member,
        fulfilment=Fulfilment.DELIVERY,
        goods_fen=payable_fen,
        payable_fen=payable_fen,
        idempotency_key=secrets.token_hex(8),
        request_hash="0" * 64,
        created_at=now,
        pay_deadline=now + timedelta(minutes=30),
    )
    await OrderItem.create(
        order=order,
        line=1,
        sku_id=sku.id,
        product_id=product.id,
        category_id=category.id,
        title=product.title,
        commission_enabled=True,
        unit_price_fen=payable_fen,
        quantity=1,
        amount_fen=payable_fen,
        paid_fen=payable_fen,
    )
    return order
