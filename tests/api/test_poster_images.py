"""Fetching poster images without server-side request forgery (api/posters/fetcher.py), against
a real TLS image host on loopback: only https URLs of allowed host names are fetched, never an
IP address, a private address, another host by redirect, something that is no image, a body
past the limit or an answer past the timeout; what was fetched is cached, our own images are
read from the database; the allowed hosts setting takes host names only."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest
from PIL import Image

from api.config import ConfigError
from api.posters.fetcher import ImageFetcher
from distribution.posters import images
from distribution.posters.models import RemoteImage
from domain.errors import DomainError
from domain.org.models import StaffRole
from domain.settings.service import load_settings
from tests.api.test_withdrawals_config import production
from tests.fakes.image_host import FakeImageHost, running_image_host

BASE = "https://mall.example.com"
HOSTS = ["localhost"]
FIELD = "product.images.0"
MAX_BYTES = 50_000


def picture(width: int = 64, height: int = 64) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (10, 200, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
async def host(db) -> AsyncIterator[FakeImageHost]:
    async with running_image_host() as fake:
        yield fake


def fetcher_for(host: FakeImageHost, *, allow_private: bool = True) -> ImageFetcher:
    return ImageFetcher(
        BASE,
        timeout=1.0,
        max_bytes=MAX_BYTES,
        ca_file=host.certfile,
        allow_private=allow_private,
    )


async def refusal(fetcher: ImageFetcher, url: str, hosts: list[str] = HOSTS) -> tuple[str, str]:
    with pytest.raises(DomainError) as raised:
        await fetcher.image(url, FIELD, hosts)
    await fetcher.aclose()
    return str(raised.value.code), str(raised.value.field)


async def test_an_allowed_https_image_is_fetched_once_then_served_from_the_cache(host):
    url = host.put("/p.png", picture())
    fetcher = fetcher_for(host)

    first = await fetcher.image(url, FIELD, HOSTS)
    again = await fetcher.image(url, FIELD, HOSTS)
    await fetcher.aclose()

    assert first == again == picture()
    assert host.hits == {"/p.png": 1}
    cached = await RemoteImage.get(url=url)
    assert (bytes(cached.data), cached.content_type) == (picture(), "image/png")


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:{port}/p.png",
        "https://127.0.0.1:{port}/p.png",
        "https://2130706433:{port}/p.png",
        "https://[::1]:{port}/p.png",
        "https://images.example.com:{port}/p.png",
        "https://localhost.example.com:{port}/p.png",
        "https://localhost@images.example.com:{port}/p.png",
        "file:///etc/passwd",
        "gopher://localhost:{port}/p.png",
    ],
)
async def test_a_url_outside_the_allowed_hosts_is_refused_unfetched(host, url):
    host.put("/p.png", picture())

    refused = await refusal(fetcher_for(host), url.format(port=host.port))

    assert refused == ("IMAGE_HOST_NOT_ALLOWED", FIELD)
    assert host.hits == {}
    assert await RemoteImage.all().count() == 0


async def test_an_allowed_name_that_resolves_to_a_private_address_is_refused(host):
    url = host.put("/p.png", picture())

    refused = await refusal(fetcher_for(host, allow_private=False), url)

    assert refused == ("IMAGE_HOST_NOT_ALLOWED", FIELD)
    assert host.hits == {}


async def test_a_redirect_to_another_host_or_to_http_is_refused(host):
    host.put("/p.png", picture())
    elsewhere = host.redirect("/away.png", "https://images.example.com/p.png")
    to_ip = host.redirect("/ip.png", f"https://127.0.0.1:{host.port}/p.png")
    to_http = host.redirect("/plain.png", f"http://localhost:{host.port}/p.png")

    refused = [await refusal(fetcher_for(host), url) for url in (elsewhere, to_ip, to_http)]

    assert refused == [("IMAGE_HOST_NOT_ALLOWED", FIELD)] * 3
    assert host.hits == {"/away.png": 1, "/ip.png": 1, "/plain.png": 1}


async def test_a_redirect_on_the_same_host_is_followed(host):
    host.put("/p.png", picture())
    moved = host.redirect("/old.png", "/p.png")
    fetcher = fetcher_for(host)

    fetched = await fetcher.image(moved, FIELD, HOSTS)
    await fetcher.aclose()

    assert fetched == picture()
    assert host.hits == {"/old.png": 1, "/p.png": 1}


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<html>hello</html>", "text/html"),
        (b"not a png at all", "image/png"),
        (picture(), "application/octet-stream"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"),
    ],
)
async def test_what_is_no_image_is_refused_and_not_kept(host, body, content_type):
    url = host.put("/x", body, content_type)

    refused = await refusal(fetcher_for(host), url)

    assert refused == ("IMAGE_INVALID", FIELD)
    assert await RemoteImage.all().count() == 0


async def test_a_body_over_the_limit_is_cut_off(host):
    large = host.put("/large.png", picture() + bytes(MAX_BYTES))
    endless = host.url("/endless.png")

    refused = [await refusal(fetcher_for(host), url) for url in (large, endless)]

    assert refused == [("IMAGE_INVALID", FIELD)] * 2
    assert await RemoteImage.all().count() == 0


async def test_an_answer_past_the_timeout_is_unavailable(host):
    host.put("/slow.png", picture())

    refused = await refusal(fetcher_for(host), host.url("/slow.png"))

    assert refused == ("IMAGE_UNAVAILABLE", FIELD)
    assert await RemoteImage.all().count() == 0


async def test_our_own_images_are_read_from_the_database(host):
    stored = await images.upload(picture(400, 400), "test")
    fetcher = fetcher_for(host)

    fetched = await fetcher.image(f"{BASE}/poster-images/{stored.sha256}", FIELD, [])
    await fetcher.aclose()

    assert fetched == picture(400, 400)
    assert host.hits == {}


@pytest.mark.parametrize(
    "value",
    ["127.0.0.1", "https://cdn.example.com", "cdn.example.com:443", "*.example.com", "0x7f.1"],
)
async def test_the_allowed_hosts_setting_takes_host_names_only(api, value):
    client = (await api.staff(StaffRole.HQ_OPERATOR)).client

    changed = await client.data(
        'mutation($v: String!) { updateSettings(changes: [{key: "poster.image_hosts", '
        "value: $v}]) { errors { code field } } }",
        {"v": f"cdn.example.com, {value}"},
    )

    assert changed["updateSettings"]["errors"] == [
        {"code": "INVALID_SETTING", "field": "changes.0.value"}
    ]
    assert (await load_settings(fresh=True))["poster.image_hosts"] == ()


def test_private_addresses_are_refused_in_production():
    with pytest.raises(ConfigError, match="POSTER_IMAGE_PRIVATE_ADDRESSES"):
        production(poster_image_private_addresses="allow").check()
