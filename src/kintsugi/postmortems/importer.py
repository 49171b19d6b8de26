"""Import Markdown post-mortems from files and folders, each file all-or-nothing."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from multiprocessing import get_context
from pathlib import Path
from typing import Annotated, Any

from pydantic import ConfigDict, PlainSerializer, TypeAdapter
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.db import refresh_statistics
from kintsugi.core.errors import InputError, KintsugiError
from kintsugi.people.principal import Principal
from kintsugi.postmortems import service
from kintsugi.postmortems.document import Document
from kintsugi.postmortems.markdown import decode_markdown, parse_markdown

MARKDOWN_SUFFIXES = (".md", ".markdown")
BATCH_SIZE = 200
PARSE_WORKERS = 2
PARALLEL_FROM = 200
ANALYZE_FROM = 500  # an import this large changes the tables enough to refresh statistics  # below this, starting worker processes costs more than it saves


def _file_and_id(stored: tuple[Path, str]) -> dict[str, str]:
    return {"file": str(stored[0]), "id": stored[1]}


def _located(error: InputError) -> dict[str, Any]:
    return {"file": error.file, "line": error.line, "field": error.field, "message": error.message}


Stored = Annotated[tuple[Path, str], PlainSerializer(_file_and_id)]
"""A file imported and the id it was stored as; on the wire ``{"file", "id"}``."""
Failed = Annotated[InputError, PlainSerializer(_located)]
"""A file that failed; on the wire ``{"file", "line", "field", "message"}``."""


@dataclass
class ImportResult:
    """What an import did, file by file."""

    __pydantic_config__ = ConfigDict(arbitrary_types_allowed=True)  # InputError, an exception

    created: list[Stored] = field(default_factory=list)
    updated: list[Stored] = field(default_factory=list)
    errors: list[Failed] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_json(self) -> dict[str, Any]:
        wire: dict[str, Any] = _WIRE.dump_python(self, mode="json")
        return wire


_WIRE = TypeAdapter(ImportResult)


def find_markdown_files(paths: Iterable[Path]) -> list[Path]:
    """The Markdown files named, and those found recursively in the folders named, sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file()
                    and p.suffix.lower() in MARKDOWN_SUFFIXES
                    and not any(part.startswith(".") for part in p.relative_to(path).parts)
                )
            )
        elif path.is_file():
            found.append(path)
        else:
            raise InputError("no such file or folder", file=str(path))
    return found


def read_document(path: Path, default_timezone: str = "UTC") -> Document:
    """Parse one Markdown file; its id comes from its front matter or its file name."""
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), file=source) from exc
    try:
        doc = parse_markdown(
            decode_markdown(data, source), source=source, default_timezone=default_timezone
        )
    except InputError as exc:
        raise exc.located(source) from exc
    if not doc.id:
        doc.id = service.slugify(path.stem)
    return doc


def _read_or_error(job: tuple[Path, str]) -> Document | InputError:
    """Parse one file, returning its error instead of raising (so it can cross processes)."""
    path, default_timezone = job
    try:
        return read_document(path, default_timezone)
    except InputError as exc:
        return exc if exc.file else exc.located(str(path))


def _parsed(files: list[Path], default_timezone: str) -> Iterator[Document | InputError]:
    """Parsed files in order; large imports parse in worker processes while the caller writes."""
    jobs = [(path, default_timezone) for path in files]
    workers = min(PARSE_WORKERS, os.cpu_count() or 1)
    if len(files) < PARALLEL_FROM or workers < 2:
        yield from map(_read_or_error, jobs)
        return
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("spawn"),
        initializer=_end_with_parent,
        initargs=(os.getpid(),),
    ) as pool:
        yield from pool.map(_read_or_error, jobs, chunksize=16)


def _end_with_parent(parent: int, every: float = 0.5) -> None:
    """In a parsing worker: exit once the importing process is gone (killed, say), instead of
    waiting for work forever."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(1)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()


def import_paths(
    sessions: sessionmaker[Session],
    paths: Iterable[Path],
    actor: Principal,
    *,
    strict: bool = False,
    default_timezone: str = "UTC",
    progress: Callable[[Path], None] | None = None,
) -> ImportResult:
    """Import every Markdown file under ``paths``.

    Each file goes in whole or not at all; with ``strict`` nothing goes in unless every file does.
    Files are committed in batches, so an interrupted import keeps what it reported done.
    """
    files = find_markdown_files(paths)
    result = ImportResult()
    seen_ids: dict[str, Path] = {}
    parsed = zip(files, _parsed(files, default_timezone), strict=True)
    size = len(files) if strict else BATCH_SIZE
    while batch := list(islice(parsed, size)):
        pending = ImportResult()
        with sessions() as session:
            rest = _import_new_in_bulk(session, batch, actor, seen_ids, pending)
            for path, doc in rest:
                _import_one(session, path, doc, actor, seen_ids, pending)
            if progress:
                for path, _ in batch:
                    progress(path)
            if strict and pending.errors:
                session.rollback()
                pending.created.clear()
                pending.updated.clear()
            else:
                session.commit()
        result.created += pending.created
        result.updated += pending.updated
        result.errors += pending.errors
    if len(result.created) + len(result.updated) >= ANALYZE_FROM:
        with sessions.begin() as session:
            refresh_statistics(session)
    return result


def _import_new_in_bulk(
    session: Session,
    batch: list[tuple[Path, Document | InputError]],
    actor: Principal,
    seen_ids: dict[str, Path],
    result: ImportResult,
) -> list[tuple[Path, Document | InputError]]:
    """Create the batch's new documents in bulk; returns what is left to import one by one
    (updates, errors, and everything when the bulk write fails)."""
    candidates = [
        (path, doc)
        for path, doc in batch
        if isinstance(doc, Document) and doc.id and doc.id not in seen_ids
    ]
    unique: dict[str, tuple[Path, Document]] = {}
    for path, doc in candidates:
        assert doc.id is not None
        unique.setdefault(doc.id, (path, doc))
    taken = service.existing_ids(session, list(unique))
    new = [(path, doc) for id, (path, doc) in unique.items() if id not in taken]
    if len(new) < 2:
        return batch
    try:
        with session.begin_nested():
            stored = service.create_documents(session, [doc for _, doc in new], actor)
    except KintsugiError:
        return batch  # one of them is at fault: the one-by-one path names it
    except SQLAlchemyError:
        return batch
    done = {id(doc) for _, doc in new}
    for (path, _), doc in zip(new, stored, strict=True):
        assert doc.id is not None
        seen_ids[doc.id] = path
        result.created.append((path, doc.id))
    return [(path, doc) for path, doc in batch if id(doc) not in done]


def _import_one(
    session: Session,
    path: Path,
    doc: Document | InputError,
    actor: Principal,
    seen_ids: dict[str, Path],
    result: ImportResult,
) -> None:
    try:
        if isinstance(doc, InputError):
            raise doc
        assert doc.id is not None
        if doc.id in seen_ids:
            raise InputError(
                f"has the same id {doc.id!r} as {seen_ids[doc.id]}; give one of them an `id:` "
                "in its front matter",
                file=str(path),
                field="id",
            )
        with session.begin_nested():
            stored, created = service.upsert_document(session, doc, actor)
    except InputError as exc:
        result.errors.append(exc if exc.file else exc.located(str(path)))
        return
    except KintsugiError as exc:
        result.errors.append(InputError(exc.message, file=str(path)))
        return
    assert stored.id is not None
    seen_ids[stored.id] = path
    (result.created if created else result.updated).append((path, stored.id))
