"""The root ``kintsugi`` command; each slice registers its own sub-commands."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="kintsugi",
    help="Kintsugi: learn from incidents, blamelessly.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

SLICE_CLIS = (
    "kintsugi.core.db_cli",
    "kintsugi.core.backup_cli",
    "kintsugi.audit.cli",
    "kintsugi.postmortems.cli",
    "kintsugi.people.cli",
    "kintsugi.demo.cli",
    "kintsugi.web.cli",
)


def _register_slices() -> None:
    for module_name in SLICE_CLIS:
        module = importlib.import_module(module_name)
        module.register(app)


_register_slices()


def main() -> None:
    """Entry point of the ``kintsugi`` console script."""
    app()
