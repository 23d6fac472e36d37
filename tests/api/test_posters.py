"""Share posters (SPEC 18) through the app: HQ's templates (upload, create, edit, enable; every
refusal saves nothing), a distributor's poster (a PNG of the background's size whose 小程序码
decodes to the link's poster scene), composed once and rebuilt when the price or the template
changes, asked for by the link's owner only; images only from allowed hosts (no SSRF); the
share funnel per template."""

from __future__ import annotations

import asyncio
import base64
import io
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from PIL import Image

from api.graphql.ids import from_global_id, to_global_id
from distribution.models import ShareLink, ShareVisit
from distribution.posters.models import PosterImage, PosterRender, PosterTemplate, RemoteImage
from domain import clock
from domain.catalog import service as catalog
from domain.catalog.models import Product, Sku
from domain.clock import to_shanghai
from domain.members.models import Member
from domain.orders.models import Order
from domain.org.models import StaffRole
from domain.settings.service import update_settings
from domain.wechat.models import CodeKind, WechatCode
from tests.api.test_binding_rules import make_distributor
from tests.fakes.image_host import FakeImageHost, running_image_host
from tests.fakes.wechat import running_fake_wechat
from tests.support.api import ApiFactory, Client, MemberSession
from tests.support.catalog import make_category, make_product
from tests.support.orders import delivery, pay, place_ok
from tests.support.qr import decoded_qr

BASE = "https://mall.example.com/api"
APP_ID = "wx-mall"
SECRET = "mall-secret"
WIDTH, HEIGHT = 750, 1100
CODE_BOX = {"x": 500, "y": 850, "width": 220, "height": 220}
BOXES: dict[str, Any] = {
    "productImage": {"x": 25, "y": 25, "width": 700, "height": 600},
    "title": {"x": 25, "y": 650, "width": 700, "height": 90, "fontSize": 36, "color": "#222222"},
    "price": {"x": 25, "y": 760, "width": 400, "height": 60, "fontSize": 48, "color": "#E02020"},
    "nickname": {"x": 140, "y": 900, "width": 330, "height": 50, "fontSize": 30},
    "avatar": {"x": 25, "y": 880, "width": 100, "height": 100},
    "code": CODE_BOX,
}

UPLOAD = """
mutation($content: String!) {
  uploadPosterImage(contentBase64: $content) {
    image { id url width height contentType } errors { code field }
  }
}
"""
TEMPLATE_FIELDS = "id name width height enabled version backgroundUrl boxes { code { x width } }"
CREATE = f"""
mutation($input: PosterTemplateInput!) {{
  createPosterTemplate(input: $input) {{ template {{ {TEMPLATE_FIELDS} }} errors {{ code field }} }}
}}
"""
UPDATE = f"""
mutation($id: ID!, $input: PosterTemplateInput!) {{
  updatePosterTemplate(id: $id, input: $input) {{
    template {{ {TEMPLATE_FIELDS} }} errors {{ code field }}
  }}
}}
"""
ENABLE = """
mutation($id: ID!, $enabled: Boolean!) {
  setPosterTemplateEnabled(id: $id, enabled: $enabled) {
    template { enabled version } errors { code }
  }
}
"""
SHOP_TEMPLATES = "{ posterTemplates { edges { node { id name width height backgroundUrl } } } }"
SHARE = """
mutation($link: ID!, $template: ID!) {
  sharePoster(linkId: $link, templateId: $template) {
    poster { url width height templateVersion scene price { fen formatted } }
    errors { code field }
  }
}
"""
CREATE_LINK = """
mutation($input: CreateShareLinkInput!) {
  createShareLink(input: $input) { link { id code } errors { code } }
}
"""
VISIT = """
mutation($code: String!) {
  recordShareVisit(code: $code) { outcome link { code } errors { code field } }
}
"""
FUNNEL = """
query($period: ReportPeriodInput!) {
  posterFunnel(period: $period) {
    rows { templateId templateName figures { visits uniqueVisitors bindings orders paid { fen } } }
    rowCount errors { code }
  }
}
"""


def picture(width: int, height: int, color: tuple[int, int, int], kind: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format=kind)
    return buffer.getvalue()


@pytest.fixture
async def host(db) -> AsyncIterator[FakeImageHost]:
    async with running_image_host() as fake:
        yield fake


def poster_api(host: FakeImageHost, **overrides: Any) -> ApiFactory:
    return ApiFactory(
        public_base_url=BASE,
        poster_image_ca_file=host.certfile,
        poster_image_private_addresses="allow",
        **overrides,
    )


@pytest.fixture
async def api(host: FakeImageHost) -> ApiFactory:
    await update_settings([("poster.image_hosts", "localhost")], actor="test")
    return poster_api(host)


async def hq(api: ApiFactory):
    return (await api.staff(StaffRole.HQ_OPERATOR)).client


async def upload(client, data: bytes) -> dict[str, Any]:
    content = base64.b64encode(data).decode()
    return (await client.data(UPLOAD, {"content": content}))["uploadPosterImage"]


async def template_input(client, **boxes: Any) -> dict[str, Any]:
    image = (await upload(client, picture(WIDTH, HEIGHT, (250, 240, 230))))["image"]
    return {"name": "新品海报", "backgroundId": image["id"], "boxes": {**BOXES, **boxes}}


async def make_template(api: ApiFactory) -> dict[str, Any]:
    client = await hq(api)
    created = await client.data(CREATE, {"input": await template_input(client)})
    assert created["createPosterTemplate"]["errors"] == []
    return created["createPosterTemplate"]["template"]


async def koc_with_link(api: ApiFactory, host: FakeImageHost) -> tuple[MemberSession, str, str]:
    """A KOC with an avatar and a PRODUCT link of a product whose image is on the host; returns
    the session, the link's global id and its code."""
    koc = await api.member()
    await Member.filter(id=koc.member_id).update(
        nickname="小红", avatar_url=host.put("/avatar.png", picture(120, 120, (30, 120, 200)))
    )
    await make_distributor(api, member_id=koc.member_id)
    product = await make_product(await make_category(), (12900,), title="保湿精华液 50ml 限量版")
    await Product.filter(id=product.id).update(
        images=[host.put("/product.jpg", picture(400, 400, (200, 60, 60), "JPEG"), "image/jpeg")]
    )
    created = await koc.client.data(
        CREATE_LINK,
        {"input": {"target": "PRODUCT", "targetId": to_global_id("Product", product.id)}},
    )
    link = created["createShareLink"]["link"]
    return koc, link["id"], link["code"]


async def share(koc: MemberSession, link: str, template: str) -> dict[str, Any]:
    return (await koc.client.data(SHARE, {"link": link, "template": template}))["sharePoster"]


async def png_at(api: ApiFactory, url: str):
    assert url.startswith(BASE)
    return await api.http.get(url.removeprefix(BASE))


# Templates ------------------------------------------------------------------------------------


async def test_hq_makes_a_template_from_an_uploaded_background(api):
    client = await hq(api)
    uploaded = await upload(client, picture(WIDTH, HEIGHT, (250, 240, 230)))

    created = await client.data(
        CREATE,
        {"input": {"name": "新品海报", "backgroundId": uploaded["image"]["id"], "boxes": BOXES}},
    )

    template = created["createPosterTemplate"]["template"]
    assert uploaded["errors"] == []
    assert (uploaded["image"]["width"], uploaded["image"]["height"]) == (WIDTH, HEIGHT)
    assert uploaded["image"]["contentType"] == "image/png"
    assert (template["width"], template["height"], template["version"]) == (WIDTH, HEIGHT, 1)
    assert template["enabled"] is True
    assert template["boxes"]["code"] == {"x": 500, "width": 220}
    background = await api.http.get(template["backgroundUrl"].removeprefix(BASE))
    assert background.status_code == 200
    assert background.headers["cache-control"] == "public, max-age=31536000, immutable"
    listed = await api.shop().data(SHOP_TEMPLATES)
    assert [e["node"]["name"] for e in listed["posterTemplates"]["edges"]] == ["新品海报"]


@pytest.mark.parametrize(
    ("boxes", "field", "code"),
    [
        ({"code": {**CODE_BOX, "x": 600}}, "input.boxes.code", "POSTER_BOX_OUTSIDE"),
        (
            {"title": {**BOXES["title"], "y": HEIGHT - 50}},
            "input.boxes.title",
            "POSTER_BOX_OUTSIDE",
        ),
        ({"avatar": {**BOXES["avatar"], "x": -1}}, "input.boxes.avatar", "POSTER_BOX_OUTSIDE"),
        ({"code": {**CODE_BOX, "width": 100}}, "input.boxes.code.width", "OUT_OF_RANGE"),
        (
            {"price": {**BOXES["price"], "fontSize": 61}},
            "input.boxes.price.fontSize",
            "OUT_OF_RANGE",
        ),
        ({"price": {**BOXES["price"], "color": "red"}}, "input.boxes.price.color", "INVALID"),
    ],
)
async def test_a_bad_box_is_refused_with_its_path_and_nothing_is_saved(api, boxes, field, code):
    client = await hq(api)
    draft = await template_input(client, **boxes)

    created = await client.data(CREATE, {"input": draft})

    assert created["createPosterTemplate"] == {
        "template": None,
        "errors": [{"code": code, "field": field}],
    }
    assert await PosterTemplate.all().count() == 0


async def test_an_edit_outside_the_background_changes_nothing(api):
    template = await make_template(api)
    client = await hq(api)
    draft = await template_input(client, code={**CODE_BOX, "y": 900})

    updated = await client.data(UPDATE, {"id": template["id"], "input": draft})

    assert updated["updatePosterTemplate"]["errors"] == [
        {"code": "POSTER_BOX_OUTSIDE", "field": "input.boxes.code"}
    ]
    row = await PosterTemplate.get(id=from_global_id(template["id"], "PosterTemplate"))
    assert (row.version, row.boxes["code"]["y"]) == (1, 850)


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (base64.b64encode(b"<svg xmlns='http://www.w3.org/2000/svg'/>").decode(), "IMAGE_INVALID"),
        (base64.b64encode(picture(100, 100, (0, 0, 0))).decode(), "IMAGE_INVALID"),
        (base64.b64encode(picture(300, 300, (0, 0, 0), "GIF")).decode(), "IMAGE_INVALID"),
        ("not base64!", "INVALID"),
    ],
)
async def test_a_bad_background_is_refused_and_nothing_is_kept(api, content, code):
    client = await hq(api)

    uploaded = (await client.data(UPLOAD, {"content": content}))["uploadPosterImage"]

    assert uploaded == {"image": None, "errors": [{"code": code, "field": "contentBase64"}]}
    assert await PosterImage.all().count() == 0


async def test_an_edit_bumps_the_version_and_a_disabled_template_is_offered_to_nobody(api, host):
    template = await make_template(api)
    client = await hq(api)
    draft = await template_input(client, code={**CODE_BOX, "x": 450})

    updated = await client.data(UPDATE, {"id": template["id"], "input": draft})
    disabled = await client.data(ENABLE, {"id": template["id"], "enabled": False})

    assert updated["updatePosterTemplate"]["template"]["version"] == 2
    assert disabled["setPosterTemplateEnabled"]["template"] == {"enabled": False, "version": 2}
    listed = await api.shop().data(SHOP_TEMPLATES)
    assert listed["posterTemplates"]["edges"] == []
    koc, link, _ = await koc_with_link(api, host)
    refused = await share(koc, link, template["id"])
    assert refused["errors"] == [{"code": "NOT_FOUND", "field": "templateId"}]
    assert await PosterRender.all().count() == 0


# Posters --------------------------------------------------------------------------------------


async def test_a_poster_is_a_png_of_the_background_whose_code_is_the_links_poster_scene(api, host):
    template = await make_template(api)
    koc, link, code = await koc_with_link(api, host)
    template_pk = from_global_id(template["id"], "PosterTemplate")

    poster = await share(koc, link, template["id"])

    assert poster["errors"] == []
    made = poster["poster"]
    assert made["url"].startswith(f"{BASE}/posters/") and made["url"].endswith(".png")
    assert (made["width"], made["height"], made["templateVersion"]) == (WIDTH, HEIGHT, 1)
    assert made["price"] == {"fen": 12900, "formatted": "¥129.00"}
    assert made["scene"] == f"{code}.{template_pk}"
    response = await png_at(api, made["url"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (WIDTH, HEIGHT)
    box = CODE_BOX
    region = image.crop((box["x"], box["y"], box["x"] + box["width"], box["y"] + box["height"]))
    out = io.BytesIO()
    region.save(out, format="PNG")
    assert decoded_qr(out.getvalue()) == [f"{code}.{template_pk}"]
    # The product image was drawn where its box is (a red product on a beige background).
    drawn = image.getpixel((375, 300))[:3]
    assert all(abs(a - b) <= 3 for a, b in zip(drawn, (200, 60, 60), strict=True)), drawn
    assert host.hits == {"/product.jpg": 1, "/avatar.png": 1}


async def test_the_second_request_composes_nothing_and_fetches_nothing(api, host):
    template = await make_template(api)
    koc, link, _ = await koc_with_link(api, host)
    first = await share(koc, link, template["id"])

    again = await share(koc, link, template["id"])

    assert again["poster"] == first["poster"]
    assert api.app.state.poster_maker.compositions == 1
    assert host.hits == {"/product.jpg": 1, "/avatar.png": 1}
    assert await PosterRender.all().count() == 1


async def test_a_burst_of_requests_for_a_new_poster_composes_it_once(api, host):
    template = await make_template(api)
    koc, link, _ = await koc_with_link(api, host)

    burst = await asyncio.gather(*(share(koc, link, template["id"]) for _ in range(5)))

    assert {answer["poster"]["url"] for answer in burst} == {burst[0]["poster"]["url"]}
    assert api.app.state.poster_maker.compositions == 1
    assert host.hits == {"/product.jpg": 1, "/avatar.png": 1}
    assert await PosterRender.all().count() == 1


async def test_a_price_change_and_a_template_edit_each_rebuild_the_poster(api, host):
    template = await make_template(api)
    koc, link, _ = await koc_with_link(api, host)
    first = (await share(koc, link, template["id"]))["poster"]
    product_id = (await ShareLink.get(id=from_global_id(link, "ShareLink"))).target_id
    sku = await Sku.get(product_id=product_id)
    await catalog.update_sku(sku.id, catalog.SkuInput(code=sku.code, price_fen=9900, stock=100))

    repriced = (await share(koc, link, template["id"]))["poster"]
    client = await hq(api)
    draft = await template_input(client, code={**CODE_BOX, "x": 450})
    await client.data(UPDATE, {"id": template["id"], "input": draft})
    edited = (await share(koc, link, template["id"]))["poster"]

    assert repriced["price"] == {"fen": 9900, "formatted": "¥99.00"}
    assert edited["templateVersion"] == 2
    assert len({first["url"], repriced["url"], edited["url"]}) == 3
    assert api.app.state.poster_maker.compositions == 3
    assert (await png_at(api, first["url"])).status_code == 404
    assert (await png_at(api, edited["url"])).status_code == 200
    render = await PosterRender.get()
    assert (render.template_version, render.price_fen) == (2, 9900)


async def test_only_the_links_owner_gets_its_poster(api, host):
    template = await make_template(api)
    _, link, _ = await koc_with_link(api, host)
    other = await api.member()
    await make_distributor(api, member_id=other.member_id)
    plain_member = await api.member()

    by_other = await share(other, link, template["id"])
    by_member = await share(plain_member, link, template["id"])

    assert by_other == {"poster": None, "errors": [{"code": "NOT_FOUND", "field": "linkId"}]}
    assert by_member == by_other
    assert await PosterRender.all().count() == 0
    assert host.hits == {}


async def test_an_image_of_a_host_not_allowed_is_never_fetched(api, host):
    template = await make_template(api)
    koc, link, _ = await koc_with_link(api, host)
    await update_settings([("poster.image_hosts", "cdn.example.com")], actor="test")

    refused = await share(koc, link, template["id"])

    assert refused == {
        "poster": None,
        "errors": [{"code": "IMAGE_HOST_NOT_ALLOWED", "field": "product.images.0"}],
    }
    assert host.hits == {}
    assert await PosterRender.all().count() == 0
    assert await RemoteImage.all().count() == 0


# The share funnel per template -----------------------------------------------------------------


async def test_visits_bindings_and_orders_through_a_poster_are_counted_for_its_template(api, host):
    template = await make_template(api)
    other_template = await make_template(api)
    koc, link, code = await koc_with_link(api, host)
    scene = (await share(koc, link, template["id"]))["poster"]["scene"]
    product_id = (await ShareLink.get(id=from_global_id(link, "ShareLink"))).target_id
    sku = await Sku.get(product_id=product_id)
    buyer, browser, chat_reader = await api.member(), await api.member(), await api.member()

    bound = (await buyer.client.data(VISIT, {"code": scene}))["recordShareVisit"]
    await browser.client.data(VISIT, {"code": scene})
    await chat_reader.client.data(VISIT, {"code": code})
    order = await place_ok(buyer.client, delivery((sku, 2)))
    await pay(api, buyer.client, order)
    await place_ok(chat_reader.client, delivery((sku, 1)))

    assert bound["errors"] == [] and bound["outcome"] == "BOUND"
    assert bound["link"]["code"] == code
    template_pk = from_global_id(template["id"], "PosterTemplate")
    visits = await ShareVisit.all().order_by("id").values_list("poster_template_id", flat=True)
    assert visits == [template_pk, template_pk, None]
    paid = await Order.get(member_id=buyer.member_id)
    assert paid.attribution["poster_template_id"] == template_pk
    unpaid = await Order.get(member_id=chat_reader.member_id)
    assert unpaid.attribution["poster_template_id"] is None
    today = to_shanghai(clock.now()).date()
    period = {"from": str(today - timedelta(days=1)), "to": str(today + timedelta(days=1))}
    report = (await (await hq(api)).data(FUNNEL, {"period": period}))["posterFunnel"]
    assert report["errors"] == []
    assert report["rows"] == [
        {
            "templateId": template["id"],
            "templateName": "新品海报",
            "figures": {
                "visits": 2,
                "uniqueVisitors": 2,
                "bindings": 2,
                "orders": 1,
                "paid": {"fen": paid.payable_fen},
            },
        }
    ]
    assert other_template["id"] not in str(report)


async def test_with_wechat_the_posters_code_is_a_xiaochengxuma_of_the_poster_scene(api, host):
    template = await make_template(api)
    koc, link, code = await koc_with_link(api, host)
    template_pk = from_global_id(template["id"], "PosterTemplate")
    async with running_fake_wechat(APP_ID, SECRET) as wechat:
        on_wechat = poster_api(
            host,
            login_provider="WECHAT",
            wechat_app_id=APP_ID,
            wechat_app_secret=SECRET,
            wechat_api_base_url=wechat.base_url,
        )
        # The member's token is the same JWT whatever provider logged them in.
        session = Client(on_wechat.http, "/graphql", token=koc.client.token)

        poster = await session.data(SHARE, {"link": link, "template": template["id"]})

        assert poster["sharePoster"]["errors"] == []
        scene = f"{code}.{template_pk}"
        assert wechat.codes_made == [(scene, "pages/product/index", True, "release")]
        stored = await WechatCode.get(kind=CodeKind.LINK, scene=scene)
        assert decoded_qr(bytes(stored.png)) == [scene]


async def test_a_guide_gets_the_poster_of_their_own_link_through_the_admin_api(api, host):
    template = await make_template(api)
    guide = await api.staff(StaffRole.GUIDE)
    product = await make_product(await make_category(), (5000,), title="羊绒围巾")
    created = await guide.client.data(
        CREATE_LINK,
        {"input": {"target": "PRODUCT", "targetId": to_global_id("Product", product.id)}},
    )
    link = created["createShareLink"]["link"]
    other_guide = await api.staff(StaffRole.GUIDE)

    poster = await guide.client.data(SHARE, {"link": link["id"], "template": template["id"]})
    refused = await other_guide.client.data(SHARE, {"link": link["id"], "template": template["id"]})

    assert poster["sharePoster"]["errors"] == []
    assert poster["sharePoster"]["poster"]["price"] == {"fen": 5000, "formatted": "¥50.00"}
    assert (await png_at(api, poster["sharePoster"]["poster"]["url"])).status_code == 200
    assert refused["sharePoster"] == {
        "poster": None,
        "errors": [{"code": "NOT_FOUND", "field": "linkId"}],
    }
