"""Settings of the incidents slice, from the environment.

- ``KINTSUGI_INCIDENTIO_WEBHOOK_SECRET``: the signing secret of the incident.io webhook
  endpoint (``whsec_...``, shown by incident.io when the endpoint is made); unset turns
  ``POST /api/v1/webhooks/incidentio`` off (every delivery gets 401).
- ``KINTSUGI_PAGERDUTY_WEBHOOK_SECRET``: the secret of the PagerDuty v3 webhook subscription;
  unset turns ``POST /api/v1/webhooks/pagerduty`` off.
- incident.io deliveries whose ``webhook-timestamp`` is more than 5 minutes from now are
  refused (the Standard Webhooks tolerance); PagerDuty events that occurred more than
  ``KINTSUGI_PAGERDUTY_WEBHOOK_MAX_AGE_SECONDS`` ago (86400) are refused.
- ``KINTSUGI_WEBHOOK_SOURCES``: extra timeline sources every webhook draft uses
  (comma-separated specs such as ``github:org/repo,alertmanager``).
- ``KINTSUGI_SEVERITY_MAP``: how vendor severities become SEV1-SEV3, comma-separated
  ``vendor:value=SEVn`` entries that come before the defaults (see ``severity.py``).
- ``KINTSUGI_REVIEW_MINUTES`` (60): the length of the proposed review meeting.
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class IncidentSettings(BaseSettings):
    """Webhook secrets and windows, the severity map, the review's length."""

    model_config = SettingsConfigDict(env_prefix="KINTSUGI_", extra="ignore")

    incidentio_webhook_secret: SecretStr | None = None
    pagerduty_webhook_secret: SecretStr | None = None
    pagerduty_webhook_max_age_seconds: int = Field(86400, ge=60, le=7 * 86400)
    webhook_sources: str = ""
    severity_map: str = ""
    review_minutes: int = Field(60, ge=15, le=480)

    @property
    def webhook_source_specs(self) -> list[str]:
        return [part.strip() for part in self.webhook_sources.split(",") if part.strip()]
