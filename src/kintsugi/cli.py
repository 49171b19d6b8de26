"""The root ``kintsugi`` command; each slice registers its own sub-commands.

A command line loads only the slice it names, so that quick commands start quickly.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer

from kintsugi.wiring import wire

# slice CLI module -> the top-level commands it registers (in the order --help shows them)
SLICE_CLIS: dict[str, tuple[str, ...]] = {
    "kintsugi.postmortems.cli": (
        "new", "import", "list", "show", "status", "history", "delete", "undelete", "bin",
    ),
    "kintsugi.exports.cli": ("export",),
    "kintsugi.actions.cli": ("actions",),
    "kintsugi.worker": ("worker",),
    "kintsugi.language.cli": ("lint",),
    "kintsugi.timeline.cli": ("timeline",),
    "kintsugi.rca.cli": ("rca",),
    "kintsugi.library.cli": ("search", "similar", "library"),
    "kintsugi.metrics.cli": ("metrics", "check"),
    "kintsugi.meetings.cli": ("meeting",),
    "kintsugi.incidents.cli": ("draft", "incidents"),
    "kintsugi.demo.cli": ("demo",),
    "kintsugi.web.cli": ("serve",),
    "kintsugi.people.cli": ("users", "teams", "tokens"),
    "kintsugi.audit.cli": ("audit",),
    "kintsugi.backup_cli": ("backup", "restore"),
    "kintsugi.core.db_cli": ("db",),
    "kintsugi.handbook.cli": ("handbook", "training", "learning"),
}  # fmt: skip


def build_app(command: str | None = None) -> typer.Typer:
    """The root app with every slice, or only the slice that provides ``command``."""
    wire()
    root = typer.Typer(
        name="kintsugi",
        help="Kintsugi: learn from incidents, blamelessly.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    root.callback()(_root)  # a group even when only one slice is loaded
    modules = [m for m, commands in SLICE_CLIS.items() if command in commands] or list(SLICE_CLIS)
    for module_name in modules:
        importlib.import_module(module_name).register(root)
    return root


def _root() -> None:
    """Kintsugi: learn from incidents, blamelessly."""


def __getattr__(name: str) -> Any:
    if name == "app":  # the whole app, built on first use (tests, documentation)
        built = build_app()
        globals()["app"] = built
        return built
    raise AttributeError(name)


def _command(argv: list[str]) -> str | None:
    return next((arg for arg in argv if not arg.startswith("-")), None)


def main() -> None:
    """Entry point of the ``kintsugi`` console script."""
    if sys.argv[1:2] == ["lint"]:  # pre-commit runs this on every commit: skip building the app
        wire()  # lint --id reads a stored document, with its timeline and action items
        from kintsugi.language.cli import main as lint_main

        lint_main(sys.argv[2:])
        return
    build_app(_command(sys.argv[1:]))()
