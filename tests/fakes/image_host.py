"""A fake image host (a CDN serving product images and avatars) over real TLS on loopback.

Its certificate is made for `localhost` and written with its key to a temporary directory;
the app under test trusts it through POSTER_IMAGE_CA_FILE and reaches it by the name
`localhost` (allowed by `POSTER_IMAGE_PRIVATE_ADDRESSES=allow`, since it resolves to
loopback). It serves what a test puts at a path (bytes and a content type), redirects, a body
that never ends (`/endless.png`), one that starts too late (`/slow.png`), and counts the
requests per path.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import tempfile
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from tests.fakes.serving import serving

HOST = "localhost"
SLOW_SECONDS = 3.0
ENDLESS_CHUNKS = 256


def self_signed(directory: Path) -> tuple[str, str]:
    """A certificate for `localhost` (and 127.0.0.1) and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(HOST), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certfile = directory / "cert.pem"
    keyfile = directory / "key.pem"
    certfile.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(certfile), str(keyfile)


@dataclass
class FakeImageHost:
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    port: int = 0
    certfile: str = ""

    def put(self, path: str, body: bytes, content_type: str = "image/png") -> str:
        """Serve `body` at `path`; returns its https URL by host name."""
        self.files[path] = (body, content_type)
        return self.url(path)

    def redirect(self, path: str, location: str) -> str:
        self.redirects[path] = location
        return self.url(path)

    def url(self, path: str) -> str:
        return f"https://{HOST}:{self.port}{path}"

    async def _serve(self, request: Request) -> Response:
        path = request.url.path
        self.hits[path] += 1
        if path in self.redirects:
            return Response(status_code=302, headers={"Location": self.redirects[path]})
        if path == "/endless.png":
            return StreamingResponse(_endless(), media_type="image/png")
        if path == "/slow.png":
            await asyncio.sleep(SLOW_SECONDS)
        if path not in self.files:
            return Response("Not found.", status_code=404)
        body, content_type = self.files[path]
        return Response(body, media_type=content_type)

    @property
    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self._serve)])


async def _endless() -> AsyncIterator[bytes]:
    """64 KiB chunks, far past any limit (bounded all the same); each chunk gives the loop a
    turn, so a client that hung up is noticed."""
    for _ in range(ENDLESS_CHUNKS):
        yield b"\x89PNG" + bytes(65532)
        await asyncio.sleep(0)


@asynccontextmanager
async def running_image_host() -> AsyncIterator[FakeImageHost]:
    fake = FakeImageHost()
    with tempfile.TemporaryDirectory() as directory:
        certfile, keyfile = self_signed(Path(directory))
        fake.certfile = certfile
        async with serving(fake.app, certfile=certfile, keyfile=keyfile) as base_url:
            fake.port = int(base_url.rsplit(":", 1)[1])
            yield fake
