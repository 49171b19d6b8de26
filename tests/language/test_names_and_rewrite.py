"""People detection and the small morphology behind rewrites."""

from __future__ import annotations

import pytest

from kintsugi.language import rewrite as rw
from kintsugi.language.names import People, census_given_names
from kintsugi.language.rules import default_rules
from kintsugi.language.subjects import Agent, SubjectFinder

LEX = default_rules().lexicon


def test_given_names_come_from_the_census_list_and_the_rules() -> None:
    people = People(LEX)
    assert len(census_given_names()) > 4000
    for name in ("John", "Maria", "Priya", "Yannick"):
        assert people.is_given_name(name), name
    for word in ("Jenkins", "Kafka", "May", "Will", "Deploy", "alice"):
        assert not people.is_given_name(word), word


def test_participants_roster_and_services() -> None:
    people = People(
        LEX, participants=["Zed Quux", "@zq"], roster=["zoe.lopez@example.com"], systems=["Alice"]
    )
    assert people.is_person("Zed") and people.is_person("Quux") and people.is_person("@zq")
    assert people.is_participant("Lopez") and people.is_participant("Zed's")
    assert not people.is_person("Alice")


@pytest.mark.parametrize(
    ("phrase", "agent"),
    [
        ("the on-call engineer", Agent.INDIVIDUAL),
        ("Alice", Agent.INDIVIDUAL),
        ("one of our engineers", Agent.INDIVIDUAL),
        ("a member of our team", Agent.INDIVIDUAL),
        ("Engineer A", Agent.INDIVIDUAL),
        ("the operator", Agent.INDIVIDUAL),
        ("the Prometheus operator", Agent.SYSTEM),
        ("the worker", Agent.SYSTEM),
        ("the support agent", Agent.INDIVIDUAL),
        ("the monitoring", Agent.SYSTEM),
        ("we", Agent.COLLECTIVE),
        ("the platform team", Agent.COLLECTIVE),
        ("they", Agent.GENERIC),
        ("nobody", Agent.NOBODY),
        ("the engineer's script", Agent.SYSTEM),
        ("the engineer running the deploy", Agent.INDIVIDUAL),
    ],
)
def test_subjects_are_classified(phrase: str, agent: Agent) -> None:
    finder = SubjectFinder(LEX, People(LEX))
    assert finder.classify(phrase.split()) is agent


@pytest.mark.parametrize(
    ("word", "base"),
    [
        ("deployed", "deploy"),
        ("ran", "run"),
        ("copied", "copy"),
        ("configured", "configure"),
        ("stopped", "stop"),
        ("checked", "check"),
        ("validated", "validate"),
        ("noticed", "notice"),
        ("double-checked", "double-check"),
        ("pushed", "push"),
        ("forgot", "forget"),
    ],
)
def test_base_verbs(word: str, base: str) -> None:
    assert rw.base_verb(word, LEX) == base


@pytest.mark.parametrize(
    ("base", "form"),
    [("deploy", "deploying"), ("run", "running"), ("validate", "validating"), ("tie", "tying")],
)
def test_gerunds(base: str, form: str) -> None:
    assert rw.gerund(base) == form


def test_replacing_a_span_fixes_articles_and_spacing() -> None:
    sentence = "A careless change broke it."
    assert rw.replace_span(sentence, 2, 10, "unguarded") == "An unguarded change broke it."
    assert rw.replace_span("It was obviously wrong.", 7, 16, "") == "It was wrong."
    assert rw.tidy("  the fix  , done ") == "The fix, done."
