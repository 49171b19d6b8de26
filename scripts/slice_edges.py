"""Print Kintsugi's slice -> slice import edges, marking those the layer contract forbids.

A slice is a subpackage (or top-level module) of ``kintsugi``. The layers are read from the
layers contract in pyproject.toml, so the picture and the check share one definition.
Usage: ``python scripts/slice_edges.py [--imports]`` (``--imports`` lists each import line).
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "kintsugi"


def layer_ranks() -> dict[str, int]:
    """Slice -> rank in the layers contract (0 is the lowest layer)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    (layers,) = [c["layers"] for c in contracts if c["type"] == "layers"]
    ranks: dict[str, int] = {}
    for rank, layer in enumerate(reversed(layers)):
        for name in layer.replace(":", "|").split("|"):
            ranks[name.strip().strip("()")] = rank
    return ranks


def slice_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else PACKAGE


def edges(graph: grimp.ImportGraph) -> dict[tuple[str, str], list[tuple[str, str, int]]]:
    """(importing slice, imported slice) -> the imports, as (importer, imported, line)."""
    found: dict[tuple[str, str], list[tuple[str, str, int]]] = defaultdict(list)
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            if not imported.startswith(PACKAGE + "."):
                continue
            pair = (slice_of(importer), slice_of(imported))
            if pair[0] == pair[1]:
                continue
            for detail in graph.get_import_details(importer=importer, imported=imported):
                found[pair].append((importer, imported, detail["line_number"]))
    return found


def verdict(pair: tuple[str, str], ranks: dict[str, int]) -> str:
    low, high = ranks.get(pair[1]), ranks.get(pair[0])
    if low is None or high is None:
        return "outside the layers"
    if high > low:
        return "down"
    return "SIDEWAYS" if high == low else "UP"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--imports", action="store_true", help="list each import")
    args = parser.parse_args(argv)
    ranks = layer_ranks()
    found = edges(grimp.build_graph(PACKAGE))
    against = models = 0
    for pair in sorted(found, key=lambda p: (-ranks.get(p[0], 99), p)):
        imports = found[pair]
        mark = verdict(pair, ranks)
        tables = sum(1 for _, imported, _ in imports if imported.endswith(".models"))
        models += tables
        if mark in ("UP", "SIDEWAYS"):
            against += 1
        extra = f", {tables} of its models" if tables else ""
        print(f"{pair[0]:>12} -> {pair[1]:<12} {len(imports):3} imports{extra}  {mark}")
        if args.imports:
            for importer, imported, line in imports:
                print(f"{'':16}{importer}:{line} -> {imported}")
    print(f"{len(found)} edges; {against} against the layers; {models} imports of another's models")
    return 0


if __name__ == "__main__":
    sys.exit(main())
