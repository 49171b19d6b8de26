"""Settings from the environment (``KINTSUGI_*``) with explicit overrides."""

from __future__ import annotations

from pydantic import Field
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
    oidc_issuer: str = Field("", description="OpenID Connect issuer URL; empty turns SSO off")
    oidc_client_id: str = Field("", description="OpenID Connect client id")
    oidc_client_secret: str = Field("", description="OpenID Connect client secret")
    oidc_auto_create: bool = Field(True, description="Create a viewer on first SSO sign-in")
    sign_in_attempts_per_15min: int = Field(10, description="Failed sign-ins before a pause")


def load_settings(database_url: str | None = None) -> Settings:
    """Read settings from the environment, letting an explicit ``--db`` win."""
    if database_url:
        return Settings(database_url=database_url)
    return Settings()
