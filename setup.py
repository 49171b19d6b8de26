"""Builds the optional compiled timeline loops; everything else is in pyproject.toml.

The extension is optional: where it cannot be compiled the install goes on (with a warning),
and Kintsugi runs the same loops in pure Python (``kintsugi.timeline.speedups``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup

SOURCE = Path("src/kintsugi/timeline/_native.pyx")

native = Extension(
    "kintsugi.timeline._native",
    [str(SOURCE)],
    # lets a test check that the built module is the one of the .pyx in the tree
    define_macros=[
        ("KINTSUGI_NATIVE_SOURCE", f'"{hashlib.sha256(SOURCE.read_bytes()).hexdigest()}"')
    ],
)
extensions = cythonize([native], build_dir="build/cython", force=True, quiet=True)
for extension in extensions:
    extension.optional = True  # (cythonize does not carry it over)

setup(ext_modules=extensions)
