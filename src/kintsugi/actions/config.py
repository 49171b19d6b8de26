"""Settings of reminders, the weekly digest and the worker, from ``KINTSUGI_*`` variables.

- ``KINTSUGI_REMINDER_DAYS_BEFORE`` (``3,1``): remind owners this many days before the due date.
- ``KINTSUGI_OVERDUE_REMINDER_EVERY_DAYS`` (``1``): once overdue, remind on the first day and
  then every N days (0: never). Whatever the settings, an item gets at most one reminder a day.
- ``KINTSUGI_REMINDER_CHANNELS`` / ``KINTSUGI_DIGEST_CHANNELS`` (``email,slack,sns``): channels
  used, among those configured.
- ``KINTSUGI_DIGEST_WEEKDAY`` (0 = Monday) and ``KINTSUGI_DIGEST_HOUR`` (UTC): when the weekly
  digest becomes due; a worker sends it once in each ISO week, from that moment.
- ``KINTSUGI_DIGEST_INCLUDE_RESTRICTED`` (false): list items of team/restricted post-mortems in
  the digest (they are always counted).
- ``KINTSUGI_WORKER_INTERVAL_SECONDS`` (60): pause between runs of ``kintsugi worker``.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kintsugi.notify.channels import check_channel_list, name_list


class ActionSettings(BaseSettings):
    """When reminders and digests go out."""

    model_config = SettingsConfigDict(env_prefix="KINTSUGI_", extra="ignore")

    reminder_days_before: str = "3,1"
    overdue_reminder_every_days: int = Field(1, ge=0, le=365)
    reminder_channels: str = "email,slack,sns"
    digest_channels: str = "email,slack,sns"
    digest_weekday: int = Field(0, ge=0, le=6)
    digest_hour: int = Field(9, ge=0, le=23)
    digest_include_restricted: bool = False
    assignment_window_days: int = Field(7, ge=1, le=365)
    worker_interval_seconds: float = Field(60.0, gt=0)

    @field_validator("reminder_days_before")
    @classmethod
    def _days(cls, value: str) -> str:
        for part in name_list(value):
            if not part.isdigit() or not 0 < int(part) <= 365:
                raise ValueError(f"{part!r} is not a number of days (1-365)")
        return value

    @field_validator("reminder_channels", "digest_channels")
    @classmethod
    def _channels(cls, value: str) -> str:
        return check_channel_list(value)

    @property
    def days_before(self) -> list[int]:
        return sorted({int(part) for part in name_list(self.reminder_days_before)})

    @property
    def reminder_channel_names(self) -> list[str]:
        return name_list(self.reminder_channels)

    @property
    def digest_channel_names(self) -> list[str]:
        return name_list(self.digest_channels)


class TrackerSettings(BaseSettings):
    """Issue trackers action items are exported to.

    GitHub: ``GITHUB_TOKEN``, ``GITHUB_API_URL`` (https://api.github.com), default repository
    ``KINTSUGI_GITHUB_REPO`` (owner/name). Jira: ``JIRA_API_URL`` (the site, e.g.
    https://acme.atlassian.net), ``JIRA_API_TOKEN`` with ``JIRA_USER`` (Cloud, Basic auth) or
    alone (Data Center personal access token, Bearer), default project ``KINTSUGI_JIRA_PROJECT``,
    ``KINTSUGI_JIRA_ISSUE_TYPE`` (Task), ``JIRA_API_VERSION`` (2 or 3).
    """

    model_config = SettingsConfigDict(extra="ignore", validate_by_name=True, validate_by_alias=True)

    github_token: SecretStr | None = Field(None, validation_alias="GITHUB_TOKEN")
    github_api_url: str = Field("https://api.github.com", validation_alias="GITHUB_API_URL")
    github_repo: str | None = Field(None, validation_alias="KINTSUGI_GITHUB_REPO")
    jira_api_url: str | None = Field(
        None, validation_alias=AliasChoices("JIRA_API_URL", "JIRA_BASE_URL")
    )
    jira_user: str | None = Field(None, validation_alias=AliasChoices("JIRA_USER", "JIRA_EMAIL"))
    jira_api_token: SecretStr | None = Field(None, validation_alias="JIRA_API_TOKEN")
    jira_project: str | None = Field(None, validation_alias="KINTSUGI_JIRA_PROJECT")
    jira_issue_type: str = Field("Task", validation_alias="KINTSUGI_JIRA_ISSUE_TYPE")
    jira_api_version: int = Field(2, validation_alias="JIRA_API_VERSION", ge=2, le=3)
