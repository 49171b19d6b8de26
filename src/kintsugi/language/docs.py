"""Render the rules as Markdown (docs/language-rules.md is generated from rules.yaml).

Regenerate with ``python -m kintsugi.language.docs > docs/language-rules.md``.
"""

from __future__ import annotations

from kintsugi.language.rules import RuleSet, default_rules

_INTRO = """\
<!-- kintsugi: allow-file all -->
# Blameless language rules

`kintsugi lint` catches blame the way a good facilitator would, and suggests the
system-focused sentence instead. *Focus on systems, not people.*

```
kintsugi lint postmortems/*.md                 # text output, exit 1 when it finds something
kintsugi lint --format json docs/incident.md   # [{"file", "line", "column", ..., "guideline"}]
kintsugi lint --format sarif *.md > lint.sarif # SARIF 2.1.0 for code-review annotations
kintsugi lint --fix incident.md                # rewrite flagged sentences in place
cat draft.md | kintsugi lint -                 # stdin
kintsugi lint --id PM-2024-003                 # a stored post-mortem
```

Exit status: 0 clean, 1 findings, 2 usage error. `--participant NAME` (repeatable) and
`--roster FILE` (one name per line) tell the linter who the people are; the document's
YAML front matter (`authors`, `participants`, `responders`, `owners`, ...) counts too, and
a list of given names finds the rest. The front matter's `services` are never people.

What is not linted: fenced and inline code, block quotes (`> ...`), quoted strings
("..."), HTML, link targets and front matter. Quote what someone said and it is theirs.

## Accepting a finding deliberately

```markdown
<!-- kintsugi: allow counterfactual -->
We should have rolled back sooner, and we say so on purpose.
```

A `<!-- kintsugi: allow RULE[, RULE...] -->` comment covers its own line and the next one.
Put it at the top of the file (before any content) or write `allow-file` to cover the
whole file; `all` (or `*`) allows every rule.

## Pre-commit

```yaml
repos:
  - repo: <this repository>
    rev: <a tag>
    hooks:
      - id: kintsugi-lint
```

## In the editor

Findings appear as you type (`POST /lint/preview`, debounced by htmx); each fixable one has
a button that applies the suggestion, and a link to the guideline in the handbook's
blameless policy that it applies (in every output format: `guideline` in JSON, `helpUri`
in SARIF). A post-mortem with findings of severity `error` or
`warning` cannot be published unless a reviewer overrides with a reason, which is kept.
The JSON API is `POST /api/v1/lint` with `{"text": "...", "participants": [...]}`.

## Precision

The rules are tuned to stay quiet on system subjects ("the monitoring failed to alert"),
on people named neutrally ("Alice rolled back the release at 10:02") and on quotes.
`make bench` reports precision and recall on the labelled sentences in
`tests/language/eval_set.jsonl` (real sentences from published post-mortems, with their
source, and sentences written for the set, including hard negatives).

## Rules
"""


def rules_markdown(rules: RuleSet | None = None) -> str:
    """The rules reference as Markdown."""
    rules = rules or default_rules()
    parts = [_INTRO]
    for rule in rules.rules.values():
        guide = rule.guideline_path
        link = f" Guideline: [`{guide}`]({guide})." if guide else ""
        parts.append(f"\n### `{rule.id}`: {rule.title}\n\nSeverity: **{rule.severity}**.{link}\n")
        parts.append(f"\n{rule.description}\n")
        parts.append("\n| Flagged | Suggested rewrite |\n|---|---|\n")
        for example in rule.examples:
            good = example.good or "(advice only)"
            parts.append(f"| {_cell(example.bad)} | {_cell(good)} |\n")
        if rule.ok:
            parts.append("\nNot flagged:\n\n")
            parts.extend(f"- {sentence}\n" for sentence in rule.ok)
    return "".join(parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


if __name__ == "__main__":  # pragma: no cover
    print(rules_markdown(), end="")
