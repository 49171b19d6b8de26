"""Every fix keeps the sentence's facts: who, which system, how many, how long, in what order.

The oracle here is independent of kintsugi.language.facts: numbers are runs of digits, names
are capitalised words after the first, roles are the lexicon's role words.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kintsugi.language.evaluation import load_split
from kintsugi.language.linter import lint_text
from kintsugi.language.rules import default_rules

RULES = default_rules()
ROLES = RULES.lexicon.roles
DEV = Path(__file__).with_name("blame_set") / "dev.jsonl"
EXAMPLES = [ex.bad for rule in RULES.rules.values() for ex in rule.examples]
WRITTEN = [s.text for s in load_split(DEV, None).samples if s.label == "blameful"]
ISSUE = [
    "On-call ignored the page for 20 minutes.",
    "Marco failed to notify the DBA team before 14:05.",
    "The engineer forgot to drain traffic first.",
    "The reviewer missed the typo in rule 7, and so did the approver.",
    "I should have paged the database team at 03:10 instead of 03:40.",
    "The operator ran the script against production instead of staging at 10:02.",
    "We failed to check that backups of db1042 were restorable.",
]


def _facts(sentence: str, blame: tuple[int, int]) -> tuple[list[str], set[str]]:
    """Numbers in order, and the names and roles outside the blamed words."""
    kept = sentence[: blame[0]] + " " * (blame[1] - blame[0]) + sentence[blame[1] :]
    numbers = re.findall(r"\d+", kept)
    words = re.findall(r"[A-Za-z][\w'-]*", kept)
    names = {w.lower() for w in words[1:] if w[0].isupper() and w not in {"I"}}
    roles = {w.lower() for w in words if w.lower() in ROLES}
    return numbers, names | roles


def _check(sentence: str) -> int:
    """Assert every fix of ``sentence`` keeps its facts and lints clean; the fixes checked."""
    checked = 0
    for finding in lint_text(sentence, markdown=False):
        assert finding.suggestion, finding
        if finding.fix is None:
            continue
        # the span the trigger matched is the blame itself ("operator error"); the rest is fact
        numbers, words = _facts(sentence, (finding.start, finding.end))
        if finding.rule == "try-harder":  # an action item names no one who took part
            words -= ROLES | {w + "s" for w in ROLES}
        rewrite = finding.fix.replacement
        lowered = {w.lower() for w in re.findall(r"[A-Za-z][\w'-]*", rewrite)}
        assert words - lowered <= _blamed_words(sentence, finding.start, finding.end), (
            sentence,
            rewrite,
        )
        assert re.findall(r"\d+", rewrite)[: len(numbers)] == numbers or _in_order(
            numbers, re.findall(r"\d+", rewrite)
        ), (sentence, rewrite)
        assert lint_text(rewrite, markdown=False) == [], (sentence, rewrite)  # a fix is final
        checked += 1
    return checked


def _blamed_words(sentence: str, start: int, end: int) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z][\w'-]*", sentence[start:end])}


def _in_order(wanted: list[str], found: list[str]) -> bool:
    cursor = 0
    for number in wanted:
        try:
            cursor = found.index(number, cursor) + 1
        except ValueError:
            return False
    return True


@pytest.mark.parametrize("sentence", EXAMPLES + ISSUE)
def test_each_rule_example_is_fixed_faithfully_or_asked_about(sentence: str) -> None:
    _check(sentence)


def test_most_blameful_sentences_still_get_a_fix_that_keeps_their_facts() -> None:
    fixed = sum(_check(sentence) > 0 for sentence in WRITTEN)
    assert fixed >= len(WRITTEN) // 3


def test_the_ignored_page_keeps_who_and_how_long() -> None:
    [finding] = lint_text("On-call ignored the page for 20 minutes.")
    assert finding.suggestion is not None
    assert "on-call" in finding.suggestion.lower() and "20 minutes" in finding.suggestion


def test_without_a_faithful_rewrite_the_suggestion_is_a_question() -> None:
    [finding] = lint_text("Someone hard-coded the expiry date.")
    assert finding.fix is None
    assert (
        finding.suggestion
        == "How did the expiry date come to be hard-coded, and what would have caught it?"
    )


ACTORS = [
    "Marco",
    "The on-call engineer",
    "The DBA",
    "We",
    "Priya",
    "Ops",
    "The reviewer",
    "An exhausted operator",
    "A careless intern",
]
LAPSES = [
    "forgot to drain",
    "failed to check",
    "missed",
    "ignored",
    "overlooked",
    "didn't notice",
    "should have checked",
    "accidentally deleted",
    "deployed the wrong version of",
    "ran the cleanup job on",
]
OBJECTS = ["db1042", "the eu-west-1 cluster", "the Kafka alert", "the page from Grafana"]
TIMES = ["", " at 10:02", " for 20 minutes", " before the 14:00 deploy", " after 3 retries"]
TAILS = ["", " because the dashboard hid it", ", and so did Alice", " instead of staging"]


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(ACTORS),
    st.sampled_from(LAPSES),
    st.sampled_from(OBJECTS),
    st.sampled_from(TIMES),
    st.sampled_from(TAILS),
)
def test_generated_lapses_never_lose_a_fact_in_their_fix(
    actor: str, lapse: str, obj: str, time: str, tail: str
) -> None:
    _check(f"{actor} {lapse} {obj}{time}{tail}.")
