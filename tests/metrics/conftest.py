"""The web fixtures (app, client, make_user, anonymous) for the metrics tests too."""

from __future__ import annotations

from tests.web.conftest import anonymous, app, app_sessions, client, make_user

__all__ = ["anonymous", "app", "app_sessions", "client", "make_user"]
