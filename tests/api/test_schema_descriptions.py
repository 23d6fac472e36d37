"""What the schema tells a client must match what the service does."""

import pytest

from domain.org.models import StaffRole

TIER_FIELDS = '{ __type(name: "Tier") { fields { name description } } }'


@pytest.mark.parametrize("path", ["/graphql", "/admin/graphql"])
async def test_tier_discount_is_described_as_a_share_of_the_price_not_the_list_price(api, path):
    # the tier discount applies to the SKU's price; the list price (划线价) is display only
    client = api.shop() if path == "/graphql" else (await api.staff(StaffRole.HQ_ADMIN)).client

    fields = (await client.data(TIER_FIELDS))["__type"]["fields"]

    assert {f["name"]: f["description"] for f in fields}["discountBp"] == (
        "Share of the price (not the list price 划线价) a member of this tier pays:"
        " 9800 = pays 98%, 2% off."
    )
