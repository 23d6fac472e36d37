"""The address book (SPEC 21, issue 16 item 2): one default, the first is it; phones normalised;
at most 20; someone else's address is NOT_FOUND like a missing one; checkout by addressId keeps
a copy."""

from api.graphql.ids import to_global_id
from domain.orders.models import Order
from domain.storefront.models import Address
from tests.support.catalog import make_category, make_product
from tests.support.orders import order_pk, place, place_ok
from tests.support.storefront import (
    CREATE_ADDRESS,
    DELETE_ADDRESS,
    HOME,
    MY_ADDRESSES,
    SET_DEFAULT,
    UPDATE_ADDRESS,
    create_address,
)

OFFICE = {
    "name": "王五",
    "phone": "+86 137-0000-3333",
    "region": "北京市朝阳区",
    "detail": "建国路 8 号",
}


async def _book(member) -> list[tuple[str, str, bool]]:
    return [
        (a.name, a.phone, a.is_default)
        for a in await Address.filter(member_id=member.member_id).order_by("id")
    ]


async def test_the_first_address_is_the_default_and_phones_are_normalised(api):
    member = await api.member()

    home = await create_address(member.client, HOME)
    office = await create_address(member.client, OFFICE)

    assert (home["phone"], home["isDefault"]) == ("+8613900002222", True)
    assert (office["phone"], office["isDefault"]) == ("+8613700003333", False)
    listed = (await member.client.data(MY_ADDRESSES))["myAddresses"]
    assert [(a["name"], a["isDefault"]) for a in listed] == [("李四", True), ("王五", False)]


async def test_exactly_one_default_when_set_created_or_deleted(api):
    member = await api.member()
    home = await create_address(member.client, HOME)
    office = await create_address(member.client, OFFICE)

    await member.client.data(SET_DEFAULT, {"id": office["id"]})
    assert await _book(member) == [
        ("李四", "+8613900002222", False),
        ("王五", "+8613700003333", True),
    ]
    third = await create_address(member.client, {**HOME, "name": "赵六"}, default=True)
    assert [d for *_, d in await _book(member)] == [False, False, True]

    deleted = (await member.client.data(DELETE_ADDRESS, {"id": third["id"]}))["deleteAddress"]

    # the newest remaining one becomes the default
    assert [(a["id"], a["isDefault"]) for a in deleted["addresses"]] == [
        (office["id"], True),
        (home["id"], False),
    ]


async def test_updating_rewrites_the_entry(api):
    member = await api.member()
    home = await create_address(member.client, HOME)

    updated = (
        await member.client.data(
            UPDATE_ADDRESS, {"id": home["id"], "input": {**HOME, "detail": " 漕溪北路 3 号 "}}
        )
    )["updateAddress"]

    assert updated["errors"] == []
    assert (updated["address"]["detail"], updated["address"]["isDefault"]) == (
        "漕溪北路 3 号",
        True,
    )


async def test_bad_input_is_refused_and_changes_nothing(api):
    member = await api.member()
    home = await create_address(member.client, HOME)

    cases = [
        ({**HOME, "phone": "12345"}, "INVALID_PHONE", "input.phone"),
        ({**HOME, "name": "  "}, "REQUIRED", "input.name"),
        ({**HOME, "detail": "号" * 201}, "TOO_LONG", "input.detail"),
    ]
    for address, code, field in cases:
        created = (await member.client.data(CREATE_ADDRESS, {"input": address}))["createAddress"]
        updated = (await member.client.data(UPDATE_ADDRESS, {"id": home["id"], "input": address}))[
            "updateAddress"
        ]
        assert created["errors"] == [{"code": code, "field": field}]
        assert updated["errors"] == [{"code": code, "field": field}]
    assert await _book(member) == [("李四", "+8613900002222", True)]


async def test_a_book_holds_20_addresses(api):
    member = await api.member()
    for number in range(20):
        await create_address(member.client, {**HOME, "detail": f"{number} 号"})

    refused = (await member.client.data(CREATE_ADDRESS, {"input": OFFICE}))["createAddress"]

    assert refused["errors"] == [{"code": "ADDRESS_BOOK_FULL", "field": None}]
    assert await Address.filter(member_id=member.member_id).count() == 20
    assert await Address.filter(member_id=member.member_id, is_default=True).count() == 1


async def test_someone_elses_address_is_not_found_like_a_missing_one(api):
    owner, other = await api.member(), await api.member()
    home = await create_address(owner.client, HOME)
    await create_address(other.client, OFFICE)
    missing = to_global_id("Address", 999_999)

    for target in (home["id"], missing):
        for mutation, name, variables in (
            (UPDATE_ADDRESS, "updateAddress", {"input": OFFICE}),
            (DELETE_ADDRESS, "deleteAddress", {}),
            (SET_DEFAULT, "setDefaultAddress", {}),
        ):
            result = (await other.client.data(mutation, {"id": target, **variables}))[name]
            assert result["errors"] == [{"code": "NOT_FOUND", "field": "id"}]
        sku = (await (await make_product(await make_category())).skus.all())[0]
        refused = await place(
            other.client,
            {
                "lines": [{"skuId": to_global_id("Sku", sku.id), "quantity": 1}],
                "fulfilment": "DELIVERY",
                "addressId": target,
            },
        )
        assert refused["errors"] == [{"code": "NOT_FOUND", "field": "input.addressId"}]
    assert await _book(owner) == [("李四", "+8613900002222", True)]
    assert [d for *_, d in await _book(other)] == [True]
    assert await Order.all().count() == 0


async def test_checkout_by_address_id_keeps_a_copy(api):
    member = await api.member()
    home = await create_address(member.client, HOME)
    sku = (await (await make_product(await make_category(), (5_000,))).skus.all())[0]
    lines = [{"skuId": to_global_id("Sku", sku.id), "quantity": 1}]

    order = await place_ok(
        member.client, {"lines": lines, "fulfilment": "DELIVERY", "addressId": home["id"]}
    )
    await member.client.data(UPDATE_ADDRESS, {"id": home["id"], "input": OFFICE})
    both = await place(
        member.client,
        {"lines": lines, "fulfilment": "DELIVERY", "addressId": home["id"], "address": HOME},
    )

    stored = await Order.get(id=order_pk(order))
    assert stored.address == {
        "name": "李四",
        "phone": "+8613900002222",
        "region": "上海市徐汇区",
        "detail": "漕溪北路 2 号",
    }
    assert both["errors"] == [{"code": "INVALID", "field": "input.addressId"}]
    assert await Order.all().count() == 1
