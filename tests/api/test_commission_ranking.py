"""The distributors' monthly ranking (SPEC 21, issue 16 item 6): member distributors by
commission settled this Asia/Shanghai month, names only of those who opted in, the caller's own
rank either way, amounts in fen, a constant number of statements."""

from datetime import UTC, datetime, timedelta

from api.jobs import run_job
from distribution.models import Distributor
from domain import clock
from domain.org.models import StaffRole
from tests.support.commission import distributor, paid_order, ship_and_confirm, sku
from tests.support.sql import count_statements

RANKING = """
query($top: Int!) {
  commissionRanking(top: $top) {
    month optedIn
    entries { rank displayName settledFen isMe }
    me { rank displayName settledFen isMe }
  }
}
"""
OPT_IN = """
mutation($optIn: Boolean!) { setRankingOptIn(optIn: $optIn) { optedIn errors { code field } } }
"""
# 20:00 on 3 December in Shanghai is still 3 December; 16:30 UTC on 30 November is already
# 1 December there: the month is Shanghai's.
SETTLED_THIS_MONTH = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
SETTLED_ON_THE_FIRST = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)
SETTLED_LAST_MONTH = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)


AFTERWARDS = SETTLED_THIS_MONTH + timedelta(hours=1)


async def member_distributor(api, name: str) -> tuple[str, Distributor]:
    """A member distributor with a display name, and the openid they log in with."""
    openid = f"openid-{name}-{await Distributor.all().count()}"
    member = await api.member(openid)
    made = await distributor(api)
    await Distributor.filter(id=made.id).update(member_id=member.member_id, display_name=name)
    return openid, await Distributor.get(id=made.id)


async def settle_sale(api, seller: Distributor, price: int, quantity: int, at) -> None:
    """A buyer's order credited to `seller` at level 1, completed 7 days before `at` and settled
    by the job at `at` (the commission's freeze days)."""
    item = await sku(price)
    with clock.frozen_at(at - timedelta(days=7)):
        buyer = await api.member()
        operator = await api.staff(StaffRole.HQ_OPERATOR)
        order = await paid_order(api, buyer, [(item, quantity)], level1_distributor_id=seller.id)
        await ship_and_confirm(operator, buyer, order)
    assert await run_job("settle-commission", at) >= 1


async def opt_in(api, openid: str, on: bool = True) -> dict:
    with clock.frozen_at(AFTERWARDS):
        member = await api.member(openid)
        return (await member.client.data(OPT_IN, {"optIn": on}))["setRankingOptIn"]


async def ranking(api, openid: str | None = None, top: int = 10) -> dict:
    with clock.frozen_at(AFTERWARDS):
        member = await api.member(openid)
        return (await member.client.data(RANKING, {"top": top}))["commissionRanking"]


async def test_the_month_ranks_settled_commission_and_names_only_who_opted_in(api):
    lin, lin_d = await member_distributor(api, "林小姐")
    wang, wang_d = await member_distributor(api, "王先生")
    zhao, zhao_d = await member_distributor(api, "赵女士")
    me, me_d = await member_distributor(api, "我")
    # level 1 earns 10% of what was paid: 2 x 199.00 → 39.80, 199.00 → 19.90, 99.00 → 9.90
    await settle_sale(api, zhao_d, 19900, 2, SETTLED_LAST_MONTH)  # November's
    await settle_sale(api, lin_d, 19900, 2, SETTLED_ON_THE_FIRST)
    await settle_sale(api, wang_d, 19900, 1, SETTLED_THIS_MONTH)
    await settle_sale(api, zhao_d, 19900, 1, SETTLED_THIS_MONTH)
    await settle_sale(api, me_d, 9900, 1, SETTLED_THIS_MONTH)
    assert (await opt_in(api, lin))["optedIn"] is True
    assert (await opt_in(api, zhao))["optedIn"] is True

    board = await ranking(api, me)

    assert board == {
        "month": "2026-12",
        "optedIn": False,
        "entries": [
            {"rank": 1, "displayName": "林小姐", "settledFen": 3980, "isMe": False},
            {"rank": 2, "displayName": None, "settledFen": 1990, "isMe": False},
            {"rank": 2, "displayName": "赵女士", "settledFen": 1990, "isMe": False},
            {"rank": 4, "displayName": None, "settledFen": 990, "isMe": True},
        ],
        "me": {"rank": 4, "displayName": None, "settledFen": 990, "isMe": True},
    }
    assert (await ranking(api, wang))["me"] == {
        "rank": 2,
        "displayName": None,
        "settledFen": 1990,
        "isMe": True,
    }


async def test_the_caller_outside_the_top_still_learns_their_rank(api):
    _, first_d = await member_distributor(api, "第一")
    me, me_d = await member_distributor(api, "我")
    await settle_sale(api, first_d, 19900, 2, SETTLED_THIS_MONTH)
    await settle_sale(api, me_d, 19900, 1, SETTLED_THIS_MONTH)
    await opt_in(api, me)

    board = await ranking(api, me, top=1)

    assert board["entries"] == [{"rank": 1, "displayName": None, "settledFen": 3980, "isMe": False}]
    assert board["me"] == {"rank": 2, "displayName": "我", "settledFen": 1990, "isMe": True}
    assert board["optedIn"] is True


async def test_opting_out_hides_the_name_again(api):
    seller, seller_d = await member_distributor(api, "林小姐")
    await settle_sale(api, seller_d, 19900, 1, SETTLED_THIS_MONTH)
    await opt_in(api, seller)

    answer = await opt_in(api, seller, on=False)

    assert answer == {"optedIn": False, "errors": []}
    assert (await ranking(api))["entries"] == [
        {"rank": 1, "displayName": None, "settledFen": 1990, "isMe": False}
    ]
    assert (await Distributor.get(id=seller_d.id)).ranking_opt_in is False


async def test_a_member_who_is_no_distributor_cannot_opt_in_and_sees_the_board(api):
    answer = await opt_in(api, "openid-no-distributor")
    board = await ranking(api, "openid-no-distributor")

    assert answer == {"optedIn": None, "errors": [{"code": "NOT_A_DISTRIBUTOR", "field": None}]}
    assert board == {"month": "2026-12", "optedIn": False, "entries": [], "me": None}
    assert await Distributor.filter(ranking_opt_in=True).count() == 0


async def test_guides_are_not_ranked(api):
    staff = await api.staff(StaffRole.GUIDE)
    guide = await Distributor.get(staff_id=staff.staff.id)  # every guide is one (SPEC 6)
    await settle_sale(api, guide, 19900, 1, SETTLED_THIS_MONTH)

    assert (await ranking(api))["entries"] == []


async def test_top_outside_1_to_50_is_refused(api):
    member = await api.member()

    body = await member.client.gql(RANKING, {"top": 51})

    error = body["errors"][0]["extensions"]
    assert (error["code"], error["userError"]["code"], error["userError"]["field"]) == (
        "BAD_USER_INPUT",
        "OUT_OF_RANGE",
        "top",
    )


async def test_the_ranking_costs_three_statements_whatever_the_number_ranked(api):
    me, me_d = await member_distributor(api, "我")
    await settle_sale(api, me_d, 19900, 1, SETTLED_THIS_MONTH)
    counts = []
    for _ in range(2):
        with clock.frozen_at(AFTERWARDS):
            session = await api.member(me)
            await session.client.data(RANKING, {"top": 10})  # settings warm, as on a server
            with count_statements(cold_settings=False) as log:
                await session.client.data(RANKING, {"top": 10})
        counts.append(log.count)
        _, other = await member_distributor(api, "又一位")
        await settle_sale(api, other, 9900, 1, SETTLED_THIS_MONTH)

    # the token, the caller's distributor, the ranking
    assert counts == [3, 3]
    assert len((await ranking(api, me))["entries"]) == 3
