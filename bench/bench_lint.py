"""Benchmark of ``kintsugi lint``: throughput, start-up time, precision and recall.

Throughput: lint a Markdown corpus generated at run time (>= 50 MB, ~5 MB with
``quick``) of realistic post-mortems (prose, timelines, code, quotes, links, a few blameful
sentences) and compare MB/s with an anchor measured in the same run: one compiled
regular expression of the rule words scanned over the same text. Both are timed in CPU
seconds of this process (one core), so other work on the machine does not skew them.

Quality: precision and recall on tests/language/eval_set.jsonl and on the dev and frozen
test splits of tests/language/blame_set/ (target 0.9 each). The splits' real sentences are
read from the corpus (``KINTSUGI_CORPUS``, by default ../shared/corpus); without it the
rows say so and count the written sentences only.
"""

from __future__ import annotations

import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from kintsugi.language.evaluation import evaluate, load_samples, load_split
from kintsugi.language.linter import Linter
from kintsugi.language.rules import default_rules

ROOT = Path(__file__).resolve().parents[1]
EVAL_SET = ROOT / "tests" / "language" / "eval_set.jsonl"
SPLITS = ROOT / "tests" / "language" / "blame_set"
TARGET_MB_PER_S = 2.0
TARGET_STARTUP_S = 0.5
TARGET_QUALITY = 0.9

SERVICES = [
    "checkout",
    "payments",
    "search",
    "ingestion",
    "auth",
    "billing",
    "notifications",
    "feature-flags",
    "api-gateway",
    "image-resizer",
]
PEOPLE = ["Alice", "Bob", "Priya", "Wei", "Maria", "Tom", "Sam", "Lee", "Ana", "Omar"]
ROLES = [
    "the on-call engineer",
    "the incident commander",
    "an engineer",
    "the database team",
    "the platform team",
    "a developer",
    "the support engineer",
]
PLAIN = [
    "At {t} UTC the p99 latency of {svc} rose from 120 ms to {n}00 ms.",
    "{person} acknowledged the page at {t} and started investigating.",
    "The deploy of {svc} version 1.{n}.0 started at {t}.",
    "Customers saw elevated latency for about {n} minutes.",
    "{person} and {person2} rebuilt the index overnight.",
    "The incident was declared at {t} and the status page was updated.",
    "Traffic was shifted to the secondary region at {t}.",
    "The database CPU reached {n}% during the backfill.",
    "We are adding a confirmation prompt to the deploy tool for production targets.",
    "The connection pool of {svc} was exhausted because each worker opened {n} connections.",
    "Kafka consumer lag for the {svc} topic grew to {n} million messages.",
    "The new node pool came up at {t} with {n} nodes.",
    "The {svc} team joined the incident channel at {t}.",
    "Once the configuration was reverted, error budgets stopped burning.",
    "All times in this document are in UTC.",
    "The change added a new index on the events table.",
    "Support opened {n} tickets with affected customers.",
    "We rolled forward with a patch at {t}, and the service recovered by {t}.",
    "The autoscaler added {n} instances within five minutes.",
    "Disk usage on the primary grew by {n} GB per hour.",
    "The load balancer marked {n} targets as unhealthy.",
    "Requests were retried with exponential backoff.",
    "The backlog drained by {t} and all delayed events were processed.",
    "We will review the alert thresholds for {svc} next sprint.",
    "The root cause was a missing index on the events table.",
    "A canary stage would have caught this within minutes.",
    "The incident commander assigned owners for each follow-up item.",
    "Metrics from the {svc} exporter were delayed by {n} minutes.",
    "The release train for {svc} was paused until the fix was verified.",
    "Engineers from three teams worked in shifts over the weekend.",
]
NEUTRAL = [
    "At {t} UTC the error rate for {svc} rose above {n}% and the alert fired.",
    "{person} acknowledged the page at {t} and started investigating.",
    "{role} rolled back the release at {t}, and error rates returned to normal.",
    "The deploy of {svc} version 1.{n}.0 started at {t}.",
    "Requests to {svc} failed to complete within the {n} second timeout.",
    "The health check missed {n} heartbeats and the instance was removed from the pool.",
    "We did not have alerting on queue depth for {svc}.",
    "The connection pool of {svc} was exhausted because each worker opened {n} connections.",
    "The monitoring failed to alert because the rule evaluated a metric that no longer existed.",
    "{person} and {person2} rebuilt the index overnight.",
    "Customers saw elevated latency for about {n} minutes.",
    "The runbook did not mention that the replica must be promoted first.",
    "The change should have a manual approval step before it reaches production.",
    "A canary stage would have caught this within minutes.",
    "This could have been much worse had the backups not been in place.",
    "The scheduler ignored the node affinity rules after the upgrade.",
    "Logs were not shipped because the agent pointed at the wrong account.",
    "Why didn't the alert fire when the disk reached {n}%?",
    "The root cause was a missing index on the events table.",
    "We are adding a confirmation prompt to the deploy tool for production targets.",
    "The cache did not expire keys as expected, so stale flags were served.",
    "Kubernetes failed to schedule the pods because the nodes were full.",
    "The team decided to fail over to the secondary region at {t}.",
    "We simply restarted the pods and the service recovered.",
    "No data was lost, and all delayed events were processed by {t}.",
]
BLAMEFUL = [
    "{person} deployed the wrong version of {svc}.",
    "{role} forgot to renew the certificate for {svc}.",
    "The root cause was human error.",
    "{role} should have checked the dashboard before deploying.",
    "Engineers should be more careful when editing the {svc} config.",
    "Why didn't {person} check the logs?",
    "The fix was obviously to roll back.",
    "{person} accidentally deleted the {svc} database.",
]
ACTIONS = [
    "Add alerting on {svc} queue depth",
    "Automate certificate renewal for {svc}",
    "Add a staged rollout to the {svc} deploy pipeline",
    "Document the failover procedure for {svc}",
    "Remember to rotate the {svc} API keys",
]


def _fill(template: str, rng: random.Random) -> str:
    return template.format(
        t=f"{rng.randrange(24):02d}:{rng.randrange(60):02d}",
        svc=rng.choice(SERVICES),
        n=rng.randrange(2, 99),
        person=rng.choice(PEOPLE),
        person2=rng.choice(PEOPLE),
        role=rng.choice(ROLES).capitalize() if template.startswith("{role}") else "",
    ).replace("  ", " ")


def _paragraph(rng: random.Random) -> str:
    sentences = []
    for _ in range(rng.randrange(3, 8)):
        draw = rng.random()
        pool = BLAMEFUL if draw < 0.02 else NEUTRAL if draw < 0.25 else PLAIN
        sentences.append(_fill(rng.choice(pool), rng))
    return " ".join(sentences)


def _document(number: int, rng: random.Random) -> str:
    svc = rng.choice(SERVICES)
    parts = [
        f"---\ntitle: {svc} outage {number}\nauthors: [{rng.choice(PEOPLE)}]\n"
        f"services: [{svc}]\n---\n",
        f"# {svc.capitalize()} outage {number}\n",
        "## Summary\n",
        _paragraph(rng),
        "\n## Timeline\n\n| Time (UTC) | Event |\n|---|---|",
    ]
    for _ in range(rng.randrange(5, 12)):
        event = _fill(rng.choice(NEUTRAL if rng.random() < 0.2 else PLAIN), rng)
        parts.append(f"| {rng.randrange(24):02d}:{rng.randrange(60):02d} | {event} |")
    parts += [
        "\n## Root cause\n",
        _paragraph(rng),
        "",
        _paragraph(rng),
        "\n```sh\nkubectl -n prod rollout undo deployment/"
        + svc
        + "\n# forgot? human error?\n```\n",
        '> "Who made the mistake?" was the first question in the channel.\n',
        "See [the dashboard](https://grafana.example.com/d/abc?var=human-error) and `forgot`.\n",
        "## Action items\n",
    ]
    parts += [f"- [ ] {_fill(rng.choice(ACTIONS), rng)}" for _ in range(rng.randrange(2, 6))]
    return "\n".join(parts) + "\n"


def generate_corpus(directory: Path, megabytes: float, seed: int = 7) -> list[Path]:
    """Write realistic post-mortems into ``directory`` until ``megabytes`` are written."""
    rng = random.Random(seed)
    target = int(megabytes * 1_000_000)
    written, number = 0, 0
    paths: list[Path] = []
    batch: list[str] = []
    while written < target:
        doc = _document(number, rng)
        batch.append(doc)
        written += len(doc.encode("utf-8"))
        number += 1
        if len(batch) == 200 or written >= target:
            path = directory / f"postmortems-{len(paths):04d}.md"
            path.write_text("\n\n".join(batch), encoding="utf-8")
            paths.append(path)
            batch = []
    return paths


def _throughput(texts: list[str], megabytes: float) -> tuple[float, float, int, int]:
    rules = default_rules()
    anchor = re.compile(rules.anchor_pattern(), re.IGNORECASE)
    # CPU time of this process: one core, and fair on a machine shared with other work
    started = time.process_time()
    anchor_hits = sum(1 for text in texts for _ in anchor.finditer(text))
    anchor_seconds = time.process_time() - started
    linter = Linter(rules)
    started = time.process_time()
    findings = sum(len(linter.lint(text, file=str(i))) for i, text in enumerate(texts))
    lint_seconds = time.process_time() - started
    return megabytes / lint_seconds, megabytes / anchor_seconds, findings, anchor_hits


def _run_time(command: list[str], repeat: int = 3) -> tuple[float, float]:
    """Best wall-clock and CPU seconds (user + system) of a command over ``repeat`` runs."""
    best_wall = best_cpu = float("inf")
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best_wall, best_cpu = min(best_wall, wall), min(best_cpu, cpu)
    return best_wall, best_cpu


def _row(
    name: str,
    value: float,
    unit: str,
    anchor: str,
    anchor_value: float,
    target: float,
    *,
    higher_is_better: bool = True,
) -> dict[str, Any]:
    ratio = value / anchor_value if anchor_value else 0.0
    return {
        "name": name,
        "value": round(value, 4),
        "unit": unit,
        "anchor": anchor,
        "anchor_value": round(anchor_value, 4),
        "ratio": round(ratio, 4),
        "target": f">= {target}" if higher_is_better else f"< {target}",
    }


def run(quick: bool) -> list[dict[str, Any]]:
    """Benchmark rows (see the module docstring)."""
    megabytes_wanted = 5.0 if quick else 50.0
    rows = []
    with tempfile.TemporaryDirectory(prefix="kintsugi-bench-lint-") as tmp:
        paths = generate_corpus(Path(tmp), megabytes_wanted)
        texts = [path.read_text(encoding="utf-8") for path in paths]
        megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1_000_000
        speed, anchor_speed, findings, hits = _throughput(texts, megabytes)
        rows.append(
            _row(
                f"lint throughput ({megabytes:.0f} MB, {findings} findings)",
                speed,
                "MB/s",
                f"one regex of the rule words ({hits} hits)",
                anchor_speed,
                TARGET_MB_PER_S,
            )
        )
        one_file = Path(tmp) / "one.md"
        one_file.write_text(texts[0][:20_000], encoding="utf-8")
        _, python_only = _run_time([sys.executable, "-c", "pass"])
        wall, cpu = _run_time(
            [sys.executable, "-c", "from kintsugi.language.cli import main; main()", str(one_file)]
        )
        rows.append(
            _row(
                f"lint one file, CPU s (wall {wall:.2f} s)",
                cpu,
                "s",
                "python -c pass",
                python_only,
                TARGET_STARTUP_S,
                higher_is_better=False,
            )
        )
        console = Path(sys.executable).with_name("kintsugi")
        if console.exists():
            wall, cpu = _run_time([str(console), "lint", str(one_file)])
            rows.append(
                _row(
                    f"kintsugi lint one file via the root CLI, CPU s (wall {wall:.2f} s)",
                    cpu,
                    "s",
                    "python -c pass",
                    python_only,
                    TARGET_STARTUP_S,
                    higher_is_better=False,
                )
            )
    samples = load_samples(EVAL_SET, _corpus())
    scores = evaluate(samples)
    size = len(samples)
    note = "" if _corpus() else ", written only: no corpus"
    for name, value in (("precision", scores.precision), ("recall", scores.recall)):
        rows.append(
            _row(
                f"eval set {name} ({size} sentences{note})",
                value,
                "ratio",
                "target",
                TARGET_QUALITY,
                TARGET_QUALITY,
            )
        )
    rows += _split_rows()
    return rows


def _corpus() -> Path | None:
    setting = os.environ.get("KINTSUGI_CORPUS")
    path = Path(setting) if setting else ROOT.parent / "shared" / "corpus"
    return path if path.is_dir() else None


def _split_rows() -> list[dict[str, Any]]:
    """Precision and recall on the dev and frozen test splits."""
    corpus = _corpus()
    rows = []
    for name in ("test", "dev"):
        split = load_split(SPLITS / f"{name}.jsonl", corpus)
        scores = evaluate(split.samples)
        size = len(split.samples)
        note = "" if corpus else ", written only: no corpus"
        for measure, value in (("precision", scores.precision), ("recall", scores.recall)):
            rows.append(
                _row(
                    f"{name} split {measure} ({size} sentences{note})",
                    value,
                    "ratio",
                    "target",
                    TARGET_QUALITY,
                    TARGET_QUALITY,
                )
            )
    return rows


if __name__ == "__main__":  # pragma: no cover
    quick = "--quick" in sys.argv
    for row in run(quick):
        print(row)
