"""The member's cart, address book, favourites and history, driven over HTTP."""

from __future__ import annotations

from typing import Any

from api.graphql.ids import to_global_id
from domain.catalog.models import Sku

CART_FIELDS = """
lines { id title image quantity selected availability productId
  sku { id specs { name value } price { fen } memberPrice { fen } stock }
  memberPrice { fen } addedPrice { fen } priceChange { fen } }
selectedCount unavailableCount
"""
CART = "{ cart { %s } }" % CART_FIELDS
ADD = (
    """
mutation($sku: ID!, $quantity: Int!) {
  addToCart(skuId: $sku, quantity: $quantity) { cart { %s } errors { code field message } }
}
"""
    % CART_FIELDS
)
SET_QUANTITY = """
mutation($line: ID!, $quantity: Int!) {
  setCartQuantity(lineId: $line, quantity: $quantity) {
    cart { lines { id quantity } } errors { code field } }
}
"""
SELECT = """
mutation($lines: [ID!], $selected: Boolean!) {
  selectCartLines(lineIds: $lines, selected: $selected) {
    cart { lines { id selected } selectedCount } errors { code field } }
}
"""
REMOVE = """
mutation($lines: [ID!]!) {
  removeCartLines(lineIds: $lines) { cart { lines { id } } errors { code field } }
}
"""
ADDRESS_FIELDS = "id name phone region detail isDefault"
CREATE_ADDRESS = """
mutation($input: AddressBookInput!, $isDefault: Boolean! = false) {
  createAddress(input: $input, isDefault: $isDefault) {
    address { %s } addresses { %s } errors { code field }
  }
}
""" % (ADDRESS_FIELDS, ADDRESS_FIELDS)
UPDATE_ADDRESS = (
    """
mutation($id: ID!, $input: AddressBookInput!) {
  updateAddress(id: $id, input: $input) { address { %s } errors { code field } }
}
"""
    % ADDRESS_FIELDS
)
DELETE_ADDRESS = (
    """
mutation($id: ID!) { deleteAddress(id: $id) { addresses { %s } errors { code field } } }
"""
    % ADDRESS_FIELDS
)
SET_DEFAULT = (
    """
mutation($id: ID!) { setDefaultAddress(id: $id) { addresses { %s } errors { code field } } }
"""
    % ADDRESS_FIELDS
)
MY_ADDRESSES = "{ myAddresses { %s } }" % ADDRESS_FIELDS
HOME = {
    "name": "李四",
    "phone": "139 0000 2222",
    "region": "上海市徐汇区",
    "detail": "漕溪北路 2 号",
}


def sku_id(sku: Sku) -> str:
    return to_global_id("Sku", sku.id)


async def add_to_cart(client, sku: Sku, quantity: int = 1) -> dict[str, Any]:
    """The payload of addToCart (cart or errors)."""
    data = await client.data(ADD, {"sku": sku_id(sku), "quantity": quantity})
    return data["addToCart"]


async def added(client, sku: Sku, quantity: int = 1) -> dict[str, Any]:
    result = await add_to_cart(client, sku, quantity)
    assert result["errors"] == [], result["errors"]
    return result["cart"]


async def read_cart(client) -> dict[str, Any]:
    return (await client.data(CART))["cart"]


async def create_address(client, address: dict[str, str], default: bool = False) -> dict:
    result = (await client.data(CREATE_ADDRESS, {"input": address, "isDefault": default}))[
        "createAddress"
    ]
    assert result["errors"] == [], result["errors"]
    return result["address"]
