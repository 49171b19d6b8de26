"""Every linter finding links to the language guideline it applies, in every output format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from kintsugi.core.errors import InputError
from kintsugi.handbook.render import anchors
from kintsugi.handbook.service import default_markdown
from kintsugi.language.cli import register
from kintsugi.language.linter import lint_text
from kintsugi.language.rules import default_rules, parse_rules
from kintsugi.language.sarif import to_sarif

BLAME = "John deployed the wrong version.\nIt was human error.\n"
POLICY = "/handbook/policy#"


def test_each_rule_s_example_finding_carries_its_guideline() -> None:
    policy = anchors(default_markdown("policy"))
    for rule in default_rules().rules.values():
        example = rule.examples[0].bad
        found = [f for f in lint_text(example) if f.rule == rule.id]
        assert found, (rule.id, example)
        link = found[0].guideline
        assert link == f"{POLICY}{rule.guideline.partition('#')[2]}"
        assert link.partition("#")[2] in policy
        assert found[0].to_dict()["guideline"] == link
        assert (
            found[0].to_dict("https://k.example.com/")["guideline"]
            == f"https://k.example.com{link}"
        )


def test_sarif_rules_have_a_help_uri_and_results_the_guideline() -> None:
    findings = lint_text(BLAME, file="pm.md")
    log = to_sarif(findings, default_rules(), base_url="https://k.example.com")
    run = log["runs"][0]
    for descriptor in run["tool"]["driver"]["rules"]:
        assert descriptor["helpUri"].startswith(f"https://k.example.com{POLICY}")
    for result in run["results"]:
        assert result["properties"]["guideline"].startswith(f"https://k.example.com{POLICY}")


def test_cli_text_json_and_sarif_link_the_guideline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KINTSUGI_BASE_URL", "https://kintsugi.example.org/")
    app = typer.Typer()
    app.command()(lambda: None)
    register(app)
    path = tmp_path / "pm.md"
    path.write_text(BLAME, encoding="utf-8")
    runner = CliRunner()
    text = runner.invoke(app, ["lint", str(path)])
    assert text.exit_code == 1
    assert (
        f"guideline: https://kintsugi.example.org{POLICY}describe-systems-not-people" in text.stdout
    )
    as_json = json.loads(runner.invoke(app, ["lint", "--format", "json", str(path)]).stdout)
    assert [f["guideline"] for f in as_json] == [
        f"https://kintsugi.example.org{POLICY}describe-systems-not-people",
        f"https://kintsugi.example.org{POLICY}no-fault-labels",
    ]
    sarif = json.loads(runner.invoke(app, ["lint", "--format", "sarif", str(path)]).stdout)
    assert "helpUri" in sarif["runs"][0]["tool"]["driver"]["rules"][0]


def test_the_api_and_the_editor_fragment_link_the_guideline(client: TestClient) -> None:
    found = client.post("/api/v1/lint", json={"text": BLAME}).json()["findings"]
    assert [f["guideline"] for f in found] == [
        f"{POLICY}describe-systems-not-people",
        f"{POLICY}no-fault-labels",
    ]
    rules = client.get("/api/v1/lint/rules").json()
    assert all(r["guideline"].startswith(POLICY) for r in rules)
    fragment = client.post("/lint/preview", data={"markdown": BLAME}).text
    assert f'href="{POLICY}no-fault-labels"' in fragment


def test_a_malformed_guideline_is_refused_naming_the_rule() -> None:
    source = (Path(__file__).parents[2] / "src/kintsugi/language/rules.yaml").read_text("utf-8")
    broken = source.replace("guideline: policy#no-fault-labels", "guideline: 'not a link'")
    with pytest.raises(InputError) as caught:
        parse_rules(broken, "rules.yaml")
    assert caught.value.field == "rules.fault-label.guideline"
