"""``make bench``: run every benchmark and print one table of ratios against same-run anchors.

Usage: python -m bench [--quick] [--only NAME ...] [--json FILE]
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from kintsugi.wiring import wire

BENCH_DIR = Path(__file__).resolve().parent


def discover() -> list[str]:
    """Names of the benchmark modules, sorted."""
    return sorted(
        m.name for m in pkgutil.iter_modules([str(BENCH_DIR)]) if m.name.startswith("bench_")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="smaller data, for a fast check")
    parser.add_argument("--only", nargs="*", default=None, help="benchmark names (bench_X or X)")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows as JSON")
    args = parser.parse_args(argv)
    wire()
    names = discover()
    if args.only:
        wanted = {n if n.startswith("bench_") else f"bench_{n}" for n in args.only}
        names = [n for n in names if n in wanted]
    console = Console()
    rows: list[dict[str, Any]] = []
    for name in names:
        console.print(f"[bold]{name}[/bold] ...")
        started = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        for row in module.run(args.quick):
            rows.append({"bench": name, **row})
        console.print(f"  done in {time.perf_counter() - started:.1f} s")
    table = Table(
        "benchmark", "measure", "value", "anchor", "ratio", "target", title="Kintsugi benchmarks"
    )
    for row in rows:
        anchor = row.get("anchor") or ""
        if row.get("anchor_value") is not None:
            anchor = f"{anchor}: {_fmt(row['anchor_value'])} {row.get('unit', '')}".strip()
        table.add_row(
            row["bench"].removeprefix("bench_"),
            row["name"],
            f"{_fmt(row['value'])} {row.get('unit', '')}".strip(),
            anchor,
            _fmt(row.get("ratio")) + ("x" if row.get("ratio") is not None else ""),
            str(row.get("target") or ""),
        )
    console.print(table)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, default=str))
    return 0


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


if __name__ == "__main__":
    sys.exit(main())
