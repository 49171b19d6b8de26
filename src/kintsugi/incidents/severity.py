"""Vendor severities as Kintsugi's SEV1-SEV3.

incident.io names its severities per organisation and ranks them (a *higher* rank is more
severe: the default set is Minor 1, Major 2, Critical 3); PagerDuty has an urgency (high, low)
and, on some plans, a priority (P1-P5); Opsgenie alerts have a priority (P1-P5).

Rules are ``vendor:value=SEVn``: ``incidentio:Critical``, ``incidentio:rank:3``,
``pagerduty:P1``, ``pagerduty:high``, ``opsgenie:P2``. Values compare without case. The
organisation's rules (``KINTSUGI_SEVERITY_MAP``) are tried first, then the defaults.
"""

from __future__ import annotations

from collections.abc import Iterable

from kintsugi.core.errors import ConfigurationError

SEVERITIES = ("SEV1", "SEV2", "SEV3")

DEFAULT_RULES = (
    "incidentio:sev1=SEV1,incidentio:sev 1=SEV1,incidentio:critical=SEV1,incidentio:p1=SEV1,"
    "incidentio:sev2=SEV2,incidentio:sev 2=SEV2,incidentio:major=SEV2,incidentio:p2=SEV2,"
    "incidentio:sev3=SEV3,incidentio:sev 3=SEV3,incidentio:minor=SEV3,incidentio:p3=SEV3,"
    "incidentio:sev4=SEV3,incidentio:p4=SEV3,"
    "incidentio:rank:3=SEV1,incidentio:rank:2=SEV2,incidentio:rank:1=SEV3,"
    "pagerduty:p1=SEV1,pagerduty:p2=SEV2,pagerduty:p3=SEV3,pagerduty:p4=SEV3,pagerduty:p5=SEV3,"
    "pagerduty:high=SEV1,pagerduty:low=SEV3,"
    "opsgenie:p1=SEV1,opsgenie:p2=SEV2,opsgenie:p3=SEV3,opsgenie:p4=SEV3,opsgenie:p5=SEV3"
)


def parse_rules(text: str, *, setting: str = "KINTSUGI_SEVERITY_MAP") -> dict[str, str]:
    """``vendor:value=SEVn`` entries as a mapping; ConfigurationError naming a bad entry."""
    rules: dict[str, str] = {}
    for entry in text.split(","):
        entry = entry.strip()
        if not entry:
            continue
        key, equals, severity = entry.rpartition("=")
        vendor, colon, value = key.partition(":")
        severity = severity.strip().upper()
        if not equals or not colon or not value.strip() or severity not in SEVERITIES:
            raise ConfigurationError(
                f"{setting}: {entry!r} is not vendor:value=SEV1|SEV2|SEV3 "
                "(e.g. incidentio:Critical=SEV1, pagerduty:high=SEV1)"
            )
        rules[f"{vendor.strip().lower()}:{value.strip().lower()}"] = severity
    return rules


class SeverityMap:
    """The organisation's rules before the defaults."""

    def __init__(self, custom: str = "") -> None:
        self.rules = {**parse_rules(DEFAULT_RULES, setting="defaults"), **parse_rules(custom)}
        self._custom = parse_rules(custom)

    def lookup(self, vendor: str, candidates: Iterable[str]) -> str | None:
        """The severity of the first candidate value a rule knows (custom rules first)."""
        values = [c.strip().lower() for c in candidates if c and c.strip()]
        for rules in (self._custom, self.rules):
            for value in values:
                found = rules.get(f"{vendor}:{value}")
                if found:
                    return found
        return None

    def incidentio(self, name: str | None, rank: int | None) -> str | None:
        """An incident.io severity by its name, else by its rank."""
        return self.lookup("incidentio", [name or "", f"rank:{rank}" if rank is not None else ""])

    def pagerduty(self, priority: str | None, urgency: str | None) -> str | None:
        """A PagerDuty incident's priority (when set), else its urgency."""
        return self.lookup("pagerduty", [priority or "", urgency or ""])

    def opsgenie(self, priority: str | None) -> str | None:
        return self.lookup("opsgenie", [priority or ""])
