"""The labelled evaluation set: well formed, honest about its sources, and passed.

Its real sentences are pointers into the corpus (the repository keeps no copy of them); the
tests that need their text take the corpus fixture, the others run on the written ones.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kintsugi.core.errors import InputError
from kintsugi.language.evaluation import evaluate, load_samples

EVAL_SET = Path(__file__).with_name("eval_set.jsonl")


def test_the_set_is_balanced_enough_and_every_row_is_complete() -> None:
    samples = load_samples(EVAL_SET)
    blameful = [s for s in samples if s.label == "blameful"]
    blameless = [s for s in samples if s.label == "blameless"]
    assert len(blameful) >= 100 and len(blameless) >= 150
    assert {s.origin for s in samples} == {"written"}
    assert len({s.text for s in samples}) == len(samples)
    rows = [json.loads(line) for line in EVAL_SET.read_text("utf-8").splitlines() if line]
    real = [row for row in rows if row.get("origin") == "real"]
    assert len(real) >= 90 and all("pointer" in row and "text" not in row for row in real)
    for sample in blameful:
        assert sample.rule in {
            "person-lapse",
            "fault-label",
            "counterfactual",
            "hindsight",
            "blame-question",
            "try-harder",
        }


def test_real_sentences_point_at_their_source_unchanged(corpus: Path) -> None:
    real = [s for s in load_samples(EVAL_SET, corpus) if s.origin == "real"]
    assert len(real) >= 90
    for sample in real:  # load_samples checked each sentence's sha256
        assert sample.text in (corpus / sample.source).read_text("utf-8"), sample.text


def test_precision_and_recall_on_the_written_sentences_are_at_least_point_nine() -> None:
    scores = evaluate(load_samples(EVAL_SET))
    misses = [s.text for s in scores.misses]
    false_alarms = [s.text for s, _ in scores.false_alarms]
    assert scores.precision >= 0.9, false_alarms
    assert scores.recall >= 0.9, misses


def test_precision_and_recall_on_the_set_are_at_least_point_nine(corpus: Path) -> None:
    scores = evaluate(load_samples(EVAL_SET, corpus))
    misses = [s.text for s in scores.misses]
    false_alarms = [s.text for s, _ in scores.false_alarms]
    assert scores.precision >= 0.9, false_alarms
    assert scores.recall >= 0.9, misses


def test_flagged_blameful_sentences_mostly_get_the_expected_rule() -> None:
    from kintsugi.language.linter import lint_text

    samples = [s for s in load_samples(EVAL_SET) if s.label == "blameful"]
    assert samples
    right = sum(1 for s in samples if s.rule in {f.rule for f in lint_text(s.text)})
    assert right / len(samples) >= 0.85


def test_a_malformed_set_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text(json.dumps({"text": "x", "label": "maybe"}) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_samples(path)
    assert err.value.line == 1
