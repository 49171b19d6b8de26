"""Local GitHub Issues and Jira REST servers following their documented APIs, over sockets.

GitHub (REST v3, API version 2022-11-28): ``POST /repos/{owner}/{repo}/issues`` (201),
``GET /repos/{owner}/{repo}/issues/{number}``, ``GET /repos/{owner}/{repo}/issues`` with
``state``, ``since``, ``per_page``, ``page`` and an RFC 8288 ``Link`` header (pull requests are
listed too, marked by a ``pull_request`` key); errors ``{"message", "documentation_url",
"status"}`` (401 Bad credentials, 404 Not Found, 422 Validation Failed).

Jira (REST v2 and v3): ``POST /rest/api/{2|3}/issue`` (201 ``{"id", "key", "self"}``; v3 wants
the description as an Atlassian Document), ``GET /rest/api/{2|3}/issue/{key}?fields=...`` with
``fields.status.statusCategory.key`` in new/indeterminate/done, ``fields.resolution`` and
``fields.updated``; errors ``{"errorMessages": [...], "errors": {...}}``.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlencode

from tests.notify.fakes import FakeHttpServer, Reply, Request

DOCS = "https://docs.github.com/rest"
_ISSUE = re.compile(r"^/repos/([^/]+/[^/]+)/issues(?:/(\d+))?$")


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeGitHub(FakeHttpServer):
    TOKEN = "ghp_test_token"
    REPO = "acme/platform"

    def __init__(self) -> None:
        super().__init__()
        self.issues: dict[int, dict[str, Any]] = {}
        self.clock = datetime.now(UTC)

    def tick(self) -> str:
        self.clock += timedelta(seconds=1)
        return _stamp(self.clock)

    def add(self, title: str, *, pull_request: bool = False) -> dict[str, Any]:
        number = len(self.issues) + 1
        issue: dict[str, Any] = {
            "id": 1000 + number,
            "number": number,
            "title": title,
            "body": "",
            "state": "open",
            "state_reason": None,
            "html_url": f"https://github.example/{self.REPO}/issues/{number}",
            "created_at": self.tick(),
            "updated_at": _stamp(self.clock),
        }
        if pull_request:
            issue["pull_request"] = {"url": f"https://api.github.example/pulls/{number}"}
        self.issues[number] = issue
        return issue

    def close(self, number: int, reason: str = "completed") -> None:
        self.issues[number].update(state="closed", state_reason=reason, updated_at=self.tick())

    def reopen(self, number: int) -> None:
        self.issues[number].update(state="open", state_reason="reopened", updated_at=self.tick())

    def _error(self, status: int, message: str, **extra: Any) -> Reply:
        return Reply(
            status, {"message": message, "documentation_url": DOCS, "status": str(status), **extra}
        )

    def handle(self, request: Request) -> Reply:
        if request.headers.get("authorization") != f"Bearer {self.TOKEN}":
            return self._error(401, "Bad credentials")
        if not request.headers.get("user-agent"):
            return self._error(403, "Request forbidden by administrative rules.")
        if request.headers.get("accept") != "application/vnd.github+json":
            return self._error(415, "Unsupported media type")
        match = _ISSUE.match(request.path)
        if not match or match.group(1) != self.REPO:
            return self._error(404, "Not Found")
        number = match.group(2)
        if request.method == "POST" and number is None:
            body = request.json()
            if not body.get("title"):
                return self._error(
                    422,
                    "Validation Failed",
                    errors=[{"resource": "Issue", "code": "missing_field", "field": "title"}],
                )
            issue = self.add(body["title"])
            issue["body"] = body.get("body", "")
            return Reply(201, issue)
        if request.method == "GET" and number is not None:
            found = self.issues.get(int(number))
            return Reply(200, found) if found else self._error(404, "Not Found")
        if request.method == "GET":
            return self._list(request)
        return self._error(404, "Not Found")

    def _list(self, request: Request) -> Reply:
        params = {k: v[0] for k, v in parse_qs(request.query).items()}
        state = params.get("state", "open")
        per_page = min(int(params.get("per_page", 30)), 100)
        page = int(params.get("page", 1))
        since = params.get("since")
        chosen = [
            i
            for i in self.issues.values()
            if (state == "all" or i["state"] == state)
            and (since is None or i["updated_at"] >= since)
        ]
        chosen.sort(key=lambda i: i["updated_at"], reverse=True)
        pages = max(1, -(-len(chosen) // per_page))
        body = chosen[(page - 1) * per_page : page * per_page]
        links = []
        base = f"{self.url}{request.path}"
        if page < pages:
            links.append(f'<{base}?{urlencode({**params, "page": page + 1})}>; rel="next"')
            links.append(f'<{base}?{urlencode({**params, "page": pages})}>; rel="last"')
        if page > 1:
            links.append(f'<{base}?{urlencode({**params, "page": 1})}>; rel="first"')
        return Reply(200, body, {"Link": ", ".join(links)} if links else {})


class FakeJira(FakeHttpServer):
    USER = "bot@acme.example"
    TOKEN = "jira-api-token"
    PROJECT = "OPS"
    STATUSES: ClassVar[dict[str, tuple[str, str]]] = {
        "To Do": ("new", "To Do"),
        "In Progress": ("indeterminate", "In Progress"),
        "Done": ("done", "Done"),
    }

    def __init__(self) -> None:
        super().__init__()
        self.issues: dict[str, dict[str, Any]] = {}
        self.clock = datetime.now(UTC)

    def _stamp(self) -> str:
        self.clock += timedelta(seconds=1)
        return self.clock.strftime("%Y-%m-%dT%H:%M:%S.000+0000")

    def transition(self, key: str, status: str, resolution: str | None = None) -> None:
        issue = self.issues[key]
        issue["status"] = status
        issue["resolution"] = resolution
        issue["updated"] = self._stamp()

    def _error(
        self, status: int, messages: list[str], errors: dict[str, str] | None = None
    ) -> Reply:
        return Reply(status, {"errorMessages": messages, "errors": errors or {}})

    def handle(self, request: Request) -> Reply:
        expected = base64.b64encode(f"{self.USER}:{self.TOKEN}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return self._error(
                401,
                ["You are not authenticated. Authentication required to perform this operation."],
            )
        match = re.match(r"^/rest/api/([23])/issue(?:/([A-Z][A-Z0-9_]*-\d+))?$", request.path)
        if not match:
            return self._error(404, ["Not found"])
        version, key = int(match.group(1)), match.group(2)
        if request.method == "POST" and key is None:
            return self._create(request, version)
        if request.method == "GET" and key is not None:
            return self._get(request, key, version)
        return self._error(405, ["Method not allowed"])

    def _create(self, request: Request, version: int) -> Reply:
        fields = request.json().get("fields", {})
        errors = {}
        if (fields.get("project") or {}).get("key") != self.PROJECT:
            errors["project"] = "valid project is required"
        if not fields.get("summary"):
            errors["summary"] = "You must specify a summary of the issue."
        if not (fields.get("issuetype") or {}).get("name"):
            errors["issuetype"] = "valid issue type is required"
        description = fields.get("description")
        if (
            version == 3
            and description is not None
            and not (isinstance(description, dict) and description.get("type") == "doc")
        ):
            errors["description"] = (
                "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
            )
        if version == 2 and description is not None and not isinstance(description, str):
            errors["description"] = "Operation value must be a string"
        if errors:
            return self._error(400, [], errors)
        number = len(self.issues) + 1
        key = f"{self.PROJECT}-{number}"
        self.issues[key] = {
            "id": str(10000 + number),
            "summary": fields["summary"],
            "description": description,
            "status": "To Do",
            "resolution": None,
            "updated": self._stamp(),
        }
        return Reply(
            201,
            {
                "id": str(10000 + number),
                "key": key,
                "self": f"{self.url}/rest/api/{version}/issue/{10000 + number}",
            },
        )

    def _get(self, request: Request, key: str, version: int) -> Reply:
        issue = self.issues.get(key)
        if issue is None:
            return self._error(
                404, ["Issue does not exist or you do not have permission to see it."]
            )
        wanted = set((parse_qs(request.query).get("fields") or ["*all"])[0].split(","))
        category, name = self.STATUSES[issue["status"]]
        fields: dict[str, Any] = {
            "status": {"name": name, "statusCategory": {"key": category, "name": name}},
            "resolution": {"name": issue["resolution"]} if issue["resolution"] else None,
            "updated": issue["updated"],
            "summary": issue["summary"],
        }
        if "*all" not in wanted:
            fields = {k: v for k, v in fields.items() if k in wanted}
        return Reply(
            200,
            {
                "id": issue["id"],
                "key": key,
                "self": f"{self.url}/rest/api/{version}/issue/{issue['id']}",
                "fields": fields,
            },
        )
