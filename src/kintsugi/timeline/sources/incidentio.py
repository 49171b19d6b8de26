"""incident.io (API v2): the incident's lifecycle times, its updates and its timeline items.

``GET /v2/incidents/{id}``, ``/v2/incident_updates?incident_id=`` and
``/v2/incident_timeline_items?incident_id=``, ``Authorization: Bearer $INCIDENTIO_API_KEY``,
cursor pagination (``page_size``/``after``, ``pagination_meta.after``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from kintsugi.timeline.events import Event, Kind, parse_time
from kintsugi.timeline.sources.base import (
    HttpSource,
    IncidentTimes,
    SourceError,
    Window,
    field_of,
    list_of,
    text_of,
)

PAGE_SIZE = 100

# Timestamp names are chosen by each organisation: match their meaning, not fixed keys.
_TIMESTAMP_KINDS: tuple[tuple[re.Pattern[str], Kind], ...] = (
    (re.compile(r"impact", re.I), Kind.IMPACT_START),
    (re.compile(r"acknowledg|accepted", re.I), Kind.ACKNOWLEDGE),
    (re.compile(r"mitigat|stabili[sz]|fixed|contained", re.I), Kind.MITIGATE),
    (re.compile(r"resolv|closed|ended|recovered", re.I), Kind.RESOLVE),
    (re.compile(r"report|detect|declar|creat|triggered|noticed", re.I), Kind.DETECT),
    (re.compile(r"start|began|begin", re.I), Kind.IMPACT_START),
)


def timestamp_kind(name: str) -> Kind:
    """What an incident timestamp means, from the name the organisation gave it."""
    for pattern, kind in _TIMESTAMP_KINDS:
        if pattern.search(name):
            return kind
    return Kind.MILESTONE


class IncidentIoSource(HttpSource):
    name = "incidentio"
    url_variable = "INCIDENTIO_API_URL"
    default_url = "https://api.incident.io"
    token_variable = "INCIDENTIO_API_KEY"

    def __init__(self, spec: str, incident_id: str, **kwargs: Any) -> None:
        super().__init__(spec, **kwargs)
        self.incident_id = incident_id
        self._incident: dict[str, Any] | None = None

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def incident(self) -> dict[str, Any]:
        """The incident (fetched once)."""
        if self._incident is None:
            self.require_token()
            data = self.get_json(f"/v2/incidents/{self.incident_id}")
            incident = field_of(data, "incident")
            if not isinstance(incident, dict):
                raise self.error("answered JSON without the expected 'incident' object")
            self._incident = incident
        return self._incident

    def incident_times(self) -> IncidentTimes | None:
        incident = self.incident()
        found: dict[Kind, Any] = {}
        for name, at, _id in self._timestamps(incident):
            kind = timestamp_kind(name)
            if kind not in found or at < found[kind]:
                found[kind] = at
        created = _time_or_none(incident.get("created_at"))
        return IncidentTimes(
            source=self.spec,
            started_at=found.get(Kind.IMPACT_START),
            detected_at=found.get(Kind.DETECT) or created,
            resolved_at=found.get(Kind.RESOLVE),
            title=_incident_title(incident),
        )

    def events(self, window: Window) -> Iterator[Event]:
        incident = self.incident()
        link = text_of(incident, "permalink") or None
        title = _incident_title(incident)
        for name, at, ts_id in self._timestamps(incident):
            if at in window:
                yield Event(
                    at=at,
                    source=self.name,
                    source_id=f"{self.incident_id}/timestamp/{ts_id or name}",
                    kind=timestamp_kind(name),
                    title=name,
                    detail=title,
                    link=link,
                )
        for update in self._paged("/v2/incident_updates", "incident_updates"):
            event = self._update_event(update, link)
            if event is not None and event.at in window:
                yield event
        yield from self._timeline_items(window, link)

    # ------------------------------------------------------------------ details

    def _timestamps(self, incident: dict[str, Any]) -> Iterator[tuple[str, Any, str]]:
        values = incident.get("incident_timestamp_values") or []
        if not isinstance(values, list):
            raise self.error("answered an incident whose incident_timestamp_values is not a list")
        for item in values:
            name = text_of(item, "incident_timestamp", "name")
            raw = field_of(item, "value", "value")
            if not name or not raw:
                continue  # a timestamp the incident has not reached
            yield name, parse_time(raw), text_of(item, "incident_timestamp", "id")

    def _paged(self, path: str, key: str) -> Iterator[dict[str, Any]]:
        after: str | None = None
        seen: set[str] = set()
        while True:
            params = {"incident_id": self.incident_id, "page_size": PAGE_SIZE, "after": after}
            data = self.get_json(path, params)
            for item in list_of(self, data, key):
                if isinstance(item, dict):
                    yield item
            after = field_of(data, "pagination_meta", "after") or None
            if not after:
                return
            if after in seen:
                raise self.error(f"pagination of {path} repeats the cursor {after!r}")
            seen.add(after)

    def _update_event(self, update: dict[str, Any], link: str | None) -> Event | None:
        raw = update.get("created_at")
        if not raw:
            return None
        status = text_of(update, "new_incident_status", "name")
        severity = text_of(update, "new_severity", "name")
        changes = [f"status {status}" if status else "", f"severity {severity}" if severity else ""]
        changed = ", ".join(c for c in changes if c)
        title = f"Update: {changed}" if changed else "Update"
        return Event(
            at=parse_time(raw),
            source=self.name,
            source_id=f"{self.incident_id}/update/{text_of(update, 'id')}",
            kind=Kind.STATUS_CHANGE if changed else Kind.NOTE,
            title=title,
            detail=text_of(update, "message"),
            actor=_actor(update.get("updater")),
            link=link,
        )

    def _timeline_items(self, window: Window, link: str | None) -> Iterator[Event]:
        try:
            for item in self._paged("/v2/incident_timeline_items", "incident_timeline_items"):
                raw = item.get("timestamp") or item.get("created_at")
                if not raw:
                    continue
                at = parse_time(raw)
                if at not in window:
                    continue
                yield Event(
                    at=at,
                    source=self.name,
                    source_id=f"{self.incident_id}/timeline_item/{text_of(item, 'id')}",
                    kind=Kind.NOTE,
                    title=text_of(item, "title") or "Timeline item",
                    detail=text_of(item, "description"),
                    actor=_actor(item.get("creator")),
                    link=link,
                )
        except SourceError as exc:
            if "HTTP 404" in exc.reason:
                return  # an installation without timeline items: nothing to add
            raise


def _incident_title(incident: dict[str, Any]) -> str:
    reference = text_of(incident, "reference")
    name = text_of(incident, "name")
    return f"{reference} {name}".strip()


def _actor(actor: Any) -> str | None:
    """ActorV2: a user (name, else email) or an API key (name)."""
    return (
        text_of(actor, "user", "name")
        or text_of(actor, "user", "email")
        or text_of(actor, "api_key", "name")
        or None
    )


def _time_or_none(value: Any) -> Any:
    try:
        return parse_time(value) if value else None
    except ValueError:
        return None
