"""Opsgenie: one alert and its activity log.

``GET /v2/alerts/{id}`` and ``/v2/alerts/{id}/logs`` (``order=asc``, following ``paging.next``),
``Authorization: GenieKey $OPSGENIE_API_KEY``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from kintsugi.timeline.events import AlertKey, Event, Kind, parse_time
from kintsugi.timeline.sources.base import HttpSource, Window, field_of, list_of, text_of

PAGE_SIZE = 100

_LOG_KINDS: tuple[tuple[re.Pattern[str], Kind | None], ...] = (
    (re.compile(r"\bnotification\b|\bnotified\b|\bsent\b.*\bto\b", re.I), None),  # pager noise
    (re.compile(r"\bcreated\b", re.I), None),  # the alert's own event covers creation
    (re.compile(r"\bunacknowledg", re.I), Kind.STATUS_CHANGE),
    (re.compile(r"\backnowledg", re.I), Kind.ACKNOWLEDGE),
    (re.compile(r"\bclosed?\b", re.I), Kind.ALERT_RESOLVED),
    (re.compile(r"\bescalat", re.I), Kind.ESCALATE),
    (re.compile(r"\bnote\b", re.I), Kind.NOTE),
    (re.compile(r"\bassign|\bowner\b", re.I), Kind.ASSIGN),
    (re.compile(r"\bsnooz|\bpriority\b", re.I), Kind.STATUS_CHANGE),
)


def log_kind(text: str) -> Kind | None:
    """The kind of an alert log line; None for lines a timeline leaves out."""
    for pattern, kind in _LOG_KINDS:
        if pattern.search(text):
            return kind
    return Kind.OTHER


class OpsgenieSource(HttpSource):
    name = "opsgenie"
    url_variable = "OPSGENIE_API_URL"
    default_url = "https://api.opsgenie.com"
    token_variable = "OPSGENIE_API_KEY"

    def __init__(self, spec: str, alert_id: str, **kwargs: Any) -> None:
        super().__init__(spec, **kwargs)
        self.alert_id = alert_id

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"GenieKey {self.token}"} if self.token else {}

    def events(self, window: Window) -> Iterator[Event]:
        self.require_token()
        data = self.get_json(f"/v2/alerts/{self.alert_id}", {"identifierType": "id"})
        alert = field_of(data, "data")
        if not isinstance(alert, dict):
            raise self.error("answered JSON without the expected 'data' object")
        message = text_of(alert, "message")
        key = AlertKey.of(message) if message else None
        created = parse_time(alert["createdAt"])
        if created in window:
            yield Event(
                at=created,
                source=self.name,
                source_id=f"{self.alert_id}/created",
                kind=Kind.ALERT,
                title=f"Alert created: {message}" if message else "Alert created",
                detail=text_of(alert, "description"),
                actor=text_of(alert, "source") or None,
                alert=key,
            )
        yield from self._logs(window, message, key)

    def _logs(self, window: Window, message: str, key: AlertKey | None) -> Iterator[Event]:
        params: dict[str, Any] | None = {
            "identifierType": "id",
            "order": "asc",
            "direction": "next",
            "limit": PAGE_SIZE,
        }
        url = f"/v2/alerts/{self.alert_id}/logs"
        seen: set[str] = set()
        while True:
            data = self.get_json(url, params)
            for item in list_of(self, data, "data"):
                event = self._log_event(item, message, key)
                if event is not None and event.at in window:
                    yield event
            next_url = field_of(data, "paging", "next")
            if not isinstance(next_url, str) or not next_url:
                return
            if next_url in seen:
                raise self.error("log pagination repeats the same next page")
            seen.add(next_url)
            url, params = self.follow(next_url), None

    def _log_event(self, item: Any, message: str, key: AlertKey | None) -> Event | None:
        if not isinstance(item, dict) or not item.get("createdAt"):
            return None
        text = text_of(item, "log")
        kind = log_kind(text)
        if kind is None:
            return None
        offset = text_of(item, "offset") or text_of(item, "createdAt")
        return Event(
            at=parse_time(item["createdAt"]),
            source=self.name,
            source_id=f"{self.alert_id}/log/{offset}",
            kind=kind,
            title=text or kind.value,
            detail=message,
            actor=text_of(item, "owner") or None,
            alert=key if kind == Kind.ALERT_RESOLVED else None,
        )
