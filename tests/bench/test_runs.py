"""Every benchmark runs to the end in its quick form, as `make bench BENCH_ARGS=--quick` runs it.

No figure is judged here (benchmarks are measured with `make bench`, never as timed tests);
this keeps the benchmarks working as the code they measure changes.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from bench.__main__ import discover

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", discover())
def test_the_benchmark_runs_and_reports_its_figures(name: str, tmp_path: Path) -> None:
    out = tmp_path / "rows.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", name, "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = json.loads(out.read_text())
    assert rows, f"{name} reported nothing"
    for row in rows:
        assert row["bench"] == name and row["name"], row
        assert isinstance(row["value"], int | float) and math.isfinite(row["value"]), row
