"""How well similar incidents finds the incidents that belong together: precision at k.

A labelled set is YAML: groups of incidents with a common cause or system. Either the reports
themselves (``groups: [{name, incidents: [{title, services, tags, summary, details}]}]``) or
pointers to Markdown post-mortems on disk (``groups: [{name, documents: [{path, sha256}]}]``,
paths relative to a corpus folder; a group named ``null`` holds documents that only stand in
the way). The set is loaded into a fresh SQLite database through the post-mortem service, and
every grouped document asks for its ``k`` most similar ones with each method.

Precision of one answer: how many of the ``k`` belong to the asker's group, divided by
``min(k, group size - 1)`` (so a group smaller than ``k + 1`` can still score 1).
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import PlainSerializer, TypeAdapter
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.db import make_engine, make_sessionmaker
from kintsugi.core.errors import ConfigurationError, InputError
from kintsugi.core.migrations import upgrade
from kintsugi.library.similar import INSTALL_HINT, load_encoder, similar
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems import service
from kintsugi.postmortems.document import Document, Section
from kintsugi.postmortems.importer import read_document

EVAL_METHODS = ("lexical", "embedding", "combined")
K = 5


@dataclass(frozen=True)
class Labelled:
    """One document of a labelled set and its group (None: in the collection, never asked)."""

    group: str | None
    document: Document


@dataclass
class LabelledSet:
    """The documents of a set, and the pointers that could not be used (file, reason)."""

    documents: list[Labelled] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class MethodScore:
    """Mean precision at k of one method over every asking document, and per group."""

    method: str
    precision: float
    per_group: dict[str, float]

    def to_json(self) -> dict[str, Any]:
        wire: dict[str, Any] = _SCORE_WIRE.dump_python(self, mode="json")
        return wire


def _file_and_reason(skipped: tuple[str, str]) -> dict[str, str]:
    return {"file": skipped[0], "reason": skipped[1]}


Skipped = Annotated[tuple[str, str], PlainSerializer(_file_and_reason)]
"""A pointer that could not be used, (file, reason); on the wire ``{"file", "reason"}``."""


@dataclass(frozen=True)
class Evaluation:
    """Precision at ``k`` of each method on one labelled set."""

    k: int
    documents: int
    queries: int
    groups: int
    scores: list[MethodScore]
    skipped: list[Skipped]

    def score(self, method: str) -> float:
        return next(s.precision for s in self.scores if s.method == method)

    def to_json(self) -> dict[str, Any]:
        wire: dict[str, Any] = _WIRE.dump_python(self, mode="json")
        return wire


_SCORE_WIRE = TypeAdapter(MethodScore)
_WIRE = TypeAdapter(Evaluation)


def _read_yaml(path: Path) -> list[dict[str, Any]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), file=str(path)) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputError(f"not valid YAML: {exc}", file=str(path), line=line) from exc
    groups = data.get("groups") if isinstance(data, dict) else None
    if not isinstance(groups, list) or not all(isinstance(g, dict) for g in groups):
        raise InputError("expected a mapping with a list of groups", file=str(path), field="groups")
    return groups


def _text(item: dict[str, Any], name: str, path: Path, where: str) -> str:
    value = item.get(name, "")
    if not isinstance(value, str) or (name == "title" and not value.strip()):
        raise InputError(f"{where}: {name} must be text", file=str(path), field=name)
    return value


def _words(item: dict[str, Any], name: str, path: Path, where: str) -> list[str]:
    value = item.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{where}: {name} must be a list of text", file=str(path), field=name)
    return value


def load_written(path: Path) -> LabelledSet:
    """A set of reports written out in YAML (title, services, tags, summary, details)."""
    loaded = LabelledSet()
    for number, group in enumerate(_read_yaml(path), start=1):
        name = group.get("name")
        incidents = group.get("incidents")
        if not isinstance(name, str) or not isinstance(incidents, list):
            raise InputError(f"group {number} needs a name and a list of incidents", file=str(path))
        for position, item in enumerate(incidents, start=1):
            where = f"{name} #{position}"
            if not isinstance(item, dict):
                raise InputError(f"{where}: expected a mapping", file=str(path))
            sections = [
                Section(
                    key="summary", heading="Summary", markdown=_text(item, "summary", path, where)
                ),
                Section(
                    key="root_cause",
                    heading="What happened",
                    markdown=_text(item, "details", path, where),
                ),
            ]
            loaded.documents.append(
                Labelled(
                    name,
                    Document(
                        # a neutral id: the id is indexed, and must not name the group
                        id=f"report-{len(loaded.documents) + 1:03d}",
                        title=_text(item, "title", path, where),
                        services=_words(item, "services", path, where),
                        tags=_words(item, "tags", path, where),
                        sections=[s for s in sections if s.markdown.strip()],
                    ),
                )
            )
    return loaded


def load_pointers(path: Path, corpus: Path) -> LabelledSet:
    """A set of pointers to Markdown post-mortems under ``corpus`` (path and SHA-256 each).

    A pointer whose file is missing or whose content changed is skipped, with the reason.
    """
    loaded = LabelledSet()
    for number, group in enumerate(_read_yaml(path), start=1):
        name = group.get("name")
        documents = group.get("documents")
        if not (name is None or isinstance(name, str)) or not isinstance(documents, list):
            raise InputError(f"group {number} needs a name and a list of documents", file=str(path))
        for pointer in documents:
            if not isinstance(pointer, dict) or not isinstance(pointer.get("path"), str):
                raise InputError(f"group {name}: a document needs a path", file=str(path))
            relative = pointer["path"]
            file = corpus / relative
            if not file.is_file():
                loaded.skipped.append((relative, "missing"))
                continue
            if hashlib.sha256(file.read_bytes()).hexdigest() != pointer.get("sha256"):
                loaded.skipped.append((relative, "content differs from its recorded SHA-256"))
                continue
            loaded.documents.append(Labelled(name, read_document(file)))
    return loaded


def load_set(path: Path, corpus: Path | None = None) -> LabelledSet:
    """A labelled set of either kind: pointers (groups list ``documents``, read under
    ``corpus``) or written reports (groups list ``incidents``)."""
    groups = _read_yaml(path)
    if any("documents" in group for group in groups):
        if corpus is None:
            raise InputError(
                "this set points to files: give the folder they are in (--corpus)", file=str(path)
            )
        return load_pointers(path, corpus)
    return load_written(path)


def precision_at(found: Sequence[str], relevant: set[str], k: int) -> float:
    """Share of the first ``k`` of ``found`` that are ``relevant``, out of at most ``k``
    attainable (``min(k, len(relevant))``)."""
    attainable = min(k, len(relevant))
    if attainable == 0:
        raise ValueError("nothing is relevant: the group has a single document")
    return sum(1 for id in found[:k] if id in relevant) / attainable


def _store(sessions: sessionmaker[Session], documents: list[Labelled]) -> dict[str, str | None]:
    """Store the documents; returns stored id -> group."""
    groups: dict[str, str | None] = {}
    with sessions.begin() as session:
        for labelled in documents:
            doc = labelled.document.model_copy(deep=True)
            doc.id = service.slugify(doc.id or doc.title)
            stored = service.create_document(session, doc, SYSTEM)
            assert stored.id is not None
            groups[stored.id] = labelled.group
    return groups


def evaluate(
    documents: LabelledSet,
    *,
    methods: Sequence[str] = EVAL_METHODS,
    k: int = K,
    progress: Callable[[int, int], None] | None = None,
) -> Evaluation:
    """Precision at ``k`` of each method, on a fresh temporary database holding the set."""
    unknown = [m for m in methods if m not in EVAL_METHODS]
    if unknown:
        raise InputError(f"unknown method {unknown[0]!r}; one of {', '.join(EVAL_METHODS)}")
    encoder = load_encoder() if set(methods) - {"lexical"} else None
    if encoder is None and set(methods) - {"lexical"}:
        raise ConfigurationError(f"the embedding model is not installed: {INSTALL_HINT}")
    if not documents.documents:
        raise InputError("the labelled set holds no documents")
    with tempfile.TemporaryDirectory(prefix="kintsugi-similar-eval-") as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'eval.db'}")
        try:
            upgrade(engine)
            sessions = make_sessionmaker(engine, writes=True)
            groups = _store(sessions, documents.documents)
            if encoder is not None:
                from kintsugi.library.vectors import refresh_vectors

                refresh_vectors(sessions, encoder)
            members: dict[str, set[str]] = {}
            for id, group in groups.items():
                if group is not None:
                    members.setdefault(group, set()).add(id)
            asking = sorted(id for id, g in groups.items() if g is not None and len(members[g]) > 1)
            scores = []
            done, total = 0, len(asking) * len(methods)
            for method in methods:
                per_group: dict[str, list[float]] = {}
                with sessions.begin() as session:
                    for id in asking:
                        group = groups[id]
                        assert group is not None
                        answer = similar(
                            session, SYSTEM, id, limit=k, method=method, encoder=encoder
                        )
                        found = [r.id for r in answer.results]
                        per_group.setdefault(group, []).append(
                            precision_at(found, members[group] - {id}, k)
                        )
                        done += 1
                        if progress:
                            progress(done, total)
                every = [p for values in per_group.values() for p in values]
                scores.append(
                    MethodScore(
                        method,
                        round(sum(every) / len(every), 4) if every else 0.0,
                        {g: round(sum(v) / len(v), 4) for g, v in sorted(per_group.items())},
                    )
                )
        finally:
            engine.dispose()
    return Evaluation(
        k=k,
        documents=len(groups),
        queries=len(asking),
        groups=len([g for g, ids in members.items() if len(ids) > 1]),
        scores=scores,
        skipped=documents.skipped,
    )
