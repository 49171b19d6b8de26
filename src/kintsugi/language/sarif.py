"""SARIF 2.1.0 output, so code hosts show findings on pull requests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kintsugi.language.findings import Finding
from kintsugi.language.rules import RuleSet

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
_LEVELS = {"error": "error", "warning": "warning"}


def _rule_descriptor(rule_id: str, rules: RuleSet) -> dict[str, Any]:
    rule = rules.rules[rule_id]
    examples = "\n".join(
        f"- {example.bad} -> {example.good}" for example in rule.examples if example.good
    )
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description},
        "help": {"text": f"{rule.description}\n\nExamples:\n{examples}"},
        "defaultConfiguration": {"level": _LEVELS[rule.severity]},
    }


def _uri(file: str) -> str:
    return file.replace("\\", "/").lstrip("./") if file not in ("-", "<stdin>") else "stdin"


def to_sarif(
    findings: Iterable[Finding], rules: RuleSet, *, version: str = "0.1.0"
) -> dict[str, Any]:
    """A SARIF log with one run: the rules and one result per finding."""
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
        if finding.suggestion:
            result["message"]["text"] += f" Suggestion: {finding.suggestion}"
            result["properties"] = {"suggestion": finding.suggestion}
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
                        "rules": [_rule_descriptor(rule_id, rules) for rule_id in rule_ids],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
