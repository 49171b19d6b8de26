"""SARIF 2.1.0 output that code hosts accept."""

from __future__ import annotations

from kintsugi.language.linter import lint_text
from kintsugi.language.rules import default_rules
from kintsugi.language.sarif import SARIF_VERSION, to_sarif


def test_a_sarif_log_has_the_rules_and_one_result_per_finding() -> None:
    text = "Intro.\n\nJohn deployed the wrong version.\nA simple check would have caught this.\n"
    findings = lint_text(text, file="./docs/pm.md")
    log = to_sarif(findings, default_rules())
    assert log["version"] == SARIF_VERSION == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert [r["id"] for r in driver["rules"]] == list(default_rules().rules)
    assert all(r["defaultConfiguration"]["level"] in ("error", "warning") for r in driver["rules"])
    assert len(run["results"]) == 2
    first, second = run["results"]
    assert first["ruleId"] == "person-lapse" and first["level"] == "error"
    assert driver["rules"][first["ruleIndex"]]["id"] == "person-lapse"
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "docs/pm.md"
    assert location["region"] == {"startLine": 3, "startColumn": 1, "endLine": 3, "endColumn": 24}
    replacement = first["fixes"][0]["artifactChanges"][0]["replacements"][0]
    start = replacement["deletedRegion"]["charOffset"]
    length = replacement["deletedRegion"]["charLength"]
    assert text[start : start + length] == "John deployed the wrong version."
    assert "fixes" not in second  # advice only
    assert "Suggestion:" in second["message"]["text"]


def test_an_empty_log_is_still_valid() -> None:
    log = to_sarif([], default_rules())
    assert log["runs"][0]["results"] == []
