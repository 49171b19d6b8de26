"""Error messages in the words of the pages: field names as people read them, refusals with
the role they need. The JSON API keeps the field names of its schema."""

from __future__ import annotations

from kintsugi.core.errors import InputError, KintsugiError

FIELD_LABELS = {
    "wont_do_reason": "reason for won't do",
    "base_version": "version the change was based on",
    "override_reason": "reason to publish anyway",
    "started_at": "started at",
    "detected_at": "detected at",
    "resolved_at": "resolved at",
    "timezone": "time zone",
    "due": "due date",
    "owner": "owner",
    "status": "status",
    "at": "time",
}


def field_label(name: str) -> str:
    """A form field's name as a person reads it (``wont_do_reason``: "reason for won't do")."""
    return FIELD_LABELS.get(name, name.replace("_", " "))


def human_message(exc: KintsugiError) -> str:
    """The error's message, naming its field the way the page does."""
    if isinstance(exc, InputError) and exc.field:
        located = InputError(exc.message, file=exc.file, line=exc.line)
        return f"{field_label(exc.field)}: {located}"
    return str(exc)


TITLES = {
    403: "You can't do that here",
    404: "Not found",
    409: "Changed meanwhile",
    503: "Not saved: try again shortly",
}


def error_title(status_code: int) -> str:
    """The heading of an error page or fragment."""
    return TITLES.get(status_code, "Something needs fixing")
