"""What the benchmarks share: throwaway databases, the seeded catalog, uvicorn on loopback, login.

Why one module: every bench must build its data the way production does (migrations, then the
domain services), run the real app as a separate process on 127.0.0.1 only, and always stop it;
getting those details right once keeps the figures of different benches comparable.

Importing this module needs the project root on `sys.path` (the bench scripts put it there).
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import asyncpg
import httpx

from api.graphql.ids import from_global_id
from domain.catalog import service as catalog
from domain.catalog.models import ProductStatus

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
JWT_SECRET = "bench-only-secret-" + "x" * 32
READY_TIMEOUT_S = 30.0
REQUEST_TIMEOUT_S = 10.0

LOGIN = """
mutation Login($code: String!) {
  login(code: $code) { member { id } tokens { accessToken } errors { code field message } }
}
"""

COLOURS = ("黑色", "白色", "燕麦色", "雾蓝", "砖红")
SIZES = ("S", "M", "L", "XL")


class BenchFailure(Exception):
    """The run cannot give a meaningful figure (a server refused or answered differently)."""


# --- the database -------------------------------------------------------------------------------


async def create_postgres_database(server_url: str) -> str:
    """A throwaway database next to the one `server_url` names, so nothing there is touched."""
    name = f"siyu_bench_{secrets.token_hex(4)}"
    connection = await asyncpg.connect(asyncpg_url(server_url))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return f"{server_url.rpartition('/')[0]}/{name}"


async def drop_postgres_database(server_url: str, database_url: str) -> None:
    name = database_url.rpartition("/")[2].partition("?")[0]
    connection = await asyncpg.connect(asyncpg_url(server_url))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def asyncpg_url(url: str) -> str:
    """asyncpg wants `postgresql://` and knows nothing of Tortoise's pool options."""
    return "postgresql://" + url.split("://", 1)[1].partition("?")[0]


async def load_catalog(categories: int, products: int, seed: int, stock: int | None = None) -> int:
    """Categories, then ON_SALE products with 1-3 SKUs, through the services admins use.

    Seeded, so two runs serve the same page. `stock` sets every SKU's stock (a checkout bench
    must not run out); None draws 0..500 per SKU. Returns the number of SKUs created.
    """
    rng = random.Random(seed)
    category_ids = [
        (await catalog.create_category(f"类目{i + 1:02d}", None, sort_order=i)).id
        for i in range(categories)
    ]
    sku_count = 0
    for number in range(1, products + 1):
        skus = []
        for variant in range(rng.randint(1, 3)):
            price = rng.randrange(990, 99_900, 10)
            drawn = rng.randint(0, 500)  # drawn even when overridden: same sequence either way
            skus.append(
                catalog.SkuInput(
                    code=f"BENCH-{number:04d}-{variant + 1}",
                    price_fen=price,
                    stock=drawn if stock is None else stock,
                    specs={"颜色": rng.choice(COLOURS), "尺码": SIZES[variant]},
                    list_price_fen=price + rng.choice((0, 1000, 5000)),
                )
            )
        await catalog.create_product(
            catalog.ProductInput(
                title=f"基准商品 {number:04d} 纯棉T恤",
                description="A bench product. " * 20,
                images=[
                    f"https://img.example.com/p/{number}/{i}.jpg" for i in range(rng.randint(1, 3))
                ],
                category_id=category_ids[number % categories],
                status=ProductStatus.ON_SALE,
            ),
            skus,
        )
        sku_count += len(skus)
    return sku_count


# --- CPU accounting -----------------------------------------------------------------------------


def _stat_fields(pid: int) -> list[str] | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rpartition(")")[2].split()


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def process_tree_ticks(pid: int) -> int | None:
    """utime + stime of a process and its live descendants (uvicorn's workers are children of
    its supervisor); None where there is no /proc."""
    fields = _stat_fields(pid)
    if fields is None:
        return None
    total = int(fields[11]) + int(fields[12])
    for child in _children(pid):
        total += process_tree_ticks(child) or 0
    return total


def command_ticks(command: str, mentioning: str = "") -> int | None:
    """utime + stime of every live process named `command` whose command line mentions
    `mentioning` (PostgreSQL's backends show their database there)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    total = 0
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            if stat[stat.find("(") + 1 : stat.rfind(")")] != command:
                continue
            if mentioning and mentioning not in (entry / "cmdline").read_text(errors="replace"):
                continue
        except OSError:
            continue
        fields = stat.rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])
    return total


class MachineTicks(NamedTuple):
    """CPU ticks of the whole machine, all cores, from /proc/stat."""

    busy: int
    total: int
    interrupts: int  # irq + softirq: the kernel's share of loopback networking, not a process's


def machine_ticks() -> MachineTicks | None:
    """Whether a load saturated the machine, which its servers, the database, the load generator
    and anything else running share; None where there is no /proc."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return None
    if len(fields) < 8:
        return None
    idle = fields[3] + fields[4]  # idle + iowait
    return MachineTicks(sum(fields) - idle, sum(fields), fields[5] + fields[6])


def ticks_to_seconds(ticks: int) -> float:
    return ticks / os.sysconf("SC_CLK_TCK")


# --- counting SQL in-process ---------------------------------------------------------------------


class StatementCounter(logging.Handler):
    """Tortoise logs every statement on `tortoise.db_client` at DEBUG (tests/support/sql.py)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if not record.getMessage().startswith(("Created connection", "Closed connection")):
            self.count += 1


@contextmanager
def counting_statements() -> Iterator[StatementCounter]:
    logger = logging.getLogger("tortoise.db_client")
    counter = StatementCounter()
    level, propagate = logger.level, logger.propagate
    logger.setLevel(logging.DEBUG)
    logger.propagate = False  # counted, not printed
    logger.addHandler(counter)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)
        logger.propagate = propagate


# --- the servers --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """One uvicorn process serving `app` (an import string of an app factory) on loopback.

    With `workers` > 1 uvicorn's supervisor forks the workers; stopping it stops them.
    """

    name: str
    app: str
    env: dict[str, str]
    log_path: Path
    workers: int = 1
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            self.app,
            "--factory",
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--app-dir",
            str(ROOT),
            "--log-level",
            "warning",
            "--no-access-log",
        ]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    async def wait_ready(self, client: httpx.AsyncClient) -> None:
        """The first health answer: with several workers the others may still be starting, so
        a load measurement warms up first."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise BenchFailure(f"{self.name} server exited:\n{self.log_tail()}")
            try:
                if (await client.get(f"{self.base_url}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
        raise BenchFailure(f"{self.name} server not ready in {READY_TIMEOUT_S:.0f} s")

    def cpu_seconds(self) -> float | None:
        ticks = process_tree_ticks(self.process.pid) if self.process else None
        return None if ticks is None else ticks_to_seconds(ticks)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def server_env(database_url: str) -> dict[str, str]:
    """The parent's environment minus proxies, plus what the app reads at start-up."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(
        DATABASE_URL=database_url,
        JWT_SECRET=JWT_SECRET,
        ENV="development",
        LOGIN_PROVIDER="DEV",
        LOG_LEVEL="WARNING",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


# --- the requests -------------------------------------------------------------------------------


def new_client(concurrency: int) -> httpx.AsyncClient:
    """No proxies from the environment: every request stays on loopback."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(limits=limits, timeout=REQUEST_TIMEOUT_S, trust_env=False)


async def login(client: httpx.AsyncClient, base_url: str, code: str) -> tuple[str, int]:
    """A member's access token and id, from the real app's login mutation (`dev:` codes)."""
    response = await client.post(
        f"{base_url}/graphql", json={"query": LOGIN, "variables": {"code": code}}
    )
    payload = (response.json().get("data") or {}).get("login") if response.is_success else None
    if not payload or payload["errors"]:
        raise BenchFailure(f"login refused: {response.text[:600]}")
    return payload["tokens"]["accessToken"], from_global_id(payload["member"]["id"], "Member")


class NoAnswer(Exception):
    """The server gave no usable answer: refused, reset, closed early, malformed or too slow."""


class KeepAliveClient:
    """A minimal HTTP/1.1 client over one persistent connection: one simulated client of a load.

    Why not httpx: the load generator shares the 2 cores with the servers it measures, and every
    ms of CPU it burns is a ms the servers do not get. With httpx the checkout bench spent ~5 ms
    of CPU per paid order (three requests), ~1 ms with this client, which writes each request as
    one bytes string and reads only what the answer needs: the status line, the headers up to
    the blank line, then a Content-Length or chunked body. Requests go one at a time (no
    pipelining). A connection the server closes (`Connection: close`, a body delimited by the
    close, or an idle keep-alive that timed out) is opened again for the next request. Whatever
    goes wrong in a request, or no answer within `timeout_s`, raises NoAnswer and drops the
    connection, whose state is then unknown.
    """

    def __init__(self, host: str, port: int, timeout_s: float = REQUEST_TIMEOUT_S) -> None:
        self.host, self.port, self.timeout_s = host, port, timeout_s
        self._host_line = f"Host: {host}:{port}\r\n".encode()
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def __aenter__(self) -> KeepAliveClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        writer = self._writer
        self._drop()
        if writer is not None:
            with suppress(OSError):
                await writer.wait_closed()

    async def post(self, path: str, body: bytes, headers: Mapping[str, str]) -> tuple[int, bytes]:
        """The status and body of the answer to a POST of `body` to `path`."""
        return await self.request("POST", path, headers, body)

    async def request(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes | None = None
    ) -> tuple[int, bytes]:
        """The status and body of the answer to one request (a body only when given)."""
        fields = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        request = b"".join(
            (
                f"{method} {path} HTTP/1.1\r\n".encode(),
                self._host_line,
                fields.encode(),
                b"" if body is None else b"Content-Length: %d\r\n" % len(body),
                b"\r\n",
                body or b"",
            )
        )
        try:
            async with asyncio.timeout(self.timeout_s):
                return await self._exchange(request)
        except ValueError:  # a status line, a length or a chunk that does not parse
            self._drop()
            raise NoAnswer("malformed response") from None
        except (OSError, EOFError, TimeoutError, asyncio.LimitOverrunError) as failure:
            self._drop()
            raise NoAnswer(type(failure).__name__) from None
        except BaseException:  # cancelled mid-request: the connection's state is unknown
            self._drop()
            raise

    async def _exchange(self, request: bytes) -> tuple[int, bytes]:
        if self._reader is None or self._writer is None or self._reader.at_eof():
            self._drop()  # never opened, or closed by the server since the last answer
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._reader, self._writer
        writer.write(request)
        await writer.drain()

        head = await reader.readuntil(b"\r\n\r\n")
        status_line, *field_lines = head[:-4].split(b"\r\n")
        version, _, rest = status_line.partition(b" ")
        if not version.startswith(b"HTTP/1."):
            raise ValueError(status_line)
        status = int(rest[:3])
        length: int | None = None
        chunked = False
        keep_alive = version != b"HTTP/1.0"
        for line in field_lines:
            name, _, value = line.partition(b":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = value.endswith(b"chunked")
            elif name == b"connection" and b"close" in value:
                keep_alive = False
            elif name == b"connection" and b"keep-alive" in value:
                keep_alive = True

        if chunked:  # takes precedence over a Content-Length (RFC 9112, 6.3)
            body = await self._read_chunks(reader)
        elif length is not None:
            body = await reader.readexactly(length)
        elif status < 200 or status in (204, 304):
            body = b""
        else:  # neither: the body runs until the server closes
            body, keep_alive = await reader.read(), False
        if not keep_alive:
            self._drop()
        return status, body

    @staticmethod
    async def _read_chunks(reader: asyncio.StreamReader) -> bytes:
        """A chunked body: hex sizes (extensions ignored), each chunk and its CRLF, trailers."""
        chunks = []
        while size := int((await reader.readuntil(b"\r\n")).partition(b";")[0], 16):
            chunk = await reader.readexactly(size + 2)
            if not chunk.endswith(b"\r\n"):
                raise ValueError("chunk without its CRLF")
            chunks.append(chunk[:-2])
        while await reader.readuntil(b"\r\n") != b"\r\n":
            pass  # trailer fields, up to the blank line
        return b"".join(chunks)

    def _drop(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


def quantile_ms(seconds: list[float], quantile: float) -> float:
    """The nearest-rank quantile, in ms (the rule bench/storefront.py reports with)."""
    ordered = sorted(seconds)
    return 1000 * ordered[min(len(ordered) - 1, int(quantile * len(ordered)))]
