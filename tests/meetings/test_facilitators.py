"""The trained-facilitators hook: the handbook answers it once wired, and nothing else does."""

from __future__ import annotations

from typing import cast

import pytest
from sqlalchemy.orm import Session

from kintsugi.core.events import bus
from kintsugi.handbook import wiring as handbook_wiring
from kintsugi.meetings import facilitators
from kintsugi.postmortems.parts import NotWiredError

NO_SESSION = cast(Session, object())


def test_unwired_source_says_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(facilitators, "_source", [])
    with pytest.raises(NotWiredError, match=r"wiring\.wire"):
        facilitators.trained(NO_SESSION)


def test_the_installed_source_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(facilitators, "_source", [])
    facilitators.install(lambda session: ["ada", "grace"])
    assert facilitators.trained(NO_SESSION) == ["ada", "grace"]
    facilitators.install(lambda session: ["linus"])
    assert facilitators.trained(NO_SESSION) == ["linus"]


def test_wiring_installs_the_handbooks_self_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(facilitators, "_source", [])
    handbook_wiring.wire(bus)
    assert facilitators._source == [handbook_wiring.trained_facilitators]
