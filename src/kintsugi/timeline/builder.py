"""Build one incident timeline from several sources: parse specs, pick the window, fetch, merge.

A source that fails (down, slow, rate-limited past its patience, bad token, garbage) is
reported in ``BuildResult.failures`` and the timeline is built from the others.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import TypeAdapter

from kintsugi.core.errors import ConfigurationError, InputError, KintsugiError
from kintsugi.core.limits import Deadline
from kintsugi.core.types import utcnow
from kintsugi.timeline.durations import Durations, changes_before_detection, compute_durations
from kintsugi.timeline.events import Event
from kintsugi.timeline.merge import DEFAULT_FOLD_WINDOW, merge_lists
from kintsugi.timeline.secrets import redact
from kintsugi.timeline.sources.alertmanager import AlertmanagerSource
from kintsugi.timeline.sources.base import (
    IncidentTimes,
    RetryPolicy,
    Source,
    SourceError,
    TimelineOutOfTimeError,
    Window,
    out_of_time,
)
from kintsugi.timeline.sources.file import FileSource
from kintsugi.timeline.sources.github import GitHubSource
from kintsugi.timeline.sources.incidentio import IncidentIoSource
from kintsugi.timeline.sources.opsgenie import OpsgenieSource
from kintsugi.timeline.sources.pagerduty import PagerDutySource
from kintsugi.timeline.sources.prometheus import PrometheusSource
from kintsugi.timeline.sources.slack import SlackSource

DEFAULT_LEAD = timedelta(hours=6)
"""How long before the incident's start the default window opens (to show the changes)."""
DEFAULT_TAIL = timedelta(hours=1)
"""How long after the incident's resolution the default window closes."""

SPEC_HELP = (
    "incidentio:ID, pagerduty:ID, opsgenie:ALERT-ID, github:OWNER/REPO[@ENVIRONMENT], "
    "prometheus[:{SELECTOR}], alertmanager[:{SELECTOR}], slack:CHANNEL-ID, file:PATH"
)
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$")
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_CHANNEL = re.compile(r"^[CGD][A-Z0-9]{2,}$")


@dataclass(frozen=True, slots=True)
class SourceFailure:
    """A source that gave nothing, and why."""

    source: str
    message: str

    def to_json(self) -> dict[str, str]:
        data: dict[str, str] = _FAILURE_WIRE.dump_python(self, mode="json")
        return data


@dataclass
class BuildResult:
    """The merged timeline and what was computed from it."""

    window: Window
    events: list[Event]
    failures: list[SourceFailure] = field(default_factory=list)
    durations: Durations = field(default_factory=Durations)
    changes_before_detection: list[Event] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = _RESULT_WIRE.dump_python(self, mode="json")
        return data


_FAILURE_WIRE = TypeAdapter(SourceFailure)
_RESULT_WIRE = TypeAdapter(BuildResult)


# ----------------------------------------------------------------------------- specs


def parse_source(
    spec: str, *, env: Mapping[str, str] | None = None, retry: RetryPolicy | None = None
) -> Source:
    """A source from its spec ("pagerduty:Q1ABC", "github:owner/repo@production"...).

    Raises InputError naming the spec when it is malformed.
    """
    text = spec.strip()
    kind, _, arg = text.partition(":")
    kind = kind.lower()
    arg = arg.strip()
    http: dict[str, Any] = {"env": env, "retry": retry}

    def need(pattern: re.Pattern[str], what: str) -> str:
        if not arg:
            raise InputError(f"{spec!r}: give the {what} after '{kind}:'", field="source")
        if not pattern.match(arg):
            raise InputError(f"{spec!r}: {arg!r} is not a valid {what}", field="source")
        return arg

    if kind == "incidentio":
        return IncidentIoSource(text, need(_ID, "incident id"), **http)
    if kind == "pagerduty":
        return PagerDutySource(text, need(_ID, "incident id"), **http)
    if kind == "opsgenie":
        return OpsgenieSource(text, need(_ID, "alert id"), **http)
    if kind == "github":
        repo, _, environment = need(re.compile(r".+"), "repository").partition("@")
        if not _REPO.match(repo):
            raise InputError(f"{spec!r}: write the repository as owner/repo", field="source")
        return GitHubSource(text, repo, environment or None, **http)
    if kind == "prometheus":
        return PrometheusSource(text, arg or None, **http)
    if kind == "alertmanager":
        return AlertmanagerSource(text, arg or None, **http)
    if kind == "slack":
        return SlackSource(text, need(_CHANNEL, "channel id (like C0123ABCD)"), **http)
    if kind == "file":
        if not arg:
            raise InputError(f"{spec!r}: give the file after 'file:'", field="source")
        return FileSource(text, arg)
    raise InputError(f"{spec!r} is not a source; sources are {SPEC_HELP}", field="source")


def parse_sources(
    specs: Iterable[str], *, env: Mapping[str, str] | None = None, retry: RetryPolicy | None = None
) -> list[Source]:
    """Sources from specs; InputError for a malformed or repeated spec."""
    sources: list[Source] = []
    seen: set[str] = set()
    for spec in specs:
        source = parse_source(spec, env=env, retry=retry)
        if source.spec in seen:
            raise InputError(f"{spec!r} is given twice", field="source")
        seen.add(source.spec)
        sources.append(source)
    if not sources:
        raise InputError(f"give at least one --source ({SPEC_HELP})", field="source")
    return sources


# ----------------------------------------------------------------------------- window


def resolve_window(
    sources: Sequence[Source],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    fallback: IncidentTimes | None = None,
    lead: timedelta = DEFAULT_LEAD,
    tail: timedelta = DEFAULT_TAIL,
    now: datetime | None = None,
) -> tuple[Window, IncidentTimes | None, list[SourceFailure]]:
    """The window to fetch: ``since``/``until`` when given, else the incident's own times.

    The incident's times come from incident.io or PagerDuty sources, else from ``fallback``
    (the document's). The window opens ``lead`` before the start (so that the changes before
    the incident show) and closes ``tail`` after the resolution, or now while unresolved.
    Returns (window, incident times, failures of incident sources).
    """
    now = now or utcnow()
    failures: list[SourceFailure] = []
    refused: list[SourceFailure] = []
    times: IncidentTimes | None = None
    if since is None or until is None:
        found: list[IncidentTimes] = []
        for source in sources:
            try:
                source.check_time("reading the incident's times from")
                got = source.incident_times()
            except TimelineOutOfTimeError:
                raise
            except Exception as exc:  # one failing source must not stop the others
                failures.append(failure_of(source, exc, secrets_of(sources)))
                if isinstance(exc, SourceError) and exc.variable and _refused(exc):
                    refused.append(failures[-1])
                continue
            if got is not None:
                found.append(got)
        times = _combine(found) or fallback
    if since is None:
        start = times.first if times else None
        if start is None and refused:  # the real cause, not the start time it hid
            raise ConfigurationError("; ".join(f.message for f in refused))
        if start is None:
            raise InputError(
                "cannot tell when the incident started: give --since (and --until), or an "
                "incident.io or PagerDuty source, or set the document's start time",
                field="since",
            )
        since = start - lead
    if until is None:
        resolved = times.resolved_at if times else None
        until = min(resolved + tail, now) if resolved else now
    if since >= until:
        raise InputError(
            f"the window is empty: since {since.isoformat()} is not before until "
            f"{until.isoformat()}",
            field="since",
        )
    return Window(since, until), times, failures


def _refused(exc: SourceError) -> bool:
    """Whether the source failed for want of a valid credential (refused, or not set)."""
    return any(sign in exc.reason for sign in ("HTTP 401", "HTTP 403", "is not set"))


def _combine(found: list[IncidentTimes]) -> IncidentTimes | None:
    if not found:
        return None

    def earliest(values: Iterable[datetime | None]) -> datetime | None:
        known = [v for v in values if v is not None]
        return min(known) if known else None

    resolved = [t.resolved_at for t in found]
    return IncidentTimes(
        source=", ".join(t.source for t in found),
        started_at=earliest(t.started_at for t in found),
        detected_at=earliest(t.detected_at for t in found),
        resolved_at=None if None in resolved else max(r for r in resolved if r is not None),
        title=next((t.title for t in found if t.title), None),
    )


# ----------------------------------------------------------------------------- build


def secrets_of(sources: Iterable[Source]) -> list[str]:
    """Every secret value the sources use."""
    return [s for source in sources for s in source.secrets()]


def failure_of(source: Source, exc: BaseException, secrets: Sequence[str]) -> SourceFailure:
    """A failure record with a clear, secret-free message."""
    if isinstance(exc, KintsugiError):
        message = str(exc)
        if not message.startswith(source.spec):
            message = f"{source.spec}: {message}"
        return SourceFailure(source.spec, redact(message, secrets))
    said = redact(str(exc), secrets)[:200]  # redacted before it is cut short
    if isinstance(exc, KeyError | TypeError | ValueError | AttributeError | IndexError):
        message = (
            f"{source.spec}: answered data of an unexpected shape ({type(exc).__name__}: {said})"
        )
    else:
        message = f"{source.spec}: failed ({type(exc).__name__}: {said})"
    return SourceFailure(source.spec, redact(message, secrets))


def collect(source: Source, window: Window, secrets: Sequence[str]) -> list[Event]:
    """All of one source's events in ``window``, redacted and in time order."""
    events: list[Event] = []
    for event in source.events(window):
        source.check_time("reading the events of")
        event.title = redact(event.title, secrets)
        if event.detail:
            event.detail = redact(event.detail, secrets)
        if event.link:
            event.link = redact(event.link, secrets)
        if event.actor:
            event.actor = redact(event.actor, secrets)
        events.append(event)
    if not source.ordered:
        events.sort(key=lambda e: e.at)
    return events


def build(
    sources: Sequence[Source],
    window: Window,
    *,
    incident: IncidentTimes | None = None,
    fold_window: timedelta = DEFAULT_FOLD_WINDOW,
    workers: int = 4,
    skip: Iterable[str] = (),
    on_source_done: Callable[[str], None] | None = None,
    deadline: Deadline | None = None,
) -> BuildResult:
    """Fetch every source (a few at a time), merge, and compute durations and changes.

    ``incident`` (the incident's or document's own times) fills milestones the events lack;
    sources whose spec is in ``skip`` (already failed) are not fetched. Past ``deadline``
    (checked before each request, event and step) raises TimelineOutOfTimeError.
    """
    secrets = secrets_of(sources)
    skipped = set(skip)
    active = [s for s in sources if s.spec not in skipped]
    for source in active:
        source.deadline = deadline
    outcomes: dict[str, list[Event] | SourceFailure] = {}

    def run(source: Source) -> tuple[str, list[Event] | SourceFailure]:
        try:
            return source.spec, collect(source, window, secrets)
        except TimelineOutOfTimeError:
            raise  # the whole build stops: a partial timeline would look complete
        except Exception as exc:  # reported, never raised: the other sources still count
            return source.spec, failure_of(source, exc, secrets)
        finally:
            source.close()

    pool = ThreadPoolExecutor(max_workers=max(1, min(workers, len(active) or 1)))
    try:
        for spec, outcome in pool.map(run, active):
            outcomes[spec] = outcome
            if on_source_done:
                on_source_done(spec)
    finally:
        # on an error the others stop at their next check; nobody waits for them
        pool.shutdown(wait=False, cancel_futures=True)
    if deadline is not None and deadline.expired():
        raise out_of_time(deadline, "merging the events")

    streams: list[list[Event]] = []
    failures: list[SourceFailure] = []
    counts: dict[str, int] = {}
    for source in active:
        outcome = outcomes[source.spec]
        if isinstance(outcome, SourceFailure):
            failures.append(outcome)
        else:
            streams.append(outcome)
            counts[source.spec] = len(outcome)
    events = merge_lists(streams, fold_window=fold_window)
    durations = compute_durations(
        events,
        started_at=incident.started_at if incident else None,
        detected_at=incident.detected_at if incident else None,
        resolved_at=incident.resolved_at if incident else None,
    )
    return BuildResult(
        window=window,
        events=events,
        failures=failures,
        durations=durations,
        changes_before_detection=changes_before_detection(events, durations.detected_at),
        counts=counts,
    )


def build_for_incident(
    sources: Sequence[Source],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    document: IncidentTimes | None = None,
    fold_window: timedelta = DEFAULT_FOLD_WINDOW,
    on_source_done: Callable[[str], None] | None = None,
    deadline: Deadline | None = None,
) -> BuildResult:
    """Pick the window (``resolve_window``), fetch, merge: the whole build in one call.

    ``document`` carries the post-mortem's own times, used when no incident source gives them
    and to fill milestones the events lack. ``deadline``: the build's time budget.
    """
    for source in sources:
        source.deadline = deadline
    window, incident, early = resolve_window(sources, since=since, until=until, fallback=document)
    result = build(
        sources,
        window,
        incident=incident or document,
        fold_window=fold_window,
        skip=[f.source for f in early],
        on_source_done=on_source_done,
        deadline=deadline,
    )
    result.failures[:0] = early
    return result
