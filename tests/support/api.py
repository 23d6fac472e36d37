"""HTTP clients with real JWTs, driving the app the way the mini-program and staff tools do."""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, field
from typing import Any

import httpx

from api.app import create_app
from api.auth.passwords import hash_password
from api.auth.tokens import ADMIN
from api.config import AppConfig
from api.graphql.ids import from_global_id, to_global_id
from domain.members.models import Member
from domain.org import service as org
from domain.org.models import Staff, StaffRole, Store, StoreKind

TEST_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"
STAFF_PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)


@functools.cache
def staff_password_hash() -> str:
    """Hashed once per run: argon2 is slow on purpose."""
    return hash_password(STAFF_PASSWORD)


def test_config(**overrides: Any) -> AppConfig:
    return AppConfig(env="test", jwt_secret=TEST_SECRET, **overrides)


@dataclass
class Client:
    http: httpx.AsyncClient
    path: str
    token: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    async def post(self, query: str, variables: dict | None = None, **extra: Any) -> httpx.Response:
        headers = dict(self.headers)
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        body.update(extra)
        return await self.http.post(self.path, json=body, headers=headers)

    async def gql(self, query: str, variables: dict | None = None) -> dict[str, Any]:
        """The response body of a well-formed request (status 200)."""
        response = await self.post(query, variables)
        assert response.status_code == 200, response.text
        return response.json()

    async def data(self, query: str, variables: dict | None = None) -> dict[str, Any]:
        """`data` of a request that must not produce any GraphQL error."""
        body = await self.gql(query, variables)
        assert "errors" not in body, body["errors"]
        return body["data"]


LOGIN = """
mutation Login($code: String!) {
  login(code: $code) {
    member { id }
    tokens { accessToken refreshToken }
    errors { code field }
  }
}
"""


@dataclass
class MemberSession:
    client: Client
    member_id: int
    refresh_token: str

    @property
    def global_id(self) -> str:
        return to_global_id("Member", self.member_id)


@dataclass
class StaffSession:
    client: Client
    staff: Staff


class ApiFactory:
    def __init__(self, **config: Any):
        self.app = create_app(test_config(**config), manage_database=False)
        transport = httpx.ASGITransport(app=self.app)
        self.http = httpx.AsyncClient(transport=transport, base_url="http://testserver")

    def shop(self) -> Client:
        return Client(self.http, "/graphql")

    def admin(self) -> Client:
        return Client(self.http, "/admin/graphql")

    async def member(self, openid: str | None = None, unionid: str | None = None) -> MemberSession:
        """A member logged in through the DEV provider, over HTTP."""
        code = f"dev:{openid or f'openid-{next(_sequence)}'}"
        if unionid:
            code += f":{unionid}"
        data = await self.shop().data(LOGIN, {"code": code})
        login = data["login"]
        assert login["errors"] == []
        member_id = from_global_id(login["member"]["id"], "Member")
        client = Client(self.http, "/graphql", token=login["tokens"]["accessToken"])
        return MemberSession(client, member_id, login["tokens"]["refreshToken"])

    async def staff(self, role: StaffRole, store: Store | None = None) -> StaffSession:
        """A staff member created directly, then given a real admin token."""
        if store is None and role in (StaffRole.STORE_MANAGER, StaffRole.GUIDE):
            store = await make_store()
        staff = await org.create_staff(
            username=f"{role.value.lower()}-{next(_sequence)}",
            password_hash=staff_password_hash(),
            role=role,
            store_id=store.id if store else None,
        )
        services = self.app.state.services
        token = services.tokens.issue(ADMIN, staff.id, staff.token_version).token
        return StaffSession(Client(self.http, "/admin/graphql", token=token), staff)


async def make_store(kind: StoreKind = StoreKind.DIRECT, **fields: Any) -> Store:
    number = next(_sequence)
    return await org.create_store(
        code=fields.pop("code", f"S{number:03d}"),
        name=fields.pop("name", f"门店{number}"),
        kind=kind,
        **fields,
    )


async def member_count() -> int:
    return await Member.all().count()
