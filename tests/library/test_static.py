"""`kintsugi library build`: INDEX.md, the static site, its client-side search, and who is in it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import typer
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from kintsugi.library import cli
from kintsugi.library.static import build_library
from kintsugi.postmortems.document import Severity, Status, Visibility

from .helpers import add

NODE_RUNNER = """
const fs = require("fs"), vm = require("vm");
const [site, queries] = [process.argv[1], JSON.parse(process.argv[2])];
const context = { window: {}, document: { readyState: "complete", getElementById: () => null } };
vm.createContext(context);
for (const name of ["search-index.js", "search.js"]) {
  vm.runInContext(fs.readFileSync(site + "/assets/" + name, "utf8"), context);
}
const api = context.window.KintsugiLibrarySearch;
const out = {};
for (const q of queries) {
  const found = api.search(q);
  out[q] = found === null ? null : found.map((r) => r.entry.doc.id);
}
console.log(JSON.stringify(out));
"""


def _seed(sessions: sessionmaker[Session]) -> None:
    add(
        sessions,
        "Partner API certificate expired",
        summary="The TLS certificate of the partner API expired.",
        tags=["tls"],
        severity=Severity.SEV1,
        status=Status.PUBLISHED,
        year=2024,
    )
    add(
        sessions,
        "Logs not shipped <script>alert(1)</script>",
        summary="Fluentd stopped shipping logs to the log store.",
        tags=["logging", "kubernetes"],
        year=2025,
    )
    add(
        sessions,
        "Kubelet certificates rotated",
        summary="Kubelet client certificates rotated early.",
        tags=["kubernetes"],
        year=2025,
    )
    add(
        sessions,
        "Payroll export leaked",
        summary="The payroll export went to the wrong bucket.",
        visibility=Visibility.RESTRICTED,
    )


def _all_text(folder: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in folder.rglob("*") if p.is_file())


def test_build_writes_index_site_and_documents(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    _seed(sessions)
    out = tmp_path / "site"
    with sessions() as session:
        result = build_library(session, out)
    assert (result.documents, result.left_out) == (3, 1)
    index = (out / "INDEX.md").read_text(encoding="utf-8")
    for heading in ("## Recently added", "## All post-mortems", "## By tag", "## By year"):
        assert heading in index
    assert "### kubernetes (2)" in index and "### 2025 (2)" in index and "### SEV1 (1)" in index
    assert "(postmortems/partner-api-certificate-expired.md)" in index
    assert (out / "postmortems" / "partner-api-certificate-expired.md").is_file()
    page = (out / "postmortems" / "partner-api-certificate-expired.html").read_text()
    assert "<h1>Partner API certificate expired</h1>" in page
    assert "<script>alert(1)</script>" not in (out / "index.html").read_text()
    assert "&lt;script&gt;" in (out / "index.html").read_text()
    assert '<script src="assets/search.js" defer></script>' in (out / "index.html").read_text()


def test_build_leaves_out_what_is_not_for_the_whole_organisation(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    _seed(sessions)
    with sessions() as session:
        build_library(session, tmp_path / "default")
        build_library(session, tmp_path / "everything", include_all=True)
        published = build_library(session, tmp_path / "published", published_only=True)
    assert "payroll" not in _all_text(tmp_path / "default").lower()
    assert "Payroll export leaked" in _all_text(tmp_path / "everything")
    assert published.documents == 1
    assert "Kubelet" not in (tmp_path / "published" / "INDEX.md").read_text()


def test_client_side_search(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    node = shutil.which("node")
    assert node is not None, "node (Debian nodejs) runs the static site's search script"
    _seed(sessions)
    with sessions() as session:
        build_library(session, tmp_path)
    queries = [
        "certificate",
        '"logs not shipped"',
        "kube*",
        "certificate -kubelet",
        "fluentd OR tls",
        "",
        "payroll",
    ]
    done = subprocess.run(
        [node, "-e", NODE_RUNNER, str(tmp_path), json.dumps(queries)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    found = json.loads(done.stdout)
    assert set(found["certificate"]) == {
        "partner-api-certificate-expired",
        "kubelet-certificates-rotated",
    }
    assert found['"logs not shipped"'] == ["logs-not-shipped-script-alert-1-script"]
    assert set(found["kube*"]) == {
        "kubelet-certificates-rotated",
        "logs-not-shipped-script-alert-1-script",
    }
    assert found["certificate -kubelet"] == ["partner-api-certificate-expired"]
    assert set(found["fluentd OR tls"]) == {
        "logs-not-shipped-script-alert-1-script",
        "partner-api-certificate-expired",
    }
    assert found[""] is None and found["payroll"] == []


def test_cli_build(sessions: sessionmaker[Session], db_url: str, tmp_path: Path) -> None:
    _seed(sessions)
    app = typer.Typer()
    cli.register(app)
    result = CliRunner().invoke(
        app, ["library", "build", str(tmp_path / "out"), "--db", db_url, "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "out_dir": str(tmp_path / "out"),
        "documents": 3,
        "left_out": 1,
    }
    clash = tmp_path / "file"
    clash.write_text("x")
    failed = CliRunner().invoke(app, ["library", "build", str(clash), "--db", db_url])
    assert failed.exit_code == 1 and "is not a folder" in failed.output
