"""Who a name means: username, display name or email, ignoring case and accents."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.people import matching
from kintsugi.people import service as people
from kintsugi.people.matching import PeopleIndex, Person, fold, people_index
from kintsugi.people.models import User

TOMAS = Person(id=1, username="tomas", display_name="Tomás Ferreira", email="tomas@example.com")
ANA = Person(id=2, username="ana", display_name="Ana Lima", email=None)


@pytest.mark.parametrize(
    "name",
    ["tomas", "Tomás", "TOMAS", "Tomás Ferreira", "tomas ferreira", "  Tomas   Ferreira ",
     "TOMAS@EXAMPLE.COM", "@tomas"],
)  # fmt: skip
def test_every_name_of_a_person_finds_them(name: str) -> None:
    assert PeopleIndex([TOMAS, ANA]).match(name) == TOMAS


@pytest.mark.parametrize("name", ["", "  ", "Tom", "tomas ferreira jr", "Ana Tomas", None])
def test_other_text_finds_nobody(name: str | None) -> None:
    assert PeopleIndex([TOMAS, ANA]).match(name) is None


def test_a_username_wins_and_a_shared_name_names_nobody() -> None:
    twin = Person(id=3, username="tf", display_name="Tomás Ferreira", email=None)
    other = Person(id=4, username="tomás ferreira", display_name="", email=None)
    assert PeopleIndex([TOMAS, twin]).match("Tomás Ferreira") is None  # two people
    assert PeopleIndex([TOMAS, twin, other]).match("Tomas Ferreira") == other  # a username
    assert fold("Ærøskøbing Ŧest") == "ærøskøbing ŧest"  # letters without accents stay


def test_find_active_user_uses_the_matcher(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        session.add_all(
            [
                User(username="tomas", display_name="Tomás Ferreira", email="tomas@example.com"),
                User(username="gone", display_name="Gone Person", is_active=False),
            ]
        )
    with sessions() as session:
        found = people.find_active_user(session, "tomas ferreira")
        assert found is not None and found.username == "tomas"
        assert people.find_active_user(session, "TOMAS@example.com") == found
        assert people.find_active_user(session, "Gone Person") is None  # inactive
        assert [p.username for p in people_index(session).people] == ["tomas"]


def test_a_username_is_found_without_folding_everyone(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages ask for the signed-in person by username: that reads one person, not the roster."""
    with sessions.begin() as session:
        session.add_all(
            [
                User(username="Tomas", display_name="Tomás Ferreira"),
                User(username="gone", display_name="Gone Person", is_active=False),
                User(username="twin", display_name="Tomas"),  # a display name that is a username
            ]
        )

    def everyone(session: Session) -> PeopleIndex:
        raise AssertionError("the index of every person was built")

    with sessions() as session:
        with monkeypatch.context() as patched:
            patched.setattr(matching, "people_index", everyone)
            found = people.find_active_user(session, "TOMAS")
            assert found is not None and found.display_name == "Tomás Ferreira"
        assert people.find_active_user(session, "gone") is None  # inactive: nobody
        assert people.find_active_user(session, "Tomás Ferreira") == found  # other names
