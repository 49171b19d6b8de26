"""Times, dates, zones and durations as post-mortems write them.

Timeline entries come in many shapes: ``2023-04-11 11:20``, ``2021-12-10   15:40``, ``**16:58 UTC**``,
``22:30 UTC (Oct 29)``, ``Jan 14, 10:18 AM``, ``2024-03-13 14:??`` (the day is known, the time is
not), ``2022-02-?? ??:??`` (nothing usable). :func:`parse_when` reads one of these at the start of a
text and says what it found; the callers decide what an entry without a usable time means.

Zones are named as the documents name them (``UTC``, ``CET``, ``Pacific Time``, IANA names, fixed
offsets) and kept under a name :class:`zoneinfo.ZoneInfo` accepts; ``CET`` is tzdata's ``CET``
zone, which observes summer time (a Danish "CET" timeline in June is read as UTC+2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache

from kintsugi.core.zones import is_zone, zone_or_utc

# -- zones -------------------------------------------------------------------------------------

_ZONE_ALIASES: dict[str, str] = {
    "utc": "UTC",
    "z": "UTC",
    "zulu": "UTC",
    "gmt": "GMT",
    "cet": "CET",
    "cest": "CET",
    "central european time": "CET",
    "eet": "EET",
    "eest": "EET",
    "wet": "WET",
    "west": "WET",
    "bst": "Europe/London",
    "pt": "America/Los_Angeles",
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
    "pacific": "America/Los_Angeles",
    "pacific time": "America/Los_Angeles",
    "pacific standard time": "America/Los_Angeles",
    "pacific daylight time": "America/Los_Angeles",
    "mt": "America/Denver",
    "mst": "America/Denver",
    "mdt": "America/Denver",
    "mountain time": "America/Denver",
    "ct": "America/Chicago",
    "cst": "America/Chicago",
    "cdt": "America/Chicago",
    "central time": "America/Chicago",
    "et": "America/New_York",
    "est": "America/New_York",
    "edt": "America/New_York",
    "eastern time": "America/New_York",
    "eastern standard time": "America/New_York",
    "eastern daylight time": "America/New_York",
    "ist": "Asia/Kolkata",
    "jst": "Asia/Tokyo",
    "aest": "Australia/Sydney",
    "aedt": "Australia/Sydney",
}

_OFFSET = r"(?:(?:UTC|GMT)\s?[+-]\d{1,2}(?::?\d{2})?|[+-]\d{2}:?\d{2})"
_ZONE_WORDS = (
    r"(?:Pacific|Mountain|Central|Eastern)(?:\s+(?:Standard|Daylight))?\s+Time"
    r"|Central\s+European\s+Time"
    r"|[A-Z][A-Za-z_]+(?:/[A-Za-z_]+(?:-[A-Za-z_]+)*){1,2}(?:[+-]\d{1,2})?"
    r"|UTC|GMT|CEST|CET|EEST|EET|WEST|WET|BST|PST|PDT|MST|MDT|CST|CDT|EST|EDT|IST|JST|AEST|AEDT"
    r"|PT|MT|CT|ET|Zulu"
)
ZONE_PATTERN = rf"(?:{_OFFSET}|(?:{_ZONE_WORDS})(?![A-Za-z/]))"

_ZONE_STATEMENT = re.compile(
    rf"\btimes?\b(?:\s+(?:are|is|were|shown|given|listed|stated|below))*"
    rf"(?:\s+(?:in|as))?\s*[(:]?\s*(?P<zone>{ZONE_PATTERN})",
    re.IGNORECASE,
)
_HEADER_ZONE = re.compile(rf"(?<![A-Za-z])(?P<zone>{ZONE_PATTERN})")
_OFFSET_RE = re.compile(r"^(?:UTC|GMT)?\s?([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


@lru_cache(maxsize=512)
def resolve_zone(name: str) -> str | None:
    """The canonical name of a zone as documents write it (``CET``, ``Pacific Time``, ``UTC+2``).

    Returns a name :class:`zoneinfo.ZoneInfo` accepts, or None when the zone is unknown.
    """
    text = " ".join(name.split())
    if not text:
        return None
    alias = _ZONE_ALIASES.get(text.lower())
    if alias:
        return alias
    offset = _OFFSET_RE.match(text)
    if offset:
        sign, hours, minutes = offset.groups()
        if minutes not in (None, "00") or int(hours) > 14:
            return None
        if int(hours) == 0:
            return "UTC"
        # POSIX-style Etc names invert the sign: Etc/GMT-2 is two hours ahead of UTC.
        return f"Etc/GMT{'-' if sign == '+' else '+'}{int(hours)}"
    if "/" in text or text in {"UTC", "GMT", "CET", "EET", "WET", "MET", "EST", "MST", "HST"}:
        return text if is_zone(text) else None
    return None


@lru_cache(maxsize=512)
def zone_info(name: str) -> tzinfo:
    """The tzinfo for a canonical zone name (see :func:`resolve_zone`); UTC when unknown."""
    return UTC if name == "UTC" or not is_zone(name) else zone_or_utc(name)


def _offset_tz(text: str) -> tzinfo | None:
    offset = _OFFSET_RE.match(" ".join(text.split()))
    if not offset:
        return None
    sign, hours, minutes = offset.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
    if delta >= timedelta(hours=24):
        return None
    return timezone(-delta if sign == "-" else delta)


def zone_for_token(token: str) -> tuple[str | None, tzinfo | None]:
    """(canonical name, tzinfo) for a zone written next to a time; a fixed offset has no name."""
    name = resolve_zone(token)
    if name:
        return name, zone_info(name)
    return None, _offset_tz(token)


def find_zone_statement(text: str) -> str | None:
    """The zone a sentence such as "All times in CET." or "(all times in Pacific Time)" states."""
    if "time" not in text.lower():
        return None
    for match in _ZONE_STATEMENT.finditer(text):
        name = resolve_zone(match.group("zone"))
        if name:
            return name
    return None


def find_header_zone(text: str) -> str | None:
    """The zone a time column's header states: "Time (UTC)", "Date and Time in CET"."""
    for match in _HEADER_ZONE.finditer(text):
        name = resolve_zone(match.group("zone"))
        if name:
            return name
    return None


# -- dates -------------------------------------------------------------------------------------

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("Jan", "January"),
        ("Feb", "February"),
        ("Mar", "March"),
        ("Apr", "April"),
        ("May",),
        ("Jun", "June"),
        ("Jul", "July"),
        ("Aug", "August"),
        ("Sep", "Sept", "September"),
        ("Oct", "October"),
        ("Nov", "November"),
        ("Dec", "December"),
    ),
    start=1,
):
    for _name in _names:
        _MONTHS[_name.lower()] = _number

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?"
    r"|JAN(?:UARY)?|FEB(?:RUARY)?|MAR(?:CH)?|APR(?:IL)?|MAY|JUNE?|JULY?|AUG(?:UST)?"
    r"|SEP(?:T(?:EMBER)?)?|OCT(?:OBER)?|NOV(?:EMBER)?|DEC(?:EMBER)?)"
)
_ORD = r"(?:st|nd|rd|th)?"
_WEEKDAY = r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?,?\s+(?:the\s+)?)?"
_DATE = (
    rf"{_WEEKDAY}(?:"
    rf"(?P<iy>\d{{4}})(?P<isep>[-/.])(?P<im>\d{{1,2}})(?P=isep)(?P<id>\d{{1,2}})(?![\d:])"
    rf"|(?P<mm>{_MONTH})\.?\s+(?P<md>\d{{1,2}}){_ORD}(?![\d:])(?:\s*[-–]\s*\d{{1,2}}{_ORD}(?![\d:]))?"
    rf"(?:,?\s+(?P<my>\d{{4}})(?![\d:]))?"
    rf"|(?P<dd>\d{{1,2}}){_ORD}\.?(?:\s+of)?\s+(?P<dm>{_MONTH})\b\.?(?:,?\s+(?P<dy>\d{{4}})(?![\d:]))?"
    # month-day before a time, as Kubernetes post-mortems write "[12-05 16:21]"
    rf"|(?P<nm>\d{{1,2}})-(?P<nd>\d{{1,2}})(?=[ T]\d{{1,2}}:\d{{2}})"
    rf")"
)
_DATE_RE = re.compile(rf"(?<![\w/-]){_DATE}")
DATE_VALUE = (
    rf"\d{{4}}-\d{{1,2}}-\d{{1,2}}(?!\d)|{_MONTH}\.?\s+\d{{1,2}}{_ORD},?\s+\d{{4}}"
    rf"|\d{{1,2}}{_ORD}\s+{_MONTH}\.?,?\s+\d{{4}}"
)
_FILE_DATE_RE = re.compile(r"(?<!\d)(\d{4})[-_.](\d{2})[-_.](\d{2})(?!\d)")


@dataclass(frozen=True)
class _DateMatch:
    year: int | None
    month: int
    day: int
    start: int
    end: int
    numeric: bool = False  # "12-05": month-day in figures


def _date_from_match(match: re.Match[str]) -> _DateMatch | None:
    groups = match.groupdict()
    if groups["iy"]:
        year: int | None = int(groups["iy"])
        month, day = int(groups["im"]), int(groups["id"])
    elif groups["nm"]:
        month, day, year = int(groups["nm"]), int(groups["nd"]), None
    elif groups["mm"]:
        month = _MONTHS[groups["mm"].lower()]
        day = int(groups["md"])
        year = int(groups["my"]) if groups["my"] else None
    else:
        month = _MONTHS[groups["dm"].lower()]
        day = int(groups["dd"])
        year = int(groups["dy"]) if groups["dy"] else None
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    numeric = bool(groups["nm"])
    return _DateMatch(year, month, day, match.start(), match.end(), numeric)


def _make_date(found: _DateMatch, context: date | None) -> date | None:
    year = found.year if found.year is not None else (context.year if context else None)
    if year is None:
        return None
    if found.numeric and context is not None and found.year is None:
        year = _numeric_year(found.month, found.day, context)
    try:
        return date(year, found.month, found.day)
    except ValueError:
        return None


def _numeric_year(month: int, day: int, context: date) -> int:
    """The year of a yearless "12-05" entry: the context's, the year before when the month is
    after the context's (an incident on January 2nd, an entry of December 31st), and the year
    after for an entry a few days past a new year the timeline crossed."""
    if month > context.month:
        return context.year - 1
    if month < context.month:
        try:
            ahead = date(context.year + 1, month, day) - context
        except ValueError:
            return context.year
        if ahead.days <= 31:
            return context.year + 1
    return context.year


def find_date(text: str, context: date | None = None, *, need_year: bool = False) -> date | None:
    """The first calendar date written in ``text`` ("September 29, 2025", "2019-12-05", "Oct 29").

    Dates without a year take the year of ``context``; with ``need_year`` they are skipped.
    """
    for match in _DATE_RE.finditer(text):
        found = _date_from_match(match)
        if found is None or (need_year and found.year is None):
            continue
        value = _make_date(found, context)
        if value is not None:
            return value
    return None


def parse_date(text: str) -> date | None:
    """A whole text that is one calendar date with its year ("2025-12-01", "Dec 1, 2025")."""
    match = _DATE_RE.fullmatch(text.strip())
    if not match:
        return None
    found = _date_from_match(match)
    if found is None or found.year is None:
        return None
    return _make_date(found, None)


def date_from_file_name(name: str) -> date | None:
    """A date such as ``2025-09-29`` in a file name, if there is one."""
    match = _FILE_DATE_RE.search(name)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


# -- times -------------------------------------------------------------------------------------

_APPROX = re.compile(
    r"(?:~|≈|approx\.?\s*|approximately\s+|around\s+|about\s+|ca\.\s*|c\.\s*)+", re.I
)
_DATE_AT = re.compile(_DATE)
_UNKNOWN_DATE_AT = re.compile(
    r"(?:\d{3,5}|[0-9xXyY]{4})(?:/\d{2})?[-/.](?:\d{1,2}|\?\?|MM|mm|xx|XX)[-/.]"
    r"(?:\d{1,2}|\?\?|DD|dd|xx|XX)(?![\d])"
)
_TIME_AT = re.compile(
    r"(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,]\d+)?)?(?!\d)"
    r"(?:\s*(?P<ampm>[AaPp]\.?[Mm]\.?)(?![A-Za-z]))?"
    r"|(?P<h12>\d{1,2})\s*(?P<ampm12>[AaPp]\.?[Mm]\.?)(?![A-Za-z])"
)
_UNKNOWN_TIME_AT = re.compile(
    r"(?:HH|hh|--|\?\?|xx|XX|\d{1,2}):(?:mm|MM|--|\?\?|xx|XX)(?::(?:ss|SS|\?\?))?"
)
_DATE_TIME_SEP = re.compile(r"(?:T|\s*,\s*|\s+(?:at\s+|@\s*)?)")
_RANGE_AT = re.compile(
    r"\s*(?:-|–|—|to)\s*(?:\d{1,2}:(?:\d{2}|\?\?)(?:\s*[AaPp]\.?[Mm]\.?)?|HH:mm|\?\?:\?\?)"
)
_ZONE_AT = re.compile(rf"\s*(?:(?P<zone>{ZONE_PATTERN})|\(\s*(?P<pzone>{ZONE_PATTERN})\s*\))")
_ZULU_AT = re.compile(r"Z(?![A-Za-z])")
_PAREN_DATE_AT = re.compile(rf"\s*(?:\(\s*(?:on\s+)?|,?\s+on\s+)(?:{_DATE})(?:\s*\))?")


@dataclass(frozen=True)
class When:
    """What :func:`parse_when` read at the start of a text.

    ``at`` is None when the entry cannot be placed in time; ``date`` is the calendar day it names
    (for following entries that give only a time); ``needs_context`` says that the entry would
    have been placed with a day to go on (a bare time, or a date without a year).
    """

    at: datetime | None
    precision: str
    end: int
    date: date | None = None
    zone: str | None = None
    needs_context: bool = False


def _clock(match: re.Match[str]) -> tuple[int, int, int] | None:
    groups = match.groupdict()
    if groups["h12"] is not None:
        hour, minute, second, ampm = int(groups["h12"]), 0, 0, groups["ampm12"]
    else:
        hour, minute = int(groups["h"]), int(groups["mi"])
        second = int(groups["s"]) if groups["s"] else 0
        ampm = groups["ampm"]
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm[0] in "Pp" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return hour, minute, second


def fixed_offset(value: datetime) -> datetime:
    """``value`` with its zone's offset at that moment as a fixed offset.

    A wall time in a zone's gap (spring forward) moves to the real time it names; a time in the
    overlap keeps its first offset. Fixed offsets keep comparisons exact: Python never finds a
    datetime in a zone's overlap equal to one in another zone.
    """
    tz = value.tzinfo
    if tz is None or isinstance(tz, timezone):
        return value
    local = value.astimezone(UTC).astimezone(tz)
    offset = local.utcoffset()
    return local.replace(tzinfo=timezone(offset)) if offset is not None else local


def _aware(day: date, clock: tuple[int, int, int] | None, tz: tzinfo) -> datetime | None:
    hour, minute, second = clock or (0, 0, 0)
    try:
        return fixed_offset(datetime.combine(day, time(hour, minute, second), tz))
    except (OverflowError, ValueError):
        return None


def parse_when(text: str, *, context: date | None, tz: tzinfo, pos: int = 0) -> When | None:
    """Read a time, a date or both at ``pos`` in ``text``; None when nothing time-like is there.

    ``context`` is the day that a bare time ("16:58") falls on; ``tz`` the zone of times that name
    none. A recognisable but unusable entry ("2022-02-?? ??:??", "20xx-MM-DD") gives ``at=None``.
    """
    approx = _APPROX.match(text, pos)
    if approx:
        pos = approx.end()
    day: date | None = None
    day_known = False
    recognised = False
    date_written = False
    yearless = False
    date_match = _DATE_AT.match(text, pos)
    if date_match:
        found = _date_from_match(date_match)
        recognised = date_written = True
        if found is not None:
            yearless = found.year is None
            day = _make_date(found, context)
            day_known = day is not None
        pos = date_match.end()
    else:
        unknown = _UNKNOWN_DATE_AT.match(text, pos)
        if unknown:
            recognised = date_written = True
            pos = unknown.end()
    clock: tuple[int, int, int] | None = None
    clock_unknown = False
    sep = _DATE_TIME_SEP.match(text, pos) if recognised else None
    time_pos = sep.end() if sep else pos
    time_match = _TIME_AT.match(text, time_pos)
    if time_match:
        clock = _clock(time_match)
        clock_unknown = clock is None
        recognised = True
        pos = time_match.end()
    else:
        unknown_time = _UNKNOWN_TIME_AT.match(text, time_pos)
        if unknown_time:
            clock_unknown = True
            recognised = True
            pos = unknown_time.end()
    if not recognised:
        return None
    zone_name: str | None = None
    event_tz = tz
    if clock is not None or clock_unknown:
        approx = _APPROX.match(text, pos)
        if approx:
            pos = approx.end()
        ranged = _RANGE_AT.match(text, pos)
        if ranged:
            pos = ranged.end()
        zulu = _ZULU_AT.match(text, pos)
        zone = None if zulu else _ZONE_AT.match(text, pos)
        if zulu:
            zone_name, event_tz, pos = "UTC", UTC, zulu.end()
        elif zone:
            name, found_tz = zone_for_token(zone.group("zone") or zone.group("pzone"))
            if found_tz is not None:
                zone_name, event_tz, pos = name, found_tz, zone.end()
        if not date_written:
            paren = _PAREN_DATE_AT.match(text, pos)
            if paren:
                found = _date_from_match(paren)
                date_written = True
                if found is not None:
                    yearless = found.year is None
                    day = _make_date(found, context)
                    day_known = day is not None
                pos = paren.end()
    approx = _APPROX.match(text, pos)
    if approx:
        pos = approx.end()
    if not date_written:
        day = context
        day_known = context is not None
    needs_context = context is None and (yearless or not date_written)
    if not day_known or day is None:
        return When(None, "minute", pos, None, zone_name, needs_context)
    if clock_unknown or clock is None:
        at = _aware(day, None, event_tz)
        return When(at, "day" if at else "minute", pos, day, zone_name, needs_context)
    precision = "second" if clock[2] else "minute"
    at = _aware(day, clock, event_tz)
    if at is None:
        return When(None, "minute", pos, None, zone_name, needs_context)
    return When(at, precision, pos, day, zone_name, needs_context)


_DATE_LINE_PREFIX = re.compile(r"(?:\*\*|__|\*|_|#+[ \t]*)?(?:[Oo]n[ \t]+)?")


def leading_date(text: str, context: date | None) -> date | None:
    """The date a line begins with ("October 21, 2025 - Redis overload", "**Oct 29**"), if any."""
    prefix = _DATE_LINE_PREFIX.match(text)
    match = _DATE_AT.match(text, prefix.end() if prefix else 0)
    if not match:
        return None
    found = _date_from_match(match)
    return _make_date(found, context) if found else None


# -- durations ---------------------------------------------------------------------------------

_DURATION_PART = re.compile(
    r"(\d+(?:\.\d+)?)\s*(days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b", re.I
)
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(text: str) -> timedelta | None:
    """A duration such as "544 minutes", "19 hours 43 minutes." or "11 Days"; None otherwise."""
    total = 0.0
    found = False
    for match in _DURATION_PART.finditer(text):
        unit = match.group(2).lower()
        key = "m" if unit.startswith("min") or unit == "m" else unit[0]
        total += float(match.group(1)) * _UNIT_SECONDS[key]
        found = True
    if not found or total > 3650 * 86400:
        return None
    return timedelta(seconds=round(total))


# -- formatting --------------------------------------------------------------------------------


def format_when(at: datetime, precision: str, tz: tzinfo) -> str:
    """``at`` as a timeline writes it in ``tz``: "2025-09-29 16:58", or the day alone."""
    local = at.astimezone(tz)
    day = f"{local.year:04d}-{local.month:02d}-{local.day:02d}"
    if precision == "day":
        return day
    if precision == "second" or local.second:
        return f"{day} {local.hour:02d}:{local.minute:02d}:{local.second:02d}"
    return f"{day} {local.hour:02d}:{local.minute:02d}"
