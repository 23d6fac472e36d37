"""Every active guide is a distributor (SPEC 6) from the moment the guide is created, not from
their first share link; a guide who leaves keeps theirs DISABLED (a FROZEN one stays FROZEN)."""

import importlib
from dataclasses import dataclass

from tortoise import connections

from api.auth.passwords import hash_password
from api.graphql.ids import to_global_id
from distribution.models import Distributor, DistributorKind, DistributorStatus
from domain import clock
from domain.org.models import Staff, StaffRole, StaffStatus
from tests.support.api import make_store

CREATE_STAFF = """
mutation($input: CreateStaffInput!) {
  createStaff(input: $input) { staff { id } errors { code field } }
}
"""
GUIDES = """
{ distributors(kind: GUIDE) { edges { node { id kind status displayName } } } }
"""
LEFT = "mutation($id: ID!) { markStaffLeft(id: $id) { staff { status } errors { code } } }"


async def create_staff(admin, role: str, store, username: str) -> dict:
    variables = {
        "input": {
            "username": username,
            "password": "a long enough password",
            "role": role,
            "storeId": to_global_id("Store", store.id),
            "displayName": f"导购{username}",
        }
    }
    return (await admin.client.data(CREATE_STAFF, variables))["createStaff"]


async def test_a_new_guide_is_listed_among_guide_distributors_at_once(api):
    admin = await api.staff(StaffRole.HQ_ADMIN)
    store = await make_store()

    created = await create_staff(admin, "GUIDE", store, "xiaowang")
    manager = await create_staff(admin, "STORE_MANAGER", store, "boss")
    listed = await admin.client.data(GUIDES)

    assert (created["errors"], manager["errors"]) == ([], [])
    staff = await Staff.get(username="xiaowang")
    distributor = await Distributor.get(staff_id=staff.id)
    assert listed["distributors"]["edges"] == [
        {
            "node": {
                "id": to_global_id("Distributor", distributor.id),
                "kind": "GUIDE",
                "status": "ACTIVE",
                "displayName": "导购xiaowang",
            }
        }
    ]
    assert (distributor.store_id, distributor.member_id) == (store.id, None)
    assert await Distributor.all().count() == 1  # the store manager is none


async def test_a_guide_who_leaves_has_their_distributor_disabled(api):
    admin = await api.staff(StaffRole.HQ_ADMIN)
    store = await make_store()
    await create_staff(admin, "GUIDE", store, "leaver")
    staff = await Staff.get(username="leaver")

    left = await admin.client.data(LEFT, {"id": to_global_id("Staff", staff.id)})

    assert left["markStaffLeft"] == {"staff": {"status": "LEFT"}, "errors": []}
    assert (await Distributor.get(staff_id=staff.id)).status == DistributorStatus.DISABLED


async def test_a_frozen_guide_distributor_stays_frozen_when_the_guide_leaves(api):
    admin = await api.staff(StaffRole.HQ_ADMIN)
    store = await make_store()
    await create_staff(admin, "GUIDE", store, "frozen")
    staff = await Staff.get(username="frozen")
    await Distributor.filter(staff_id=staff.id).update(status=DistributorStatus.FROZEN)

    await admin.client.data(LEFT, {"id": to_global_id("Staff", staff.id)})

    assert (await Distributor.get(staff_id=staff.id)).status == DistributorStatus.FROZEN


@dataclass
class _SchemaEditor:
    client: object


async def test_the_migration_makes_the_missing_distributors_of_active_guides(api):
    store = await make_store()
    moment = clock.now()

    async def guide(username: str, status: StaffStatus, role=StaffRole.GUIDE) -> Staff:
        # Rows as an older version left them: staff without their distributor.
        return await Staff.create(
            username=username,
            display_name="" if username == "nameless" else f"导购{username}",
            password_hash=hash_password("x" * 12),
            role=role,
            store_id=store.id,
            status=status,
            created_at=moment,
        )

    missing = await guide("missing", StaffStatus.ACTIVE)
    nameless = await guide("nameless", StaffStatus.ACTIVE)
    await guide("gone", StaffStatus.LEFT)
    await guide("manager", StaffStatus.ACTIVE, StaffRole.STORE_MANAGER)
    kept = await guide("kept", StaffStatus.ACTIVE)
    own = await Distributor.create(
        kind=DistributorKind.GUIDE,
        status=DistributorStatus.FROZEN,
        staff_id=kept.id,
        store_id=store.id,
        created_at=moment,
        updated_at=moment,
    )
    migration = importlib.import_module("migrations.0009_guide_distributors")

    for _ in range(2):  # a second run adds nothing
        await migration.backfill_guide_distributors(None, _SchemaEditor(connections.get("default")))

    rows = await Distributor.all().order_by("id")
    assert [(d.staff_id, d.kind, d.status, d.store_id, d.display_name) for d in rows] == [
        (kept.id, DistributorKind.GUIDE, DistributorStatus.FROZEN, store.id, ""),
        (missing.id, DistributorKind.GUIDE, DistributorStatus.ACTIVE, store.id, "导购missing"),
        (nameless.id, DistributorKind.GUIDE, DistributorStatus.ACTIVE, store.id, "nameless"),
    ]
    assert rows[0].id == own.id
    made = rows[1]
    assert (made.member_id, made.upline_id, made.ancestry, made.created_at) == (
        None,
        None,
        "/",
        moment,
    )
