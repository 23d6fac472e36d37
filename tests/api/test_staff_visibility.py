"""What staff see of an order and whom a store manager may mark LEFT (SPEC 13; issue 11 findings
5, 6 and 7): HQ_FINANCE sees amounts and numbers, never the delivery address; no staff role sees
a pickup code; a store manager marks only their own store's guides LEFT."""

from api.graphql.ids import to_global_id
from domain.access.capabilities import CAPABILITIES, Capability
from domain.orders.models import Order
from domain.org.models import Staff, StaffRole, StaffStatus
from tests.support.api import make_store
from tests.support.catalog import make_category, make_product
from tests.support.orders import ADDRESS, delivery, order_pk, pay, pickup, place_ok

R = StaffRole
ORDERS = "{ orders { edges { node { number payable { fen } address { name phone region detail }"
ORDERS += " pickupCode } } } }"
ORDER = "query($id: ID!) { order(id: $id) { number address { name detail } pickupCode } }"
LEFT = "mutation($id: ID!) { markStaffLeft(id: $id) { staff { status } errors { code field } } }"


async def _sku():
    product = await make_product(await make_category(), (5000,), stock=10)
    return (await product.skus.all())[0]


async def test_finance_sees_amounts_and_numbers_but_no_delivery_address(api):
    member = await api.member()
    order = await place_ok(member.client, delivery((await _sku(), 1)))
    await pay(api, member.client, order)
    finance = await api.staff(R.HQ_FINANCE)
    operator = await api.staff(R.HQ_OPERATOR)

    listed = (await finance.client.data(ORDERS))["orders"]["edges"]
    single = (await finance.client.data(ORDER, {"id": order["id"]}))["order"]
    operators = (await operator.client.data(ORDERS))["orders"]["edges"]

    assert listed == [
        {
            "node": {
                "number": order["number"],
                "payable": {"fen": 6000},
                "address": None,
                "pickupCode": None,
            }
        }
    ]
    assert single == {"number": order["number"], "address": None, "pickupCode": None}
    assert operators[0]["node"]["address"] == {
        "name": ADDRESS["name"],
        "phone": "138****1111",
        "region": ADDRESS["region"],
        "detail": ADDRESS["detail"],
    }


async def test_no_staff_role_sees_a_pickup_code_only_the_member_does(api):
    store = await make_store()
    member = await api.member()
    order = await place_ok(member.client, pickup(store.id, (await _sku(), 1)))
    await pay(api, member.client, order)
    code = (await Order.get(id=order_pk(order))).pickup_code
    mine = await member.client.data(
        "query($id: ID!) { order(id: $id) { pickupCode } }", {"id": order["id"]}
    )

    for role in R:
        session = await api.staff(role, store=store if role in (R.GUIDE, R.STORE_MANAGER) else None)
        seen = (await session.client.data(ORDER, {"id": order["id"]}))["order"]
        listed = (await session.client.data(ORDERS))["orders"]["edges"]

        assert seen["pickupCode"] is None, role
        assert [edge["node"]["pickupCode"] for edge in listed] == [None], role
    assert code is not None and len(code) == 6
    assert mine == {"order": {"pickupCode": code}}


async def test_a_store_manager_cannot_mark_a_fellow_manager_left(api):
    store = await make_store()
    manager = await api.staff(R.STORE_MANAGER, store=store)
    fellow = await api.staff(R.STORE_MANAGER, store=store)
    version = fellow.staff.token_version

    result = await manager.client.data(LEFT, {"id": to_global_id("Staff", fellow.staff.id)})
    still = await fellow.client.gql("{ viewer { id } }")

    assert result["markStaffLeft"] == {
        "staff": None,
        "errors": [{"code": "NOT_FOUND", "field": "id"}],
    }
    fellow_now = await Staff.get(id=fellow.staff.id)
    assert (fellow_now.status, fellow_now.token_version) == (StaffStatus.ACTIVE, version)
    assert "errors" not in still


async def test_a_store_manager_marks_their_own_stores_guide_left_and_hq_admin_anyone(api):
    store, elsewhere = await make_store(), await make_store()
    manager = await api.staff(R.STORE_MANAGER, store=store)
    guide = await api.staff(R.GUIDE, store=store)
    other_guide = await api.staff(R.GUIDE, store=elsewhere)
    admin = await api.staff(R.HQ_ADMIN)

    own = await manager.client.data(LEFT, {"id": to_global_id("Staff", guide.staff.id)})
    foreign = await manager.client.data(LEFT, {"id": to_global_id("Staff", other_guide.staff.id)})
    by_admin = await admin.client.data(LEFT, {"id": to_global_id("Staff", manager.staff.id)})

    assert own["markStaffLeft"] == {"staff": {"status": "LEFT"}, "errors": []}
    assert foreign["markStaffLeft"]["errors"] == [{"code": "NOT_FOUND", "field": "id"}]
    assert by_admin["markStaffLeft"] == {"staff": {"status": "LEFT"}, "errors": []}
    assert (await Staff.get(id=other_guide.staff.id)).status == StaffStatus.ACTIVE
    assert (await guide.client.gql("{ viewer { id } }"))["errors"][0]["extensions"] == {
        "code": "UNAUTHENTICATED"
    }


def test_the_table_keeps_spec_13_s_hard_lines():
    """The cells SPEC 13 names outright; the rest of the table is the docstring's decision."""
    holders = {c: set(roles) for c, roles in CAPABILITIES.items()}

    assert R.HQ_FINANCE not in holders[Capability.DELIVERY_ADDRESS_READ]
    assert R.HQ_FINANCE not in holders[Capability.MEMBERS_READ]
    assert holders[Capability.PERSONAL_DATA_UNMASKED] == {R.HQ_ADMIN}
    assert holders[Capability.STAFF_CREATE] == {R.HQ_ADMIN}
    assert holders[Capability.WITHDRAWAL_REVIEW] == {R.HQ_ADMIN, R.HQ_FINANCE}
    assert holders[Capability.CATALOG_WRITE] == {R.HQ_ADMIN, R.HQ_OPERATOR}
    assert set(CAPABILITIES[Capability.STAFF_LEAVE].items()) == {
        (R.HQ_ADMIN, "ALL"),
        (R.STORE_MANAGER, "OWN_STORE_GUIDES"),
    }
