"""`kintsugi search`, `kintsugi similar` and `kintsugi library reindex`."""

from __future__ import annotations

import json

import typer
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from kintsugi.library import cli
from kintsugi.postmortems.document import Severity

from .helpers import add


def _app() -> typer.Typer:
    app = typer.Typer()
    cli.register(app)
    return app


def _seed(sessions: sessionmaker[Session]) -> None:
    add(
        sessions,
        "Partner API certificate expired",
        summary="The TLS certificate & chain of the partner API expired.",
        tags=["tls"],
        severity=Severity.SEV1,
        year=2024,
    )
    add(sessions, "CoreDNS crash loop", summary="CoreDNS pods crash-looped.", year=2025)


def test_search_json_and_human(sessions: sessionmaker[Session], db_url: str) -> None:
    _seed(sessions)
    runner = CliRunner()
    result = runner.invoke(_app(), ["search", "certificate", "--json", "--db", db_url])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["total"] == 1 and body["results"][0]["id"] == "partner-api-certificate-expired"
    assert set(body["results"][0]) >= {
        "id",
        "title",
        "severity",
        "date",
        "tags",
        "snippet",
        "score",
    }

    human = runner.invoke(_app(), ["search", "certificate", "--db", db_url])
    assert human.exit_code == 0
    assert "partner-api-certificate-expired" in human.stdout
    assert (
        "<mark>" not in human.stdout and "&amp;" not in human.stdout and "& chain" in human.stdout
    )

    filtered = runner.invoke(_app(), ["search", "--year", "2025", "--json", "--db", db_url])
    assert [r["id"] for r in json.loads(filtered.stdout)["results"]] == ["coredns-crash-loop"]


def test_search_errors_exit_1_with_one_line(sessions: sessionmaker[Session], db_url: str) -> None:
    result = CliRunner().invoke(_app(), ["search", "dns OR", "--db", db_url])
    assert result.exit_code == 1
    assert "OR needs a search term after it" in result.output
    assert "Traceback" not in result.output
    bad = CliRunner().invoke(_app(), ["search", "x", "--severity", "SEV7", "--db", db_url])
    assert bad.exit_code == 1 and "unknown severity" in bad.output


def test_reindex_and_similar(sessions: sessionmaker[Session], db_url: str) -> None:
    _seed(sessions)
    add(sessions, "Certificate expiry on the API gateway", summary="The gateway TLS cert expired.")
    runner = CliRunner()
    reindexed = runner.invoke(_app(), ["library", "reindex", "--json", "--db", db_url])
    assert reindexed.exit_code == 0, reindexed.output
    assert json.loads(reindexed.stdout) == {"indexed": 3, "vectors": 3, "model": "all-MiniLM-L6-v2"}

    result = runner.invoke(
        _app(), ["similar", "partner-api", "--limit", "1", "--json", "--db", db_url]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["method"] == "combined" and body["without_vector"] == 0
    assert [r["id"] for r in body["results"]] == ["certificate-expiry-on-the-api-gateway"]
    for method, how in (("combined", "by words, meaning"), ("embedding", "by meaning")):
        shown = runner.invoke(
            _app(), ["similar", "partner-api", "--method", method, "--db", db_url]
        )
        assert shown.exit_code == 0 and f"({how}" in shown.stdout, shown.output

    missing = runner.invoke(_app(), ["similar", "nope", "--db", db_url])
    assert missing.exit_code == 1 and "no post-mortem" in missing.output
