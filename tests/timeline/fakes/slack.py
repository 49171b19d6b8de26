"""Slack Web API as documented: Bearer auth, ``ok: false`` errors at HTTP 200, cursor paging,
429 with Retry-After for rate limits, newest-first history and thread replies."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

from tests.timeline.fakes.base import FakeServer, Request, Response, int_arg


def slack_error(error: str, **extra: Any) -> Response:
    return Response.json({"ok": False, "error": error, **extra})


def _cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _offset(cursor: str) -> int:
    return int(base64.b64decode(cursor.encode()).decode().split(":")[1])


class SlackFake(FakeServer):
    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self.channels: dict[str, list[dict[str, Any]]] = {}
        self.replies: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.scopes_missing = False

    def rate_limit_response(self, retry_after: str) -> Response:
        return Response(429, b"", {"Retry-After": retry_after})

    def handle(self, request: Request) -> Response:
        auth = request.headers.get("authorization")
        if not auth:
            return slack_error("not_authed")
        if auth != f"Bearer {self.token}":
            return slack_error("invalid_auth")
        method = request.path.removeprefix("/api/")
        if method == "conversations.history":
            if self.scopes_missing:
                return slack_error(
                    "missing_scope", needed="channels:history", provided="chat:write"
                )
            return self._history(request)
        if method == "conversations.replies":
            return self._replies(request)
        if method == "users.info":
            user = self.users.get(request.arg("user") or "")
            return (
                Response.json({"ok": True, "user": user}) if user else slack_error("user_not_found")
            )
        return slack_error("unknown_method")

    def _window(self, request: Request, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        oldest = Decimal(request.arg("oldest") or "0")
        latest = Decimal(request.arg("latest") or "99999999999")
        inclusive = request.arg("inclusive") in ("true", "1")
        if inclusive:
            return [m for m in messages if oldest <= Decimal(m["ts"]) <= latest]
        return [m for m in messages if oldest < Decimal(m["ts"]) < latest]

    def _page(self, request: Request, messages: list[dict[str, Any]]) -> dict[str, Any]:
        limit = int_arg(request, "limit", 100, 999)
        cursor = request.arg("cursor")
        offset = _offset(cursor) if cursor else 0
        page = messages[offset : offset + limit]
        has_more = offset + limit < len(messages)
        return {
            "ok": True,
            "messages": page,
            "has_more": has_more,
            "response_metadata": {"next_cursor": _cursor(offset + limit) if has_more else ""},
        }

    def _history(self, request: Request) -> Response:
        channel = request.arg("channel") or ""
        if channel not in self.channels:
            return slack_error("channel_not_found")
        messages = sorted(
            self._window(request, self.channels[channel]),
            key=lambda m: Decimal(m["ts"]),
            reverse=True,
        )
        data = self._page(request, messages)
        data["pin_count"] = 0
        return Response.json(data)

    def _replies(self, request: Request) -> Response:
        channel = request.arg("channel") or ""
        ts = request.arg("ts") or ""
        if channel not in self.channels:
            return slack_error("channel_not_found")
        parent = next((m for m in self.channels[channel] if m["ts"] == ts), None)
        if parent is None:
            return slack_error("thread_not_found")
        replies = sorted(self.replies.get((channel, ts), []), key=lambda m: Decimal(m["ts"]))
        return Response.json(self._page(request, [parent, *self._window(request, replies)]))


def message(ts: str, text: str, user: str | None = None, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"type": "message", "ts": ts, "text": text, **extra}
    if user:
        data["user"] = user
    return data


def user(user_id: str, display_name: str, real_name: str) -> dict[str, Any]:
    return {
        "id": user_id,
        "name": real_name.lower().replace(" ", "."),
        "real_name": real_name,
        "profile": {"display_name": display_name, "real_name": real_name},
    }
