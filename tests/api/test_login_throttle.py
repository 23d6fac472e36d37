"""Staff login throttling across addresses and the client address behind proxies (issue 11,
finding 3).

After 5 wrong passwords a `staffLogin` with the right password and `X-Forwarded-For: 10.9.9.9`
used to get tokens: uvicorn believed the header from any loopback peer. Now only proxies listed
in FORWARDED_ALLOW_IPS are believed, a username is also locked from every address after 20
failures in an hour, and a locked account answers exactly like a wrong password.
"""

from __future__ import annotations

import asyncio
import re
import socket
from datetime import timedelta

import httpx
import pytest
import uvicorn
from starlette.requests import Request

from api.app import create_app
from api.auth import sessions
from api.cli import uvicorn_options
from api.clients import client_address, parse_networks
from api.config import AppConfig, ConfigError
from domain import clock
from domain.access.models import LoginFailure
from domain.org.models import StaffRole
from tests.support.api import STAFF_PASSWORD, ApiFactory
from tests.support.api import test_config as config_for_tests
from tests.support.racing import race, require_postgres

LOGIN = """
mutation($u: String!, $p: String!) {
  staffLogin(username: $u, password: $p) {
    staff { username }
    tokens { accessToken }
    errors { code field message }
  }
}
"""
WRONG = "not the password"


async def login(http: httpx.AsyncClient, username: str, password: str, **headers: str) -> dict:
    response = await http.post(
        "/admin/graphql",
        json={"query": LOGIN, "variables": {"u": username, "p": password}},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]["staffLogin"]


def peer(api: ApiFactory, address: str) -> httpx.AsyncClient:
    """A client whose socket peer is `address`."""
    transport = httpx.ASGITransport(app=api.app, client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def wrong_answer(api: ApiFactory) -> dict:
    """What a wrong password answers (from an address that is never locked in these tests)."""
    async with peer(api, "198.51.100.250") as http:
        return await login(http, "nobody-at-all", WRONG)


async def test_forwarded_for_is_not_believed_by_siyu_serve_without_configured_proxies(api):
    """The reported bypass, through the real server `siyu serve` runs."""
    session = await api.staff(StaffRole.HQ_ADMIN)
    username = session.staff.username
    options = {**uvicorn_options(config_for_tests()), "lifespan": "off"}
    del options["workers"]
    server = uvicorn.Server(uvicorn.Config(api.app, **options))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        while not server.started:  # noqa: ASYNC110 (uvicorn has no event to wait on)
            await asyncio.sleep(0.01)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            for _ in range(5):
                await login(http, username, WRONG)
            spoofed = await login(http, username, STAFF_PASSWORD, **{"X-Forwarded-For": "10.9.9.9"})
    finally:
        server.should_exit = True
        await serving
        listener.close()

    assert spoofed["tokens"] is None
    assert [e["code"] for e in spoofed["errors"]] == ["INVALID_CREDENTIALS"]
    assert await LoginFailure.filter(username=username, ip="127.0.0.1").count() == 5
    assert await LoginFailure.filter(ip="10.9.9.9").count() == 0


async def test_forwarded_for_from_an_unlisted_peer_changes_nothing(api):
    session = await api.staff(StaffRole.HQ_ADMIN)
    username = session.staff.username
    for _ in range(5):
        await login(api.http, username, WRONG)

    spoofed = await login(api.http, username, STAFF_PASSWORD, **{"X-Forwarded-For": "10.9.9.9"})

    assert spoofed == await wrong_answer(api)
    assert await LoginFailure.filter(username=username, ip="127.0.0.1").count() == 5


async def test_a_configured_proxy_names_the_client_and_a_client_cannot_name_itself(db):
    api = ApiFactory(forwarded_allow_ips="127.0.0.0/8, ::1")
    session = await api.staff(StaffRole.HQ_ADMIN)
    username = session.staff.username
    for _ in range(5):
        await login(api.http, username, WRONG, **{"X-Forwarded-For": "10.9.9.9"})

    # The client wrote 10.9.9.8 itself; the proxy appended the address it saw.
    spoofed = await login(
        api.http, username, STAFF_PASSWORD, **{"X-Forwarded-For": "10.9.9.8, 10.9.9.9"}
    )
    elsewhere = await login(api.http, username, STAFF_PASSWORD, **{"X-Forwarded-For": "10.9.9.8"})

    assert spoofed == await wrong_answer(api)
    assert elsewhere["errors"] == []
    assert elsewhere["tokens"]["accessToken"]
    assert await LoginFailure.filter(username=username, ip="10.9.9.9").count() == 5
    assert await LoginFailure.filter(username=username).exclude(ip="10.9.9.9").count() == 0


async def test_twenty_failures_from_twenty_addresses_lock_the_username_for_an_hour(api):
    session = await api.staff(StaffRole.HQ_FINANCE)
    username = session.staff.username
    start = clock.now()
    with clock.frozen_at(start):
        for number in range(1, 21):
            async with peer(api, f"203.0.113.{number}") as http:
                assert (await login(http, username, WRONG))["errors"][0]["code"] == (
                    "INVALID_CREDENTIALS"
                )
        async with peer(api, "203.0.113.99") as http:
            locked = await login(http, username, STAFF_PASSWORD)
    with clock.frozen_at(start + timedelta(minutes=59)):
        async with peer(api, "203.0.113.98") as http:
            still_locked = await login(http, username, STAFF_PASSWORD)
    with clock.frozen_at(start + timedelta(hours=1, seconds=1)):
        async with peer(api, "203.0.113.97") as http:
            unlocked = await login(http, username, STAFF_PASSWORD)

    assert locked == still_locked == await wrong_answer(api)
    assert unlocked["errors"] == []
    # The locked attempts were not counted; the success forgot only its own address's failures.
    assert await LoginFailure.filter(username=username).count() == 20


async def test_nineteen_failures_from_nineteen_addresses_do_not_lock(api):
    session = await api.staff(StaffRole.HQ_FINANCE)
    username = session.staff.username
    for number in range(1, 20):
        async with peer(api, f"203.0.113.{number}") as http:
            await login(http, username, WRONG)

    async with peer(api, "203.0.113.99") as http:
        result = await login(http, username, STAFF_PASSWORD)

    assert result["errors"] == []
    assert await LoginFailure.filter(username=username).count() == 19


async def test_unknown_usernames_lock_exactly_like_real_ones(api):
    session = await api.staff(StaffRole.HQ_OPERATOR)
    answers = {}
    for username in (session.staff.username, "nobody-here"):
        for _ in range(5):
            await login(api.http, username, WRONG)
        answers[username] = await login(api.http, username, STAFF_PASSWORD)

    assert answers[session.staff.username] == answers["nobody-here"] == await wrong_answer(api)
    assert await LoginFailure.filter(username="nobody-here").count() == 5


async def test_locked_unknown_and_wrong_each_verify_one_password(api, monkeypatch):
    """Same answer time: a locked attempt still pays one argon2 verification."""
    session = await api.staff(StaffRole.HQ_OPERATOR)
    username = session.staff.username
    verified = []

    def counting(password_hash, password):
        verified.append(password_hash is not None)
        return sessions_verify(password_hash, password)

    sessions_verify = sessions.verify_password
    monkeypatch.setattr(sessions, "verify_password", counting)
    for _ in range(5):
        await login(api.http, username, WRONG)
    locked = await login(api.http, username, STAFF_PASSWORD)
    unknown = await login(api.http, "nobody-here", WRONG)

    assert locked == unknown
    assert verified == [True] * 6 + [False]


async def test_ten_simultaneous_guesses_from_two_processes_check_only_five(
    api, backend, postgres_database_url
):
    require_postgres(backend)
    session = await api.staff(StaffRole.HQ_ADMIN)
    username = session.staff.username
    guess = {
        "path": "/admin/graphql",
        "json": {"query": LOGIN, "variables": {"u": username, "p": WRONG}},
    }

    results = await race(postgres_database_url, [[guess] * 5, [guess] * 5])

    answers = [r["body"]["data"]["staffLogin"] for r in results]
    assert {a["errors"][0]["code"] for a in answers} == {"INVALID_CREDENTIALS"}
    assert await LoginFailure.filter(username=username).count() == 5


def request_from(peer_address: str, forwarded: list[str]) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return Request({"type": "http", "client": (peer_address, 1234), "headers": headers})


@pytest.mark.parametrize(
    ("trusted", "peer_address", "forwarded", "client"),
    [
        ("", "127.0.0.1", ["10.9.9.9"], "127.0.0.1"),
        ("", "203.0.113.5", ["127.0.0.1"], "203.0.113.5"),
        ("127.0.0.1", "127.0.0.1", [], "127.0.0.1"),
        ("127.0.0.1", "127.0.0.1", ["10.9.9.9"], "10.9.9.9"),
        ("127.0.0.1", "127.0.0.1", ["1.1.1.1, 10.9.9.9"], "10.9.9.9"),
        ("127.0.0.1", "127.0.0.1", ["1.1.1.1", "10.9.9.9"], "10.9.9.9"),
        ("127.0.0.1, 10.0.0.0/8", "127.0.0.1", ["1.1.1.1, 203.0.113.4, 10.1.2.3"], "203.0.113.4"),
        ("127.0.0.1, 10.0.0.0/8", "127.0.0.1", ["10.1.2.3"], "10.1.2.3"),
        ("127.0.0.1", "127.0.0.1", ["1.1.1.1, not-an-address"], "127.0.0.1"),
        ("::1", "::1", ["2001:db8::7"], "2001:db8::7"),
        ("127.0.0.1", "::ffff:127.0.0.1", ["10.9.9.9"], "10.9.9.9"),
    ],
)
def test_client_address(trusted, peer_address, forwarded, client):
    request = request_from(peer_address, forwarded)
    assert client_address(request, parse_networks(trusted)) == client


def test_a_forwarded_allow_ips_entry_that_is_no_address_refuses_to_start():
    message = re.escape("FORWARDED_ALLOW_IPS: 'proxy.local' is not an IP address or network")
    with pytest.raises(ConfigError, match=message):
        create_app(AppConfig(env="test", forwarded_allow_ips="10.0.0.1, proxy.local"))
