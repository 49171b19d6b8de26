"""Time zones by IANA name: read one a person typed (an InputError naming the field when it is
unknown), or one stored with a document (UTC when it is unknown), and show times in it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kintsugi.core.errors import InputError

DEFAULT_FORMAT = "%Y-%m-%d %H:%M %Z"


def _lookup(name: str) -> ZoneInfo | None:
    if name.startswith(("/", ".")) or ".." in name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def is_zone(name: str) -> bool:
    """Whether ``name`` is a known IANA zone."""
    return bool(name) and _lookup(name) is not None


def parse_zone(name: str | None, *, field: str = "timezone", required: bool = False) -> ZoneInfo:
    """The IANA zone ``name`` (UTC when empty, unless ``required``); an InputError naming
    ``field`` when it is unknown."""
    if not name and not required:
        return ZoneInfo("UTC")
    found = _lookup(name or "")
    if found is None:
        raise InputError(
            f"unknown time zone {name!r} (use an IANA name such as Europe/Copenhagen)",
            field=field,
        )
    return found


def zone_or_utc(name: str | None) -> ZoneInfo:
    """The zone a document or meeting stored (``name``), UTC when empty or unknown."""
    return (_lookup(name) if name else None) or ZoneInfo("UTC")


def to_local(at: datetime, name: str | None) -> datetime:
    """``at`` in the zone ``name`` (UTC when the zone is unknown)."""
    return at.astimezone(zone_or_utc(name))


def format_local(at: datetime | None, name: str | None, fmt: str = DEFAULT_FORMAT) -> str:
    """``at`` shown in the zone ``name`` ("-" when there is no time)."""
    if at is None:
        return "-"
    return to_local(at, name).strftime(fmt)
