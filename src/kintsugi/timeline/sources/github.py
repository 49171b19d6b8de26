"""GitHub deployments and their statuses for a repository (and optionally one environment).

``GET /repos/{owner}/{repo}/deployments`` and ``.../deployments/{id}/statuses``,
``Authorization: Bearer $GITHUB_TOKEN`` (optional for public repositories), pagination by the
``Link`` header. Deployments come newest first, so fetching stops at the window's start.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx

from kintsugi.timeline.events import Event, Kind, parse_time
from kintsugi.timeline.sources.base import HttpSource, SourceError, Window, retry_after, text_of

PAGE_SIZE = 100
DEFAULT_URL = "https://api.github.com"


class GitHubSource(HttpSource):
    name = "github"
    url_variable = "GITHUB_API_URL"
    default_url = DEFAULT_URL
    token_variable = "GITHUB_TOKEN"
    token_required = False

    def __init__(self, spec: str, repo: str, environment: str | None = None, **kwargs: Any):
        super().__init__(spec, **kwargs)
        self.repo = repo
        self.environment = environment

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def extra_headers(self) -> dict[str, str]:
        return {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}

    def rate_limit_wait(self, response: httpx.Response) -> float | None:
        """429, or 403 with Retry-After or an exhausted quota (GitHub's primary rate limit)."""
        if response.status_code not in (403, 429):
            return None
        wait = retry_after(response)
        if wait is not None:
            return wait
        if response.headers.get("x-ratelimit-remaining") == "0":
            reset = response.headers.get("x-ratelimit-reset", "")
            if reset.isdigit():
                return max(0.0, int(reset) - datetime.now(UTC).timestamp())
            return 60.0
        return 0.0 if response.status_code == 429 else None

    def events(self, window: Window) -> Iterator[Event]:
        params: dict[str, Any] | None = {"per_page": PAGE_SIZE, "environment": self.environment}
        url = f"/repos/{self.repo}/deployments"
        while True:
            try:
                data, response = self.get(url, params)
            except SourceError as exc:
                if "HTTP 404" in exc.reason:
                    raise self.error(
                        f"repository {self.repo} not found (or not visible with this token)",
                        variable=self.token_variable,
                    ) from None
                raise
            if not isinstance(data, list):
                raise self.error("answered JSON that is not a list of deployments")
            reached_start = False
            for deployment in data:
                if not isinstance(deployment, dict):
                    continue
                created = parse_time(deployment["created_at"])
                if created < window.since:
                    reached_start = True
                    continue
                if created > window.until:
                    continue
                yield self._deployment_event(deployment, created)
                yield from self._status_events(deployment, window)
            next_link = response.links.get("next", {}).get("url")
            if reached_start or not next_link:
                return
            url, params = self.follow(next_link), None

    def _describe(self, deployment: dict[str, Any]) -> str:
        ref = text_of(deployment, "ref")
        sha = text_of(deployment, "sha")[:7]
        target = f"{ref}@{sha}" if ref and sha and ref != sha else ref or sha
        environment = text_of(deployment, "environment") or "?"
        return f"{target} to {environment}"

    def _link(self, deployment: dict[str, Any]) -> str | None:
        if self.base_url != DEFAULT_URL:
            return None
        sha = text_of(deployment, "sha")
        return f"https://github.com/{self.repo}/commit/{sha}" if sha else None

    def _deployment_event(self, deployment: dict[str, Any], created: datetime) -> Event:
        task = text_of(deployment, "task") or "deploy"
        label = "Deploy" if task == "deploy" else f"Deploy ({task})"
        return Event(
            at=created,
            source=self.name,
            source_id=f"{self.repo}/deployment/{text_of(deployment, 'id')}",
            kind=Kind.DEPLOY,
            title=f"{label} {self._describe(deployment)}",
            detail=text_of(deployment, "description"),
            actor=text_of(deployment, "creator", "login") or None,
            link=self._link(deployment),
        )

    def _status_events(self, deployment: dict[str, Any], window: Window) -> Iterator[Event]:
        url: str = f"/repos/{self.repo}/deployments/{text_of(deployment, 'id')}/statuses"
        params: dict[str, Any] | None = {"per_page": PAGE_SIZE}
        what = self._describe(deployment)
        while True:
            data, response = self.get(url, params)
            if not isinstance(data, list):
                raise self.error("answered JSON that is not a list of deployment statuses")
            for status in data:
                if not isinstance(status, dict) or not status.get("created_at"):
                    continue
                at = parse_time(status["created_at"])
                if at not in window:
                    continue
                state = text_of(status, "state") or "unknown"
                yield Event(
                    at=at,
                    source=self.name,
                    source_id=f"{self.repo}/deployment_status/{text_of(status, 'id')}",
                    kind=Kind.DEPLOY_STATUS,
                    title=f"Deploy {state}: {what}",
                    detail=text_of(status, "description"),
                    actor=text_of(status, "creator", "login") or None,
                    link=text_of(status, "log_url") or text_of(status, "target_url") or None,
                )
            next_link = response.links.get("next", {}).get("url")
            if not next_link:
                return
            url, params = self.follow(next_link), None
