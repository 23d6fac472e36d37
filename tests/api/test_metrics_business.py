"""What `/metrics` shows of the business and of every route (issue 12, item 2): exact moves of
the business counters after a paid order, a refund and withdrawals, counted only once the
transaction commits; every route timed under its template; the pool and the process reported.

Every scrape is parsed with prometheus_client's own text parser. The registry outlives each
test's app, so tests compare a scrape before with one after.
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client.parser import text_string_to_metric_families
from tortoise import connections

from api.jobs import run_recorded
from domain import clock, events
from domain.org.models import StaffRole
from tests.api.test_withdrawals import PAY, RELEASE, REVIEW, admin, make_distributor, request_ok
from tests.support.api import ApiFactory, make_store
from tests.support.commission import (
    REQUEST_REFUND,
    REVIEW_REFUND,
    distributor,
    guide,
    paid_order,
    sku,
)
from tests.support.orders import PAY as PAY_ORDER
from tests.support.orders import delivery, place_ok

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(api: ApiFactory) -> Samples:
    response = await api.http.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


class Moves:
    """How much each sample moved between two scrapes."""

    def __init__(self, before: Samples, after: Samples) -> None:
        self.before, self.after = before, after

    def __call__(self, name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return self.after.get(key, 0.0) - self.before.get(key, 0.0)


async def moves_during(api: ApiFactory, work) -> tuple[Moves, Any]:
    before = await scrape(api)
    result = await work()
    return Moves(before, await scrape(api)), result


BUSINESS = (
    "siyu_orders_placed_total",
    "siyu_orders_paid_total",
    "siyu_orders_paid_fen_total",
    "siyu_refunded_fen_total",
)


async def test_a_paid_order_moves_orders_notifications_and_commission_by_exact_amounts(api):
    k0 = await distributor(api)
    k1 = await distributor(api, upline=k0)
    s1 = await make_store()
    g = await guide(api, s1)
    sku_a = await sku(19900)
    m = await api.member()

    moved, order = await moves_during(
        api,
        lambda: paid_order(
            api,
            m,
            [(sku_a, 2)],
            level1_distributor_id=k1.id,
            level2_distributor_id=k0.id,
            service_store_id=s1.id,
            service_guide_id=g.id,
        ),
    )

    assert order["payable"]["fen"] == 39800
    assert [moved(name) for name in BUSINESS] == [1, 1, 39800, 0]
    assert moved("siyu_payment_notifications_total", provider="SANDBOX", outcome="PAID") == 1
    commission = "siyu_commission_accrued_fen_total"
    assert [moved(commission, role=r) for r in ("LEVEL1", "LEVEL2", "GUIDE_SERVICE")] == [
        3980,
        1194,
        796,
    ]
    assert moved(commission, role="STORE_SHARE") == 0
    # Every route of the way, REST included, under its template and never its raw path.
    http = "siyu_http_requests_total"
    assert moved(http, method="POST", route="/graphql", status="200") == 2
    sandbox = "/payments/sandbox/{out_trade_no}/succeed"
    assert moved(http, method="POST", route=sandbox, status="204") == 1
    notify = "/payments/notify/{provider}"
    assert moved(http, method="POST", route=notify, status="204") == 1
    assert moved("siyu_http_request_seconds_count", method="POST", route=notify) == 1
    assert not any("SANDBOX" in dict(labels).get("route", "") for _, labels in moved.after)


async def test_a_repeated_notification_counts_as_repeat_and_pays_nothing_more(api):
    member = await api.member()
    order = await place_ok(member.client, delivery((await sku(5000), 1)))
    started = (await member.client.data(PAY_ORDER, {"id": order["id"]}))["payOrder"]
    succeed = f"/payments/sandbox/{started['outTradeNo']}/succeed"
    assert (await api.http.post(succeed)).status_code == 204

    moved, response = await moves_during(api, lambda: api.http.post(succeed))

    assert response.status_code == 204
    assert moved("siyu_payment_notifications_total", provider="SANDBOX", outcome="REPEAT") == 1
    assert moved("siyu_payment_notifications_total", provider="SANDBOX", outcome="PAID") == 0
    assert [moved(name) for name in BUSINESS] == [0, 0, 0, 0]


async def test_a_payment_rolled_back_counts_nothing_and_its_retry_counts_once(api):
    """Counted on the event, a payment whose transaction failed (WeChat retries it) was counted
    twice; counted after commit, once."""
    member = await api.member()
    order = await place_ok(member.client, delivery((await sku(5000), 1)))
    started = (await member.client.data(PAY_ORDER, {"id": order["id"]}))["payOrder"]
    succeed = f"/payments/sandbox/{started['outTradeNo']}/succeed"

    async def failing(_: events.OrderPaid) -> None:
        raise RuntimeError("a handler failed: the payment rolls back")

    events.subscribe(events.OrderPaid, failing)
    try:
        failed, response = await moves_during(api, lambda: api.http.post(succeed))
    finally:
        events.unsubscribe(events.OrderPaid, failing)
    retried, again = await moves_during(api, lambda: api.http.post(succeed))

    assert response.status_code == 500
    assert [failed(name) for name in BUSINESS] == [0, 0, 0, 0]
    assert failed("siyu_payment_notifications_total", provider="SANDBOX", outcome="PAID") == 0
    assert again.status_code == 204
    assert [retried(name) for name in BUSINESS] == [0, 1, order["payable"]["fen"], 0]
    assert retried("siyu_payment_notifications_total", provider="SANDBOX", outcome="PAID") == 1


async def refund_request(member, order: dict[str, Any], amount: int) -> str:
    item = order["items"][0]["id"]
    requested = await member.client.data(REQUEST_REFUND, {"item": item, "amount": amount})
    assert requested["requestRefund"]["errors"] == []
    return requested["requestRefund"]["refund"]["id"]


async def refund_review(staff, refund_id: str, approve: bool) -> dict[str, Any]:
    reviewed = await staff.client.data(REVIEW_REFUND, {"id": refund_id, "approve": approve})
    return reviewed["reviewRefund"]


async def test_refunds_count_requests_rejections_and_money_refunded(api):
    member = await api.member()
    order = await paid_order(api, member, [(await sku(19900), 2)])
    finance = await api.staff(StaffRole.HQ_FINANCE)

    requested, refund_id = await moves_during(api, lambda: refund_request(member, order, 19900))
    approved, result = await moves_during(api, lambda: refund_review(finance, refund_id, True))
    other = await refund_request(member, order, 100)
    rejected, refusal = await moves_during(api, lambda: refund_review(finance, other, False))
    again, twice = await moves_during(api, lambda: refund_review(finance, other, False))

    refunds = "siyu_refunds_total"
    states = ("REQUESTED", "REJECTED", "REFUNDED")
    assert [requested(refunds, state=s) for s in states] == [1, 0, 0]
    assert result == {"refund": {"status": "REFUNDED"}, "errors": []}
    assert [approved(refunds, state=s) for s in states] == [0, 0, 1]
    assert approved("siyu_refunded_fen_total") == 19900
    assert refusal == {"refund": {"status": "REJECTED"}, "errors": []}
    assert [rejected(refunds, state=s) for s in states] == [0, 1, 0]
    assert rejected("siyu_refunded_fen_total") == 0
    assert [e["code"] for e in twice["errors"]] == ["INVALID_STATE"]
    assert [again(refunds, state=s) for s in states] == [0, 0, 0]


async def test_withdrawals_count_each_state_reached_once(api):
    member, _, _ = await make_distributor(api, available=5000)
    finance = await api.staff(StaffRole.HQ_FINANCE)
    sandbox = api.app.state.payouts.sandbox

    async def through_failure_to_release() -> None:
        withdrawal = await request_ok(member, 1000)
        for _ in range(2):  # approving twice is one approval
            await admin(finance, REVIEW, id=withdrawal["id"], approve=True, note="")
        sandbox.fail_next("sandbox: bank unavailable")
        assert (await admin(finance, PAY, id=withdrawal["id"]))["withdrawal"]["status"] == "FAILED"
        for _ in range(2):  # releasing twice is one release
            await admin(finance, RELEASE, id=withdrawal["id"])

    async def rejected_and_paid() -> None:
        rejected = await request_ok(member, 1000)
        await admin(finance, REVIEW, id=rejected["id"], approve=False, note="no")
        paid = await request_ok(member, 2000)
        await admin(finance, REVIEW, id=paid["id"], approve=True, note="")
        assert (await admin(finance, PAY, id=paid["id"]))["withdrawal"]["status"] == "PAID"
        assert (await admin(finance, PAY, id=paid["id"]))["withdrawal"]["status"] == "PAID"

    states = ("PENDING_REVIEW", "APPROVED", "REJECTED", "PAID", "FAILED", "RELEASED")
    first, _ = await moves_during(api, through_failure_to_release)
    second, _ = await moves_during(api, rejected_and_paid)

    assert [first("siyu_withdrawals_total", state=s) for s in states] == [1, 1, 0, 0, 1, 1]
    assert [second("siyu_withdrawals_total", state=s) for s in states] == [2, 1, 1, 1, 0, 0]


async def test_job_runs_and_failures_are_counted(api):
    async def quiet(now):
        return 0

    async def failing(now):
        raise RuntimeError("settlement broke")

    async def run_both() -> None:
        for job in (quiet, failing, quiet):
            await run_recorded(
                "settle-commission", clock.now(), trigger="COMMAND", holder="t", job=job
            )

    moved, _ = await moves_during(api, run_both)

    assert moved("siyu_job_runs_total", job="settle-commission") == 3
    assert moved("siyu_job_failures_total", job="settle-commission") == 1
    assert moved("siyu_job_runs_total", job="cancel-unpaid") == 0
    assert ("siyu_job_failures_total", (("job", "expire-points"),)) in moved.after  # from 0


async def test_routes_are_labelled_by_template_and_unknown_paths_share_one_label(api):
    async def requests() -> list[int]:
        answers = [
            await api.http.get("/qr/ABCDEF123456.png"),
            await api.http.get("/admin/exports/commission-secret-path.csv"),
            await api.http.get("/no/such/path/no-such-page-xyz"),
            await api.http.put("/healthz"),
            await api.http.request("BREW", "/healthz"),
            await api.http.get("/readyz"),
        ]
        return [answer.status_code for answer in answers]

    moved, statuses = await moves_during(api, requests)

    http = "siyu_http_requests_total"
    qr, export = statuses[0], statuses[1]
    assert moved(http, method="GET", route="/qr/{code}.png", status=str(qr)) == 1
    assert moved(http, method="GET", route="/admin/exports/{report}.csv", status=str(export)) == 1
    assert moved(http, method="GET", route="unmatched", status="404") == 1
    assert moved(http, method="PUT", route="/healthz", status="405") == 1
    assert moved(http, method="other", route="/healthz", status="405") == 1
    assert moved(http, method="GET", route="/readyz", status="200") == 1
    text = (await api.http.get("/metrics")).text
    for raw in ("ABCDEF123456", "commission-secret-path", "no-such-page-xyz", "BREW"):
        assert raw not in text


async def test_the_pool_and_this_process_are_reported(api, backend):
    samples = await scrape(api)

    pool = {name: value for (name, _), value in samples.items() if name.startswith("siyu_db_pool")}
    if backend == "postgres":
        client_pool = connections.get("default")._pool
        assert pool["siyu_db_pool_max"] == client_pool.get_max_size()
        assert pool["siyu_db_pool_connections"] == client_pool.get_size()
        assert pool["siyu_db_pool_in_use"] == client_pool.get_size() - client_pool.get_idle_size()
        assert pool["siyu_db_pool_waiting"] == 0
    else:
        assert pool == {}  # SQLite: no pool
    pid = (("pid", str(os.getpid())),)
    assert samples[("process_resident_memory_bytes", pid)] > 0
    assert samples[("process_open_fds", pid)] > 0
    assert samples[("siyu_workers", ())] == 1


async def test_cors_preflights_are_counted_under_their_route(db):
    console = "https://hq.example.com"
    api = ApiFactory(cors_allow_origins=console)
    preflight = {"Origin": console, "Access-Control-Request-Method": "POST"}

    moved, answer = await moves_during(api, lambda: api.http.options("/graphql", headers=preflight))

    assert answer.status_code == 200
    assert moved("siyu_http_requests_total", method="OPTIONS", route="/graphql", status="200") == 1
