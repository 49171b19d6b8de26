"""The policy: defaults from the guide, a TOML or YAML settings file validated with errors
naming the file and field, and the admin page's values overriding the file's."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.errors import InputError, PermissionDeniedError
from kintsugi.metrics.config import MetricsSettings
from kintsugi.metrics.policy import Policy, effective_policy, read_policy_file, save_overrides
from kintsugi.people.principal import SYSTEM
from tests.actions.helpers import make_user


def test_defaults_follow_the_guide() -> None:
    policy = Policy()
    assert policy.deadlines.hours_for("SEV1") == 48
    assert policy.deadlines.hours_for("SEV2") == 48
    assert policy.deadlines.hours_for("SEV3") == 168
    assert policy.deadlines.hours_for(None) is None
    targets = policy.targets
    assert (targets.post_mortem_completion_rate, targets.action_item_on_time_rate) == (100, 90)
    assert (targets.time_to_post_mortem_hours, targets.recurring_incident_rate) == (48, 0)
    assert (targets.learning_sessions_per_month, targets.documentation_updates) == (4, 10)
    assert policy.recurrence.window_days == 90


@pytest.mark.parametrize(
    "name, text",
    [
        ("policy.toml", "[deadlines]\nsev3_hours = 72\n[targets]\ndocumentation_updates = 5\n"),
        ("policy.yaml", "deadlines:\n  sev3_hours: 72\ntargets:\n  documentation_updates: 5\n"),
    ],
)
def test_a_settings_file_changes_the_defaults(
    tmp_path: Path, sessions: sessionmaker[Session], name: str, text: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with sessions() as session:
        policy = effective_policy(session, MetricsSettings(policy_file=str(path)))
    assert policy.deadlines.sev3_hours == 72
    assert policy.targets.documentation_updates == 5
    assert policy.deadlines.sev1_hours == 48


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("p.toml", "[deadlines]\nsev1_hours = -4\n", "deadlines.sev1_hours: "),
        ("p.yaml", "targets:\n  completion: 5\n", "targets.completion: Extra inputs"),
        ("p.yaml", "reminders:\n  channels: [pager]\n", "reminders.channels: unknown channel"),
        ("p.toml", "[deadlines\n", "not valid TOML"),
        ("p.yaml", "deadlines: [1\n", "not valid YAML"),
        ("p.yaml", "- 1\n", "must be a mapping"),
    ],
)
def test_bad_files_name_the_file_and_field(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        read_policy_file(path)
    assert str(caught.value).startswith(str(path))
    assert message in str(caught.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_policy_file(tmp_path / "nope.toml")


def test_the_admin_page_overrides_the_file_field_by_field(
    tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("[deadlines]\nsev1_hours = 24\nsev2_hours = 36\n")
    with sessions.begin() as session:
        save_overrides(session, SYSTEM, {"deadlines": {"sev2_hours": 12}})
    with sessions() as session:
        policy = effective_policy(session, MetricsSettings(policy_file=str(path)))
    assert (policy.deadlines.sev1_hours, policy.deadlines.sev2_hours) == (24, 12)


def test_only_admins_change_the_policy_and_bad_values_keep_the_stored_ones(
    sessions: sessionmaker[Session],
) -> None:
    editor = make_user(sessions, "eve")
    with sessions.begin() as session, pytest.raises(PermissionDeniedError):
        save_overrides(session, editor, {})
    with sessions.begin() as session:
        save_overrides(session, SYSTEM, {"checklist": {"publish_warning_score": 50}})
    with sessions.begin() as session, pytest.raises(InputError, match="publish_warning_score"):
        save_overrides(session, SYSTEM, {"checklist": {"publish_warning_score": 500}})
    with sessions() as session:
        assert effective_policy(session).checklist.publish_warning_score == 50
