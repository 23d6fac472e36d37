"""Process configuration from the environment (business settings live in the database)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-secret-never-use-in-production-0123456789"  # noqa: S105 (refused in production)
MIN_SECRET_BYTES = 32


class ConfigError(RuntimeError):
    """The process must not start with this configuration."""


class AppConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite://var/siyu.db"
    jwt_secret: str = DEV_SECRET
    jwt_issuer: str = "siyu"
    login_provider: Literal["DEV", "WECHAT"] = "DEV"
    wechat_app_id: str = "wx-dev-app"
    wechat_app_secret: str = ""
    wechat_api_base_url: str = "https://api.weixin.qq.com"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(default=1, ge=1, le=64)
    log_level: str = "INFO"

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def graphiql(self) -> bool:
        return not self.production

    def check(self) -> None:
        """Refuse to run production with development defaults."""
        if len(self.jwt_secret.encode()) < MIN_SECRET_BYTES:
            raise ConfigError(f"JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes")
        if not self.production:
            return
        if self.jwt_secret == DEV_SECRET:
            raise ConfigError("JWT_SECRET must be set in production")
        if self.login_provider == "DEV":
            raise ConfigError("the DEV login provider is refused in production")
        if self.login_provider == "WECHAT" and not self.wechat_app_secret:
            raise ConfigError("WECHAT_APP_SECRET must be set for the WECHAT login provider")
