"""The shipped content: every page renders, defines the anchors other slices link to, and
the self-check is well formed and covers the guide's assessment."""

from __future__ import annotations

import pytest

from kintsugi.core.errors import InputError
from kintsugi.handbook.anchors import (
    MEETING_PARTS,
    PAGES,
    PREMORTEM_PARTS,
    RCA_TECHNIQUES,
    REQUIRED,
)
from kintsugi.handbook.render import anchors, headings, render
from kintsugi.handbook.service import default_markdown, missing_anchors, title_of
from kintsugi.handbook.training import parse_self_check, self_check
from kintsugi.language.rules import default_rules
from kintsugi.rca.model import Analysis


@pytest.mark.parametrize("slug", PAGES)
def test_every_default_page_defines_its_linked_anchors(slug: str) -> None:
    text = default_markdown(slug)
    assert missing_anchors(slug, text) == []
    html = render(text)
    for anchor in REQUIRED[slug]:
        assert f'id="{anchor}"' in html
    assert title_of(text, "") != ""


def test_every_linter_rule_links_to_a_guideline_that_exists() -> None:
    policy = anchors(default_markdown("policy"))
    for rule in default_rules().rules.values():
        page, _, anchor = rule.guideline.partition("#")
        assert page == "policy", rule.id
        assert anchor in policy, f"{rule.id}: no #{anchor} in the policy page"
        assert rule.guideline_path == f"/handbook/policy#{anchor}"


def test_rca_anchors_are_the_techniques_of_the_analysis_model() -> None:
    fields = set(Analysis.model_fields) - {"format", "problem", "links"}
    assert set(RCA_TECHNIQUES) == fields
    rca = anchors(default_markdown("rca"))
    assert set(RCA_TECHNIQUES) <= rca


def test_meeting_part_anchors_match_the_agenda_of_the_meetings_slice() -> None:
    from kintsugi.meetings.agenda import PARTS

    keys = {key for parts in PARTS.values() for key, *_ in parts}
    facilitation = anchors(default_markdown("facilitation"))
    assert keys <= facilitation
    assert set(MEETING_PARTS) | set(PREMORTEM_PARTS) <= facilitation


def test_policy_covers_the_principles_and_the_limits_of_blamelessness() -> None:
    text = default_markdown("policy").lower()
    for phrase in (
        "systems, not people",
        "assume good intent",
        "psychological safety",
        "learn, don't punish",
        "share knowledge",
        "repeated negligence",
        "intentional misconduct",
        "policy violations",
        "| blameful | blameless |",
    ):
        assert phrase in text, phrase


def test_headings_get_explicit_or_slug_anchors_and_repeats_are_numbered() -> None:
    text = "# Top {#top}\n\n## Why *we* care\n\n## Why we care\n\n### Odd: chars & more!\n"
    found = [(h.level, h.text, h.anchor) for h in headings(text)]
    assert found == [
        (1, "Top", "top"),
        (2, "Why *we* care", "why-we-care"),
        (2, "Why we care", "why-we-care-2"),
        (3, "Odd: chars & more!", "odd-chars-more"),
    ]
    html = render(text)
    assert '<h1 id="top">Top</h1>' in html
    assert "{#top}" not in html


def test_rendering_is_sanitised_but_keeps_heading_ids() -> None:
    html = render(
        "## Safe {#safe}\n\n<script>alert(1)</script>\n\n"
        '<a href="javascript:alert(1)" onclick="x()">link</a> <img src=x onerror=alert(1)>\n'
    )
    assert 'id="safe"' in html
    assert "<script" not in html and "onclick" not in html and "onerror" not in html
    assert "javascript:" not in html


def test_the_self_check_covers_the_guides_assessment() -> None:
    check = self_check()
    ids = {q.id for q in check.questions}
    assert {"primary-goal", "how-many-whys", "sev1-deadline", "action-item-contents"} <= ids
    assert any(q.kind == "scenario" for q in check.questions)
    for q in check.questions:
        assert 0 <= q.correct < len(q.options)
        assert q.explanation
        if q.guide:
            page, _, anchor = q.guide.partition("#")
            assert anchor in anchors(default_markdown(page)), q.guide


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("version: 2\nquestions: []", "version"),
        ("version: 1\nquestions: []", "questions"),
        (
            "version: 1\nquestions:\n  - {id: a, kind: quiz, topic: t, prompt: p, explanation: e}",
            "questions.a",
        ),
        (
            "version: 1\nquestions:\n  - id: a\n    kind: choice\n    topic: t\n    prompt: p\n"
            "    explanation: e\n    options: [{text: x}, {text: y}]\n",
            "questions.a",
        ),
        ("version: 1\npass_mark: 2\nquestions: []", "pass_mark"),
    ],
)
def test_a_bad_self_check_file_names_the_field(text: str, field: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_self_check(text, "custom.yaml")
    assert caught.value.field == field
    assert "custom.yaml" in str(caught.value)
