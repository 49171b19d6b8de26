"""Which part of a post-mortem a heading introduces, whatever its wording.

Real documents name the same part many ways: "Root Cause Analysis", "Trigger(s)", "How did it
happen?" are all the root cause; "Remediation", "Follow-ups", "Next steps", "Corrective and
Preventative Measures" are all action items. :func:`classify_heading` maps a heading to a key of
:data:`~kintsugi.postmortems.document.SECTION_KEYS` with a table of wordings, checked in order (the
first that matches wins: "Summary of impact" is the impact, "Timeline summary" the timeline).
Headings the table does not know ("Attendees", "Stats", "Appendix") give None: the caller keeps them
as ``other`` with their heading. In a pre-mortem, wordings such as "Root causes", "Risks",
"Prevention" and "Scenario" name its own parts (imagined root causes, preventions, scenario);
"Imagined ..." and "Preventions" do so in any document.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kintsugi.postmortems.document import Kind

PREMORTEM_KEYS = frozenset({"scenario", "imagined_root_causes", "preventions"})

# Linear on any heading: bracketed text stops at the next bracket of either kind.
_LINK = re.compile(r"!?\[([^\[\]]*+)\]\((?:[^()\n]|\([^()\n]*+\))*+\)")
_HTML_TAG = re.compile(r"<[^<>]++>")
_PARENTHETICAL = re.compile(r"\([^()]*+\)|\[[^\[\]]*+\]")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_LEADING_NUMBER = re.compile(r"^(?:\d+ )+")

_RULES: tuple[tuple[str, str], ...] = (
    # Wordings only pre-mortems use, whatever the document's kind.
    ("imagined_root_causes", r"\bimagined\b|\bwhat (?:could|might|would) go wrong\b"),
    ("preventions", r"\bpreventions\b|\bsafeguards\b|\bcountermeasures\b"),
    ("where_we_got_lucky", r"\blucky\b|\bluck\b"),
    ("what_went_well", r"\bwent (?:well|right|good)\b|\bwhat worked\b|\bwhat we did well\b"),
    (
        "what_went_wrong",
        r"\bwent (?:wrong|badly|poorly|bad)\b|\bdid ?n ?t go (?:so )?well\b|\bdid not go (?:so )?well\b"
        r"|\bcould (?:have gone|go|be done) better\b|\bcould (?:be )?improved?\b"
        r"|\bareas? (?:for|of|to) improve(?:ment)?\b|\bwhat did ?n ?t work\b|\bwhat did not work\b"
        r"|\bdid ?n ?t go as planned\b|\bpain points\b|\bchallenges\b",
    ),
    ("lessons_learned", r"\blessons?\b|\blearn(?:ings?|t|ed)\b|\btakeaways?\b|\binsights?\b"),
    (
        "timeline",
        r"\btimeline\b|\bchain of events\b|\bsequence of events\b|\bchronology\b"
        r"|\bevent log\b|\blog of events\b",
    ),
    ("impact", r"\bimpact(?:s|ed)?\b|\baffected\b|\bblast radius\b"),
    (
        "contributing_factors",
        r"\bcontributing\b|\bcontributors?\b|\bfactors\b|\bprocess breakdowns?\b",
    ),
    (
        "detection",
        r"\bdetect(?:ion|ed|ing)?\b|\bhow (?:was it|it was|we|did we) (?:found|find|notice|noticed)"
        r"|\bwas ?n ?t caught\b|\bwas not caught\b|\bdiscovery\b",
    ),
    (
        "root_cause",
        r"\broot causes?\b|\brca\b|\bcauses?\b|\btriggers?\b|\bhow did (?:it|this) happen\b"
        r"|\bwhy did (?:it|this) happen\b|\bwhat caused\b|\bwhy (?:it|this) (?:failed|happened)\b",
    ),
    (
        "resolution",
        r"\bresolution\b|\bresolving\b|\bmitigations?\b|\bmitigating\b|\brecovery\b|\brecovering\b"
        r"|\brestoration\b|\bworkarounds?\b|\bhow (?:it was|we) fixed\b",
    ),
    (
        "action_items",
        r"\baction(?:s| items?)?\b|\bfollow ?ups?\b|\bfollowups\b|\bnext steps\b|\bremediations?\b"
        r"|\bcorrective\b|\bpreventa?tive\b|\bprevention\b|\bpreventing\b|\brecommendations?\b"
        r"|\bimprovements?\b|\bto ?dos?\b|\bwhat we(?: will|re| are) (?:do|doing|changing)\b",
    ),
    (
        "summary",
        r"\bsummary\b|\boverview\b|\btl ?dr\b|\babstract\b|\bdescription\b|\bwhat happened\b"
        r"|\bstory\b|\bsynopsis\b",
    ),
)

_PREMORTEM_RULES: tuple[tuple[str, str], ...] = (
    ("scenario", r"\bscenarios?\b|\bimagine\b|\bpremise\b|\bthe change\b"),
    (
        "imagined_root_causes",
        r"\bimagined\b|\broot causes?\b|\bcauses?\b|\breasons?\b|\brisks?\b|\bfailure modes?\b"
        r"|\bwhat (?:could|might|would) go wrong\b|\bwhy (?:it|this) failed\b",
    ),
    (
        "preventions",
        r"\bpreventions?\b|\bprevent(?:ing|ive|ative)?\b|\bmitigations?\b|\bsafeguards?\b"
        r"|\bcountermeasures?\b",
    ),
)

_COMPILED = tuple((key, re.compile(pattern)) for key, pattern in _RULES)
_COMPILED_PREMORTEM = tuple((key, re.compile(pattern)) for key, pattern in _PREMORTEM_RULES)

CANONICAL_HEADINGS: dict[str, str] = {
    "summary": "Summary",
    "impact": "Impact",
    "timeline": "Timeline",
    "root_cause": "Root Cause",
    "contributing_factors": "Contributing Factors",
    "detection": "Detection",
    "resolution": "Resolution",
    "what_went_well": "What Went Well",
    "what_went_wrong": "What Went Wrong",
    "where_we_got_lucky": "Where We Got Lucky",
    "lessons_learned": "Lessons Learned",
    "action_items": "Action Items",
    "scenario": "Scenario",
    "imagined_root_causes": "Imagined Root Causes",
    "preventions": "Preventions",
}


def normalize_heading(text: str) -> str:
    """A heading's words only: lower case, no markup, links or parentheticals ("Root Cause(s)")."""
    value = _LINK.sub(r"\1", text)
    value = _HTML_TAG.sub(" ", value)
    value = value.lower().replace("(s)", "s").replace("&", " and ")
    value = _PARENTHETICAL.sub(" ", value)
    value = value.replace("'", "").replace("’", "")
    value = _NON_WORD.sub(" ", value).strip()
    return _LEADING_NUMBER.sub("", value)


@lru_cache(maxsize=4096)
def classify_heading(text: str, kind: Kind = Kind.POSTMORTEM) -> str | None:
    """The section key a heading introduces, or None when its wording is not a known one."""
    words = normalize_heading(text)
    if not words:
        return None
    if kind == Kind.PREMORTEM:
        for key, pattern in _COMPILED_PREMORTEM:
            if pattern.search(words):
                return key
    for key, pattern in _COMPILED:
        if pattern.search(words):
            return key
    return None


def canonical_heading(key: str) -> str:
    """The heading Kintsugi writes for a section key; it classifies back to the same key."""
    return CANONICAL_HEADINGS.get(key, key.replace("_", " ").capitalize())
