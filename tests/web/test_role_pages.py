"""Pages offer what the person's role may do, and a refusal says which role it needs."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from kintsugi.people.principal import Role

DOC = "disk-full"


def _as(app: FastAPI, make_user: Callable[..., str], name: str, role: Role) -> TestClient:
    token = make_user(name, role)
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})


def _new_document(client: TestClient) -> str:
    made = client.post("/postmortems/new", data={"title": "Disk full"}, follow_redirects=False)
    assert made.status_code == 303, made.text
    return made.headers["location"].split("/")[2]


def test_a_viewer_is_offered_no_change(app: FastAPI, make_user: Callable[..., str]) -> None:
    editor = _as(app, make_user, "eda", Role.EDITOR)
    doc = _new_document(editor)
    viewer = _as(app, make_user, "vic", Role.VIEWER)
    page = viewer.get(f"/postmortems/{doc}").text
    for offered in ("/edit", "/delete", 'id="status-form"', "/timeline", 'href="/postmortems/new"'):
        assert offered not in page, offered
    assert 'href="/postmortems/new"' not in viewer.get("/postmortems").text
    shown = editor.get(f"/postmortems/{doc}").text
    for offered in (f"/postmortems/{doc}/edit", f"/postmortems/{doc}/delete", 'id="status-form"'):
        assert offered in shown, offered


def test_a_refused_page_says_which_role_it_needs(
    app: FastAPI, make_user: Callable[..., str]
) -> None:
    doc = _new_document(_as(app, make_user, "eda", Role.EDITOR))
    viewer = _as(app, make_user, "vic", Role.VIEWER)
    for path in ("/postmortems/new", f"/postmortems/{doc}/edit", f"/postmortems/{doc}/delete"):
        refused = viewer.get(path)
        assert refused.status_code == 403, path
        assert "<h1>You can&#39;t do that here</h1>" in refused.text, path
        assert "Something needs fixing" not in refused.text
        assert "needs the editor role or above" in refused.text
        assert "with the viewer role" in refused.text


def test_htmx_gets_the_refusal_as_a_fragment(app: FastAPI, make_user: Callable[..., str]) -> None:
    doc = _new_document(_as(app, make_user, "eda", Role.EDITOR))
    viewer = _as(app, make_user, "vic", Role.VIEWER)
    refused = viewer.post(
        f"/postmortems/{doc}/status", data={"status": "in_review"}, headers={"HX-Request": "true"}
    )
    assert refused.status_code == 403
    assert "<html" not in refused.text
    assert "data-error-message" in refused.text
    assert "You can&#39;t do that here" in refused.text


def test_the_admin_menu_is_for_admins(app: FastAPI, make_user: Callable[..., str]) -> None:
    admin_page = _as(app, make_user, "ada", Role.ADMIN).get("/postmortems").text
    for link in ('href="/admin/metrics-policy"', 'href="/bin"', 'href="/audit"'):
        assert link in admin_page
    assert (
        'id="policy-link"' in _as(app, make_user, "adb", Role.ADMIN).get("/metrics/dashboard").text
    )
    for role in (Role.VIEWER, Role.EDITOR, Role.FACILITATOR):
        page = _as(app, make_user, f"u{role.value}", role).get("/postmortems").text
        assert 'id="admin-menu"' not in page
        assert 'href="/admin/metrics-policy"' not in page


def test_a_form_error_names_the_field_as_people_read_it(
    app: FastAPI, make_user: Callable[..., str]
) -> None:
    editor = _as(app, make_user, "eda", Role.EDITOR)
    doc = _new_document(editor)
    saved = editor.post("/api/v1/actions", json={"postmortem_id": doc, "title": "Add alerts"})
    assert saved.status_code in (200, 201), saved.text
    item = saved.json()
    row = editor.post(
        f"/actions/{item['id']}/status",
        data={"status": "wont_do", "base_version": str(item["version"])},
        headers={"HX-Request": "true"},
    )
    assert "reason for won&#39;t do" in row.text
    assert "wont_do_reason" not in row.text


def test_the_demo_prints_each_sign_in_with_its_role(sqlite_url: str) -> None:
    from kintsugi.cli import app as cli

    result = CliRunner().invoke(cli, ["demo", "--db", sqlite_url])
    assert result.exit_code == 0, result.output
    lines = {
        line.split()[0]: line.split() for line in result.output.splitlines() if line[:2] == "  "
    }
    for user, role in (("admin", "admin"), ("maja", "facilitator"), ("tomas", "editor")):
        assert lines[user][1] == role
    assert lines["priya"][1] == "viewer"
