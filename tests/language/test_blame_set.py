"""The labelled dev and test splits: frozen, well formed, pointing at real text."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from kintsugi.core.errors import InputError
from kintsugi.language.evaluation import Sample, digest, evaluate, load_split

SPLITS = Path(__file__).with_name("blame_set")
DEV, TEST = SPLITS / "dev.jsonl", SPLITS / "test.jsonl"
# The test split was committed before any rule changed; it must not change afterwards.
TEST_SPLIT_SHA256 = "9df79306d0ce4a29748bcf01faea1b4810ed1740c7cba7b57c7291740c1b98a2"


def test_the_test_split_is_frozen() -> None:
    assert hashlib.sha256(TEST.read_bytes()).hexdigest() == TEST_SPLIT_SHA256


def test_the_splits_are_large_balanced_and_disjoint() -> None:
    rows = [
        json.loads(line)
        for path in (DEV, TEST)
        for line in path.read_text("utf-8").splitlines()
        if line.strip()
    ]
    assert len(rows) >= 300
    blameful = sum(row["label"] == "blameful" for row in rows)
    assert 0.4 <= blameful / len(rows) <= 0.6
    assert len({row["id"] for row in rows}) == len(rows)
    keys = [row.get("text") or row["pointer"]["sha256"] for row in rows]
    assert len(set(keys)) == len(keys)
    assert {row["origin"] for row in rows} == {"written", "corpus"}
    assert all(("text" in row) != ("pointer" in row) for row in rows)


def test_without_the_corpus_only_the_written_sentences_load() -> None:
    split = load_split(TEST, None)
    assert split.samples and split.unresolved
    assert {s.origin for s in split.samples} == {"written"}


def test_every_pointer_names_the_text_its_hash_records(corpus: Path) -> None:
    for path in (DEV, TEST):
        split = load_split(path, corpus)
        assert not split.unresolved
        real = [s for s in split.samples if s.origin == "corpus"]
        assert len(real) >= 40
        for sample in real:
            assert (corpus / sample.source).is_file()


def test_a_pointer_whose_text_changed_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "pm.md").write_text("The disk filled up. The job stopped.", encoding="utf-8")
    row = {
        "id": "x-1",
        "label": "blameless",
        "kind": "corpus",
        "origin": "corpus",
        "pointer": {
            "file": "pm.md",
            "start": 0,
            "end": 19,
            "sha256": digest("The disk filled up!"),
        },
    }
    split = tmp_path / "split.jsonl"
    split.write_text(json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_split(split, tmp_path)
    assert err.value.line == 1 and "sha256" in str(err.value)
    row["pointer"] = {**row["pointer"], "sha256": digest("The disk filled up.")}
    split.write_text(json.dumps(row) + "\n", encoding="utf-8")
    assert load_split(split, tmp_path).samples[0].text == "The disk filled up."


def test_a_pointer_outside_the_corpus_is_an_input_error(tmp_path: Path) -> None:
    row = {
        "label": "blameless",
        "pointer": {"file": "../secret.md", "start": 0, "end": 4, "sha256": "0" * 64},
    }
    split = tmp_path / "split.jsonl"
    split.write_text(json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_split(split, tmp_path)
    assert err.value.field == "pointer"


def _assert_floor(samples: list[Sample], floor: float = 0.9) -> None:
    scores = evaluate(samples)
    misses = [(s.id, s.text) for s in scores.misses]
    false_alarms = [(s.id, s.text, rules) for s, rules in scores.false_alarms]
    assert scores.precision >= floor, false_alarms
    assert scores.recall >= floor, misses


@pytest.mark.parametrize("path", [TEST, DEV], ids=["test", "dev"])
def test_precision_and_recall_on_the_written_sentences(path: Path) -> None:
    """Always runs: the sentences written for Kintsugi need no corpus."""
    _assert_floor(load_split(path, None).samples)


@pytest.mark.parametrize("path", [TEST, DEV], ids=["test", "dev"])
def test_precision_and_recall_on_the_whole_split(corpus: Path, path: Path) -> None:
    """The quality gate: the frozen test split, real sentences included, at 0.90 or more."""
    split = load_split(path, corpus)
    assert not split.unresolved
    _assert_floor(split.samples)
