"""SARIF 2.1.0 output, so code hosts show findings on pull requests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kintsugi.language.findings import Finding
from kintsugi.language.rules import RuleSet

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
_LEVELS = {"error": "error", "warning": "warning"}


def _rule_descriptor(rule_id: str, rules: RuleSet, base_url: str | None) -> dict[str, Any]:
    rule = rules.rules[rule_id]
    examples = "\n".join(
        f"- {example.bad} -> {example.good}" for example in rule.examples if example.good
    )
    descriptor: dict[str, Any] = {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description},
        "help": {"text": f"{rule.description}\n\nExamples:\n{examples}"},
        "defaultConfiguration": {"level": _LEVELS[rule.severity]},
    }
    if rule.guideline_path:
        descriptor["helpUri"] = _link(rule.guideline_path, base_url)
    return descriptor


def _link(path: str, base_url: str | None) -> str:
    return base_url.rstrip("/") + path if base_url else path


def _uri(file: str) -> str:
    return file.replace("\\", "/").lstrip("./") if file not in ("-", "<stdin>") else "stdin"


def to_sarif(
    findings: Iterable[Finding],
    rules: RuleSet,
    *,
    version: str = "0.1.0",
    base_url: str | None = None,
) -> dict[str, Any]:
    """A SARIF log with one run: the rules (``helpUri``: the handbook guideline each applies,
    absolute on ``base_url``) and one result per finding."""
    findings = list(findings)
    rule_ids = list(rules.rules)
    results = []
    for finding in findings:
        result: dict[str, Any] = {
            "ruleId": finding.rule,
            "ruleIndex": rule_ids.index(finding.rule),
            "level": _LEVELS.get(finding.severity, "warning"),
            "message": {"text": finding.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(finding.file)},
                        "region": {
                            "startLine": finding.line,
                            "startColumn": finding.column,
                            "endLine": finding.end_line,
                            "endColumn": finding.end_column,
                        },
                    }
                }
            ],
        }
        properties: dict[str, Any] = {}
        if finding.suggestion:
            result["message"]["text"] += f" Suggestion: {finding.suggestion}"
            properties["suggestion"] = finding.suggestion
        if finding.guideline:
            properties["guideline"] = finding.guideline_url(base_url)
        if properties:
            result["properties"] = properties
        if finding.fix is not None:
            result["fixes"] = [
                {
                    "description": {"text": "Rewrite the sentence around the system"},
                    "artifactChanges": [
                        {
                            "artifactLocation": {"uri": _uri(finding.file)},
                            "replacements": [
                                {
                                    "deletedRegion": {
                                        "charOffset": finding.fix.start,
                                        "charLength": finding.fix.end - finding.fix.start,
                                    },
                                    "insertedContent": {"text": finding.fix.replacement},
                                }
                            ],
                        }
                    ],
                }
            ]
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "kintsugi-lint",
                        "version": version,
                        "rules": [
                            _rule_descriptor(rule_id, rules, base_url) for rule_id in rule_ids
                        ],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
