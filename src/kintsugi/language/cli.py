"""``kintsugi lint``: blameless-language findings for files, stdin or a stored document.

Kept light on purpose: the file path imports neither SQLAlchemy nor FastAPI, so linting
one file starts fast (pre-commit runs it on every commit). ``--id`` imports the database
layer when it is used.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from kintsugi.core.errors import ConfigurationError, InputError, KintsugiError
from kintsugi.language.findings import Finding
from kintsugi.language.linter import Linter, apply_fixes, lint_document
from kintsugi.language.rules import default_rules, load_rules
from kintsugi.language.sarif import to_sarif

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
FORMATS = ("text", "json", "sarif")
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")
STDIN = "-"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"  # kintsugi.core.config.Settings.base_url's default


class UsageError(KintsugiError):
    """A bad combination of arguments (exit code 2)."""


def _read(path: str) -> str:
    try:
        if path == STDIN:
            return sys.stdin.read()
        return Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", file=path) from None
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory; pass files (e.g. docs/*.md)") from None
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), file=path) from None


def _roster(path: Path | None) -> list[str]:
    if path is None:
        return []
    text = _read(str(path))
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def base_url() -> str:
    """Where links in the output point: ``KINTSUGI_BASE_URL`` (the web app's public address,
    as in kintsugi.core.config), read directly so that linting a file stays quick to start."""
    return os.environ.get("KINTSUGI_BASE_URL", "").strip() or DEFAULT_BASE_URL


def _format_text(findings: Sequence[Finding]) -> str:
    lines = []
    base = base_url()
    for f in findings:
        lines.append(f"{f.file}:{f.line}:{f.column}: {f.severity} [{f.rule}] {f.message}")
        if f.suggestion:
            lines.append(f"    suggestion: {f.suggestion}")
        if f.guideline:
            lines.append(f"    guideline: {f.guideline_url(base)}")
    files = len({f.file for f in findings})
    if findings:
        noun = "finding" if len(findings) == 1 else "findings"
        lines.append(f"{len(findings)} {noun} in {files} file{'s' if files != 1 else ''}.")
    else:
        lines.append("No blameful language found.")
    return "\n".join(lines)


def _output(findings: Sequence[Finding], output_format: str) -> str:
    if output_format == "json":
        base = base_url()
        return json.dumps([f.to_dict(base) for f in findings], indent=2, ensure_ascii=False)
    if output_format == "sarif":
        log = to_sarif(findings, default_rules(), base_url=base_url())
        return json.dumps(log, indent=2, ensure_ascii=False)
    return _format_text(findings)


def _lint_files(
    paths: Sequence[str],
    *,
    fix: bool,
    participants: Sequence[str],
    roster: Sequence[str],
    rules_file: Path | None,
) -> tuple[list[Finding], str | None]:
    """Lint (and with ``fix``, rewrite) files; returns findings and fixed stdin text."""
    linter = Linter(load_rules(rules_file), roster=roster)
    findings: list[Finding] = []
    fixed_stdin: str | None = None
    for path in paths:
        text = _read(path)
        name = "<stdin>" if path == STDIN else path
        markdown = path == STDIN or not path.lower().endswith((".txt", ".text"))
        found = linter.lint(text, file=name, markdown=markdown, participants=participants)
        if fix and found:
            new_text, applied = apply_fixes(text, found)
            if applied:
                if path == STDIN:
                    fixed_stdin = new_text
                else:
                    Path(path).write_text(new_text, encoding="utf-8")
                found = linter.lint(
                    new_text, file=name, markdown=markdown, participants=participants
                )
        elif fix and path == STDIN:
            fixed_stdin = text
        findings += found
    return findings, fixed_stdin


def _lint_stored(doc_id: str, db: str | None, roster: Sequence[str]) -> list[Finding]:
    # the database side loads only for --id: pre-commit runs plain `kintsugi lint` on every commit
    from kintsugi.core.cli_support import context
    from kintsugi.people.principal import SYSTEM
    from kintsugi.postmortems.service import get_document

    ctx = context(db)
    with ctx.transaction() as session:
        doc = get_document(session, doc_id, viewer=SYSTEM)
    return lint_document(doc, roster=roster)


def lint(
    paths: Annotated[
        list[str] | None,
        typer.Argument(help="Markdown or text files to lint; '-' reads stdin.", show_default=False),
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", "-f", help="Output: text, json or sarif.")
    ] = "text",
    json_output: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
    fix: Annotated[
        bool, typer.Option("--fix", help="Rewrite sentences in place with the suggestions.")
    ] = False,
    doc_id: Annotated[
        str | None, typer.Option("--id", help="Lint a stored post-mortem by id.")
    ] = None,
    participant: Annotated[
        list[str] | None,
        typer.Option("--participant", "-p", help="A person involved (repeatable)."),
    ] = None,
    roster: Annotated[
        Path | None, typer.Option("--roster", help="File with one person's name per line.")
    ] = None,
    rules: Annotated[
        Path | None, typer.Option("--rules", help="Use this rules file instead of the built-in.")
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database URL for --id (default: $KINTSUGI_DATABASE_URL or sqlite:///kintsugi.db).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Find blameful language (person-focused lapses, fault labels, hindsight, blame
    questions, try-harder action items) and suggest system-focused rewrites.

    Exit status: 0 clean, 1 findings, 2 usage error.
    """
    output_format = "json" if json_output else output_format.lower()
    code = run_lint(
        paths or [],
        output_format=output_format,
        fix=fix,
        doc_id=doc_id,
        participants=participant or [],
        roster_file=roster,
        rules_file=rules,
        db=db,
    )
    raise typer.Exit(code)


def run_lint(
    paths: Sequence[str],
    *,
    output_format: str = "text",
    fix: bool = False,
    doc_id: str | None = None,
    participants: Sequence[str] = (),
    roster_file: Path | None = None,
    rules_file: Path | None = None,
    db: str | None = None,
) -> int:
    """Run the lint command and return its exit code (printing output and errors)."""
    try:
        if output_format not in FORMATS:
            raise UsageError(f"--format must be one of {', '.join(FORMATS)}")
        if doc_id and paths:
            raise UsageError("give files or --id, not both")
        if not doc_id and not paths:
            raise UsageError("nothing to lint: give files, '-' for stdin, or --id PM-ID")
        if doc_id and fix:
            raise UsageError("--fix works on files; edit stored documents in the editor")
        roster = _roster(roster_file)
        fixed_stdin = None
        if doc_id:
            findings = _lint_stored_safely(doc_id, db, roster)
        else:
            findings, fixed_stdin = _lint_files(
                paths, fix=fix, participants=participants, roster=roster, rules_file=rules_file
            )
    except (UsageError, ConfigurationError) as exc:
        _error(str(exc))
        return EXIT_USAGE
    except KintsugiError as exc:
        _error(str(exc))
        return EXIT_USAGE if isinstance(exc, InputError) and exc.field == "rule" else EXIT_FINDINGS
    if fixed_stdin is not None:
        sys.stdout.write(fixed_stdin)
        sys.stdout.flush()
        if findings:
            sys.stderr.write(_format_text(findings) + "\n")
    else:
        sys.stdout.write(_output(findings, output_format) + "\n")
    return EXIT_FINDINGS if findings else EXIT_OK


def _lint_stored_safely(doc_id: str, db: str | None, roster: Sequence[str]) -> list[Finding]:
    """The --id path with the database errors the rest of the CLI reports the same way."""
    from sqlalchemy.exc import OperationalError  # with the database side: only for --id

    try:
        return _lint_stored(doc_id, db, roster)
    except OperationalError as exc:
        raise ConfigurationError(f"database: {str(exc.orig or exc).splitlines()[0]}") from None


def _error(message: str) -> None:
    sys.stderr.write(f"error: {message}\n")


def register(app: typer.Typer) -> None:
    """Add ``kintsugi lint`` to the root app."""
    app.command("lint")(lint)


def main(argv: Sequence[str] | None = None) -> Any:
    """Run ``lint`` alone (a fast entry point that skips the other slices' imports)."""
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command("lint")(lint)
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["lint"]:
        args = args[1:]
    return app(args=args, prog_name="kintsugi lint")
