"""Events from a JSON or CSV file, for any system without a source of its own.

JSON: a list of objects, or ``{"events": [...]}``. CSV: a header row, then one event a line.
Fields: ``at`` (or ``time``/``timestamp``, RFC 3339 with a zone, or epoch seconds; required),
``title`` (or ``text``/``event``; required), ``kind`` (see ``Kind``; default ``other``),
``detail``, ``actor``, ``link`` (or ``url``), ``id`` (keeps the event's identity across builds),
``alert`` (an alert name, so that the event folds with other sources' reports of it).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from kintsugi.core.errors import InputError
from kintsugi.timeline.events import AlertKey, Event, Kind, parse_time
from kintsugi.timeline.sources.base import Source, Window

KINDS = frozenset(k.value for k in Kind)
_TIME_FIELDS = ("at", "time", "timestamp")
_TITLE_FIELDS = ("title", "text", "event")


class FileSource(Source):
    name = "file"

    def __init__(self, spec: str, path: str) -> None:
        super().__init__(spec)
        self.path = Path(path)

    def events(self, window: Window) -> Iterator[Event]:
        for event in self.read():
            if event.at in window:
                yield event

    def read(self) -> Iterator[Event]:
        """Every event of the file; InputError naming the file, line and field of a problem."""
        where = str(self.path)
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            raise InputError(exc.strerror or str(exc), file=where) from exc
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError("is not UTF-8 text", file=where) from exc
        if self.path.suffix.lower() == ".csv" or (
            self.path.suffix.lower() != ".json" and not text.lstrip().startswith(("[", "{"))
        ):
            yield from self._read_csv(text, where)
        else:
            yield from self._read_json(text, where)

    def _read_json(self, text: str, where: str) -> Iterator[Event]:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc.msg}", file=where, line=exc.lineno) from exc
        if isinstance(data, dict) and "events" in data:
            data = data["events"]
        if not isinstance(data, list):
            raise InputError('expected a list of events or {"events": [...]}', file=where)
        for index, item in enumerate(data):
            if not isinstance(item, dict):
                raise InputError("is not an object", file=where, field=f"events[{index}]")
            yield _event(item, where, None, f"events[{index}].")

    def _read_csv(self, text: str, where: str) -> Iterator[Event]:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        try:
            header = [h.strip().lower() for h in (reader.fieldnames or [])]
            if not any(h in header for h in _TIME_FIELDS) or not any(
                h in header for h in _TITLE_FIELDS
            ):
                raise InputError(
                    "the header must name a time column (at/time/timestamp) and a title column "
                    "(title/text/event)",
                    file=where,
                    line=1,
                )
            reader.fieldnames = header
            for row in reader:
                if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                    continue
                yield _event(row, where, reader.line_num, "")
        except csv.Error as exc:
            raise InputError(
                f"not a readable CSV file: {exc}", file=where, line=reader.line_num
            ) from exc


def _first(item: Mapping[str, Any], names: tuple[str, ...]) -> tuple[str, Any]:
    for name in names:
        value = item.get(name)
        if value not in (None, ""):
            return name, value
    return names[0], None


def _text(item: Mapping[str, Any], *names: str) -> str:
    _name, value = _first(item, names)
    return "" if value is None else str(value).strip()


def _event(item: Mapping[str, Any], where: str, line: int | None, prefix: str) -> Event:
    name, value = _first(item, _TIME_FIELDS)
    if value is None:
        raise InputError("is missing", file=where, line=line, field=f"{prefix}at")
    try:
        at = parse_time(value)
    except (ValueError, OverflowError) as exc:
        raise InputError(
            f"{value!r} is not a time with a zone (write 2024-05-01T14:03:00Z or an offset)",
            file=where,
            line=line,
            field=f"{prefix}{name}",
        ) from exc
    title = _text(item, *_TITLE_FIELDS)
    if not title:
        raise InputError("is missing", file=where, line=line, field=f"{prefix}title")
    kind = _text(item, "kind").lower() or Kind.OTHER.value
    if kind not in KINDS:
        raise InputError(
            f"{kind!r} is not a kind; one of {', '.join(sorted(KINDS))}",
            file=where,
            line=line,
            field=f"{prefix}kind",
        )
    source_id = _text(item, "id", "source_id")
    if not source_id:
        digest = hashlib.sha256(f"{at.isoformat()}|{title}".encode()).hexdigest()[:20]
        source_id = f"sha256:{digest}"
    alert_name = _text(item, "alert")
    return Event(
        at=at,
        source="file",
        source_id=source_id,
        kind=kind,
        title=title,
        detail=_text(item, "detail", "description"),
        actor=_text(item, "actor") or None,
        link=_text(item, "link", "url") or None,
        alert=AlertKey.of(alert_name) if alert_name else None,
    )
