"""Referral binding rules (SPEC 5.2): every outcome of `recordShareVisit`, expiry after bind
days, LAST_TOUCH rebinding, cycles, new members only, and the funnel counters they move."""

from datetime import timedelta

import pytest

from distribution import links
from distribution.models import (
    BindingOutcome,
    Distributor,
    DistributorKind,
    DistributorStatus,
    ReferralBinding,
    ShareChannel,
    ShareLink,
    ShareTarget,
    ShareTouch,
    ShareVisit,
)
from domain import clock
from domain.catalog.models import Sku
from domain.settings.service import update_settings
from tests.support.catalog import make_category, make_product
from tests.support.orders import delivery, pay, place_ok
from tests.support.racing import race, require_postgres
from tests.support.sql import count_statements

VISIT = """
mutation($code: String!) {
  recordShareVisit(code: $code) {
    outcome
    link { code target path }
    errors { code field }
  }
}
"""


async def make_distributor(
    api,
    upline: Distributor | None = None,
    *,
    member_id: int | None = None,
    status: DistributorStatus = DistributorStatus.ACTIVE,
) -> Distributor:
    """A KOC made directly (enrollment is another area), its upline path kept consistent."""
    if member_id is None:
        member_id = (await api.member()).member_id
    moment = clock.now()
    return await Distributor.create(
        kind=DistributorKind.KOC,
        status=status,
        member_id=member_id,
        upline=upline,
        ancestry=f"{upline.ancestry}{upline.id}/" if upline else "/",
        created_at=moment,
        updated_at=moment,
    )


async def home_link(distributor: Distributor) -> ShareLink:
    return await links.create_link(
        distributor, links.LinkRequest(ShareTarget.HOME, ShareChannel.CHAT)
    )


async def visit(session, link: ShareLink) -> dict:
    return (await session.client.data(VISIT, {"code": link.code}))["recordShareVisit"]


async def outcome_of(session, link: ShareLink) -> str:
    result = await visit(session, link)
    assert result["errors"] == [], result["errors"]
    return result["outcome"]


async def settings(**values: object) -> None:
    """e.g. settings(bind_mode="LAST_TOUCH") sets referral.bind_mode."""
    changes = [(f"referral.{key}", str(value).lower()) for key, value in values.items()]
    await update_settings(changes, actor="test")


async def counters(link: ShareLink) -> tuple[int, int, int]:
    row = await ShareLink.get(id=link.id)
    return row.visits, row.unique_visitors, row.bindings


async def bindings_of(member_id: int) -> list[ReferralBinding]:
    return await ReferralBinding.filter(member_id=member_id).order_by("id")


async def test_first_visit_binds_the_member_for_bind_days(api):
    start = clock.now()
    with clock.frozen_at(start):
        koc = await make_distributor(api)
        link = await home_link(koc)
        member = await api.member()

        result = await visit(member, link)

    assert result == {
        "outcome": "BOUND",
        "link": {
            "code": link.code,
            "target": "HOME",
            "path": f"pages/index/index?share={link.code}",
        },
        "errors": [],
    }
    (row,) = await bindings_of(member.member_id)
    assert (row.referrer_id, row.link_id, row.reason, row.actor) == (
        koc.id,
        link.id,
        "VISIT",
        f"member:{member.member_id}",
    )
    assert (row.valid_from, row.expires_at, row.ended_at) == (start, start + timedelta(30), None)
    touch = await ShareTouch.get(member_id=member.member_id)
    assert (touch.link_id, touch.distributor_id, touch.touched_at) == (link.id, koc.id, start)
    assert await counters(link) == (1, 1, 1)


async def test_first_touch_keeps_the_binding_but_moves_the_last_share_touch(api):
    first, second = await make_distributor(api), await make_distributor(api)
    first_link, second_link = await home_link(first), await home_link(second)
    member = await api.member()
    await outcome_of(member, first_link)

    outcome = await outcome_of(member, second_link)

    assert outcome == "ALREADY_BOUND"
    assert [b.referrer_id for b in await bindings_of(member.member_id)] == [first.id]
    assert (await ShareTouch.get(member_id=member.member_id)).link_id == second_link.id
    assert await counters(second_link) == (1, 1, 0)


async def test_a_later_visit_counts_the_visit_but_not_the_visitor(api):
    start = clock.now()
    outcomes = []
    for hours in range(3):
        with clock.frozen_at(start + timedelta(hours=hours)):
            if not hours:
                link = await home_link(await make_distributor(api))
            member = await api.member("openid-three-visits")
            outcomes.append(await outcome_of(member, link))

    assert outcomes == ["BOUND", "ALREADY_BOUND", "ALREADY_BOUND"]
    assert await counters(link) == (3, 1, 1)
    assert await ShareVisit.filter(link_id=link.id).count() == 3


async def test_own_link_is_a_self_referral_that_binds_and_touches_nothing(api):
    member = await api.member()
    link = await home_link(await make_distributor(api, member_id=member.member_id))

    outcome = await outcome_of(member, link)

    assert outcome == "SELF_REFERRAL"
    assert await bindings_of(member.member_id) == []
    assert await ShareTouch.filter(member_id=member.member_id).count() == 0
    assert await counters(link) == (1, 1, 0)


@pytest.mark.parametrize("status", [DistributorStatus.FROZEN, DistributorStatus.DISABLED])
async def test_an_inactive_distributors_link_binds_nothing(api, status):
    koc = await make_distributor(api)
    link = await home_link(koc)
    await Distributor.filter(id=koc.id).update(status=status)
    member = await api.member()

    outcome = await outcome_of(member, link)

    assert outcome == "REFERRER_INACTIVE"
    assert await bindings_of(member.member_id) == []
    assert await ShareTouch.filter(member_id=member.member_id).count() == 0
    assert await counters(link) == (1, 1, 0)


async def test_visiting_a_direct_downlines_link_would_make_a_cycle_of_two(api):
    top = await api.member()
    a = await make_distributor(api, member_id=top.member_id)
    b = await make_distributor(api, upline=a)

    outcome = await outcome_of(top, await home_link(b))

    assert outcome == "CYCLE"
    assert await bindings_of(top.member_id) == []


async def test_visiting_a_second_level_downlines_link_would_make_a_cycle_of_three(api):
    top, middle = await api.member(), await api.member()
    a = await make_distributor(api, member_id=top.member_id)
    b = await make_distributor(api, upline=a, member_id=middle.member_id)
    c = await make_distributor(api, upline=b)
    link = await home_link(c)

    outcomes = [await outcome_of(top, link), await outcome_of(middle, link)]

    assert outcomes == ["CYCLE", "CYCLE"]
    assert await bindings_of(top.member_id) == []
    assert await bindings_of(middle.member_id) == []
    # A cycle is still a share touch: the visit happened.
    assert (await ShareTouch.get(member_id=top.member_id)).link_id == link.id
    assert await counters(link) == (2, 2, 0)


async def test_an_upline_may_be_bound_through_an_unrelated_distributor(api):
    top = await api.member()
    a = await make_distributor(api, member_id=top.member_id)
    await make_distributor(api, upline=a)
    stranger = await make_distributor(api)

    assert await outcome_of(top, await home_link(stranger)) == "BOUND"


async def test_unknown_code_is_refused_and_nothing_changes(api):
    member = await api.member()

    result = (await member.client.data(VISIT, {"code": "no-such-code"}))["recordShareVisit"]

    assert result == {
        "outcome": None,
        "link": None,
        "errors": [{"code": "INVALID_SHARE_CODE", "field": "code"}],
    }
    assert await ShareVisit.all().count() == 0
    assert await ShareTouch.all().count() == 0


async def test_visit_needs_a_member(api):
    link = await home_link(await make_distributor(api))

    body = await api.shop().gql(VISIT, {"code": link.code})

    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await counters(link) == (0, 0, 0)


async def test_an_expired_binding_allows_a_new_one(api):
    start = clock.now()
    with clock.frozen_at(start):
        first, second = await make_distributor(api), await make_distributor(api)
        first_link, second_link = await home_link(first), await home_link(second)
        member = await api.member("openid-expiry")
        await outcome_of(member, first_link)
    with clock.frozen_at(start + timedelta(days=29, hours=23)):
        member = await api.member("openid-expiry")
        still_bound = await outcome_of(member, second_link)
    with clock.frozen_at(start + timedelta(days=30)):
        member = await api.member("openid-expiry")
        rebound = await outcome_of(member, second_link)

    assert (still_bound, rebound) == ("ALREADY_BOUND", "BOUND")
    old, new = await bindings_of(member.member_id)
    assert (old.referrer_id, old.expires_at, old.ended_at) == (
        first.id,
        start + timedelta(days=30),
        start + timedelta(days=30),
    )
    assert (new.referrer_id, new.valid_from, new.expires_at, new.ended_at) == (
        second.id,
        start + timedelta(days=30),
        start + timedelta(days=60),
        None,
    )


async def test_bind_days_zero_binds_for_good(api):
    await settings(bind_days=0)
    start = clock.now()
    with clock.frozen_at(start):
        first, second = await make_distributor(api), await make_distributor(api)
        first_link, second_link = await home_link(first), await home_link(second)
        member = await api.member("openid-forever")
        await outcome_of(member, first_link)
    with clock.frozen_at(start + timedelta(days=3650)):
        member = await api.member("openid-forever")
        outcome = await outcome_of(member, second_link)

    assert outcome == "ALREADY_BOUND"
    (row,) = await bindings_of(member.member_id)
    assert (row.referrer_id, row.expires_at) == (first.id, None)


async def test_last_touch_rebinds_on_each_visit_to_another_referrer(api):
    await settings(bind_mode="LAST_TOUCH")
    first, second = await make_distributor(api), await make_distributor(api)
    first_link, second_link = await home_link(first), await home_link(second)
    member = await api.member()

    outcomes = [
        await outcome_of(member, link)
        for link in (first_link, second_link, second_link, first_link)
    ]

    assert outcomes == ["BOUND", "REBOUND", "ALREADY_BOUND", "REBOUND"]
    rows = await bindings_of(member.member_id)
    assert [r.referrer_id for r in rows] == [first.id, second.id, first.id]
    assert [r.ended_at is None for r in rows] == [False, False, True]
    # The second visit to the second link repeats the first within 30 minutes: not counted.
    assert await counters(first_link) == (2, 1, 2)
    assert await counters(second_link) == (1, 1, 1)


async def test_new_members_only_binds_a_member_of_less_than_a_day(api):
    await settings(new_members_only="true")
    start = clock.now()
    with clock.frozen_at(start):
        link = await home_link(await make_distributor(api))
        fresh = await api.member("openid-fresh")
        old = await api.member("openid-old")
    with clock.frozen_at(start + timedelta(hours=23)):
        fresh = await api.member("openid-fresh")
        fresh_outcome = await outcome_of(fresh, link)
    with clock.frozen_at(start + timedelta(hours=25)):
        old = await api.member("openid-old")
        old_outcome = await outcome_of(old, link)

    assert (fresh_outcome, old_outcome) == ("BOUND", "NOT_NEW_MEMBER")
    assert await bindings_of(old.member_id) == []
    assert (await ShareTouch.get(member_id=old.member_id)).link_id == link.id
    assert await counters(link) == (2, 2, 1)


async def test_new_members_only_refuses_a_member_who_has_paid_an_order(api):
    await settings(new_members_only="true")
    product = await make_product(await make_category(), (19900,))
    sku = await Sku.get(product_id=product.id)
    link = await home_link(await make_distributor(api))
    member = await api.member()
    await pay(api, member.client, await place_ok(member.client, delivery((sku, 1))))

    outcome = await outcome_of(member, link)

    assert outcome == "NOT_NEW_MEMBER"
    assert await bindings_of(member.member_id) == []


async def test_statements_per_visit_do_not_grow_with_the_upline_chain(api):
    short = await make_distributor(api)
    chain = [await make_distributor(api)]
    for _ in range(12):
        chain.append(await make_distributor(api, upline=chain[-1]))
    counts = []
    for referrer in (short, chain[-1]):
        link = await home_link(referrer)
        member = await api.member()
        with count_statements() as log:
            assert await outcome_of(member, link) == BindingOutcome.BOUND
        counts.append(log.count)

    assert counts[0] == counts[1]


async def test_racing_first_visits_bind_the_member_once(api, backend, postgres_database_url):
    require_postgres(backend)
    first, second = await make_distributor(api), await make_distributor(api)
    first_link, second_link = await home_link(first), await home_link(second)
    member = await api.member()

    def request(link: ShareLink) -> dict:
        variables = {"code": link.code}
        return {
            "path": "/graphql",
            "token": member.client.token,
            "json": {"query": VISIT, "variables": variables},
        }

    share = [request(first_link)] * 5 + [request(second_link)] * 5
    results = await race(postgres_database_url, [share, share])

    outcomes = sorted(r["body"]["data"]["recordShareVisit"]["outcome"] for r in results)
    assert outcomes == ["ALREADY_BOUND"] * 19 + ["BOUND"]
    (bound,) = await bindings_of(member.member_id)
    # Within 30 minutes each link counts the member's first visit only.
    assert [await counters(link) for link in (first_link, second_link)] == [
        (1, 1, int(bound.referrer_id == first.id)),
        (1, 1, int(bound.referrer_id == second.id)),
    ]
    assert await ShareVisit.filter(member_id=member.member_id).count() == 2
