"""Complete analyses for the demo post-mortems, written in the import format (docs/rca.md):
evidence names events by time and text, links name action items by title."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.errors import NotFoundError
from kintsugi.people.principal import SYSTEM
from kintsugi.rca import service

CHECKOUT = "2026-09-14-checkout-connection-pool"
COREDNS = "2026-07-08-coredns-upgrade"
CERTIFICATE = "2026-10-02-partner-api-certificate"


def _ev(at: str, text: str) -> dict[str, str]:
    return {"at": at, "text": text}


POOL_CHANGE = _ev("2026-09-14T09:30:00+02:00", "Pool size change")
CAMPAIGN = _ev("2026-09-14T09:40:00+02:00", "Sale campaign email")
LATENCY = _ev("2026-09-14T09:42:00+02:00", "p99 latency")
ALERT = _ev("2026-09-14T09:49:00+02:00", "CheckoutErrorRate alert")
RESTARTS = _ev("2026-09-14T10:12:00+02:00", "Pods seen restarting")
ROLLBACK = _ev("2026-09-14T10:31:00+02:00", "Rollback of the release")
OVERRIDE = _ev("2026-09-14T10:48:00+02:00", "Pool size restored")

CHECKOUT_ANALYSIS: dict[str, Any] = {
    "format": "kintsugi-rca/1",
    "problem": "Checkout API returned HTTP 503 for 71% of requests for 83 minutes",
    "five_whys": [
        {
            "id": "chain-pool",
            "problem": "Why did checkout requests fail?",
            "steps": [
                {
                    "id": "why-pool-1",
                    "why": "Why did checkout requests fail?",
                    "because": "Requests waited for a database connection until they timed out",
                    "evidence": [LATENCY, ALERT],
                },
                {
                    "id": "why-pool-2",
                    "why": "Why did requests wait for connections?",
                    "because": "Each pod had 10 connections instead of 40 while traffic tripled",
                    "evidence": [POOL_CHANGE, CAMPAIGN],
                },
                {
                    "id": "why-pool-3",
                    "why": "Why was the pool lowered to 10?",
                    "because": "A tuning change to reduce idle connections on the database "
                    "was merged and deployed as routine",
                    "evidence": [POOL_CHANGE],
                },
                {
                    "id": "why-pool-4",
                    "why": "Why did the review not see the risk?",
                    "because": "The pool size is a bare number with no link to the peak load "
                    "it must carry, so nothing showed the new headroom",
                },
                {
                    "id": "why-pool-5",
                    "why": "Why is nothing checking capacity settings?",
                    "because": "The pipeline has no load test gate for pool and timeout changes",
                    "root_cause": True,
                    "category": "testing-gap",
                },
            ],
        },
        {
            "id": "chain-restarts",
            "problem": "Why did the outage get worse after it started?",
            "steps": [
                {
                    "id": "why-restarts-1",
                    "because": "Kubernetes restarted pods that were serving traffic",
                    "evidence": [RESTARTS],
                },
                {
                    "id": "why-restarts-2",
                    "because": "The liveness probe ran a database query, which timed out "
                    "while the pool was exhausted",
                    "evidence": [RESTARTS],
                },
                {
                    "id": "why-restarts-3",
                    "because": "The probe design couples the pod's liveness to a dependency's "
                    "latency",
                    "root_cause": True,
                    "category": "design",
                },
            ],
        },
    ],
    "fishbone": [
        {
            "id": "fish-pool",
            "bone": "technology",
            "text": "Connection pool lowered from 40 to 10 per pod",
            "root_cause": False,
            "category": "config-change",
            "evidence": [POOL_CHANGE],
        },
        {
            "id": "fish-probe",
            "bone": "technology",
            "text": "Liveness probe queries the database, so slow queries restart healthy pods",
            "root_cause": True,
            "category": "design",
            "evidence": [RESTARTS],
        },
        {
            "id": "fish-review",
            "bone": "process",
            "text": "Capacity settings reviewed like routine tuning changes",
            "root_cause": True,
            "category": "change-management",
        },
        {
            "id": "fish-rollback",
            "bone": "process",
            "text": "Rollback path waits for a 17-minute schema check",
            "category": "process-gap",
            "evidence": [ROLLBACK],
        },
        {
            "id": "fish-calendar",
            "bone": "environment",
            "text": "Sale campaign started at peak, not on the engineering calendar",
            "category": "communication",
            "evidence": [CAMPAIGN],
        },
        {
            "id": "fish-loadtest",
            "bone": "measurement",
            "text": "No load test for pool or timeout changes",
            "root_cause": True,
            "category": "testing-gap",
        },
        {
            "id": "fish-saturation",
            "bone": "measurement",
            "text": "Pool saturation not on the service dashboard",
            "category": "monitoring-gap",
        },
        {
            "id": "fish-runbook",
            "bone": "people",
            "text": "No runbook step for restoring a pool size without a full rollback",
            "category": "runbook-gap",
        },
        {
            "id": "fish-config",
            "bone": "materials",
            "text": "Shared configuration file gives no expected peak traffic next to the "
            "pool size",
            "category": "config-change",
        },
    ],
    "changes": [
        {
            "id": "change-pool",
            "kind": "configuration",
            "text": "Pool size change (40 -> 10) merged and deployed by the release pipeline",
            "at": "2026-09-14T09:30:00+02:00",
            "related": "related",
            "notes": "The trigger: headroom fell below the campaign's load.",
            "evidence": [POOL_CHANGE],
        },
        {
            "id": "change-campaign",
            "kind": "process",
            "text": "Sale campaign email sent to 1.2M subscribers",
            "at": "2026-09-14T09:40:00+02:00",
            "related": "related",
            "notes": "Tripled checkout traffic within minutes.",
            "evidence": [CAMPAIGN],
        },
        {
            "id": "change-tls",
            "kind": "infrastructure",
            "text": "Load balancer TLS certificates rotated the evening before",
            "at": "2026-09-13T21:00:00+02:00",
            "related": "not_related",
            "notes": "Handshakes were normal throughout.",
        },
    ],
    "timeline": {
        "response": {"at": "2026-09-14T09:55:00+02:00"},
        "notes": "Detection was quick (7 minutes); mitigation took 66 minutes because the "
        "rollback path was blocked.",
    },
    "factors": [
        {
            "id": "factor-pool",
            "text": "Pool size lowered from 40 to 10 per pod",
            "classification": "primary",
            "category": "config-change",
            "evidence": [POOL_CHANGE],
        },
        {
            "id": "factor-campaign",
            "text": "Sale campaign began minutes after the deploy",
            "classification": "secondary",
            "category": "communication",
            "evidence": [CAMPAIGN],
        },
        {
            "id": "factor-probe",
            "text": "Liveness probes restarted pods under load",
            "classification": "aggravating",
            "category": "design",
            "evidence": [RESTARTS],
        },
        {
            "id": "factor-rollback",
            "text": "Rollback blocked behind a schema check for 17 minutes",
            "classification": "aggravating",
            "category": "process-gap",
            "evidence": [ROLLBACK],
        },
        {
            "id": "factor-alert",
            "text": "Error-rate alert paged within seven minutes",
            "classification": "mitigating",
            "category": "monitoring-gap",
            "evidence": [ALERT],
        },
        {
            "id": "factor-retries",
            "text": "Payment provider retried most failed orders later",
            "classification": "mitigating",
            "category": "dependency",
        },
    ],
    "causal_tree": [
        {
            "id": "node-exhausted",
            "kind": "direct_cause",
            "text": "Checkout pods ran out of database connections",
            "evidence": [LATENCY],
        },
        {
            "id": "node-pool",
            "parent": "node-exhausted",
            "kind": "indirect_cause",
            "text": "Pool lowered from 40 to 10 per pod by a configuration change",
            "category": "config-change",
            "evidence": [POOL_CHANGE],
        },
        {
            "id": "node-review",
            "parent": "node-pool",
            "kind": "root_cause",
            "text": "Capacity settings are reviewed without the peak load they must carry",
            "category": "change-management",
        },
        {
            "id": "node-loadtest",
            "parent": "node-pool",
            "kind": "root_cause",
            "text": "No load test gate for pool and timeout changes",
            "category": "testing-gap",
        },
        {
            "id": "node-traffic",
            "parent": "node-exhausted",
            "kind": "contributing_factor",
            "text": "Traffic tripled when the sale campaign started",
            "category": "communication",
            "evidence": [CAMPAIGN],
        },
        {
            "id": "node-restarts",
            "kind": "direct_cause",
            "text": "Healthy pods restarted in a loop",
            "evidence": [RESTARTS],
        },
        {
            "id": "node-probe",
            "parent": "node-restarts",
            "kind": "root_cause",
            "text": "Liveness probe depends on the database",
            "category": "design",
        },
        {
            "id": "node-rollback",
            "kind": "contributing_factor",
            "text": "Config rollback waits for a schema check",
            "category": "process-gap",
            "evidence": [ROLLBACK],
        },
    ],
    "barriers": [
        {
            "id": "barrier-review",
            "name": "Code review of the configuration change",
            "type": "process",
            "state": "failed",
            "why": "Reviewers saw a number change with no expected load beside it",
            "strengthen": "Show expected peak load and headroom next to capacity settings",
        },
        {
            "id": "barrier-loadtest",
            "name": "Load test gate in the pipeline",
            "type": "technical",
            "state": "missing",
            "why": "Only code changes run the load test suite",
            "strengthen": "Run the load test for pool and timeout changes too",
        },
        {
            "id": "barrier-calendar",
            "name": "Change freeze during campaigns",
            "type": "administrative",
            "state": "missing",
            "why": "Campaigns were not on the engineering calendar",
            "strengthen": "Publish campaign schedules to the engineering calendar",
        },
        {
            "id": "barrier-alert",
            "name": "Error-rate alerting",
            "type": "technical",
            "state": "held",
            "evidence": [ALERT],
        },
        {
            "id": "barrier-rollback",
            "name": "Fast rollback",
            "type": "technical",
            "state": "failed",
            "why": "Config-only rollbacks waited for the schema check",
            "strengthen": "Let config-only rollbacks skip the schema check",
            "evidence": [ROLLBACK, OVERRIDE],
        },
    ],
    "links": [
        {"action_item": "Make the liveness probe independent of the database", "target": t}
        for t in ("why-restarts-3", "fish-probe", "node-probe", "factor-probe")
    ]
    + [
        {"action_item": "Allow config-only rollbacks to skip the schema check", "target": t}
        for t in ("barrier-rollback", "factor-rollback")
    ]
    + [
        {"action_item": "Publish campaign schedules to the engineering calendar", "target": t}
        for t in ("barrier-calendar", "factor-campaign")
    ]
    + [
        {"action_item": "Add a load test gate for pool and timeout changes", "target": t}
        for t in ("why-pool-5", "fish-loadtest", "node-loadtest", "barrier-loadtest")
    ],
}

UPGRADE = _ev("2026-07-08T13:20:00+02:00", "Cluster maintenance upgrades CoreDNS")
DNS_ALERT = _ev("2026-07-08T13:26:00+02:00", "Alert")
CRASHLOOP = _ev("2026-07-08T13:34:00+02:00", "Ana Kovač finds two CoreDNS pods")
FIXED = _ev("2026-07-08T13:51:00+02:00", "Corefile fixed")

COREDNS_ANALYSIS: dict[str, Any] = {
    "format": "kintsugi-rca/1",
    "problem": "A third of DNS lookups in the production cluster timed out for 42 minutes",
    "five_whys": [
        {
            "id": "chain-dns",
            "problem": "Why did DNS lookups time out?",
            "steps": [
                {
                    "because": "Two of three CoreDNS replicas were crash-looping",
                    "evidence": [CRASHLOOP],
                },
                {
                    "because": "CoreDNS 1.11 refused to start with our Corefile",
                    "evidence": [UPGRADE, CRASHLOOP],
                },
                {
                    "because": "The Corefile still referenced a plugin that 1.11 removed",
                },
                {
                    "because": "The upgrade procedure does not validate the Corefile against "
                    "the target version",
                    "root_cause": True,
                    "category": "testing-gap",
                },
            ],
        },
        {
            "id": "chain-rollout",
            "problem": "Why did the rollout continue with failing pods?",
            "steps": [
                {"because": "The rollout replaced two replicas before the first was ready"},
                {
                    "because": "The CoreDNS deployment allows one unavailable replica and "
                    "surges without waiting on readiness",
                    "root_cause": True,
                    "category": "config-change",
                },
            ],
        },
    ],
    "fishbone": [
        {"bone": "technology", "text": "Removed plugin still named in the Corefile"},
        {
            "bone": "technology",
            "text": "Rollout settings let failing replicas replace healthy ones",
            "root_cause": True,
            "category": "config-change",
        },
        {
            "bone": "process",
            "text": "Upgrade runbook has no Corefile validation step",
            "root_cause": True,
            "category": "testing-gap",
        },
        {"bone": "process", "text": "Release notes of CoreDNS not part of the maintenance plan"},
        {"bone": "environment", "text": "Maintenance ran during business hours"},
        {
            "bone": "measurement",
            "text": "No alert on CoreDNS pods restarting",
            "category": "monitoring-gap",
        },
        {"bone": "people", "text": "One engineer on the maintenance with no second reviewer"},
        {"bone": "materials", "text": "Corefile kept outside the cluster's config repository"},
    ],
    "changes": [
        {
            "kind": "infrastructure",
            "text": "Cluster maintenance upgrades CoreDNS from 1.10 to 1.11",
            "at": "2026-07-08T13:20:00+02:00",
            "related": "related",
            "evidence": [UPGRADE],
        },
        {
            "kind": "code_deploy",
            "text": "Search service release 4.18 deployed",
            "at": "2026-07-08T12:05:00+02:00",
            "related": "not_related",
            "notes": "Search does no lookups outside its pod network",
        },
    ],
    "timeline": {"response": {"at": "2026-07-08T13:34:00+02:00"}, "notes": ""},
    "factors": [
        {
            "text": "CoreDNS upgrade with an incompatible Corefile",
            "classification": "primary",
            "category": "deploy",
            "evidence": [UPGRADE],
        },
        {
            "text": "Rollout did not stop on failing readiness",
            "classification": "secondary",
            "category": "config-change",
        },
        {
            "text": "DNS error alert fired within six minutes",
            "classification": "mitigating",
            "category": "monitoring-gap",
            "evidence": [DNS_ALERT],
        },
        {
            "text": "Clients retried DNS with short timeouts, multiplying the load",
            "classification": "aggravating",
            "category": "design",
        },
    ],
    "causal_tree": [
        {"id": "node-dns", "kind": "direct_cause", "text": "Two CoreDNS replicas unavailable"},
        {
            "id": "node-plugin",
            "parent": "node-dns",
            "kind": "indirect_cause",
            "text": "Corefile references a removed plugin",
            "evidence": [CRASHLOOP],
        },
        {
            "id": "node-validate",
            "parent": "node-plugin",
            "kind": "root_cause",
            "text": "No validation of the Corefile against the target version",
            "category": "testing-gap",
        },
        {
            "id": "node-rollout",
            "parent": "node-dns",
            "kind": "indirect_cause",
            "text": "Rollout replaced healthy replicas with failing ones",
        },
        {
            "id": "node-maxunavailable",
            "parent": "node-rollout",
            "kind": "root_cause",
            "text": "maxUnavailable of 1 with three replicas",
            "category": "config-change",
        },
        {
            "id": "node-retries",
            "kind": "contributing_factor",
            "text": "Aggressive client retries added load on the remaining replica",
            "category": "design",
        },
    ],
    "barriers": [
        {
            "id": "barrier-ci",
            "name": "Corefile validation in CI",
            "type": "technical",
            "state": "missing",
            "why": "Only YAML syntax was checked",
            "strengthen": "Run the target CoreDNS version against the Corefile in CI",
        },
        {
            "id": "barrier-readiness",
            "name": "Readiness gate on the rollout",
            "type": "technical",
            "state": "failed",
            "why": "maxUnavailable allowed a second replica down before the first was ready",
            "strengthen": "maxUnavailable 0 with a surge replica",
        },
        {
            "id": "barrier-alert",
            "name": "DNS error alert",
            "type": "technical",
            "state": "held",
            "evidence": [DNS_ALERT],
        },
        {
            "id": "barrier-plan",
            "name": "Maintenance plan review",
            "type": "administrative",
            "state": "failed",
            "why": "The plan template has no section for release notes",
            "strengthen": "Add breaking changes from release notes to the plan template",
        },
    ],
    "links": [
        {"action_item": "Validate the Corefile with the target version in CI", "target": t}
        for t in ("node-validate", "barrier-ci")
    ]
    + [
        {"action_item": "Use a maxUnavailable of 0 for CoreDNS rollouts", "target": t}
        for t in ("node-maxunavailable", "barrier-readiness")
    ],
}

EXPIRY = _ev("2026-10-02T00:00:00+00:00", "Certificate for partner-api")
PARTNER_EMAIL = _ev("2026-10-02T06:10:00+00:00", "First partner email")

CERTIFICATE_ANALYSIS: dict[str, Any] = {
    "format": "kintsugi-rca/1",
    "problem": "Partners could not connect to the partner API for seven hours",
    "five_whys": [
        {
            "problem": "Why could partners not connect?",
            "steps": [
                {
                    "because": "The certificate of partner-api.example.com expired",
                    "evidence": [EXPIRY],
                },
                {"because": "It was renewed by hand and the reminder went to a retired mailbox"},
                {
                    "because": "The endpoint was never moved to the ACME automation that renews "
                    "every other certificate",
                    "root_cause": True,
                    "category": "expiry",
                },
            ],
        }
    ],
    "fishbone": [
        {
            "bone": "technology",
            "text": "Certificate renewed by hand",
            "root_cause": True,
            "category": "expiry",
        },
        {
            "bone": "measurement",
            "text": "No expiry alert for certificates outside ACME",
            "root_cause": True,
            "category": "monitoring-gap",
        },
        {"bone": "process", "text": "Reminder sent to a retired shared mailbox"},
        {"bone": "environment", "text": "Expired at midnight, outside partner business hours"},
        {"bone": "people", "text": "Partner support contacts not in the on-call rota"},
        {"bone": "materials", "text": "Inventory of public endpoints out of date"},
    ],
    "changes": [],
    "timeline": {},
    "factors": [
        {
            "text": "Certificate expired",
            "classification": "primary",
            "category": "expiry",
            "evidence": [EXPIRY],
        },
        {
            "text": "No synthetic TLS check on public endpoints",
            "classification": "secondary",
            "category": "monitoring-gap",
        },
        {
            "text": "Partners reported it by email within the hour of their day starting",
            "classification": "mitigating",
            "category": "communication",
            "evidence": [PARTNER_EMAIL],
        },
    ],
    "causal_tree": [
        {"id": "node-expired", "kind": "direct_cause", "text": "TLS handshakes failed"},
        {
            "id": "node-manual",
            "parent": "node-expired",
            "kind": "root_cause",
            "text": "Manual renewal outside the ACME automation",
            "category": "expiry",
        },
        {
            "id": "node-alert",
            "parent": "node-expired",
            "kind": "root_cause",
            "text": "No expiry alerting for certificates issued elsewhere",
            "category": "monitoring-gap",
        },
    ],
    "barriers": [
        {
            "name": "Certificate expiry alert",
            "type": "technical",
            "state": "missing",
            "why": "Alerts only watch certificates that ACME issued",
            "strengthen": "Alert on every certificate that expires within 21 days",
        },
        {
            "name": "Synthetic TLS check",
            "type": "technical",
            "state": "missing",
            "why": "Public endpoints have HTTP checks only",
            "strengthen": "Add a TLS check to every public endpoint",
        },
    ],
    "links": [
        {"action_item": "Move partner-api.example.com to ACME renewal", "target": "node-manual"},
        {
            "action_item": "Alert on any certificate that expires within 21 days, whoever "
            "issued it",
            "target": "node-alert",
        },
    ],
}

DEMO_ANALYSES: dict[str, dict[str, Any]] = {
    CHECKOUT: CHECKOUT_ANALYSIS,
    COREDNS: COREDNS_ANALYSIS,
    CERTIFICATE: CERTIFICATE_ANALYSIS,
}


def load_demo_analyses(sessions: sessionmaker[Session]) -> list[str]:
    """Import the demo analyses into the demo post-mortems that have none yet.

    Returns the ids of the post-mortems that got one; a missing post-mortem is skipped.
    """
    loaded = []
    for postmortem_id, data in DEMO_ANALYSES.items():
        with sessions.begin() as session:
            try:
                if service.has_analysis(session, postmortem_id, SYSTEM):
                    continue
            except NotFoundError:
                continue
            service.import_analysis(
                session, postmortem_id, data, SYSTEM, source=f"demo:{postmortem_id}"
            )
            loaded.append(postmortem_id)
    return loaded
