"""Precision and recall of the linter on a labelled set of sentences (JSON Lines).

Each line is ``{"text", "label": "blameful"|"blameless", "rule"?, "source", "origin"}``.
A sentence counts as flagged when the linter reports any finding in it.
"""

from __future__ import annotations

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


def load_samples(path: Path) -> list[Sample]:
    """Read a labelled set; InputError names the bad line."""
    samples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"not JSON: {exc.msg}", file=str(path), line=number) from None
        if not isinstance(data, dict) or data.get("label") not in LABELS:
            raise InputError("label must be blameful or blameless", file=str(path), line=number)
        if not isinstance(data.get("text"), str) or not data["text"].strip():
            raise InputError("text must be a non-empty string", file=str(path), line=number)
        samples.append(
            Sample(
                text=data["text"],
                label=data["label"],
                rule=data.get("rule"),
                source=str(data.get("source", "")),
                origin=str(data.get("origin", "")),
            )
        )
    return samples


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
