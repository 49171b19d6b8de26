"""The permission table: what each role may do, and refusals that name the role needed."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from kintsugi.core.errors import PermissionDeniedError
from kintsugi.people.permissions import PERMISSIONS, Action, allowed, can, require
from kintsugi.people.principal import SYSTEM, Principal, Role


def _person(role: Role, *, read_only: bool = False) -> Principal:
    return Principal(user_id=1, username=role.value, role=role, read_only=read_only)


def test_every_action_has_a_rule() -> None:
    assert set(PERMISSIONS) == set(Action)


@pytest.mark.parametrize("role", list(Role))
def test_a_role_may_do_what_its_rank_allows(role: Role) -> None:
    person = _person(role)
    for action, permission in PERMISSIONS.items():
        assert can(person, action) == (role.rank >= permission.role.rank), action


def test_roles_include_the_powers_below_them() -> None:
    sets = [allowed(_person(role)) for role in Role]
    assert all(lower <= higher for lower, higher in itertools.pairwise(sets))
    assert allowed(_person(Role.VIEWER)) == frozenset()
    assert allowed(_person(Role.ADMIN)) == frozenset(Action)


def test_nobody_signed_in_and_read_only_tokens_may_change_nothing() -> None:
    assert not can(None, Action.EDIT_POSTMORTEMS)
    assert allowed(_person(Role.ADMIN, read_only=True)) == frozenset()
    assert allowed(SYSTEM) == frozenset(Action)


def test_a_refusal_names_the_action_and_the_role_it_needs() -> None:
    with pytest.raises(PermissionDeniedError) as refused:
        require(_person(Role.EDITOR), "publish_over_findings")
    assert refused.value.role == "facilitator"
    assert str(refused.value) == (
        "publishing over blameless-language findings needs the facilitator role"
    )
    require(_person(Role.FACILITATOR), Action.PUBLISH_OVER_FINDINGS)  # allowed: no error


def test_an_unknown_action_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        can(_person(Role.ADMIN), "fly")


def test_the_roles_guide_states_the_table() -> None:
    """docs/roles.md lists every action with the role the code requires for it."""
    guide = Path(__file__).resolve().parents[2] / "docs" / "roles.md"
    stated = dict(
        re.findall(r"\(`([a-z_]+)`\) \| (viewer|editor|facilitator|admin) \|", guide.read_text())
    )
    assert stated == {action.value: rule.role.value for action, rule in PERMISSIONS.items()}
