"""PagerDuty REST API v2 as documented: Token auth, versioned Accept, offset pagination."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from tests.timeline.fakes.base import FakeServer, Request, Response, int_arg

_INCIDENT = re.compile(r"^/incidents/([^/]+)$")
_LOG_ENTRIES = re.compile(r"^/incidents/([^/]+)/log_entries$")
ACCEPT = "application/vnd.pagerduty+json;version=2"


def error(status: int, code: int, message: str, errors: list[str] | None = None) -> Response:
    body: dict[str, Any] = {"error": {"message": message, "code": code}}
    if errors:
        body["error"]["errors"] = errors
    return Response.json(body, status)


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class PagerDutyFake(FakeServer):
    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self.incidents: dict[str, dict[str, Any]] = {}
        self.log_entries: dict[str, list[dict[str, Any]]] = {}

    def rate_limit_response(self, retry_after: str) -> Response:
        response = error(429, 2020, "Rate Limit Exceeded")
        response.headers["Retry-After"] = retry_after
        return response

    def handle(self, request: Request) -> Response:
        if request.headers.get("authorization") != f"Token token={self.token}":
            return error(401, 2006, "Authentication failed")
        if ACCEPT not in request.headers.get("accept", ""):
            return error(400, 2001, "Invalid Input Provided", ["Accept header must ask for v2"])
        match = _INCIDENT.match(request.path)
        if match:
            incident = self.incidents.get(match.group(1))
            if incident is None:
                return error(404, 2100, "Not Found")
            return Response.json({"incident": incident})
        match = _LOG_ENTRIES.match(request.path)
        if match:
            if match.group(1) not in self.incidents:
                return error(404, 2100, "Not Found")
            return self._log_entries(request, self.log_entries.get(match.group(1), []))
        return error(404, 2100, "Not Found")

    def _log_entries(self, request: Request, entries: list[dict[str, Any]]) -> Response:
        since, until = request.arg("since"), request.arg("until")
        selected = [
            e
            for e in entries
            if (not since or _time(e["created_at"]) >= _time(since))
            and (not until or _time(e["created_at"]) < _time(until))
        ]
        selected.sort(key=lambda e: e["created_at"], reverse=True)  # newest first
        limit = int_arg(request, "limit", 25, 100)
        offset = int(request.arg("offset") or 0)
        page = selected[offset : offset + limit]
        total = len(selected) if request.arg("total") == "true" else None
        return Response.json(
            {
                "log_entries": page,
                "limit": limit,
                "offset": offset,
                "more": offset + limit < len(selected),
                "total": total,
            }
        )


def log_entry(
    entry_id: str,
    entry_type: str,
    created_at: str,
    summary: str,
    agent: str | None = None,
    agent_service: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A LogEntry as the API returns it."""
    entry: dict[str, Any] = {
        "id": entry_id,
        "type": entry_type,
        "summary": summary,
        "self": f"https://api.pagerduty.com/log_entries/{entry_id}",
        "html_url": None,
        "created_at": created_at,
        "channel": {"type": "web_trigger"},
        "incident": {"id": "Q1ABC", "type": "incident_reference"},
        **extra,
    }
    if agent:
        entry["agent"] = {"id": "PUSER1", "type": "user_reference", "summary": agent}
    elif agent_service:
        entry["agent"] = {"id": "PSVC1", "type": "service_reference", "summary": agent_service}
    return entry
