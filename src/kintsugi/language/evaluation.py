"""Precision and recall of the linter on a labelled set of sentences (JSON Lines).

Each line is ``{"label": "blameful"|"blameless", "id"?, "rule"?, "kind"?, "origin"?, ...}``
with either ``"text"`` (a sentence written for Kintsugi) or ``"pointer": {"file", "start",
"end", "sha256"}`` (a sentence of a real post-mortem in the corpus, by character offsets and
the SHA-256 of its text, so that the repository keeps no copy of it). Pointer rows are read
only when the corpus is given.
A sentence counts as flagged when the linter reports any finding in it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kintsugi.core.errors import InputError
from kintsugi.language.linter import Linter

LABELS = ("blameful", "blameless")


@dataclass(frozen=True)
class Sample:
    """One labelled sentence."""

    text: str
    label: str
    rule: str | None
    source: str
    origin: str
    kind: str = ""
    id: str = ""


@dataclass(frozen=True)
class Pointer:
    """Where a real sentence is: a corpus file (relative path), character offsets, a hash."""

    file: str
    start: int
    end: int
    sha256: str


@dataclass
class LabelledSplit:
    """A split's samples; ``unresolved`` holds the corpus rows left out (no corpus here)."""

    samples: list[Sample]
    unresolved: list[tuple[str, Pointer]] = field(default_factory=list)


@dataclass
class Scores:
    """Confusion counts and the sentences behind the errors."""

    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    true_negatives: int = 0
    misses: list[Sample] = field(default_factory=list)
    false_alarms: list[tuple[Sample, list[str]]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        blameful = self.true_positives + self.false_negatives
        return self.true_positives / blameful if blameful else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "tp": self.true_positives,
            "fp": self.false_positives,
            "fn": self.false_negatives,
            "tn": self.true_negatives,
        }


def load_samples(path: Path, corpus: Path | None = None) -> list[Sample]:
    """Read a labelled set; rows that point into the corpus need ``corpus`` (else left out).

    InputError names the bad line.
    """
    return load_split(path, corpus).samples


def digest(text: str) -> str:
    """The SHA-256 (hex) that a pointer records for its sentence."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _pointer(data: object, where: str, number: int) -> Pointer:
    if not isinstance(data, dict):
        raise InputError("pointer must be an object", file=where, line=number, field="pointer")
    file, start, end, sha = (data.get(k) for k in ("file", "start", "end", "sha256"))
    if (
        not isinstance(file, str)
        or not file
        or ".." in Path(file).parts
        or Path(file).is_absolute()
        or not isinstance(start, int)
        or not isinstance(end, int)
        or not 0 <= start < end
        or not isinstance(sha, str)
        or len(sha) != 64
    ):
        raise InputError(
            "pointer needs a relative file, 0 <= start < end and a sha256",
            file=where,
            line=number,
            field="pointer",
        )
    return Pointer(file, start, end, sha)


def resolve(pointer: Pointer, corpus: Path) -> str:
    """The sentence a pointer names; InputError when the file or its text changed."""
    path = corpus / pointer.file
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise InputError("cannot read the corpus file", file=str(path)) from None
    sentence = text[pointer.start : pointer.end]
    if digest(sentence) != pointer.sha256:
        raise InputError(
            f"the text at {pointer.start}-{pointer.end} no longer matches its sha256",
            file=str(path),
        )
    return sentence


def load_split(path: Path, corpus: Path | None) -> LabelledSplit:
    """Read a split; corpus rows are resolved in ``corpus``, or left out when it is None.

    InputError names the bad line (or the corpus file whose text changed).
    """
    split = LabelledSplit(samples=[])
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"not JSON: {exc.msg}", file=str(path), line=number) from None
        if not isinstance(data, dict) or data.get("label") not in LABELS:
            raise InputError("label must be blameful or blameless", file=str(path), line=number)
        row_id, kind = str(data.get("id", number)), str(data.get("kind", ""))
        if "pointer" in data:
            pointer = _pointer(data["pointer"], str(path), number)
            if corpus is None:
                split.unresolved.append((row_id, pointer))
                continue
            try:
                text = resolve(pointer, corpus)
            except InputError as exc:
                raise InputError(f"{row_id}: {exc}", file=str(path), line=number) from None
            source, origin = pointer.file, str(data.get("origin") or "corpus")
        else:
            written = data.get("text")
            if not isinstance(written, str) or not written.strip():
                raise InputError("text must be a non-empty string", file=str(path), line=number)
            text = written
            source = str(data.get("source") or "written for Kintsugi")
            origin = str(data.get("origin") or "written")
        rule = data.get("rule")
        split.samples.append(
            Sample(
                text,
                data["label"],
                rule if isinstance(rule, str) else None,
                source,
                origin,
                kind=kind,
                id=row_id,
            )
        )
    return split


def evaluate(samples: Iterable[Sample], linter: Linter | None = None) -> Scores:
    """Lint each sample on its own and count hits and misses."""
    linter = linter or Linter()
    scores = Scores()
    for sample in samples:
        rules = [f.rule for f in linter.lint(sample.text)]
        flagged = bool(rules)
        if sample.label == "blameful":
            if flagged:
                scores.true_positives += 1
            else:
                scores.false_negatives += 1
                scores.misses.append(sample)
        elif flagged:
            scores.false_positives += 1
            scores.false_alarms.append((sample, rules))
        else:
            scores.true_negatives += 1
    return scores
