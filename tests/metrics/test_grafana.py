"""The shipped Grafana dashboard: valid JSON, the data source as a variable, a panel for each
learning metric, and every expression naming metrics that Kintsugi exports."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from kintsugi.metrics.prometheus import GAUGES
from kintsugi.metrics.service import KEYS

DASHBOARD = Path(__file__).resolve().parents[2] / "contrib" / "grafana" / "kintsugi-learning.json"
METRIC_NAME = re.compile(r"\b(kintsugi_[a-z_]+)\b")
FUNCTIONS = re.compile(r"\b([a-z_]+)\(")


def _dashboard() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return data


def _expressions(data: dict[str, Any]) -> list[str]:
    found = [t["expr"] for p in data["panels"] for t in p["targets"]]
    for variable in data["templating"]["list"]:
        query = variable.get("query")
        if isinstance(query, dict):
            found.append(query["query"])
    return found


def test_every_expression_names_an_exported_metric() -> None:
    expressions = _expressions(_dashboard())
    assert expressions
    for expression in expressions:
        names = METRIC_NAME.findall(expression)
        assert names, expression
        assert set(names) <= set(GAUGES), expression
        assert set(FUNCTIONS.findall(expression)) <= {"label_values"}, expression


def test_the_data_source_is_a_variable_every_panel_uses() -> None:
    data = _dashboard()
    variables = {v["name"]: v for v in data["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    for panel in data["panels"]:
        assert panel["datasource"]["uid"] == "${datasource}"
        assert all(t["datasource"]["uid"] == "${datasource}" for t in panel["targets"])


def test_each_learning_metric_has_a_panel_with_its_target() -> None:
    expressions = " ".join(_expressions(_dashboard()))
    for key in KEYS:
        assert f'kintsugi_learning_target{{metric="{key}"}}' in expressions, key
    exported = {METRIC_NAME.findall(e)[0] for e in _expressions(_dashboard())}
    assert exported == set(GAUGES)  # and every exported gauge is on the dashboard
    ids = [p["id"] for p in _dashboard()["panels"]]
    assert len(ids) == len(set(ids))
