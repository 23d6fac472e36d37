"""Process configuration from the environment (business settings live in the database)."""

from __future__ import annotations

import math
from collections import Counter
from functools import cached_property
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.clients import Network, parse_networks
from api.graphql.persisted import ManifestError, read_manifest
from distribution.payees import parse_keys

DEV_SECRET = "dev-only-secret-never-use-in-production-0123456789"  # noqa: S105 (refused in production)
MIN_SECRET_BYTES = 32
MIN_SECRET_BITS = 128


class ConfigError(RuntimeError):
    """The process must not start with this configuration."""


def _repeated_unit(text: str) -> str:
    """The shortest string that `text` repeats (`abab` -> `ab`); `text` itself when none."""
    period = (text + text).find(text, 1)
    return text[:period]


def estimated_secret_bits(secret: str) -> float:
    """A rough upper estimate of a secret's strength: its length times the Shannon entropy of its
    characters' frequencies, counted once for a secret that repeats a shorter string.

    It catches the mistakes (one character repeated, a short pattern repeated, a tiny alphabet),
    not every weak secret: 64 random hex digits estimate ~240 bits, `x` * 32 estimates 0.
    """
    unit = _repeated_unit(secret)
    counts = Counter(unit)
    length = len(unit)
    return -sum(count * math.log2(count / length) for count in counts.values())


def _is_origin(text: str) -> bool:
    """scheme://host[:port] and nothing more: what a browser sends in `Origin` (a trailing
    slash or a path would never match, silently)."""
    scheme, sep, rest = text.partition("://")
    return scheme in ("http", "https") and bool(sep) and bool(rest) and "/" not in rest


def _is_base_url(text: str) -> bool:
    """scheme://host[:port][/path] without a trailing slash, query or fragment."""
    scheme, sep, rest = text.partition("://")
    host = rest.split("/", 1)[0]
    return (
        scheme in ("http", "https")
        and bool(sep)
        and bool(host)
        and not text.endswith("/")
        and not any(c in rest for c in "?#@ ")
    )


class AppConfig(BaseSettings):
    """The process's settings, one environment variable each (upper case).

    - `METRICS_TOKEN`: when set, `/metrics` answers only `Authorization: Bearer <token>`; when
      empty, only clients on this machine that reach the process directly (a loopback socket
      peer that is no configured proxy and sends no forwarding header).
    - `FORWARDED_ALLOW_IPS`: comma-separated addresses or CIDR networks of the reverse proxies
      whose `X-Forwarded-For` is believed (api/clients.py); empty (the default) believes no one,
      and the client is the socket peer.
    - In production every secret siyu guards something with (`JWT_SECRET`, each
      `PAYEE_ENCRYPTION_KEY` key, `METRICS_TOKEN`) must estimate at least 128 bits
      (`estimated_secret_bits`): `openssl rand -base64 48` does; a repeated character does not.
      Secrets issued by WeChat are taken as they come.
    """

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite://var/siyu.db"
    jwt_secret: str = DEV_SECRET
    jwt_issuer: str = "siyu"
    login_provider: Literal["DEV", "WECHAT"] = "DEV"
    wechat_app_id: str = "wx-dev-app"
    wechat_app_secret: str = ""
    wechat_api_base_url: str = "https://api.weixin.qq.com"
    # Seconds a WeChat server call may take (a timeout is an unknown outcome, api/wechat/).
    wechat_api_timeout: float = Field(default=5.0, gt=0, le=60)
    # Message push (消息推送) of the mini-program: its Token and, for safe mode, its
    # EncodingAESKey (43 characters). With the key set, only encrypted pushes are accepted.
    wechat_push_token: str = Field(default="", repr=False)
    wechat_push_aes_key: str = Field(default="", repr=False)
    # Where this service is reached from outside: absolute URLs it hands out (a link's qrUrl)
    # start with it. https in production.
    public_base_url: str = "http://127.0.0.1:8000"
    # Share posters (SPEC 18; api/posters/). Product images and avatars are fetched over https
    # from the hosts of the `poster.image_hosts` setting only, within these bounds.
    # POSTER_FONT_PATH: a font file with CJK glyphs; empty: Noto Sans SC as packaged on PyPI
    # (pylopdf-fonts-zh-cn). POSTER_IMAGE_CA_FILE: extra trusted CA certificates (PEM) beside
    # the usual ones. POSTER_IMAGE_PRIVATE_ADDRESSES=allow lets an allowed host resolve to a
    # loopback or private address (development and tests; refused in production).
    poster_font_path: str = ""
    poster_image_timeout: float = Field(default=5.0, gt=0, le=30)
    poster_image_max_bytes: int = Field(default=2 * 1024 * 1024, ge=1024, le=20 * 1024 * 1024)
    poster_image_ca_file: str = ""
    poster_image_private_addresses: Literal["refuse", "allow"] = "refuse"
    # Payments (SPEC 8.5). Keys are PEM text or paths to PEM files.
    payment_provider: Literal["SANDBOX", "WECHAT_PAY_V3"] = "SANDBOX"
    wechat_pay_mch_id: str = ""
    wechat_pay_app_id: str = ""  # empty: WECHAT_APP_ID
    wechat_pay_merchant_serial: str = ""
    wechat_pay_merchant_key: str = ""
    # Verification (api/payments/wechat_v3.py): WECHAT_PAY_PUBLIC_KEY_ID (`PUB_KEY_ID_…`) and
    # WECHAT_PAY_PUBLIC_KEY select the WeChat Pay public key mode; without them the platform
    # certificates are downloaded from /v3/certificates, and the single certificate below (the
    # older setting) stays trusted beside them as a fallback. A PUB_KEY_ID_ serial in the older
    # setting is the public key mode too.
    wechat_pay_platform_serial: str = ""
    wechat_pay_platform_public_key: str = ""
    wechat_pay_public_key_id: str = ""
    wechat_pay_public_key: str = ""
    wechat_pay_api_v3_key: str = ""
    wechat_pay_base_url: str = "https://api.mch.weixin.qq.com"
    wechat_pay_notify_url: str = ""
    # Where refund results are posted; empty: the notify URL's /payments/refund-notify/ twin.
    wechat_pay_refund_notify_url: str = ""
    # Seconds a WeChat Pay call may take; a timeout is an unknown outcome (queried, not retried).
    wechat_pay_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    # Withdrawals (SPEC 11). PAYEE_ENCRYPTION_KEY: comma-separated Fernet keys, the first
    # encrypts (rotation); empty outside production derives one from JWT_SECRET.
    payout_provider: Literal["SANDBOX", "MANUAL"] = "SANDBOX"
    # `on`: WECHAT_BALANCE withdrawals are paid by WeChat transfer bills (商家转账, SPEC 20) with
    # the WeChat Pay merchant settings above; results come to WECHAT_TRANSFER_NOTIFY_URL
    # (https://<host>/payouts/notify/wechat-transfer). BANK and ALIPAY stay with PAYOUT_PROVIDER.
    wechat_transfer_payouts: Literal["on", "off"] = "off"
    wechat_transfer_notify_url: str = ""
    payee_encryption_key: str = Field(default="", repr=False)
    metrics_token: str = Field(default="", repr=False)
    forwarded_allow_ips: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(default=1, ge=1, le=64)
    log_level: str = "INFO"
    # The periodic jobs run inside `siyu serve` (one leader across processes and machines);
    # `off` for deployments that run `siyu jobs` from cron instead.
    scheduler: Literal["on", "off"] = "on"
    # How long a leader's lease lasts unrenewed: a dead leader is replaced after at most this.
    scheduler_lease_seconds: float = Field(default=30.0, ge=0.5, le=3600)
    # Browser origins allowed to call the GraphQL endpoints and exports (an HQ console on
    # another origin), comma-separated; none by default.
    cors_allow_origins: str = ""
    # Persisted queries on the shop endpoint (api/graphql/persisted.py): `apq` runs any valid
    # document and lets clients register theirs by hash; `allow-list` runs only the documents
    # of PERSISTED_QUERIES_MANIFEST (written at deploy time by `siyu persisted-queries`).
    persisted_queries: Literal["apq", "allow-list"] = "apq"
    persisted_queries_manifest: str = ""
    # Bytes of public catalog answers each worker keeps (api/graphql/response_cache.py); 0 off.
    response_cache_bytes: int = Field(default=32 * 1024 * 1024, ge=0)

    @property
    def production(self) -> bool:
        return self.env == "production"

    @cached_property
    def trusted_proxies(self) -> tuple[Network, ...]:
        return parse_networks(self.forwarded_allow_ips)

    @property
    def graphiql(self) -> bool:
        return not self.production

    @property
    def cors_origins(self) -> list[str]:
        return [origin.strip() for origin in self.cors_allow_origins.split(",") if origin.strip()]

    @property
    def pay_app_id(self) -> str:
        """The mini-program paying is usually the one members log in with."""
        return self.wechat_pay_app_id or self.wechat_app_id

    def missing_wechat_pay_settings(self) -> list[str]:
        required = {
            "WECHAT_PAY_MCH_ID": self.wechat_pay_mch_id,
            "WECHAT_PAY_MERCHANT_SERIAL": self.wechat_pay_merchant_serial,
            "WECHAT_PAY_MERCHANT_KEY": self.wechat_pay_merchant_key,
            "WECHAT_PAY_API_V3_KEY": self.wechat_pay_api_v3_key,
            "WECHAT_PAY_NOTIFY_URL": self.wechat_pay_notify_url,
        }
        return [name for name, value in required.items() if not value]

    def check(self) -> None:
        """Refuse to run production with development defaults, and WeChat Pay half configured."""
        if len(self.jwt_secret.encode()) < MIN_SECRET_BYTES:
            raise ConfigError(f"JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes")
        if self.payee_encryption_key:
            try:
                parse_keys(self.payee_encryption_key)
            except ValueError as error:
                raise ConfigError(f"PAYEE_ENCRYPTION_KEY: {error}") from None
        try:
            parse_networks(self.forwarded_allow_ips)
        except ValueError as error:
            raise ConfigError(f"FORWARDED_ALLOW_IPS: {error}") from None

        for origin in self.cors_origins:
            if origin != "*" and not _is_origin(origin):
                raise ConfigError(
                    f"CORS_ALLOW_ORIGINS: {origin!r} is not an origin like https://hq.example.com"
                )
        if not _is_base_url(self.public_base_url):
            raise ConfigError("PUBLIC_BASE_URL must be like https://mall.example.com[/prefix]")
        if self.wechat_push_aes_key and len(self.wechat_push_aes_key) != 43:
            raise ConfigError("WECHAT_PUSH_AES_KEY must be the 43-character EncodingAESKey")
        if self.wechat_push_aes_key and not self.wechat_push_token:
            raise ConfigError("WECHAT_PUSH_AES_KEY needs WECHAT_PUSH_TOKEN")
        if self.persisted_queries == "allow-list" and not self.persisted_queries_manifest:
            raise ConfigError("PERSISTED_QUERIES=allow-list needs PERSISTED_QUERIES_MANIFEST")
        if self.persisted_queries_manifest:
            try:
                read_manifest(self.persisted_queries_manifest)
            except ManifestError as error:
                raise ConfigError(f"PERSISTED_QUERIES_MANIFEST: {error}") from None
        missing = self.missing_wechat_pay_settings()
        if self.payment_provider == "WECHAT_PAY_V3" and missing:
            raise ConfigError(f"WECHAT_PAY_V3 needs {', '.join(missing)}")
        if not self.production:
            return
        if self.jwt_secret == DEV_SECRET:
            raise ConfigError("JWT_SECRET must be set in production")
        self._check_strength()
        if self.login_provider == "DEV":
            raise ConfigError("the DEV login provider is refused in production")
        if self.login_provider == "WECHAT" and not self.wechat_app_secret:
            raise ConfigError("WECHAT_APP_SECRET must be set for the WECHAT login provider")
        if self.payment_provider == "SANDBOX":
            raise ConfigError("the SANDBOX payment provider is refused in production")
        if not self.public_base_url.startswith("https://"):
            raise ConfigError("PUBLIC_BASE_URL must be https in production")
        if not self.wechat_pay_notify_url.startswith("https://"):
            raise ConfigError("WECHAT_PAY_NOTIFY_URL must be https (WeChat refuses anything else)")
        if not self.payee_encryption_key:
            raise ConfigError("PAYEE_ENCRYPTION_KEY must be set in production")
        if self.payout_provider == "SANDBOX":
            raise ConfigError("the SANDBOX payout provider is refused in production")
        if self.poster_image_private_addresses == "allow":
            raise ConfigError("POSTER_IMAGE_PRIVATE_ADDRESSES=allow is refused in production")
        if self.wechat_transfer_payouts == "on" and not self.wechat_transfer_notify_url.startswith(
            "https://"
        ):
            raise ConfigError(
                "WECHAT_TRANSFER_NOTIFY_URL must be https (WeChat refuses anything else)"
            )

    def _check_strength(self) -> None:
        """Refuse weak secrets by name, never printing them (class docstring)."""
        secrets = {"JWT_SECRET": [self.jwt_secret], "METRICS_TOKEN": [self.metrics_token]}
        if self.payee_encryption_key:
            secrets["PAYEE_ENCRYPTION_KEY"] = self.payee_encryption_key.split(",")
        for name, values in secrets.items():
            for value in filter(None, (v.strip() for v in values)):
                if estimated_secret_bits(value) < MIN_SECRET_BITS:
                    raise ConfigError(
                        f"{name} is too weak for production (estimated under {MIN_SECRET_BITS}"
                        " bits); generate one, e.g. `openssl rand -base64 48`"
                    )
