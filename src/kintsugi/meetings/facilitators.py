"""Who can facilitate a review: the people the meetings page suggests.

Whether someone is trained is the handbook's to say (its self-check), and the handbook sits
above this slice. It provides the answer here through the composition root
(``kintsugi.wiring``); the meetings page asks ``trained()`` and never imports the handbook.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session

from kintsugi.postmortems.parts import NotWiredError


class TrainedFacilitators(Protocol):
    """Usernames of active people who count as trained facilitators, alphabetically."""

    def __call__(self, session: Session) -> list[str]: ...


_source: list[TrainedFacilitators] = []


def install(source: TrainedFacilitators) -> None:
    """Install where trained facilitators come from (again replaces it)."""
    _source[:] = [source]


def trained(session: Session) -> list[str]:
    """The trained facilitators, from the installed source."""
    if not _source:
        raise NotWiredError(
            "no source of trained facilitators is installed: call kintsugi.wiring.wire() where "
            "the program starts"
        )
    return _source[0](session)
