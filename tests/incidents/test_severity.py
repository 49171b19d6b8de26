"""Vendor severities as SEV1-SEV3: defaults, the organisation's rules first, bad rules named."""

from __future__ import annotations

import pytest

from kintsugi.core.errors import ConfigurationError
from kintsugi.incidents.severity import SeverityMap


def test_defaults_follow_each_vendors_meaning() -> None:
    severities = SeverityMap()
    assert severities.incidentio("Critical", 3) == "SEV1"
    assert severities.incidentio("Major", 2) == "SEV2"
    assert severities.incidentio("Minor", 1) == "SEV3"  # incident.io: a higher rank is worse
    assert severities.incidentio("Custom name", 3) == "SEV1"  # by rank when the name is unknown
    assert severities.incidentio("Custom name", 7) is None
    assert severities.pagerduty(None, "high") == "SEV1"
    assert severities.pagerduty(None, "low") == "SEV3"
    assert severities.pagerduty("P2", "high") == "SEV2"  # the priority, when set, wins
    assert severities.opsgenie("P1") == "SEV1"


def test_the_organisations_rules_come_first() -> None:
    severities = SeverityMap("incidentio:Outage=SEV1, incidentio:rank:1=sev2, pagerduty:low=SEV2")
    assert severities.incidentio("Outage", 1) == "SEV1"
    assert severities.incidentio("Something", 1) == "SEV2"
    assert severities.incidentio("Minor", 1) == "SEV2"  # a custom rank rule beats a default name
    assert severities.pagerduty(None, "low") == "SEV2"


@pytest.mark.parametrize("rule", ["incidentio:Outage", "Outage=SEV1", "pagerduty:high=SEV9"])
def test_a_bad_rule_is_named(rule: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        SeverityMap(rule)
    assert "KINTSUGI_SEVERITY_MAP" in str(caught.value) and repr(rule) in str(caught.value)
