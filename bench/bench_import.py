"""Import N generated post-mortems in one `kintsugi import`; anchor: python-frontmatter parse alone."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import frontmatter

from bench.generate import write_corpus


def run(quick: bool) -> list[dict[str, Any]]:
    count = 1_000 if quick else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "docs"
        paths = write_corpus(folder, count)
        size_mb = sum(p.stat().st_size for p in paths) / 1e6

        started = time.perf_counter()
        for path in paths:
            frontmatter.loads(path.read_text(encoding="utf-8"))
        anchor = time.perf_counter() - started

        db = f"sqlite:///{Path(tmp) / 'bench.db'}"
        kintsugi = str(Path(sys.executable).with_name("kintsugi"))
        subprocess.run([kintsugi, "db", "upgrade", "--db", db], check=True, capture_output=True)
        started = time.perf_counter()
        done = subprocess.run(
            [kintsugi, "import", str(folder), "--db", db], capture_output=True, text=True
        )
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(f"import failed: {done.stderr[-2000:]}")
    return [
        {
            "name": f"import {count:,} docs ({size_mb:.0f} MB), SQLite",
            "value": count / elapsed,
            "unit": "docs/s",
            "anchor": "frontmatter parse only",
            "anchor_value": count / anchor,
            "ratio": elapsed / anchor,
            "target": "<= 3x anchor time",
        }
    ]
