"""Per-request context: the caller (resolved lazily), shared services and DataLoaders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.requests import Request
from strawberry.dataloader import DataLoader

from api.auth.providers import LoginProvider
from api.auth.tokens import SHOP, TokenService
from api.auth.viewer import (
    Viewer,
    bearer_token,
    resolve_shop_viewer_with_pricing,
    resolve_viewer,
)
from api.clients import client_address
from api.config import AppConfig
from loyalty.tiers import price_keep_bp, price_keep_bp_and_catalog_version


@dataclass
class Services:
    """Built once at start-up by the composition root (api/app.py)."""

    config: AppConfig
    tokens: TokenService
    login_provider: LoginProvider


@dataclass
class RequestContext:
    request: Request
    audience: str
    services: Services
    _viewer: Viewer | None = None
    _keep_bp: int | None = None
    _loaders: dict[str, DataLoader] = field(default_factory=dict)

    async def viewer(self) -> Viewer:
        if self._viewer is None:
            token = bearer_token(self.request.headers.get("authorization"))
            self._viewer = await resolve_viewer(token, self.audience, self.services.tokens)
        return self._viewer

    async def price_keep_bp(self) -> int:
        """The viewer's share of the price (their tier's; all of it when anonymous), read once
        per request: the response cache keys on it and the catalog prices with it."""
        if self._keep_bp is None:
            self._keep_bp = await price_keep_bp((await self.viewer()).member_id)
        return self._keep_bp

    async def price_keep_bp_and_catalog_version(self) -> tuple[int, int]:
        """The price share (kept for the request, as above) and the catalog version, in one
        statement: what the response cache needs of a cacheable read."""
        member_id = (await self.viewer()).member_id
        self._keep_bp, version = await price_keep_bp_and_catalog_version(member_id)
        return self._keep_bp, version

    async def viewer_and_pricing(self) -> tuple[Viewer, int, int]:
        """The viewer, their price share and the catalog version (all kept for the request): one
        statement for a shop member not yet resolved, what a member's cached read costs."""
        if self._viewer is not None or self.audience != SHOP:
            viewer = await self.viewer()
            keep_bp, version = await self.price_keep_bp_and_catalog_version()
            return viewer, keep_bp, version
        token = bearer_token(self.request.headers.get("authorization"))
        self._viewer, self._keep_bp, version = await resolve_shop_viewer_with_pricing(
            token, self.services.tokens
        )
        return self._viewer, self._keep_bp, version

    def loader(self, name: str, factory: Callable[[], DataLoader]) -> DataLoader:
        """One DataLoader per name per request: relations batch into one query per level."""
        existing = self._loaders.get(name)
        if existing is None:
            existing = self._loaders[name] = factory()
        return existing

    @property
    def client_ip(self) -> str:
        """The socket peer, or the client a configured proxy names (api/clients.py)."""
        return client_address(self.request, self.services.config.trusted_proxies)
