"""PagerDuty (REST API v2): the incident and its log entries.

``GET /incidents/{id}`` and ``/incidents/{id}/log_entries``, ``Authorization: Token
token=$PAGERDUTY_API_TOKEN`` with ``Accept: application/vnd.pagerduty+json;version=2``, offset
pagination (``limit``/``offset``, loop while ``more``).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from kintsugi.timeline.events import AlertKey, Event, Kind, parse_time
from kintsugi.timeline.sources.base import (
    HttpSource,
    IncidentTimes,
    Window,
    field_of,
    list_of,
    text_of,
)

PAGE_SIZE = 100

_KINDS: dict[str, Kind] = {
    "trigger_log_entry": Kind.ALERT,
    "acknowledge_log_entry": Kind.ACKNOWLEDGE,
    "acknowledgement_log_entry": Kind.ACKNOWLEDGE,  # the spec names it both ways
    "unacknowledge_log_entry": Kind.STATUS_CHANGE,
    "resolve_log_entry": Kind.RESOLVE,
    "escalate_log_entry": Kind.ESCALATE,
    "annotate_log_entry": Kind.NOTE,
    "assign_log_entry": Kind.ASSIGN,
    "delegate_log_entry": Kind.ASSIGN,
    "snooze_log_entry": Kind.STATUS_CHANGE,
    "urgency_change_log_entry": Kind.STATUS_CHANGE,
    "priority_change_log_entry": Kind.STATUS_CHANGE,
    "field_value_change_log_entry": Kind.STATUS_CHANGE,
}
NOTIFY = "notify_log_entry"  # one entry per page sent: folded into one line per escalation
_ROUND_STARTS = frozenset({"trigger_log_entry", "escalate_log_entry"})
_NOTIFIED = re.compile(r"^\s*Notified\s+(?P<who>.+?)\s+(?:by|via)\s+(?P<how>.+?)\.?\s*$", re.I)
_METHODS = {
    "sms": "SMS",
    "phone": "phone",
    "email": "email",
    "push_notification": "push notification",
    "push": "push notification",
}
_TITLES: dict[Kind, str] = {
    Kind.ALERT: "Triggered",
    Kind.ACKNOWLEDGE: "Acknowledged",
    Kind.RESOLVE: "Resolved",
    Kind.ESCALATE: "Escalated",
    Kind.NOTE: "Note",
    Kind.ASSIGN: "Assigned",
}
_ALERTMANAGER_TITLE = re.compile(r"^\s*\[(?:FIRING|RESOLVED)(?::\d+)?\]\s*(\S+)")


def alert_name_from_title(title: str) -> str:
    """The alert name in an incident title ("[FIRING:1] HighErrorRate (api)" -> HighErrorRate)."""
    match = _ALERTMANAGER_TITLE.match(title)
    if match:
        return match.group(1)
    return title.strip()


class PagerDutySource(HttpSource):
    name = "pagerduty"
    url_variable = "PAGERDUTY_API_URL"
    default_url = "https://api.pagerduty.com"
    token_variable = "PAGERDUTY_API_TOKEN"

    def __init__(self, spec: str, incident_id: str, **kwargs: Any) -> None:
        super().__init__(spec, **kwargs)
        self.incident_id = incident_id
        self._incident: dict[str, Any] | None = None

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Token token={self.token}"} if self.token else {}

    def extra_headers(self) -> dict[str, str]:
        return {"Accept": "application/vnd.pagerduty+json;version=2"}

    def incident(self) -> dict[str, Any]:
        if self._incident is None:
            self.require_token()
            data = self.get_json(f"/incidents/{self.incident_id}")
            incident = field_of(data, "incident")
            if not isinstance(incident, dict):
                raise self.error("answered JSON without the expected 'incident' object")
            self._incident = incident
        return self._incident

    def incident_times(self) -> IncidentTimes | None:
        incident = self.incident()
        created = parse_time(incident["created_at"])
        resolved_raw = incident.get("resolved_at")
        if not resolved_raw and incident.get("status") == "resolved":
            resolved_raw = incident.get("last_status_change_at")
        return IncidentTimes(
            source=self.spec,
            started_at=created,
            detected_at=created,
            resolved_at=parse_time(resolved_raw) if resolved_raw else None,
            title=text_of(incident, "title") or None,
        )

    def events(self, window: Window) -> Iterator[Event]:
        incident = self.incident()
        title = text_of(incident, "title") or text_of(incident, "summary")
        alert = AlertKey.of(alert_name_from_title(title)) if title else None
        link = text_of(incident, "html_url") or None
        notified: list[dict[str, Any]] = []
        rounds: list[datetime] = []  # when each round of pages began: a trigger or escalation
        offset = 0
        while True:
            params = {
                "limit": PAGE_SIZE,
                "offset": offset,
                "since": window.since.isoformat(),
                "until": window.until.isoformat(),
                "time_zone": "UTC",
                "is_overview": "false",
            }
            data = self.get_json(f"/incidents/{self.incident_id}/log_entries", params)
            entries = list_of(self, data, "log_entries")
            for entry in entries:
                if not isinstance(entry, dict):
                    continue
                entry_type = text_of(entry, "type")
                if entry_type == NOTIFY:
                    notified.append(entry)
                    continue
                if entry_type in _ROUND_STARTS:
                    rounds.append(parse_time(entry["created_at"]))
                event = self._event(entry, title, alert, link)
                if event is not None and event.at in window:
                    yield event
            if not data.get("more") or not entries:
                yield from self._paged(notified, rounds, window, link)
                return
            offset += len(entries)

    def _paged(
        self,
        notified: list[dict[str, Any]],
        rounds: list[datetime],
        window: Window,
        link: str | None,
    ) -> Iterator[Event]:
        """One event per round (a trigger or an escalation) for the notifications it sent."""
        starts = sorted(rounds)
        by_round: dict[int, list[dict[str, Any]]] = {}
        for entry in notified:
            at = parse_time(entry["created_at"])
            by_round.setdefault(bisect.bisect_right(starts, at), []).append(entry)
        for _, entries in sorted(by_round.items()):
            entries.sort(key=lambda e: (parse_time(e["created_at"]), text_of(e, "id")))
            event = _paged_event(entries, self.name, link)
            if event is not None and event.at in window:
                yield event

    def _event(
        self, entry: Any, title: str, alert: AlertKey | None, link: str | None
    ) -> Event | None:
        if not isinstance(entry, dict):
            return None
        entry_type = text_of(entry, "type")
        kind = _KINDS.get(entry_type, Kind.OTHER)
        summary = text_of(entry, "summary")
        detail = text_of(entry, "note") if kind == Kind.NOTE else ""
        detail = detail or text_of(entry, "event_details", "description") or summary
        heading = _TITLES.get(kind)
        event_title = f"{heading}: {title}" if heading and title else heading or summary or title
        if detail == event_title:
            detail = ""
        return Event(
            at=parse_time(entry["created_at"]),
            source=self.name,
            source_id=text_of(entry, "id"),
            kind=kind,
            title=event_title,
            detail=detail,
            actor=text_of(entry, "agent", "summary") or None,
            link=text_of(entry, "html_url") or link,
            alert=alert if kind == Kind.ALERT else None,
        )


def _paged_event(entries: list[dict[str, Any]], source: str, link: str | None) -> Event | None:
    """The notifications of one round, in time order, as one line:
    "Paged Sam Lee by phone and SMS; Ana Lima by email"."""
    methods: dict[str, list[str]] = {}
    for entry in entries:
        who, how = _notified(entry)
        found = methods.setdefault(who, [])
        if how and how not in found:
            found.append(how)
    if not methods:
        return None
    first = entries[0]
    people = [f"{who} by {_and(hows)}" if hows else who for who, hows in methods.items()]
    return Event(
        at=parse_time(first["created_at"]),
        source=source,
        source_id=text_of(first, "id"),
        kind=Kind.OTHER,
        title="Paged " + "; ".join(people),
        actor=None,
        link=text_of(first, "html_url") or link,
    )


def _notified(entry: dict[str, Any]) -> tuple[str, str]:
    """Who was notified and how, from the entry's user and channel, else its summary."""
    summary = text_of(entry, "summary")
    said = _NOTIFIED.match(summary)
    who = text_of(entry, "user", "summary") or (said.group("who") if said else "") or "someone"
    channel = text_of(entry, "channel", "type").lower()
    how = _METHODS.get(channel, "")
    if not how and said:
        how = _METHODS.get(said.group("how").strip().lower(), said.group("how").strip())
    return who, how


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
