"""Alertmanager (API v2): its alerts and silences.

``GET /api/v2/alerts`` (a bare array, optional ``filter`` matchers) and ``GET /api/v2/silences``.
Alertmanager keeps no history of resolved alerts, so this shows what it still holds; the
Prometheus source gives the history.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from kintsugi.core.errors import InputError
from kintsugi.timeline.events import AlertKey, Event, Kind, parse_time
from kintsugi.timeline.sources.base import HttpSource, Window, field_of, text_of

_MATCHER = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*')


def parse_matchers(selector: str | None) -> list[str]:
    """``{job="api",severity=~"page|crit"}`` as Alertmanager ``filter`` values."""
    if not selector or not selector.strip():
        return []
    text = selector.strip()
    if not (text.startswith("{") and text.endswith("}")):
        raise InputError(
            f'{selector!r} is not a label selector; write it like {{job="api"}}', field="source"
        )
    body = text[1:-1].strip().rstrip(",")
    matchers: list[str] = []
    position = 0
    while position < len(body):
        match = _MATCHER.match(body, position)
        if not match:
            raise InputError(f"cannot read the matcher at {body[position:]!r}", field="source")
        matchers.append(f'{match.group(1)}{match.group(2)}"{match.group(3)}"')
        position = match.end()
        if position < len(body):
            if body[position] != ",":
                raise InputError(f"expected ',' at {body[position:]!r}", field="source")
            position += 1
    return matchers


class AlertmanagerSource(HttpSource):
    name = "alertmanager"
    url_variable = "ALERTMANAGER_URL"
    default_url = "http://localhost:9093"

    def __init__(self, spec: str, selector: str | None = None, **kwargs: Any) -> None:
        super().__init__(spec, **kwargs)
        self.matchers = parse_matchers(selector)

    def events(self, window: Window) -> Iterator[Event]:
        now = datetime.now(UTC)
        params: dict[str, Any] = {"active": "true", "silenced": "true", "inhibited": "true"}
        if self.matchers:
            params["filter"] = self.matchers
        alerts = self.get_json("/api/v2/alerts", params)
        if not isinstance(alerts, list):
            raise self.error("answered JSON that is not a list of alerts")
        for alert in alerts:
            if isinstance(alert, dict):
                yield from self._alert_events(alert, window, now)
        del alerts
        silences = self.get_json("/api/v2/silences")
        if not isinstance(silences, list):
            raise self.error("answered JSON that is not a list of silences")
        for silence in silences:
            if isinstance(silence, dict):
                yield from self._silence_events(silence, window, now)

    def _alert_events(
        self, alert: dict[str, Any], window: Window, now: datetime
    ) -> Iterator[Event]:
        labels = alert.get("labels") if isinstance(alert.get("labels"), dict) else {}
        assert isinstance(labels, dict)
        labels = {str(k): str(v) for k, v in labels.items()}
        name = labels.get("alertname", "alert")
        key = AlertKey.of(name, labels)
        fingerprint = text_of(alert, "fingerprint")
        started = parse_time(alert["startsAt"])
        summary = text_of(alert, "annotations", "summary") or text_of(
            alert, "annotations", "description"
        )
        receivers = [text_of(r, "name") for r in alert.get("receivers") or [] if text_of(r, "name")]
        state = text_of(alert, "status", "state")
        notes = []
        if receivers:
            notes.append(f"receivers: {', '.join(receivers)}")
        if state == "suppressed":
            silenced = field_of(alert, "status", "silencedBy") or []
            notes.append("silenced" if silenced else "inhibited")
        detail = summary + (f" ({'; '.join(notes)})" if notes else "")
        link = text_of(alert, "generatorURL") or None
        if started in window:
            yield Event(
                at=started,
                source=self.name,
                source_id=f"{fingerprint}/{int(started.timestamp())}",
                kind=Kind.ALERT,
                title=f"Alert firing: {name}",
                detail=detail,
                link=link,
                alert=key,
            )
        ends_raw = alert.get("endsAt")
        if ends_raw:
            ended = parse_time(ends_raw)
            # a future endsAt is an automatic resolve time, not a real end
            if ended <= now and ended in window:
                yield Event(
                    at=ended,
                    source=self.name,
                    source_id=f"{fingerprint}/{int(started.timestamp())}/resolved",
                    kind=Kind.ALERT_RESOLVED,
                    title=f"Alert resolved: {name}",
                    detail=summary,
                    link=link,
                    alert=key,
                )

    def _silence_events(
        self, silence: dict[str, Any], window: Window, now: datetime
    ) -> Iterator[Event]:
        silence_id = text_of(silence, "id")
        matchers = ", ".join(_matcher_text(m) for m in silence.get("matchers") or [])
        actor = text_of(silence, "createdBy") or None
        comment = text_of(silence, "comment")
        started = parse_time(silence["startsAt"])
        if started in window:
            yield Event(
                at=started,
                source=self.name,
                source_id=f"silence/{silence_id}",
                kind=Kind.SILENCE,
                title=f"Silence {{{matchers}}}",
                detail=comment,
                actor=actor,
            )
        ends_raw = silence.get("endsAt")
        if ends_raw:
            ended = parse_time(ends_raw)
            if ended <= now and ended in window and ended > started:
                yield Event(
                    at=ended,
                    source=self.name,
                    source_id=f"silence/{silence_id}/end",
                    kind=Kind.SILENCE,
                    title=f"Silence ended {{{matchers}}}",
                    detail=comment,
                    actor=actor,
                )


def _matcher_text(matcher: Any) -> str:
    name = text_of(matcher, "name")
    value = text_of(matcher, "value")
    regex = bool(field_of(matcher, "isRegex"))
    equal = field_of(matcher, "isEqual")
    equal = True if equal is None else bool(equal)
    op = ("=~" if regex else "=") if equal else ("!~" if regex else "!=")
    return f'{name}{op}"{value}"'
