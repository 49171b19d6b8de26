"""Settings from the environment (``KINTSUGI_*``) with explicit overrides."""

from __future__ import annotations

import ipaddress

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kintsugi.core import limits

DEFAULT_DATABASE_URL = "sqlite:///kintsugi.db"


class Settings(BaseSettings):
    """Everything Kintsugi needs to know about its deployment."""

    model_config = SettingsConfigDict(env_prefix="KINTSUGI_", extra="ignore")

    database_url: str = Field(DEFAULT_DATABASE_URL, description="SQLAlchemy URL of the database")
    database_pool_size: int = Field(
        20,
        ge=1,
        le=500,
        description="Database connections each server process keeps open (PostgreSQL)",
    )
    database_idle_check_seconds: float = Field(
        10.0,
        ge=0,
        description="Seconds a pooled connection may sit unused before it is tested again",
    )
    web_threads: int = Field(
        6,
        ge=1,
        le=1000,
        description="Requests each server process works on at once (more wait their turn)",
    )
    base_url: str = Field("http://127.0.0.1:8000", description="Public address of the web app")
    default_timezone: str = Field("UTC", description="Zone for times a document does not qualify")
    cookie_secure: bool = Field(False, description="Send cookies only over HTTPS")
    max_request_bytes: int = Field(
        limits.MAX_REQUEST_BYTES,
        ge=1024,
        description="Largest request body accepted, in bytes; a larger one gets 413",
    )
    lint_max_chars: int = Field(
        limits.LINT_MAX_CHARS, ge=1, description="Longest text the linter checks per request"
    )
    lint_seconds: float = Field(
        limits.LINT_SECONDS, gt=0, description="Time budget of one lint request, in seconds"
    )
    lint_per_minute: int = Field(
        limits.LINT_PER_MINUTE,
        ge=1,
        description="Lint requests one person may make a minute (per server process)",
    )
    lint_at_once: int = Field(
        limits.LINT_AT_ONCE,
        ge=1,
        description="Lint requests one server process works on at once; more get 429",
    )
    search_at_once: int = Field(
        limits.SEARCH_AT_ONCE,
        ge=1,
        le=1000,
        description=(
            "Searches one server process works on at once, on threads of their own (not the"
            f" web_threads); up to {limits.SEARCH_WAITING} more wait their turn, then 429"
        ),
    )
    timeline_seconds: float = Field(
        limits.TIMELINE_SECONDS,
        gt=0,
        description="Time budget of one timeline build or preview (all sources), in seconds",
    )
    oidc_issuer: str = Field("", description="OpenID Connect issuer URL; empty turns SSO off")
    oidc_client_id: str = Field("", description="OpenID Connect client id")
    oidc_client_secret: str = Field("", description="OpenID Connect client secret")
    oidc_auto_create: bool = Field(True, description="Create a viewer on first SSO sign-in")
    sign_in_attempts_per_15min: int = Field(
        10, ge=1, description="Failed sign-ins for one username from one address before a pause"
    )
    sign_in_attempts_per_address_15min: int = Field(
        50, ge=1, description="Failed sign-ins from one address, any usernames, before a pause"
    )
    sign_in_attempts_per_username_15min: int = Field(
        100,
        ge=1,
        description="Failed sign-ins for one username, any addresses, before only addresses "
        "without failures may try it",
    )
    trusted_proxies: str = Field(
        "",
        description="Addresses or networks (comma-separated) of the reverse proxies whose "
        "X-Forwarded-For and X-Forwarded-Proto are believed; empty: none",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses_or_networks(cls, value: str) -> str:
        for entry in proxy_entries(value):
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"{entry!r} is not an IP address or network (e.g. 10.0.0.5, 10.0.0.0/24)"
                ) from None
        return value


def proxy_entries(value: str) -> list[str]:
    """The addresses and networks of a comma-separated ``trusted_proxies``."""
    return [entry.strip() for entry in value.split(",") if entry.strip()]


def load_settings(database_url: str | None = None) -> Settings:
    """Read settings from the environment, letting an explicit ``--db`` win."""
    if database_url:
        return Settings(database_url=database_url)
    return Settings()
