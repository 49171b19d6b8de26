"""GitHub REST deployments as documented: Bearer/token auth, page/per_page with a Link header."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from tests.timeline.fakes.base import FakeServer, Request, Response, int_arg

_DEPLOYMENTS = re.compile(r"^/repos/([^/]+/[^/]+)/deployments$")
_STATUSES = re.compile(r"^/repos/([^/]+/[^/]+)/deployments/(\d+)/statuses$")
DOCS = "https://docs.github.com/rest"


def error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response.json({"message": message, "documentation_url": DOCS}, status, headers)


class GitHubFake(FakeServer):
    def __init__(self, token: str | None) -> None:
        super().__init__()
        self.token = token
        self.public: set[str] = set()
        self.deployments: dict[str, list[dict[str, Any]]] = {}
        self.statuses: dict[int, list[dict[str, Any]]] = {}

    def quota_exhausted(self, reset_epoch: int, *, times: int = 1) -> None:
        """GitHub's primary rate limit: 403 with x-ratelimit-remaining 0 and the reset time."""
        self.inject(
            error(
                403,
                "API rate limit exceeded",
                {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset_epoch)},
            ),
            times=times,
        )

    def handle(self, request: Request) -> Response:
        auth = request.headers.get("authorization")
        authenticated = False
        if auth:
            scheme, _, value = auth.partition(" ")
            if scheme.lower() not in ("bearer", "token") or value != self.token:
                return error(401, "Bad credentials")
            authenticated = True
        match = _DEPLOYMENTS.match(request.path) or _STATUSES.match(request.path)
        if not match:
            return error(404, "Not Found")
        repo = match.group(1)
        if repo not in self.deployments or (not authenticated and repo not in self.public):
            return error(404, "Not Found")  # GitHub hides private repositories
        if match.re is _DEPLOYMENTS:
            items = self.deployments[repo]
            environment = request.arg("environment")
            if environment:
                items = [d for d in items if d["environment"] == environment]
            items = sorted(items, key=lambda d: d["id"], reverse=True)  # newest first
        else:
            items = self.statuses.get(int(match.group(2)), [])
            items = sorted(items, key=lambda s: s["id"], reverse=True)
        return self._page(request, items)

    def _page(self, request: Request, items: list[dict[str, Any]]) -> Response:
        per_page = int_arg(request, "per_page", 30, 100)
        page = int(request.arg("page") or 1)
        start = (page - 1) * per_page
        chunk = items[start : start + per_page]
        last = max(1, -(-len(items) // per_page))
        links = []
        base = {k: v[0] for k, v in request.query.items() if k != "page"}
        if page < last:
            links.append(
                f'<{self.url}{request.path}?{urlencode({**base, "page": page + 1})}>; rel="next"'
            )
            links.append(
                f'<{self.url}{request.path}?{urlencode({**base, "page": last})}>; rel="last"'
            )
        if page > 1:
            links.append(
                f'<{self.url}{request.path}?{urlencode({**base, "page": page - 1})}>; rel="prev"'
            )
            links.append(
                f'<{self.url}{request.path}?{urlencode({**base, "page": 1})}>; rel="first"'
            )
        headers = {"Link": ", ".join(links)} if links else {}
        headers["x-ratelimit-remaining"] = "4999"
        return Response.json(chunk, headers=headers)


def deployment(
    deployment_id: int, sha: str, ref: str, environment: str, created_at: str, login: str
) -> dict[str, Any]:
    return {
        "id": deployment_id,
        "node_id": f"DE_{deployment_id}",
        "sha": sha,
        "ref": ref,
        "task": "deploy",
        "payload": {},
        "original_environment": environment,
        "environment": environment,
        "description": f"Deploy {ref}",
        "creator": {"login": login, "id": 1},
        "created_at": created_at,
        "updated_at": created_at,
        "statuses_url": f"https://api.github.com/deployments/{deployment_id}/statuses",
        "repository_url": "https://api.github.com/repos/acme/api",
        "transient_environment": False,
        "production_environment": environment == "production",
    }


def deployment_status(
    status_id: int, state: str, created_at: str, login: str, description: str = ""
) -> dict[str, Any]:
    return {
        "id": status_id,
        "node_id": f"DES_{status_id}",
        "state": state,
        "creator": {"login": login, "id": 2},
        "description": description,
        "environment": "production",
        "target_url": "",
        "log_url": f"https://ci.example.com/runs/{status_id}",
        "environment_url": "",
        "created_at": created_at,
        "updated_at": created_at,
    }
