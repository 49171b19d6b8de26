"""Recognitions in storage: who may recognise, what is checked, and that a recognition linked
to a hidden post-mortem is shown only to those who may see it (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.errors import InputError, NotFoundError, PermissionDeniedError
from kintsugi.handbook import recognition
from kintsugi.handbook.sharing import EVERYONE
from kintsugi.people.principal import SYSTEM, Role
from kintsugi.postmortems.document import Visibility
from tests.handbook.helpers import make_user, publish


def test_recognitions_honour_the_visibility_of_their_post_mortem(
    sessions: sessionmaker[Session],
) -> None:
    editor = make_user(sessions, "ed", role=Role.EDITOR)
    nadia = make_user(sessions, "nadia", role=Role.EDITOR)
    viewer = make_user(sessions, "vera", role=Role.VIEWER)
    public = publish(sessions, "Open outage")
    hidden = publish(
        sessions, "Breach", marker="zqx", visibility=Visibility.RESTRICTED, access=("nadia",)
    )
    assert public.id and hidden.id
    with sessions.begin() as session:
        recognition.recognise(
            session, editor, recipient="sre", recipient_kind="team",
            reason="improvement", message="Finished the pool alerts",
        )  # fmt: skip
        recognition.recognise(
            session, editor, recipient="ana", message="A candid write-up", postmortem_id=public.id
        )
        recognition.recognise(
            session, SYSTEM, recipient="nadia", message="Wrote up the breach zqx openly",
            postmortem_id=hidden.id,
        )  # fmt: skip
    with sessions.begin() as session:
        for who in (viewer, EVERYONE, editor):
            seen = recognition.list_recognitions(session, who)
            assert [r.recipient for r in seen] == ["ana", "sre"]
            assert all("zqx" not in str(r.to_json()) for r in seen)
        granted = recognition.list_recognitions(session, nadia)
        assert [r.recipient for r in granted] == ["nadia", "ana", "sre"]
        assert granted[0].postmortem_title == "Breach zqx"
        assert len(recognition.list_recognitions(session, SYSTEM)) == 3


def test_an_editor_cannot_link_a_post_mortem_they_cannot_see(
    sessions: sessionmaker[Session],
) -> None:
    editor = make_user(sessions, "ed", role=Role.EDITOR)
    hidden = publish(sessions, "Breach", visibility=Visibility.RESTRICTED)
    assert hidden.id
    with pytest.raises(NotFoundError), sessions.begin() as session:
        recognition.recognise(
            session, editor, recipient="x", message="thanks", postmortem_id=hidden.id
        )


def test_viewers_cannot_recognise_and_bad_input_is_named(sessions: sessionmaker[Session]) -> None:
    viewer = make_user(sessions, "vera", role=Role.VIEWER)
    editor = make_user(sessions, "ed", role=Role.EDITOR)
    with pytest.raises(PermissionDeniedError), sessions.begin() as session:
        recognition.recognise(session, viewer, recipient="ana", message="thanks")
    for kwargs, field in (
        ({"recipient": " ", "message": "thanks"}, "recipient"),
        ({"recipient": "ana", "message": ""}, "message"),
        ({"recipient": "ana", "message": "x", "reason": "heroics"}, "reason"),
        ({"recipient": "ana", "message": "x", "recipient_kind": "robot"}, "recipient_kind"),
    ):
        with pytest.raises(InputError) as caught, sessions.begin() as session:
            recognition.recognise(session, editor, **kwargs)  # type: ignore[arg-type]
        assert caught.value.field == field
    with sessions.begin() as session:
        assert recognition.list_recognitions(session, SYSTEM) == []
