"""incident.io API v2 as documented: Bearer auth, cursor pagination, typed error bodies."""

from __future__ import annotations

import re
import uuid
from typing import Any

from tests.timeline.fakes.base import FakeServer, Request, Response, int_arg

_INCIDENT = re.compile(r"^/v2/incidents/([^/]+)$")


def error(kind: str, status: int, code: str, message: str) -> Response:
    return Response.json(
        {
            "type": kind,
            "status": status,
            "request_id": str(uuid.uuid4()),
            "errors": [{"code": code, "message": message}],
        },
        status,
    )


class IncidentIoFake(FakeServer):
    def __init__(self, api_key: str) -> None:
        super().__init__()
        self.api_key = api_key
        self.incidents: dict[str, dict[str, Any]] = {}
        self.updates: dict[str, list[dict[str, Any]]] = {}
        self.timeline_items: dict[str, list[dict[str, Any]]] = {}

    def rate_limit_response(self, retry_after: str) -> Response:
        response = error("rate_limited", 429, "rate_limited", "Too many requests")
        response.headers.update({"Retry-After": retry_after, "X-RateLimit-Limit": "1200"})
        return response

    def handle(self, request: Request) -> Response:
        auth = request.headers.get("authorization")
        if not auth:
            return error(
                "authentication_error",
                401,
                "missing_authorization_material",
                "No authorization material provided in request",
            )
        if auth != f"Bearer {self.api_key}":
            return error(
                "authentication_error",
                401,
                "invalid_authorization_material",
                "The API key provided is not valid",
            )
        match = _INCIDENT.match(request.path)
        if match:
            incident = self.incidents.get(match.group(1))
            if incident is None:
                return error("not_found", 404, "not_found", "Incident not found")
            return Response.json({"incident": incident})
        if request.path == "/v2/incident_updates":
            return self._page(request, "incident_updates", self.updates)
        if request.path == "/v2/incident_timeline_items":
            return self._page(request, "incident_timeline_items", self.timeline_items)
        return error("not_found", 404, "not_found", "No such endpoint")

    def _page(self, request: Request, key: str, store: dict[str, list[dict[str, Any]]]) -> Response:
        incident_id = request.arg("incident_id")
        if not incident_id:
            return error("validation_error", 422, "is_required", "incident_id is required")
        items = store.get(incident_id, [])
        size = int_arg(request, "page_size", 25, 250)
        after = request.arg("after")
        start = 0
        if after:
            ids = [item["id"] for item in items]
            if after not in ids:
                return error("validation_error", 422, "invalid_value", "after is not a valid id")
            start = ids.index(after) + 1
        page = items[start : start + size]
        meta: dict[str, Any] = {"page_size": size, "total_record_count": len(items)}
        if start + size < len(items):
            meta["after"] = page[-1]["id"]
        return Response.json({key: page, "pagination_meta": meta})


def timestamp_value(ts_id: str, name: str, rank: int, value: str | None) -> dict[str, Any]:
    """One entry of an IncidentV2's incident_timestamp_values."""
    entry: dict[str, Any] = {"incident_timestamp": {"id": ts_id, "name": name, "rank": rank}}
    if value is not None:
        entry["value"] = {"value": value}
    return entry


def user_actor(name: str, email: str) -> dict[str, Any]:
    return {
        "user": {
            "id": "01FCNDV6P870EA6S7TK1DSYDG0",
            "name": name,
            "email": email,
            "role": "responder",
            "slack_user_id": "U02AYNF2XJM",
        }
    }
