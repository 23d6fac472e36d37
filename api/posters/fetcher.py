"""Fetching the images a poster shows (product images, avatars) without server-side request
forgery: a poster must never make siyu fetch an arbitrary URL.

- Our own storage first: a URL under `PUBLIC_BASE_URL/poster-images/` is read from the
  database, nothing is fetched.
- Otherwise only `https://` URLs whose host is one of the `poster.image_hosts` setting (exact
  names; no IP literals, no user info). The host is resolved once and every address it
  resolves to must be public (no loopback, private, link-local, multicast or reserved
  address; `POSTER_IMAGE_PRIVATE_ADDRESSES=allow` lifts this for development only); the
  connection goes to the checked address, with the host name for TLS (SNI and certificate)
  and the Host header, so a second resolution cannot point it elsewhere (DNS rebinding).
- Redirects are followed (at most 3) only to https on the same host and port.
- The answer must be 200 with an image content type, at most `POSTER_IMAGE_MAX_BYTES` (read
  as a stream and cut off past the limit), and decode as a PNG, JPEG or WebP image within the
  pixel bound; the whole fetch has `POSTER_IMAGE_TIMEOUT` seconds.
- What was fetched is kept in `poster_remote_image` and served from there for
  `CACHE_HOURS`; no connection is reused across hosts (no keep-alive).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import certifi
import httpx

from distribution.posters import images
from distribution.posters.models import RemoteImage
from domain import clock
from domain.errors import DomainError, ErrorCode
from domain.settings.definitions import host_name

OWN_IMAGES_PATH = "/poster-images/"
CACHE_HOURS = 24
MAX_REDIRECTS = 3
CONTENT_TYPES = frozenset(images.FORMATS.values())
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Target:
    url: str
    host: str
    port: int
    path: str


def _refused(field: str, why: str) -> DomainError:
    return DomainError(ErrorCode.IMAGE_HOST_NOT_ALLOWED, field, why)


def allowed_target(url: str, field: str, hosts: Iterable[str]) -> Target:
    """The URL taken apart when it may be fetched at all; IMAGE_HOST_NOT_ALLOWED otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port or 443
    except ValueError:
        raise _refused(field, "not a URL") from None
    if parts.scheme != "https":
        raise _refused(field, "https only")
    if parts.username is not None or parts.password is not None:
        raise _refused(field, "no user info")
    host = host_name(parts.hostname or "")
    if host is None:
        raise _refused(field, "a host name, not an IP address")
    if host not in set(hosts):
        raise _refused(field, f"{host} is not in poster.image_hosts")
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    return Target(url, host, port, path)


class ImageFetcher:
    def __init__(
        self,
        public_base_url: str,
        *,
        timeout: float,
        max_bytes: int,
        ca_file: str = "",
        allow_private: bool = False,
    ):
        self._own_prefix = f"{public_base_url}{OWN_IMAGES_PATH}"
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.allow_private = allow_private
        context = ssl.create_default_context(cafile=certifi.where())
        if ca_file:
            context.load_verify_locations(cafile=ca_file)
        self._client = httpx.AsyncClient(
            verify=context,
            timeout=timeout,
            follow_redirects=False,
            trust_env=False,
            limits=httpx.Limits(max_keepalive_connections=0),
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def image(self, url: str, field: str, hosts: Iterable[str]) -> bytes:
        """The image's bytes, from our storage, the cache or its allowed host."""
        if url.startswith(self._own_prefix):
            row = await images.stored(url[len(self._own_prefix) :])
            if row is None:
                raise DomainError(ErrorCode.IMAGE_UNAVAILABLE, field, "no such stored image")
            return bytes(row.data)
        target = allowed_target(url, field, hosts)
        cached = await RemoteImage.get_or_none(url=url)
        if cached is not None and clock.now() - cached.fetched_at < timedelta(hours=CACHE_HOURS):
            return bytes(cached.data)
        try:
            async with asyncio.timeout(self.timeout):
                data, content_type = await self._download(target, field)
        except TimeoutError:
            raise DomainError(ErrorCode.IMAGE_UNAVAILABLE, field, "timed out") from None
        await self._keep(url, data, content_type)
        return data

    async def _keep(self, url: str, data: bytes, content_type: str) -> None:
        values = {"data": data, "content_type": content_type, "fetched_at": clock.now()}
        if not await RemoteImage.filter(url=url).update(**values):
            await RemoteImage.get_or_create(url=url, defaults=values)

    async def _addresses(self, target: Target, field: str) -> list[Address]:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
        except OSError:
            raise DomainError(ErrorCode.IMAGE_UNAVAILABLE, field, "host not found") from None
        addresses: list[Address] = []
        for info in infos:
            address = ipaddress.ip_address(info[4][0])
            if not (address.is_global or self.allow_private):
                raise _refused(field, f"{target.host} resolves to a non-public address")
            if address not in addresses:
                addresses.append(address)
        return addresses

    async def _download(self, target: Target, field: str) -> tuple[bytes, str]:
        for _ in range(MAX_REDIRECTS + 1):
            response = await self._open(target, field)
            try:
                if response.is_redirect:
                    target = self._redirected(target, response, field)
                    continue
                return await self._body(response, field)
            finally:
                await response.aclose()
        raise DomainError(ErrorCode.IMAGE_UNAVAILABLE, field, "too many redirects")

    async def _open(self, target: Target, field: str) -> httpx.Response:
        """The response from the first checked address that takes the connection."""
        host_header = target.host if target.port == 443 else f"{target.host}:{target.port}"
        for address in await self._addresses(target, field):
            literal = f"[{address}]" if address.version == 6 else str(address)
            request = self._client.build_request(
                "GET",
                f"https://{literal}:{target.port}{target.path}",
                headers={"Host": host_header, "Accept": ", ".join(sorted(CONTENT_TYPES))},
                extensions={"sni_hostname": target.host},
            )
            try:
                return await self._client.send(request, stream=True)
            except httpx.ConnectError:
                continue
            except httpx.HTTPError as error:
                raise DomainError(
                    ErrorCode.IMAGE_UNAVAILABLE, field, type(error).__name__
                ) from None
        raise DomainError(ErrorCode.IMAGE_UNAVAILABLE, field, "could not connect")

    @staticmethod
    def _redirected(target: Target, response: httpx.Response, field: str) -> Target:
        location = urljoin(target.url, response.headers.get("location", ""))
        try:
            parts = urlsplit(location)
            same = host_name(parts.hostname or "") == target.host
            same = same and (parts.port or 443) == target.port
        except ValueError:
            same = False
        if not same:
            raise _refused(field, "redirected to another host")
        return allowed_target(location, field, [target.host])

    async def _body(self, response: httpx.Response, field: str) -> tuple[bytes, str]:
        if response.status_code != 200:
            raise DomainError(
                ErrorCode.IMAGE_UNAVAILABLE, field, f"answered {response.status_code}"
            )
        content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in CONTENT_TYPES:
            raise DomainError(ErrorCode.IMAGE_INVALID, field, "not an image")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise DomainError(ErrorCode.IMAGE_INVALID, field, f"over {self.max_bytes} bytes")
        body = bytearray()
        try:
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > self.max_bytes:
                    raise DomainError(
                        ErrorCode.IMAGE_INVALID, field, f"over {self.max_bytes} bytes"
                    )
        except httpx.HTTPError as error:
            raise DomainError(ErrorCode.IMAGE_UNAVAILABLE, field, type(error).__name__) from None
        data = bytes(body)
        images.checked(data, field)
        return data, content_type
