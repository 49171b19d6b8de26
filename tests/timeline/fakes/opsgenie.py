"""Opsgenie Alert API v2 as documented: GenieKey auth, alert logs paged by offset tokens."""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import urlencode

from tests.timeline.fakes.base import FakeServer, Request, Response, int_arg

_ALERT = re.compile(r"^/v2/alerts/([^/]+)$")
_LOGS = re.compile(r"^/v2/alerts/([^/]+)/logs$")


def error(status: int, message: str) -> Response:
    return Response.json(
        {"message": message, "took": 0.001, "requestId": str(uuid.uuid4())}, status
    )


class OpsgenieFake(FakeServer):
    def __init__(self, api_key: str) -> None:
        super().__init__()
        self.api_key = api_key
        self.alerts: dict[str, dict[str, Any]] = {}
        self.logs: dict[str, list[dict[str, Any]]] = {}

    def handle(self, request: Request) -> Response:
        if request.headers.get("authorization") != f"GenieKey {self.api_key}":
            return error(401, "Could not authenticate")
        if request.arg("identifierType", "id") != "id":
            return error(422, "only identifierType=id is served here")
        match = _ALERT.match(request.path)
        if match:
            alert = self.alerts.get(match.group(1))
            if alert is None:
                return error(404, "Alert does not exist")
            return Response.json({"data": alert, "took": 0.002, "requestId": str(uuid.uuid4())})
        match = _LOGS.match(request.path)
        if match:
            if match.group(1) not in self.alerts:
                return error(404, "Alert does not exist")
            return self._logs(request, match.group(1))
        return error(404, "Not found")

    def _logs(self, request: Request, alert_id: str) -> Response:
        logs = sorted(self.logs.get(alert_id, []), key=lambda log: log["offset"])
        if request.arg("order", "desc") == "desc":
            logs.reverse()
        limit = int_arg(request, "limit", 20, 100)
        offset = request.arg("offset")
        if offset:
            if request.arg("order", "desc") == "desc":
                logs = [log for log in logs if log["offset"] < offset]
            else:
                logs = [log for log in logs if log["offset"] > offset]
        page = logs[:limit]
        paging: dict[str, str] = {}
        if len(logs) > limit:
            query = {
                "identifierType": "id",
                "offset": page[-1]["offset"],
                "direction": "next",
                "limit": str(limit),
                "order": request.arg("order", "desc") or "desc",
            }
            paging["next"] = f"{self.url}/v2/alerts/{alert_id}/logs?{urlencode(query)}"
        return Response.json(
            {"data": page, "paging": paging, "took": 0.003, "requestId": str(uuid.uuid4())}
        )


def alert_log(
    created_at: str, epoch_ms: int, log: str, owner: str, kind: str = "system"
) -> dict[str, str]:
    """An AlertLog as documented (offset is the cursor)."""
    return {
        "log": log,
        "type": kind,
        "owner": owner,
        "createdAt": created_at,
        "offset": f"{epoch_ms}_{epoch_ms}000000",
    }
