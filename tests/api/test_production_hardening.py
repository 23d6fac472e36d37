"""Production guardrails (issue 11, finding 10): the admin schema is introspected only with a
staff token, and secrets with little entropy refuse to start (the message never shows them).
/metrics is covered in test_metrics_access.py."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from cryptography.fernet import Fernet
from starlette.applications import Starlette

from api.app import create_app
from api.auth.tokens import ADMIN
from api.config import ConfigError, estimated_secret_bits
from domain.org import service as org
from domain.org.models import StaffRole
from tests.api.test_withdrawals_config import production
from tests.support.api import ApiFactory, staff_password_hash

SCHEMA = "{ __schema { queryType { name } } }"
TYPE = '{ __type(name: "Staff") { name } }'
IN_FRAGMENT = "query { ...Peek } fragment Peek on Query { __schema { queryType { name } } }"
REFUSED = {
    "errors": [
        {
            "message": "Authentication required. / 请先登录",
            "extensions": {"code": "UNAUTHENTICATED"},
        }
    ]
}


@dataclass
class Live:
    app: Starlette
    http: httpx.AsyncClient

    async def post(self, path: str, query: str, token: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return await self.http.post(path, json={"query": query}, headers=headers)

    async def staff_token(self) -> str:
        staff = await org.create_staff(
            username="operator-1",
            password_hash=staff_password_hash(),
            role=StaffRole.HQ_OPERATOR,
            store_id=None,
        )
        return self.app.state.services.tokens.issue(ADMIN, staff.id, staff.token_version).token


@pytest.fixture
async def live(db) -> AsyncIterator[Live]:
    """The production app (its WeChat Pay keys are test keys) over the test database."""
    app = create_app(production(), manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield Live(app, http)
    await app.state.payments.aclose()


@pytest.mark.parametrize("query", [SCHEMA, TYPE, IN_FRAGMENT])
async def test_anonymous_admin_introspection_is_refused_in_production(live, query):
    response = await live.post("/admin/graphql", query)
    assert response.status_code == 200
    assert response.json() == REFUSED


async def test_a_refused_token_is_anonymous_for_introspection(live):
    response = await live.post("/admin/graphql", SCHEMA, token="not.a.token")
    assert response.json() == REFUSED


async def test_a_staff_token_introspects_the_admin_schema_in_production(live):
    token = await live.staff_token()
    response = await live.post("/admin/graphql", SCHEMA, token=token)
    assert response.json()["data"] == {"__schema": {"queryType": {"name": "Query"}}}


async def test_anonymous_typename_is_not_introspection(live):
    response = await live.post("/admin/graphql", "{ __typename }")
    assert response.json() == {"data": {"__typename": "Query"}, "extensions": {"cost": 1}}


async def test_the_shop_schema_stays_introspectable_in_production(live):
    response = await live.post("/graphql", SCHEMA)
    assert response.json()["data"] == {"__schema": {"queryType": {"name": "Query"}}}


async def test_outside_production_admin_introspection_is_open(api: ApiFactory):
    body = await api.admin().data(SCHEMA)
    assert body == {"__schema": {"queryType": {"name": "Query"}}}


STRONG_KEY = Fernet.generate_key().decode()


@pytest.mark.parametrize(
    ("setting", "weak"),
    [
        ("jwt_secret", "x" * 32),
        ("jwt_secret", "x" * 200),
        ("jwt_secret", "ab" * 32),
        ("jwt_secret", "0123456789abcdef" * 4),
        ("jwt_secret", "abcdefgh" * 5),
        ("metrics_token", "m" * 40),
        ("payee_encryption_key", "A" * 43 + "="),
        ("payee_encryption_key", f"{STRONG_KEY},{'A' * 43}="),
    ],
)
def test_production_refuses_secrets_with_little_entropy(setting, weak):
    name = setting.upper()
    with pytest.raises(ConfigError) as refused:
        create_app(production(**{setting: weak}), manage_database=False)
    message = str(refused.value)
    assert message.startswith(f"{name} is too weak for production")
    assert weak not in message
    assert weak.split(",")[-1][:8] not in message


@pytest.mark.parametrize(
    "strong",
    [
        secrets.token_urlsafe(48),
        secrets.token_hex(32),
        "a-production-secret-of-more-than-32-bytes!!",
    ],
)
async def test_production_starts_with_random_secrets(strong):
    app = create_app(
        production(jwt_secret=strong, metrics_token=secrets.token_urlsafe(32)),
        manage_database=False,
    )
    assert app.state.services.config.jwt_secret == strong
    await app.state.payments.aclose()


async def test_weak_secrets_are_refused_in_production_only():
    development = production(env="development", jwt_secret="x" * 32, metrics_token="m" * 40)
    app = create_app(development, manage_database=False)
    assert app.state.services.config.jwt_secret == "x" * 32
    await app.state.payments.aclose()


def test_the_estimate_counts_a_repeated_pattern_once():
    assert estimated_secret_bits("x" * 64) == 0
    assert estimated_secret_bits("ab" * 50) == 2
    assert estimated_secret_bits("0123456789abcdef" * 4) == 64
    assert estimated_secret_bits("0123456789abcdef" * 8) == estimated_secret_bits(
        "0123456789abcdef"
    )
