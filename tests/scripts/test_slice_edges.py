"""scripts/slice_edges.py reads the layers from the contract and judges each edge by them."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "slice_edges.py"


@pytest.fixture(scope="module")
def slice_edges() -> ModuleType:
    spec = importlib.util.spec_from_file_location("slice_edges", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_ranks_follow_the_contract_lowest_first(slice_edges: ModuleType) -> None:
    ranks = slice_edges.layer_ranks()
    assert ranks["core"] == 0
    assert ranks["audit"] == 1
    assert ranks["people"] == ranks["notify"] == ranks["jobs"] == 2
    assert ranks["postmortems"] < ranks["timeline"] < ranks["rca"] < ranks["meetings"]
    assert ranks["meetings"] < ranks["handbook"] < ranks["metrics"]
    assert ranks["incidents"] > ranks["handbook"]
    assert ranks["web"] == ranks["cli"] == ranks["demo"] == max(ranks.values())


def test_each_edge_is_judged_against_the_layers(slice_edges: ModuleType) -> None:
    ranks = slice_edges.layer_ranks()
    assert slice_edges.verdict(("postmortems", "core"), ranks) == "down"
    assert slice_edges.verdict(("core", "audit"), ranks) == "UP"
    assert slice_edges.verdict(("rca", "timeline"), ranks) == "down"
    assert slice_edges.verdict(("actions", "timeline"), ranks) == "SIDEWAYS"
    assert slice_edges.verdict(("nowhere", "core"), ranks) == "outside the layers"


def test_the_picture_lists_real_edges(
    slice_edges: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    assert slice_edges.main(["--imports"]) == 0
    out = capsys.readouterr().out
    assert "postmortems -> core" in " ".join(out.split())
    assert re.search(r"kintsugi\.postmortems\.models:\d+ -> kintsugi\.core\.db\n", out)
