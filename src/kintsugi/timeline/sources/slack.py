"""Slack: a channel's messages and their thread replies, with user names resolved.

``conversations.history`` and ``conversations.replies`` (cursor pagination through
``response_metadata.next_cursor``) and ``users.info``; ``Authorization: Bearer
$SLACK_BOT_TOKEN``. Slack reports most errors as ``{"ok": false, "error": ...}`` with HTTP 200,
and rate limits as HTTP 429 with ``Retry-After``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from kintsugi.timeline.events import Event, Kind, epoch_to_utc
from kintsugi.timeline.secrets import redact
from kintsugi.timeline.sources.base import HttpSource, SourceError, Window, field_of, text_of

PAGE_SIZE = 200
TITLE_LIMIT = 160
_AUTH_ERRORS = frozenset(
    {
        "not_authed",
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "no_permission",
        "missing_scope",
        "not_allowed_token_type",
        "ekm_access_denied",
    }
)
_SKIPPED_SUBTYPES = frozenset({"channel_join", "channel_leave", "group_join", "group_leave"})
_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_CHANNEL_MENTION = re.compile(r"<#([CG][A-Z0-9]+)\|([^>]*)>")
_LINK = re.compile(r"<((?:https?|mailto):[^>|]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
_TS = re.compile(r"^\d{1,12}(\.\d{1,6})?$")


class SlackSource(HttpSource):
    name = "slack"
    url_variable = "SLACK_API_URL"
    default_url = "https://slack.com/api"
    token_variable = "SLACK_BOT_TOKEN"

    def __init__(self, spec: str, channel: str, **kwargs: Any) -> None:
        super().__init__(spec, **kwargs)
        self.channel = channel
        self._users: dict[str, str] = {}

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def check_body(self, data: Any) -> None:
        if not isinstance(data, dict):
            raise self.error("answered JSON that is not an object")
        if data.get("ok") is True:
            return
        error = str(data.get("error") or "unknown_error")
        if error in _AUTH_ERRORS:
            needed = data.get("needed")
            extra = f", needs scope {needed}" if needed else ""
            raise self.error(
                f"Slack refused the token ({error}{extra}); check SLACK_BOT_TOKEN",
                variable=self.token_variable,
            )
        if error in ("channel_not_found", "not_in_channel"):
            raise self.error(f"channel {self.channel}: {error} (is the bot a member?)")
        raise self.error(f"Slack answered ok=false: {error}")

    def events(self, window: Window) -> Iterator[Event]:
        self.require_token()
        params = {
            "channel": self.channel,
            "oldest": f"{window.since.timestamp():.6f}",
            "latest": f"{window.until.timestamp():.6f}",
            "inclusive": "true",
            "limit": PAGE_SIZE,
        }
        for message in self._paged("/conversations.history", params):
            event = self._event(message, window)
            if event is not None:
                yield event
            if _is_thread_parent(message):
                yield from self._replies(str(message["ts"]), window)

    def _replies(self, thread_ts: str, window: Window) -> Iterator[Event]:
        params = {
            "channel": self.channel,
            "ts": thread_ts,
            "oldest": f"{window.since.timestamp():.6f}",
            "latest": f"{window.until.timestamp():.6f}",
            "inclusive": "true",
            "limit": PAGE_SIZE,
        }
        for message in self._paged("/conversations.replies", params):
            if message.get("ts") == thread_ts:
                continue  # the parent comes first in its replies; it is already in the history
            event = self._event(message, window, thread_ts)
            if event is not None:
                yield event

    def _paged(self, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            data = self.get_json(path, {**params, "cursor": cursor})
            messages = data.get("messages")
            if not isinstance(messages, list):
                raise self.error(f"{path.strip('/')} answered without a 'messages' list")
            for message in messages:
                if isinstance(message, dict):
                    yield message
            cursor = field_of(data, "response_metadata", "next_cursor") or None
            if not cursor:
                return
            if cursor in seen:
                raise self.error(f"pagination of {path.strip('/')} repeats the cursor")
            seen.add(cursor)

    def _event(
        self, message: dict[str, Any], window: Window, thread_ts: str | None = None
    ) -> Event | None:
        ts = message.get("ts")
        if not isinstance(ts, str) or not _TS.match(ts):
            return None
        if message.get("subtype") in _SKIPPED_SUBTYPES:
            return None
        at = epoch_to_utc(ts)
        if at not in window:
            return None
        # redact before the title is cut short: a cut secret may no longer have its shape
        text = self._plain(text_of(message, "text")) or _attachment_text(message)
        text = redact(text, self.secrets())
        first_line = text.strip().splitlines()[0] if text.strip() else "(no text)"
        title = (
            first_line if len(first_line) <= TITLE_LIMIT else first_line[: TITLE_LIMIT - 1] + "…"
        )
        detail = text.strip() if text.strip() != title else ""
        link = f"https://slack.com/archives/{self.channel}/p{ts.replace('.', '')}"
        if thread_ts:
            link += f"?thread_ts={thread_ts}&cid={self.channel}"
        return Event(
            at=at,
            source=self.name,
            source_id=f"{self.channel}/{ts}",
            kind=Kind.MESSAGE,
            title=title,
            detail=detail,
            actor=self._actor(message),
            link=link,
        )

    def _actor(self, message: dict[str, Any]) -> str | None:
        user = message.get("user")
        if isinstance(user, str) and user:
            return self.user_name(user)
        return (
            text_of(message, "username")
            or text_of(message, "bot_profile", "name")
            or text_of(message, "bot_id")
            or None
        )

    def user_name(self, user_id: str) -> str:
        """A user's display name (or real name, or handle), asked once per user."""
        name = self._users.get(user_id)
        if name is None:
            try:
                data = self.get_json("/users.info", {"user": user_id})
            except SourceError as exc:
                if "user_not_found" in exc.reason or "users_not_found" in exc.reason:
                    data = {}
                else:
                    raise
            user = field_of(data, "user")
            name = (
                text_of(user, "profile", "display_name")
                or text_of(user, "profile", "real_name")
                or text_of(user, "real_name")
                or text_of(user, "name")
                or user_id
            )
            self._users[user_id] = name
        return name

    def _plain(self, text: str) -> str:
        """Slack mrkdwn with mentions and links made readable."""
        if "<" not in text:
            return text
        text = _USER_MENTION.sub(lambda m: "@" + (m.group(2) or self.user_name(m.group(1))), text)
        text = _CHANNEL_MENTION.sub(lambda m: "#" + m.group(2), text)
        text = _SPECIAL.sub(lambda m: "@" + m.group(1), text)
        return _LINK.sub(lambda m: m.group(2) or m.group(1), text)


def _is_thread_parent(message: dict[str, Any]) -> bool:
    reply_count = message.get("reply_count")
    return (
        isinstance(reply_count, int)
        and reply_count > 0
        and message.get("thread_ts") in (None, message.get("ts"))
    )


def _attachment_text(message: dict[str, Any]) -> str:
    for attachment in message.get("attachments") or []:
        text = text_of(attachment, "text") or text_of(attachment, "fallback")
        if text:
            return text
    return ""
