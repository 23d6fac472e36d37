"""Follow-ups (SPEC 22, issue 17 item 2): recording, the 2000-character note, reach, the
author's 24 hours and append-only afterwards."""

from datetime import timedelta

import pytest

from api.graphql.ids import to_global_id
from distribution.follow_ups.models import FollowUp
from distribution.service_relationships import Transfer, transfer_customers
from domain import clock
from domain.org.models import StaffRole
from tests.support.api import make_store
from tests.support.customers import make_customer

RECORD = """
mutation($input: RecordFollowUpInput!) {
  recordFollowUp(input: $input) {
    followUp { id memberId authorId channel outcome note nextDate createdAt creditUntil
      editableUntil }
    errors { code field }
  }
}
"""
UPDATE = """
mutation($id: ID!, $input: UpdateFollowUpInput!) {
  updateFollowUp(id: $id, input: $input) {
    followUp { id channel outcome note nextDate }
    errors { code field }
  }
}
"""
LIST = """
query($m: ID, $mine: Boolean, $by: Date) {
  followUps(memberId: $m, mine: $mine, nextDateBy: $by) { totalCount edges { node { id } } }
}
"""


def gid(member_id: int) -> str:
    return to_global_id("Member", member_id)


def today():
    return clock.to_shanghai(clock.now()).date()


async def record(session, member_id: int, **extra) -> dict:
    data = await session.client.data(
        RECORD,
        {"input": {"memberId": gid(member_id), "channel": "CALL", "outcome": "REACHED", **extra}},
    )
    return data["recordFollowUp"]


@pytest.fixture
async def shop(api):
    store = await make_store()
    guide = await api.staff(StaffRole.GUIDE, store)
    colleague = await api.staff(StaffRole.GUIDE, store)
    manager = await api.staff(StaffRole.STORE_MANAGER, store)
    return store, guide, colleague, manager


async def test_a_guide_records_a_follow_up_of_their_customer(shop):
    store, guide, _, _ = shop
    customer = await make_customer(store, guide.staff.id)
    next_date = (today() + timedelta(days=3)).isoformat()

    made = await record(
        guide, customer, channel="WECOM", outcome="INTERESTED", note="  想要面霜\n下周到店 ",
        nextDate=next_date,
    )  # fmt: skip

    node = made["followUp"]
    assert made["errors"] == []
    assert node["memberId"] == gid(customer)
    assert node["authorId"] == to_global_id("Staff", guide.staff.id)
    assert (node["channel"], node["outcome"]) == ("WECOM", "INTERESTED")
    assert node["note"] == "想要面霜\n下周到店"
    assert node["nextDate"] == next_date
    row = await FollowUp.get()
    assert row.credit_until - row.created_at == timedelta(days=7)
    assert row.store_id == store.id


async def test_a_note_of_2000_characters_is_kept_and_2001_is_refused(shop):
    store, guide, _, _ = shop
    customer = await make_customer(store, guide.staff.id)

    kept = await record(guide, customer, note="回" * 2000)
    refused = await record(guide, customer, note="回" * 2001)

    assert kept["errors"] == []
    assert len(kept["followUp"]["note"]) == 2000
    assert refused == {
        "followUp": None,
        "errors": [{"code": "TOO_LONG", "field": "input.note"}],
    }
    assert await FollowUp.all().count() == 1


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({"note": "bad\x00"}, {"code": "INVALID_TEXT", "field": "input.note"}),
        ({"nextDate": "2020-01-01"}, {"code": "OUT_OF_RANGE", "field": "input.nextDate"}),
        ({"nextDate": "2099-01-01"}, {"code": "OUT_OF_RANGE", "field": "input.nextDate"}),
    ],
)
async def test_bad_follow_up_input_is_refused_and_nothing_is_stored(shop, extra, error):
    store, guide, _, _ = shop
    customer = await make_customer(store, guide.staff.id)

    refused = await record(guide, customer, **extra)

    assert refused == {"followUp": None, "errors": [error]}
    assert await FollowUp.all().count() == 0


async def test_another_guides_customer_is_not_found_like_a_missing_one(shop):
    store, guide, colleague, _ = shop
    theirs = await make_customer(store, colleague.staff.id)

    foreign = await record(guide, theirs)
    missing = await record(guide, theirs + 1000)

    error = {"followUp": None, "errors": [{"code": "NOT_FOUND", "field": "input.memberId"}]}
    assert foreign == missing == error
    assert await FollowUp.all().count() == 0


async def test_a_store_manager_records_for_the_stores_customers_only(api, shop):
    store, guide, _, manager = shop
    ours = await make_customer(store, guide.staff.id)
    elsewhere = await make_customer(await make_store())

    made = await record(manager, ours)
    refused = await record(manager, elsewhere)

    assert made["errors"] == []
    assert refused["errors"] == [{"code": "NOT_FOUND", "field": "input.memberId"}]


async def test_the_author_corrects_within_24_hours(shop):
    store, guide, _, _ = shop
    customer = await make_customer(store, guide.staff.id)
    made = await record(guide, customer, note="初稿", nextDate=today().isoformat())

    changed = await guide.client.data(
        UPDATE,
        {
            "id": made["followUp"]["id"],
            "input": {"outcome": "PURCHASE_PROMISED", "note": "改过", "clearNextDate": True},
        },
    )

    assert changed["updateFollowUp"] == {
        "followUp": {
            "id": made["followUp"]["id"],
            "channel": "CALL",
            "outcome": "PURCHASE_PROMISED",
            "note": "改过",
            "nextDate": None,
        },
        "errors": [],
    }


async def test_after_24_hours_a_follow_up_is_append_only(shop):
    store, guide, _, _ = shop
    customer = await make_customer(store, guide.staff.id)
    made = await record(guide, customer, note="原样")
    await FollowUp.all().update(created_at=clock.now() - timedelta(hours=24, seconds=1))

    refused = await guide.client.data(
        UPDATE, {"id": made["followUp"]["id"], "input": {"note": "晚了"}}
    )

    assert refused["updateFollowUp"] == {
        "followUp": None,
        "errors": [{"code": "FOLLOW_UP_LOCKED", "field": "id"}],
    }
    assert (await FollowUp.get()).note == "原样"


async def test_only_the_author_edits_and_another_guide_cannot_even_see_it(shop):
    store, guide, colleague, manager = shop
    customer = await make_customer(store, guide.staff.id)
    made = await record(guide, customer, note="原样")
    variables = {"id": made["followUp"]["id"], "input": {"note": "别人改"}}

    by_manager = await manager.client.data(UPDATE, variables)
    by_colleague = await colleague.client.data(UPDATE, variables)
    missing = await guide.client.data(
        UPDATE, {"id": to_global_id("FollowUp", 999), "input": {"note": "x"}}
    )

    assert by_manager["updateFollowUp"]["errors"] == [
        {"code": "NOT_FOLLOW_UP_AUTHOR", "field": "id"}
    ]
    assert (
        by_colleague["updateFollowUp"]
        == missing["updateFollowUp"]
        == {
            "followUp": None,
            "errors": [{"code": "NOT_FOUND", "field": "id"}],
        }
    )
    assert (await FollowUp.get()).note == "原样"


async def test_follow_ups_follow_the_customer_when_transferred(shop):
    store, guide, colleague, manager = shop
    customer = await make_customer(store, guide.staff.id)
    other = await make_customer(store, guide.staff.id)
    await record(guide, customer)
    await record(guide, other)

    await transfer_customers(
        Transfer(guide.staff.id, colleague.staff.id, (customer,)), store.id, "test"
    )

    guides = await guide.client.data(LIST)
    colleagues = await colleague.client.data(LIST)
    managers = await manager.client.data(LIST)
    assert guides["followUps"]["totalCount"] == 1
    assert colleagues["followUps"]["totalCount"] == 1
    assert managers["followUps"]["totalCount"] == 2
    mine = await colleague.client.data(LIST, {"mine": True})
    assert mine["followUps"]["totalCount"] == 0


async def test_follow_ups_due_by_a_day(shop):
    store, guide, _, _ = shop
    customer = await make_customer(store, guide.staff.id)
    soon = await record(guide, customer, nextDate=(today() + timedelta(days=1)).isoformat())
    await record(guide, customer, nextDate=(today() + timedelta(days=9)).isoformat())
    await record(guide, customer)

    due = await guide.client.data(LIST, {"by": (today() + timedelta(days=2)).isoformat()})

    assert [e["node"]["id"] for e in due["followUps"]["edges"]] == [soon["followUp"]["id"]]
