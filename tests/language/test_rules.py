"""The rules data: it loads, it validates, and every documented example behaves."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kintsugi.core.errors import InputError
from kintsugi.language.docs import rules_markdown
from kintsugi.language.linter import lint_text
from kintsugi.language.rules import default_rules, load_rules, parse_rules

ROOT = Path(__file__).resolve().parents[2]
RULES = default_rules()
BAD = [(rule.id, ex.bad, ex.good) for rule in RULES.rules.values() for ex in rule.examples]
OK = [(rule.id, sentence) for rule in RULES.rules.values() for sentence in rule.ok]


def test_the_shipped_rules_cover_every_category_of_the_policy() -> None:
    assert set(RULES.rules) == {
        "person-lapse",
        "fault-label",
        "counterfactual",
        "hindsight",
        "blame-question",
        "try-harder",
    }
    for rule in RULES.rules.values():
        assert rule.examples and rule.ok, rule.id


@pytest.mark.parametrize(("rule", "sentence", "good"), BAD)
def test_each_bad_example_is_flagged_with_its_documented_rewrite(
    rule: str, sentence: str, good: str | None
) -> None:
    findings = [f for f in lint_text(sentence) if f.rule == rule]
    assert findings, f"{rule} did not flag: {sentence}"
    assert findings[0].suggestion == good


@pytest.mark.parametrize(("rule", "sentence"), OK)
def test_each_ok_example_is_left_alone(rule: str, sentence: str) -> None:
    assert lint_text(sentence) == []


def test_every_trigger_kind_has_a_check() -> None:
    from kintsugi.language.detectors import Detector
    from kintsugi.language.names import People
    from kintsugi.language.subjects import SubjectFinder

    detector = Detector(RULES, SubjectFinder(RULES.lexicon, People(RULES.lexicon)))
    kinds = {(t.rule, t.kind) for t in RULES.triggers}
    assert kinds <= detector.known_kinds()


def test_a_bad_regular_expression_is_reported_with_its_field(tmp_path: Path) -> None:
    text = (ROOT / "src/kintsugi/language/rules.yaml").read_text(encoding="utf-8")
    broken = text.replace(r"'\bobviously\b'", r"'\bobviously(\b'", 1)
    with pytest.raises(InputError) as err:
        parse_rules(broken, "mine.yaml")
    assert err.value.file == "mine.yaml"
    assert err.value.field == "rules.hindsight.triggers[0]"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("version: 2\nrules: []\n", "version"),
        ("version: 1\nrules: []\n", "rules"),
        ("version: 1\nrules:\n  - id: x\n    severity: fatal\n", "rules.x"),
        ("version: 1\nrules: [\n", None),
    ],
)
def test_invalid_rules_files_are_input_errors(text: str, field: str | None) -> None:
    with pytest.raises(InputError) as err:
        parse_rules(text, "mine.yaml")
    assert err.value.field == field


def test_a_custom_rules_file_can_be_loaded(tmp_path: Path) -> None:
    source = (ROOT / "src/kintsugi/language/rules.yaml").read_text(encoding="utf-8")
    path = tmp_path / "rules.yaml"
    path.write_text(source.replace("severity: warning", "severity: error"), encoding="utf-8")
    rules = load_rules(path)
    assert {r.severity for r in rules.rules.values()} == {"error"}
    assert lint_text("We should have rolled back sooner.", rules=rules)[0].severity == "error"


def test_the_rules_reference_in_docs_is_generated_from_the_data() -> None:
    documented = (ROOT / "docs/language-rules.md").read_text(encoding="utf-8")
    assert documented == rules_markdown(), "regenerate: python -m kintsugi.language.docs"
    for rule in RULES.rules.values():
        assert f"### `{rule.id}`" in documented


def test_the_anchor_pattern_matches_what_the_prefilter_matches() -> None:
    import re

    anchor = re.compile(RULES.anchor_pattern(), re.IGNORECASE)
    text = "John FORGOT. We should have known. Who deployed this? Be more careful."
    assert [m.span() for m in anchor.finditer(text)] == [
        m.span() for m in RULES.prefilter.finditer(text.lower())
    ]


def _sentences() -> list[str]:
    from kintsugi.language.evaluation import load_samples

    texts = [ex.bad for rule in RULES.rules.values() for ex in rule.examples]
    texts += [sentence for rule in RULES.rules.values() for sentence in rule.ok]
    corpus = Path(os.environ.get("KINTSUGI_CORPUS") or ROOT.parent / "shared" / "corpus")
    eval_set = ROOT / "tests/language/eval_set.jsonl"
    texts += [s.text for s in load_samples(eval_set, corpus if corpus.is_dir() else None)]
    return texts


def test_the_rule_words_wake_every_trigger_that_matches() -> None:
    """The prefilter never hides a trigger match: each match contains a rule word."""
    for text in _sentences():
        found = {" ".join(m.group().split()) for m in RULES.prefilter.finditer(text.lower())}
        woken = set(RULES.triggers_for(found))
        for index, trigger in enumerate(RULES.triggers):
            if trigger.regex.search(text):
                assert index in woken, (trigger.rule, trigger.kind, text)


def test_every_trigger_needs_a_rule_word() -> None:
    source = (ROOT / "src/kintsugi/language/rules.yaml").read_text(encoding="utf-8")
    broken = source.replace("prefilter_words: [forg,", "prefilter_words: [", 1)
    with pytest.raises(InputError) as err:
        parse_rules(broken)
    assert "prefilter_words" in str(err.value)


def test_every_rule_word_wakes_at_least_one_trigger() -> None:
    """A rule word that wakes nothing would find sentences and never judge them."""
    idle = [word for word in RULES.words if not RULES.word_triggers.get(word)]
    assert idle == []
