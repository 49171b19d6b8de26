"""``kintsugi metrics overdue`` lists a SEV1 resolved more than 48 hours ago that nobody has
opened a post-mortem for, from the incident records."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from kintsugi.cli import build_app
from kintsugi.core.db import make_engine, make_sessionmaker
from kintsugi.core.types import utcnow
from kintsugi.incidents import service
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems import service as postmortems
from kintsugi.postmortems.document import Document


def test_an_incident_past_its_deadline_without_any_post_mortem_is_overdue(sqlite_url: str) -> None:
    sessions: sessionmaker[Session] = make_sessionmaker(make_engine(sqlite_url))
    now = utcnow()
    with sessions.begin() as session:
        service.add_incident(session, SYSTEM, "Payments down", severity="SEV1",
                             started_at=now - timedelta(hours=73),
                             resolved_at=now - timedelta(hours=72), lead="ana")  # fmt: skip
        service.add_incident(session, SYSTEM, "Resolved an hour ago", severity="SEV1",
                             resolved_at=now - timedelta(hours=1))  # fmt: skip
        service.add_incident(session, SYSTEM, "Nearly lost the disk", near_miss=True,
                             resolved_at=now - timedelta(days=30))  # fmt: skip
        written = postmortems.create_document(session, Document(title="Search outage"), SYSTEM)
        service.add_incident(session, SYSTEM, "Search outage", severity="SEV2",
                             resolved_at=now - timedelta(days=5), postmortem_id=written.id)  # fmt: skip

    result = CliRunner().invoke(
        build_app("metrics"), ["metrics", "overdue", "--json", "--db", sqlite_url]
    )

    assert result.exit_code == 1, result.stderr
    listed = json.loads(result.stdout)["incidents_without_postmortem"]
    assert [(i["title"], i["severity"], i["lead"]) for i in listed] == [
        ("Payments down", "SEV1", "ana")
    ]
    assert 23 < listed[0]["overdue_hours"] < 25
