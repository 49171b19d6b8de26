"""Settings of sharing, from ``KINTSUGI_*`` variables.

- ``KINTSUGI_LEARNING_TO``: the organisation's email list(s) (comma-separated) for announcements
  of organisation-wide post-mortems and for the weekly learning digest. Empty: no email to the
  organisation (team and restricted announcements still go to the people who may read them).
- ``KINTSUGI_LEARNING_CHANNELS`` (``email``): channels used, among those configured. Posting
  to the shared Slack channel or SNS topic is the organisation's choice: add ``slack``/``sns``.
- ``KINTSUGI_ANNOUNCE_WINDOW_DAYS`` (3): documents published this recently are announced (so
  that turning the feature on does not announce the whole back catalogue).
- ``KINTSUGI_LEARNING_DIGEST_WEEKDAY`` (4 = Friday; 0 = Monday) and
  ``KINTSUGI_LEARNING_DIGEST_HOUR`` (15, UTC): when the weekly learning digest becomes due; it
  is sent once per ISO week, and not at all in a week with nothing to share.
"""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kintsugi.notify.channels import check_channel_list, name_list


class SharingSettings(BaseSettings):
    """Where announcements and the learning digest go, and when."""

    model_config = SettingsConfigDict(env_prefix="KINTSUGI_", extra="ignore")

    learning_to: str = ""
    learning_channels: str = "email"
    announce_window_days: int = Field(3, ge=1, le=365)
    learning_digest_weekday: int = Field(4, ge=0, le=6)
    learning_digest_hour: int = Field(15, ge=0, le=23)

    @field_validator("learning_channels")
    @classmethod
    def _channels(cls, value: str) -> str:
        return check_channel_list(value)

    @property
    def channel_names(self) -> list[str]:
        return name_list(self.learning_channels)

    @property
    def recipients(self) -> list[str]:
        """The organisation's email addresses."""
        return [a.strip() for a in self.learning_to.split(",") if a.strip()]
