"""Settings from the environment (``KINTSUGI_*``) with explicit overrides."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///kintsugi.db"


class Settings(BaseSettings):
    """Everything Kintsugi needs to know about its deployment."""

    model_config = SettingsConfigDict(env_prefix="KINTSUGI_", extra="ignore")

    database_url: str = Field(DEFAULT_DATABASE_URL, description="SQLAlchemy URL of the database")
    secret_key: str = Field(
        "", description="Signs session cookies; generated and stored when empty"
    )
    base_url: str = Field("http://127.0.0.1:8000", description="Public address of the web app")
    default_timezone: str = Field("UTC", description="Zone for times a document does not qualify")
    cookie_secure: bool = Field(False, description="Send cookies only over HTTPS")


def load_settings(database_url: str | None = None) -> Settings:
    """Read settings from the environment, letting an explicit ``--db`` win."""
    if database_url:
        return Settings(database_url=database_url)
    return Settings()
