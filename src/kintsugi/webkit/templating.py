"""The Jinja2 environment of the pages (autoescaping on)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from kintsugi.core.errors import ConfigurationError
from kintsugi.core.markdown_html import markdown_to_html
from kintsugi.core.zones import format_local
from kintsugi.notify.channels import configured_channels
from kintsugi.notify.config import NotifySettings
from kintsugi.people.permissions import can
from kintsugi.webkit.auth import identity
from kintsugi.webkit.messages import error_title

# the templates stay beside the app that serves them (with its static files)
TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "web" / "templates"


def _identity(request: Request) -> dict[str, Any]:
    found = identity(request)
    acting = getattr(request.state, "principal", None)  # the one the page's view acted as
    return {
        "me": acting or (found.principal if found else None),
        "csrf_token": found.csrf_token if found and found.csrf_token else "",
    }


templates = Jinja2Templates(directory=TEMPLATE_DIR, context_processors=[_identity])


def _markdown(text: str) -> Markup:
    return Markup(markdown_to_html(text or ""))


def _when(value: datetime | None, zone: str = "UTC", fmt: str = "%Y-%m-%d %H:%M %Z") -> str:
    return format_local(value, zone, fmt)


def _when_named(value: datetime | None, zone: str = "UTC") -> str:
    """``_when`` with the zone's name after it, unless the time already ends with it (UTC)."""
    shown = _when(value, zone)
    return shown if shown.endswith(f" {zone}") else f"{shown} ({zone})"


templates.env.filters["markdown"] = _markdown
templates.env.filters["when"] = _when
templates.env.filters["when_named"] = _when_named
templates.env.filters["label"] = lambda v: str(v or "-").replace("_", " ")


def _notify_channels() -> frozenset[str]:
    """The notification channels configured in the environment ("email", "slack", "sns"); none
    when their settings are incomplete (sending then says what is missing)."""
    try:
        return frozenset(configured_channels(NotifySettings()))
    except ConfigurationError:
        return frozenset()


# the pages offer a control only when the service would accept it: one rule, people/permissions
templates.env.globals["can"] = can
templates.env.globals["notify_channels"] = _notify_channels
templates.env.globals["error_title"] = error_title
