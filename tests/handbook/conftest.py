"""Handbook fixtures: the web app's (the app on SQLite and PostgreSQL, users, an admin client)."""

from __future__ import annotations

from tests.web.conftest import anonymous, app, app_sessions, client, make_user

__all__ = ["anonymous", "app", "app_sessions", "client", "make_user"]
