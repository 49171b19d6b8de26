"""Settings of the metrics slice, from ``KINTSUGI_*`` variables.

- ``KINTSUGI_POLICY_FILE``: the organisation's policy (TOML or YAML; see ``postmortems.policy``).
- ``KINTSUGI_METRICS_PUBLIC`` (false): let Prometheus scrape ``GET /metrics`` without a token;
  it then sees the figures of organisation-visible post-mortems only. Otherwise a bearer token
  (``kintsugi tokens create prometheus --scope read``) is required and the figures are those
  its user may see.
"""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from kintsugi.postmortems.policy import PolicySettings


class MetricsSettings(PolicySettings):
    """Where the policy file is and who may scrape /metrics."""

    model_config = SettingsConfigDict(env_prefix="KINTSUGI_", extra="ignore")

    metrics_public: bool = False
