"""The composition root: configuration, providers, both GraphQL endpoints and the REST edges."""

from __future__ import annotations

import os
from contextlib import asynccontextmanager

import pylopdf_fonts_zh_cn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from tortoise.contrib.starlette import RegisterTortoise

from api import tracing
from api.admin.schema import schema as admin_schema
from api.auth.providers import DevLoginProvider, LoginProvider
from api.auth.tokens import ADMIN, SHOP, TokenService
from api.auth.wechat import WechatLoginProvider
from api.config import AppConfig
from api.cors import BrowserRoutesCORS
from api.graphql.context import RequestContext, Services
from api.graphql.graphiql import ASSETS_DIRECTORY, ASSETS_PATH
from api.graphql.http import GraphQLEndpoint
from api.graphql.persisted import PersistedQueries, read_manifest
from api.graphql.response_cache import SHOP_CACHEABLE, ResponseCache
from api.logs import RequestIdMiddleware
from api.logs import configure as configure_logging
from api.metrics import RouteMetrics, mark_this_worker_dead, sampling_pool
from api.payments.setup import Payments, build_payments
from api.payouts.setup import install_payouts
from api.plugins import install_plugins
from api.posters.fetcher import ImageFetcher
from api.posters.maker import PosterMaker
from api.rest import exports, health, posters, qr, wechat_push
from api.rest import payments as payment_routes
from api.rest import payouts as payout_routes
from api.scheduler import Scheduler, running
from api.shop.schema import schema as shop_schema
from api.wechat import (
    shipping,
    subscription_events,  # noqa: F401 (registers its push handlers)
)
from api.wechat.client import WechatApp, WechatClient, skip_without_wechat
from api.wechat.codes import CodeMaker
from api.wechat.subscribe import SubscriptionSender
from domain.db import tortoise_config
from domain.notifications.fanout import WECHAT as WECHAT_MESSAGES
from domain.outbox.dispatch import register_sender
from domain.payments.service import use_providers


def build_wechat(config: AppConfig) -> WechatClient | None:
    """The mini-program's one WeChat client (its token shared by every call), or None under the
    DEV login provider, where nothing talks to WeChat."""
    if config.login_provider != "WECHAT":
        return None
    return WechatClient(
        WechatApp(config.wechat_app_id, config.wechat_app_secret),
        config.wechat_api_base_url,
        timeout=config.wechat_api_timeout,
    )


def poster_font_path(config: AppConfig) -> str:
    """POSTER_FONT_PATH, or Noto Sans SC as installed from PyPI (its glyphs cover Chinese)."""
    if config.poster_font_path:
        return config.poster_font_path
    return str(pylopdf_fonts_zh_cn.sans_path())


def build_poster_maker(config: AppConfig, codes: CodeMaker) -> PosterMaker:
    fetcher = ImageFetcher(
        config.public_base_url,
        timeout=config.poster_image_timeout,
        max_bytes=config.poster_image_max_bytes,
        ca_file=config.poster_image_ca_file,
        allow_private=config.poster_image_private_addresses == "allow",
    )
    return PosterMaker(codes, fetcher, poster_font_path(config), config.public_base_url)


def build_login_provider(config: AppConfig, wechat: WechatClient | None) -> LoginProvider:
    if wechat is not None:
        return WechatLoginProvider(wechat.app_id, "", wechat=wechat)
    return DevLoginProvider(config.wechat_app_id)


def build_services(config: AppConfig, wechat: WechatClient | None) -> Services:
    return Services(
        config=config,
        tokens=TokenService(config.jwt_secret, config.jwt_issuer),
        login_provider=build_login_provider(config, wechat),
    )


def start_notifications(wechat: WechatClient | None) -> None:
    """Subscription messages go out through the app's WeChat client; without one (DEV) they
    are skipped, each with why (the staff inbox works either way)."""
    if wechat is None:
        register_sender(WECHAT_MESSAGES, skip_without_wechat)
    else:
        register_sender(WECHAT_MESSAGES, SubscriptionSender(wechat))


def start_payments(config: AppConfig) -> Payments:
    """Build the configured payment providers and hand them to the core by name: they replace
    any registered before (jobs such as reconcile-bills act on every registered provider)."""
    payments = build_payments(config)
    use_providers(list(payments.providers.values()))
    return payments


def create_app(config: AppConfig | None = None, *, manage_database: bool = True) -> Starlette:
    """`manage_database=False` leaves Tortoise to the caller (tests own their database)."""
    config = config or AppConfig()
    install_plugins()
    config.check()
    wechat = build_wechat(config)
    start_notifications(wechat)
    shipping.install(wechat, config.wechat_pay_mch_id)
    services = build_services(config, wechat)
    payments = start_payments(config)
    payouts = install_payouts(config)
    code_maker = CodeMaker(wechat)
    poster_maker = build_poster_maker(config, code_maker)
    if manage_database:
        configure_logging(config.log_level)

    def context_for(audience: str):
        def factory(request: Request) -> RequestContext:
            return RequestContext(request=request, audience=audience, services=services)

        return factory

    shop = GraphQLEndpoint(
        shop_schema,
        "shop",
        context_for(SHOP),
        config.graphiql,
        persisted=PersistedQueries(
            read_manifest(config.persisted_queries_manifest)
            if config.persisted_queries_manifest
            else {},
            allow_list_only=config.persisted_queries == "allow-list",
        ),
        response_cache=ResponseCache("shop", config.response_cache_bytes, SHOP_CACHEABLE),
    )
    # The admin API's shape is for staff: in production only a staff token may introspect it.
    admin = GraphQLEndpoint(
        admin_schema,
        "admin",
        context_for(ADMIN),
        config.graphiql,
        introspection_needs_token=config.production,
    )

    push_endpoint = wechat_push.PushEndpoint(
        config.wechat_push_token, config.wechat_push_aes_key, config.wechat_app_id
    )

    scheduler = (
        Scheduler(lease_seconds=config.scheduler_lease_seconds)
        if config.scheduler == "on"
        else None
    )

    # GraphiQL's own assets, served only where GraphiQL is (outside production).
    graphiql_assets = (
        [Mount(ASSETS_PATH, StaticFiles(directory=ASSETS_DIRECTORY))] if config.graphiql else []
    )

    @asynccontextmanager
    async def lifespan(app: Starlette):
        # The scheduler stops before the database connections close.
        if manage_database:
            async with (
                RegisterTortoise(app, config=tortoise_config(config.database_url)),
                running(scheduler),
                sampling_pool(),
            ):
                yield
        else:
            async with running(scheduler):
                yield
        if wechat is not None:
            await wechat.aclose()
        await payments.aclose()
        await payouts.aclose()
        await poster_maker.fetcher.aclose()
        mark_this_worker_dead()

    app = Starlette(
        routes=[
            Route("/graphql", shop, methods=["GET", "POST"]),
            Route("/admin/graphql", admin, methods=["GET", "POST"]),
            Route("/healthz", health.healthz),
            Route("/readyz", health.readyz),
            Route("/metrics", health.metrics),
            Route(qr.STORE_QR_PATH, qr.store_qr),
            Route(qr.LINK_QR_PATH, qr.link_qr),
            *(Route(path, endpoint) for path, endpoint in posters.ROUTES),
            Route(wechat_push.PUSH_PATH, push_endpoint, methods=["GET", "POST"]),
            Route(exports.EXPORT_PATH, exports.export_csv),
            *payment_routes.routes(payments),
            *payout_routes.routes(payouts),
            *graphiql_assets,
        ],
        lifespan=lifespan,
    )
    app.add_middleware(RequestIdMiddleware)
    if config.cors_origins:
        app.add_middleware(BrowserRoutesCORS, allow_origins=config.cors_origins)
    # CORS preflights are counted and timed too.
    app.add_middleware(RouteMetrics)
    # Added last, so outermost: its span covers every other middleware (off: not installed).
    traced = tracing.start(os.environ)
    if traced is not None:
        app.add_middleware(tracing.TracingMiddleware, tracing=traced, routes=app.routes)
    app.state.services = services
    app.state.wechat = wechat
    app.state.code_maker = code_maker
    app.state.poster_maker = poster_maker
    app.state.payments = payments
    app.state.payouts = payouts
    app.state.scheduler = scheduler
    return app
