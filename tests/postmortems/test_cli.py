"""The document commands end to end: new, import, list, show, export, status, history."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kintsugi.cli import app

runner = CliRunner()


def kintsugi(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


def test_import_corpus_then_list_show_export(sqlite_url: str, corpus: Path) -> None:
    code, out, err = kintsugi("import", str(corpus), "--db", sqlite_url)
    assert code == 0, err
    assert "imported" in out
    code, out, _ = kintsugi("list", "--json", "--db", sqlite_url)
    rows = json.loads(out)
    ids = {r["id"] for r in rows}
    assert len(rows) == len(list(corpus.rglob("*.md")))
    assert "pm2023-002-logs-not-shipped-to-cloudwatch" in ids
    code, out, _ = kintsugi("show", "pm2023-002", "--json", "--db", sqlite_url)
    doc = json.loads(out)
    assert doc["title"] == "Logs not being shipped to CloudWatch"
    assert set(doc) >= {
        "id", "title", "kind", "status", "severity", "started_at", "detected_at",
        "resolved_at", "tags", "services", "sections", "timeline", "action_items",
    }  # fmt: skip
    assert doc["timeline"][0]["at"] == "2023-04-11T11:20:00+00:00"
    assert len(doc["action_items"]) == 5
    code, out, _ = kintsugi("export", "pm2023-002", "--format", "md", "--db", sqlite_url)
    assert code == 0 and "# Logs not being shipped to CloudWatch" in out
    code, out, _ = kintsugi("export", "pm2023-002", "--format", "html", "--db", sqlite_url)
    assert "<h1>Logs not being shipped to CloudWatch</h1>" in out


def test_import_twice_updates_instead_of_duplicating(sqlite_url: str, corpus: Path) -> None:
    source = corpus / "dfds" / "PM2023-002 - Logs not shipped to CloudWatch.md"
    assert kintsugi("import", str(source), "--db", sqlite_url)[0] == 0
    code, out, _ = kintsugi("import", str(source), "--db", sqlite_url)
    assert code == 0 and "imported 0 new, updated 1" in out
    assert len(json.loads(kintsugi("list", "--json", "--db", sqlite_url)[1])) == 1


def test_exported_markdown_reimports_to_the_same_document(
    sqlite_url: str, corpus: Path, tmp_path: Path
) -> None:
    assert kintsugi("import", str(corpus / "dfds"), "--db", sqlite_url)[0] == 0
    out_dir = tmp_path / "export"
    code, _, err = kintsugi(
        "export", "--all", "--format", "md", "--out", str(out_dir), "--db", sqlite_url
    )
    assert code == 0, err
    before = json.loads(kintsugi("show", "pm2021-011", "--json", "--db", sqlite_url)[1])
    other = f"sqlite:///{tmp_path / 'other.db'}"
    assert kintsugi("import", str(out_dir), "--db", other)[0] == 0
    after = json.loads(kintsugi("show", "pm2021-011", "--json", "--db", other)[1])
    for key in ("title", "sections", "timeline", "tags", "severity", "started_at"):
        assert after[key] == before[key], key
    assert [(a["title"], a["owner"], a["status"]) for a in after["action_items"]] == [
        (a["title"], a["owner"], a["status"]) for a in before["action_items"]
    ]


def test_bad_files_are_reported_and_the_rest_imported(sqlite_url: str, tmp_path: Path) -> None:
    good = tmp_path / "good.md"
    good.write_text("# Fine\n\n## Summary\n\nAll good.\n", encoding="utf-8")
    (tmp_path / "latin1.md").write_bytes("# Caf\xe9\n".encode("latin-1"))
    (tmp_path / "broken.md").write_text("---\ntitle: [unclosed\n---\n# x\n", encoding="utf-8")
    (tmp_path / "severity.md").write_text("---\nseverity: SEV9\n---\n# Bad sev\n", encoding="utf-8")
    (tmp_path / "date.md").write_text(
        "---\nstarted_at: yesterday-ish\n---\n# Bad\n", encoding="utf-8"
    )
    code, out, err = kintsugi("import", str(tmp_path), "--db", sqlite_url)
    assert code == 1
    assert "imported 1 new" in out and "4 failed" in out
    assert "latin1.md:1" in err
    assert "broken.md:" in err
    assert "severity.md:2: severity:" in err and "SEV9" in err
    assert "date.md:2: started_at:" in err
    assert "Traceback" not in err
    assert [r["id"] for r in json.loads(kintsugi("list", "--json", "--db", sqlite_url)[1])] == [
        "good"
    ]


def test_strict_import_is_all_or_nothing(sqlite_url: str, tmp_path: Path) -> None:
    (tmp_path / "good.md").write_text("# Fine\n", encoding="utf-8")
    (tmp_path / "bad.md").write_text("---\nseverity: nope\n---\n# x\n", encoding="utf-8")
    code, out, _ = kintsugi("import", str(tmp_path), "--strict", "--db", sqlite_url)
    assert code == 1 and "nothing was imported" in out
    assert json.loads(kintsugi("list", "--json", "--db", sqlite_url)[1]) == []


def test_import_json_output(sqlite_url: str, tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A\n", encoding="utf-8")
    code, out, _ = kintsugi("import", str(tmp_path), "--json", "--db", sqlite_url)
    assert code == 0
    assert json.loads(out)["created"] == [{"file": str(tmp_path / "a.md"), "id": "a"}]


@pytest.mark.parametrize("template", ["postmortem", "lightweight", "premortem"])
def test_new_from_template_round_trips_through_import(
    template: str, sqlite_url: str, tmp_path: Path
) -> None:
    target = tmp_path / f"{template}.md"
    code, _, err = kintsugi(
        "new", "--template", template, "--title", "Queue backlog", "--severity", "sev2",
        "--out", str(target),
    )  # fmt: skip
    assert code == 0, err
    text = target.read_text(encoding="utf-8")
    assert "# Queue backlog" in text
    assert kintsugi("import", str(target), "--db", sqlite_url)[0] == 0
    doc = json.loads(kintsugi("show", template, "--json", "--db", sqlite_url)[1])
    assert doc["severity"] == "SEV2"
    assert doc["kind"] == ("premortem" if template == "premortem" else "postmortem")
    assert doc["action_items"] == []  # the template's empty table is not an item
    keys = [s["key"] for s in doc["sections"]]
    assert "action_items" in keys
    if template == "premortem":
        assert {"scenario", "imagined_root_causes", "preventions"} <= set(keys)


def test_usage_errors_exit_2_with_one_message(sqlite_url: str) -> None:
    code, _, err = kintsugi("new", "--template", "nope", "--title", "x")
    assert code == 1 and "unknown template 'nope'" in err
    code, _, err = kintsugi("export", "--db", sqlite_url)
    assert code == 2 and "either a post-mortem ID or --all" in err
    code, _, err = kintsugi("list", "--db", "mysql://x/y")
    assert code == 2 and "only sqlite" in err
    code, _, err = kintsugi("show", "nothing", "--db", sqlite_url)
    assert code == 1 and "no post-mortem with id 'nothing'" in err


def test_status_and_history(sqlite_url: str, tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A\n\n## Summary\n\nOne.\n", encoding="utf-8")
    kintsugi("import", str(tmp_path), "--db", sqlite_url)
    assert kintsugi("status", "a", "published", "--db", sqlite_url)[0] == 1
    assert kintsugi("status", "a", "in-review", "--db", sqlite_url)[0] == 0
    assert kintsugi("status", "a", "published", "--db", sqlite_url)[0] == 0
    versions = json.loads(kintsugi("history", "a", "--json", "--db", sqlite_url)[1])
    assert [v["version"] for v in versions] == [3, 2, 1]
    _, out, _ = kintsugi("history", "a", "--diff", "1", "3", "--db", sqlite_url)
    assert "-status: draft" in out and "+status: published" in out


def test_copying_a_folder_with_the_same_names_is_refused_by_id(
    sqlite_url: str, corpus: Path, tmp_path: Path
) -> None:
    source = corpus / "dfds" / "PM2020-001 - Inotify file watches exhaustion.md"
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        shutil.copy(source, tmp_path / folder / source.name)
    code, _, err = kintsugi("import", str(tmp_path), "--db", sqlite_url)
    assert code == 1 and "same id" in err
