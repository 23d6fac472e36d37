"""Audience stats under real concurrency on PostgreSQL, from several OS processes: the refresh
job run twice at once (SPEC 15) gives every member exactly one row with the tags a single run
gives, and payments of one member at once all count."""

from collections import Counter

from domain.catalog.models import Sku
from loyalty.audience.models import Lifecycle, MemberAudience
from tests.support.audience import NOW, member_with_orders, new_member
from tests.support.catalog import make_category, make_product
from tests.support.orders import PAY, delivery, place_ok
from tests.support.racing import race, require_postgres, run_workers

SHAPES = (
    ((), Lifecycle.NEW),
    ((10,), Lifecycle.FIRST_PURCHASE),
    ((300, 20), Lifecycle.REPEAT),
    ((120,), Lifecycle.AT_RISK),
    ((400, 200), Lifecycle.CHURNED),
)


async def test_two_refresh_jobs_at_once_agree(api, backend, postgres_database_url):
    require_postgres(backend)
    expected = {}
    for n in range(60):
        days_ago, stage = SHAPES[n % len(SHAPES)]
        expected[await member_with_orders(*days_ago) if days_ago else await new_member()] = stage
    # Stale rows the jobs must correct: everyone marked CHURNED.
    await MemberAudience.all().update(lifecycle=Lifecycle.CHURNED)
    payload = {"database_url": postgres_database_url, "job": "refresh-tags", "now": NOW.isoformat()}

    results = await run_workers("tests.support.job_worker", [payload] * 2)

    rows = await MemberAudience.all().values_list("member_id", "lifecycle")
    assert results == [60, 60]
    assert dict(rows) == expected
    assert Counter(member for member, _ in rows) == Counter(expected.keys())


async def test_payments_of_one_member_at_once_all_count(api, backend, postgres_database_url):
    require_postgres(backend)
    category = await make_category()
    member = await api.member()
    notifications = []
    for _ in range(6):
        # one product each: payments lock no common product row that would serialise them
        product = await make_product(category, (5000,), stock=10)
        sku = await Sku.get(product_id=product.id)
        order = await place_ok(member.client, delivery((sku, 1)))
        started = (await member.client.data(PAY, {"id": order["id"]}))["payOrder"]
        notifications.append({"path": f"/payments/sandbox/{started['outTradeNo']}/succeed"})

    answers = await race(postgres_database_url, [notifications[0::2], notifications[1::2]])

    assert {a["status"] for a in answers} <= {200, 204}
    row = await MemberAudience.get(member_id=member.member_id)
    assert (row.paid_orders, row.spend_fen, row.lifecycle) == (6, 30000, Lifecycle.REPEAT)
