"""Generate realistic Markdown post-mortems (several KB each) for benchmarks.

Deterministic for a seed. Documents follow the shapes real teams use: front matter or none,
timeline tables and lists, action item tables and checklists.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

SERVICES = [
    "checkout-api", "orders-db", "search", "notifier", "edge-proxy", "auth", "payments",
    "inventory", "recommendations", "session-store", "kafka", "coredns", "ingress", "billing",
    "feature-flags", "image-resizer", "cdn", "metrics-pipeline", "logging", "scheduler",
]  # fmt: skip
SYMPTOMS = [
    "returned HTTP 503 for most requests", "timed out on database connections",
    "served stale data from its cache", "dropped messages under load", "crash-looped after a deploy",
    "ran out of disk space", "leaked memory until pods were OOM-killed",
    "rejected valid TLS handshakes", "stopped shipping logs", "lost its leader election",
    "saturated its connection pool", "failed health checks during a node rotation",
]  # fmt: skip
CAUSES = [
    "a configuration change lowered a timeout below the p99 latency of a dependency",
    "a certificate was renewed by hand outside the automated process",
    "an upgrade removed a deprecated option that the configuration still used",
    "a retry policy without backoff multiplied load on an already slow database",
    "a cache invalidation message was lost when broker connections were recycled",
    "a node pool was scaled down while a migration was holding locks",
    "a schema migration took an exclusive lock on a hot table",
    "an alert threshold had been tuned for last year's traffic",
]  # fmt: skip
ACTIONS = [
    "Add a load test gate for timeout and pool changes",
    "Alert on certificates that expire within 21 days",
    "Validate configuration against the target version in CI",
    "Add exponential backoff and a circuit breaker to the client",
    "Add a periodic cache refresh as a safety net",
    "Document the rollback procedure in the runbook",
    "Make health checks independent of downstream dependencies",
    "Run a failover drill under production-like load",
    "Add a dashboard panel for queue depth per consumer",
    "Page on error budget burn rate rather than raw error counts",
]  # fmt: skip
PEOPLE = ["Ana Kovač", "Tomás Ferreira", "Priya Raman", "Jonas Weber", "Lea Moreau", "Sam Okafor"]
TEAMS = ["platform-team", "sre-team", "payments-team", "data-team"]
TAGS = ["kubernetes", "database", "dns", "tls", "deploy", "capacity", "networking", "queues"]
FILLER = (
    "The on-call engineer followed the runbook and checked the dashboards for the affected "
    "service. Metrics showed that latency rose steadily before errors appeared, which matched "
    "the change window. The team discussed whether to roll back or to scale out, and chose to "
    "roll back because the change was recent and the rollback path was well understood. "
)


def document(index: int, rng: random.Random) -> str:
    """One post-mortem as Markdown text."""
    service = rng.choice(SERVICES)
    symptom = rng.choice(SYMPTOMS)
    cause = rng.choice(CAUSES)
    start = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 3_000_000))
    severity = rng.choice(["SEV1", "SEV2", "SEV2", "SEV3", "SEV3", "SEV3"])
    title = f"{service} {symptom} (#{index})"
    lines: list[str] = []
    if rng.random() < 0.7:
        tags = rng.sample(TAGS, 2)
        lines += [
            "---",
            f"id: bench-{index:06d}",
            f"title: {title!r}",
            f"severity: {severity}",
            f"started_at: {start.isoformat()}",
            f"tags: [{', '.join(tags)}]",
            f"services: [{service}]",
            f"authors: [{rng.choice(PEOPLE)}]",
            "---",
            "",
        ]
    lines += [f"# {title}", "", "## Summary", ""]
    lines += [f"On {start:%d %B %Y}, {service} {symptom}. The trigger was that {cause}.", ""]
    lines += [FILLER * rng.randint(2, 4), "", "## Impact", ""]
    lines += [
        f"- {rng.randint(2, 90)}% of requests to {service} failed for {rng.randint(5, 240)} minutes.",
        f"- About {rng.randint(100, 90_000):,} customers were affected.",
        "",
        "## Timeline",
        "",
        "All times in UTC.",
        "",
        "| Time | Event | Actor |",
        "| --- | --- | --- |",
    ]
    at = start - timedelta(minutes=rng.randint(5, 60))
    for step in range(rng.randint(8, 20)):
        at += timedelta(minutes=rng.randint(1, 25))
        actor = rng.choice(PEOPLE) if rng.random() < 0.5 else ""
        event = rng.choice(
            [
                f"Deploy of {service} started by the release pipeline",
                f"Alert {service.title().replace('-', '')}ErrorRate fires",
                "Incident declared and an incident commander assigned",
                f"Dashboards show {symptom}",
                "Rollback started",
                "Error rate back to baseline",
                "Status page updated for customers",
                f"Step {step}: investigating logs of {service}",
            ]
        )
        lines.append(f"| {at:%Y-%m-%d %H:%M} | {event} | {actor} |")
    lines += ["", "## Root Causes", "", f"The root cause was that {cause}.", "", FILLER, ""]
    lines += ["## Contributing Factors", ""]
    lines += [f"- {rng.choice(CAUSES).capitalize()}." for _ in range(rng.randint(2, 4))]
    lines += [
        "",
        "## What Went Well",
        "",
        "- The alert fired quickly.",
        "- The runbook was current.",
    ]
    lines += ["", "## Lessons Learned", "", FILLER * rng.randint(1, 3), "", "## Action Items", ""]
    if rng.random() < 0.6:
        lines += ["| Action | Owner | Priority | Due | Status |", "| --- | --- | --- | --- | --- |"]
        for action in rng.sample(ACTIONS, rng.randint(2, 6)):
            due = (start + timedelta(days=rng.randint(7, 90))).date()
            status = rng.choice(["open", "in progress", "completed"])
            owner = rng.choice(PEOPLE + TEAMS)
            lines.append(f"| {action} | {owner} | P{rng.randint(0, 2)} | {due} | {status} |")
    else:
        for action in rng.sample(ACTIONS, rng.randint(2, 6)):
            box = "x" if rng.random() < 0.4 else " "
            lines.append(f"- [{box}] {action} (owner: {rng.choice(TEAMS)}, P{rng.randint(0, 2)})")
    return "\n".join(lines) + "\n"


def documents(count: int, seed: int = 7) -> Iterator[tuple[str, str]]:
    """(file name, Markdown) pairs."""
    rng = random.Random(seed)
    for index in range(count):
        yield f"pm-{index:06d}.md", document(index, rng)


def write_corpus(folder: Path, count: int, seed: int = 7) -> list[Path]:
    """Write ``count`` documents into ``folder`` and return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in documents(count, seed):
        path = folder / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
