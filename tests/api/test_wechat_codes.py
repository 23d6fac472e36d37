"""小程序码 of share links and stores (SPEC 18) through the app, against the fake WeChat: an
absolute qrUrl, a PNG whose QR is the scene, made once per code even under a burst (and across
two processes), cached for good, paused on WeChat's rate limit; a plain QR under DEV; a store
code scanned makes the store relationship."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from api.app import create_app
from api.config import AppConfig, ConfigError
from api.graphql.ids import to_global_id
from distribution.models import ServiceReason, ServiceRelationship
from domain import clock
from domain.org.models import StaffRole, Store, StoreStatus
from domain.wechat.models import CodeKind, WechatCode
from tests.api.test_binding_rules import home_link, make_distributor
from tests.api.test_withdrawals_config import production
from tests.fakes.wechat import STABLE_TOKEN, UNLIMITED_CODE, FakeWechat, running_fake_wechat
from tests.support.api import ApiFactory, MemberSession, make_store
from tests.support.catalog import make_category, make_product
from tests.support.qr import decoded_qr

APP_ID = "wx-mall"
SECRET = "mall-secret"
BASE = "https://mall.example.com/api"

LINKS = "query { distributionCenter { links(first: 5) { edges { node { code qrUrl } } } } }"
CREATE = """
mutation($input: CreateShareLinkInput!) {
  createShareLink(input: $input) { link { code qrUrl path } errors { code field } }
}
"""
STORES = "query { stores(first: 10) { edges { node { code qrUrl } } } }"
STORE_VISIT = """
mutation($code: String, $id: ID) {
  recordStoreVisit(code: $code, storeId: $id) { store { code } errors { code field } }
}
"""


@pytest.fixture
async def wechat(db) -> AsyncIterator[FakeWechat]:
    async with running_fake_wechat(APP_ID, SECRET) as fake:
        yield fake


def wechat_api(wechat: FakeWechat) -> ApiFactory:
    return ApiFactory(
        login_provider="WECHAT",
        wechat_app_id=APP_ID,
        wechat_app_secret=SECRET,
        wechat_api_base_url=wechat.base_url,
        public_base_url=BASE,
    )


@pytest.fixture
def api(wechat: FakeWechat) -> ApiFactory:
    return wechat_api(wechat)


async def _koc(api_factory: ApiFactory | None = None) -> MemberSession:
    """A KOC logged in through the DEV provider: members of the WECHAT app would need wx.login
    codes, and the database is the same."""
    dev = api_factory or ApiFactory(public_base_url=BASE)
    session = await dev.member()
    await make_distributor(dev, member_id=session.member_id)
    return session


async def _link_code() -> str:
    """A HOME link of a new KOC."""
    dev = ApiFactory()
    return (await home_link(await make_distributor(dev))).code


async def _product_link(koc: MemberSession) -> str:
    product = await make_product(await make_category())
    created = await koc.client.data(
        CREATE, {"input": {"target": "PRODUCT", "targetId": to_global_id("Product", product.id)}}
    )
    return created["createShareLink"]["link"]["code"]


async def test_a_links_qr_url_is_absolute_and_serves_its_code(api, wechat):
    code = await _link_code()

    response = await api.http.get(f"/qr/{code}.png")

    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert decoded_qr(response.content) == [code]
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert wechat.codes_made == [(code, "pages/index/index", True, "release")]
    row = await WechatCode.get(kind=CodeKind.LINK, scene=code)
    assert bytes(row.png) == response.content
    assert response.headers["etag"] == f'"{row.etag}"'
    assert (row.page, row.lease_until, row.retry_at) == ("pages/index/index", None, None)


async def test_the_link_node_gives_the_absolute_url(db):
    koc = await _koc()
    code = await _product_link(koc)

    listed = await koc.client.data(LINKS)

    assert listed["distributionCenter"]["links"]["edges"][0]["node"] == {
        "code": code,
        "qrUrl": f"{BASE}/qr/{code}.png",
    }


async def test_a_product_link_opens_the_product_page_from_the_settings(api, wechat):
    admin = await api.staff(StaffRole.HQ_ADMIN)
    await admin.client.data(
        'mutation { updateSettings(changes: [{key: "wechat.page.product", value: '
        '"pages/goods/detail"}, {key: "wechat.check_path", value: "false"}, '
        '{key: "wechat.env_version", value: "trial"}]) { errors { code } } }'
    )
    code = await _product_link(await _koc())

    response = await api.http.get(f"/qr/{code}.png")

    assert response.status_code == 200
    assert wechat.codes_made == [(code, "pages/goods/detail", False, "trial")]


async def test_a_known_image_is_served_again_without_wechat_and_revalidates(api, wechat):
    code = await _link_code()
    first = await api.http.get(f"/qr/{code}.png")

    again = await api.http.get(f"/qr/{code}.png")
    revalidated = await api.http.get(
        f"/qr/{code}.png", headers={"If-None-Match": first.headers["etag"]}
    )

    assert again.content == first.content
    assert revalidated.status_code == 304
    assert revalidated.content == b""
    assert len(wechat.codes_made) == 1
    assert wechat.calls[STABLE_TOKEN] == 1


async def test_fifty_concurrent_requests_make_the_code_once(api, wechat):
    code = await _link_code()
    wechat.delay = 0.2  # the code takes a while: the burst arrives while it is being made

    responses = await asyncio.gather(*(api.http.get(f"/qr/{code}.png") for _ in range(50)))

    assert [r.status_code for r in responses] == [200] * 50
    assert {r.content for r in responses} == {responses[0].content}
    assert wechat.calls[UNLIMITED_CODE] == 1
    assert await WechatCode.filter(scene=code).count() == 1


async def test_two_processes_under_a_burst_make_the_code_once(api, wechat):
    other_process = wechat_api(wechat)
    code = await _link_code()
    wechat.delay = 0.2

    responses = await asyncio.gather(
        *(app.http.get(f"/qr/{code}.png") for app in (api, other_process) for _ in range(25))
    )

    assert [r.status_code for r in responses] == [200] * 50
    assert wechat.calls[UNLIMITED_CODE] == 1
    assert decoded_qr(responses[-1].content) == [code]


async def test_a_rate_limit_pauses_the_code_with_retry_after(api, wechat):
    code = await _link_code()
    wechat.fail_next(45009, endpoint=UNLIMITED_CODE)
    with clock.frozen_at(datetime.now(UTC)):
        limited = await api.http.get(f"/qr/{code}.png")
        clock.advance(timedelta(seconds=299))
        still_paused = await api.http.get(f"/qr/{code}.png")
        calls_while_paused = wechat.calls[UNLIMITED_CODE]
        clock.advance(timedelta(seconds=1))
        made = await api.http.get(f"/qr/{code}.png")

    assert (limited.status_code, limited.headers["retry-after"]) == (503, "300")
    assert (still_paused.status_code, still_paused.headers["retry-after"]) == (503, "1")
    assert calls_while_paused == 1
    assert made.status_code == 200
    assert decoded_qr(made.content) == [code]
    assert wechat.calls[UNLIMITED_CODE] == 2


async def test_a_failed_attempt_is_retried_by_the_next_request(api, wechat):
    code = await _link_code()
    wechat.fail_next(-1, endpoint=UNLIMITED_CODE)

    busy = await api.http.get(f"/qr/{code}.png")
    made = await api.http.get(f"/qr/{code}.png")

    assert (busy.status_code, busy.headers["retry-after"]) == (503, "5")
    assert made.status_code == 200
    assert wechat.calls[UNLIMITED_CODE] == 2


@pytest.mark.parametrize("code", ["unknown-code", "x" * 40, "bad%20code"])
async def test_an_unknown_link_has_no_code_and_costs_no_call(api, wechat, code):
    response = await api.http.get(f"/qr/{code}.png")

    assert response.status_code == 404
    assert wechat.calls[UNLIMITED_CODE] == 0
    assert await WechatCode.all().count() == 0


async def test_a_store_code_opens_the_store_landing_page(api, wechat):
    await make_store(code="SH-001")
    await make_store(code="门店二")  # no valid scene: no code

    stores = await api.shop().data(STORES)
    response = await api.http.get("/qr/stores/SH-001.png")
    missing = await api.http.get("/qr/stores/SH-404.png")

    urls = {e["node"]["code"]: e["node"]["qrUrl"] for e in stores["stores"]["edges"]}
    assert urls == {"SH-001": f"{BASE}/qr/stores/SH-001.png", "门店二": None}
    assert response.status_code == 200
    assert decoded_qr(response.content) == ["SH-001"]
    assert wechat.codes_made == [("SH-001", "pages/store/scan", True, "release")]
    assert missing.status_code == 404


async def test_a_closed_store_has_no_code(api, wechat):
    store = await make_store(code="SH-009")
    await Store.filter(id=store.id).update(status=StoreStatus.CLOSED)

    response = await api.http.get("/qr/stores/SH-009.png")

    assert response.status_code == 404
    assert wechat.calls[UNLIMITED_CODE] == 0


async def test_under_dev_a_store_code_is_a_plain_qr(db):
    api = ApiFactory()
    await make_store(code="SH-002")

    response = await api.http.get("/qr/stores/SH-002.png")

    assert response.status_code == 200
    assert decoded_qr(response.content) == ["SH-002"]
    assert await WechatCode.all().count() == 0


async def test_scanning_a_store_code_makes_the_store_relationship(db):
    api = ApiFactory()
    store = await make_store(code="SH-003")
    member = await api.member()

    result = await member.client.data(STORE_VISIT, {"code": "SH-003"})

    assert result["recordStoreVisit"] == {"store": {"code": "SH-003"}, "errors": []}
    relationship = await ServiceRelationship.get(member_id=member.member_id)
    assert (relationship.store_id, relationship.guide_id, relationship.reason) == (
        store.id,
        None,
        ServiceReason.STORE_QR,
    )


@pytest.mark.parametrize(
    ("variables", "error"),
    [
        ({"code": "SH-404"}, {"code": "NOT_FOUND", "field": "code"}),
        ({}, {"code": "INVALID", "field": "code"}),
        ({"code": "SH-004", "id": to_global_id("Store", 1)}, {"code": "INVALID", "field": "code"}),
        ({"id": "x"}, {"code": "INVALID_ID", "field": "storeId"}),
    ],
)
async def test_a_store_visit_needs_one_known_store(db, variables, error):
    api = ApiFactory()
    await make_store(code="SH-004")
    member = await api.member()

    result = await member.client.data(STORE_VISIT, variables)

    assert result["recordStoreVisit"] == {"store": None, "errors": [error]}
    assert await ServiceRelationship.all().count() == 0


@pytest.mark.parametrize(
    "url", ["mall.example.com", "https://mall.example.com/", "https://mall.example.com/?x=1", ""]
)
def test_a_public_base_url_that_is_no_base_url_refuses_to_start(url):
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        create_app(AppConfig(env="test", public_base_url=url), manage_database=False)


def test_production_wants_an_https_public_base_url():
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL must be https"):
        create_app(production(public_base_url="http://mall.example.com"), manage_database=False)
