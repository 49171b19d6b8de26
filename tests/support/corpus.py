"""Where the real post-mortems are: ``KINTSUGI_CORPUS``, by default ``../shared/corpus``.

The corpus is other organisations' text and is not part of the repository. Where it is
absent the tests that read it are reported as not run, with the reason; a ``KINTSUGI_CORPUS``
that names no folder is a mistake and fails them instead.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT.parent / "shared" / "corpus"
SETTING = "KINTSUGI_CORPUS"


def corpus_dir() -> Path:
    """The corpus folder the setting names (it may not exist)."""
    setting = os.environ.get(SETTING)
    return Path(setting).expanduser().resolve() if setting else DEFAULT.resolve()


def missing_reason() -> str | None:
    """Why the corpus tests cannot run here, or None when the corpus is there."""
    path = corpus_dir()
    if path.is_dir():
        return None
    if os.environ.get(SETTING):
        pytest.fail(f"{SETTING}={os.environ[SETTING]} is not a folder")
    return f"the real post-mortems are not at {path} (set {SETTING} to their folder)"


def corpus_files() -> list[Any]:
    """Parameters for a test per corpus document: the paths, or one skipped placeholder."""
    reason = missing_reason()
    if reason is not None:
        return [pytest.param(None, id="corpus-missing", marks=pytest.mark.skip(reason=reason))]
    return sorted(p for p in corpus_dir().glob("*/*.md") if p.name != "README.md")
