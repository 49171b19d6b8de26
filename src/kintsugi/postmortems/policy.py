"""The organisation's learning policy: deadlines, targets, checklist score, recurrence window.

The defaults follow the guide: every SEV1/SEV2 gets a full post-mortem within 48 hours of
resolution, a SEV3 a lightweight one within a week; near misses have no deadline. The settings
file (``KINTSUGI_POLICY_FILE``, TOML or YAML, the same nesting as ``Policy``) changes them, and
the admin page's values (stored in ``metrics_policy``) override the file's, field by field.

It lives with the post-mortems because their deadlines are part of it (``deadlines``): the
slices that apply them (meetings, incidents, metrics) all sit above this one. The metrics
slice shows and edits it (``kintsugi.metrics.policy`` re-exports these names).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.orm import Session

from kintsugi.core.errors import InputError
from kintsugi.core.types import utcnow
from kintsugi.people.permissions import Action, require
from kintsugi.people.principal import Principal
from kintsugi.postmortems.models import PolicyRow

CHANNELS = ("email", "slack", "sns")


class PolicySettings(BaseSettings):
    """``KINTSUGI_POLICY_FILE``: the policy file (TOML or YAML), if any."""

    model_config = SettingsConfigDict(env_prefix="KINTSUGI_", extra="ignore")

    policy_file: str = ""


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Deadlines(_Part):
    """Hours from resolution to a published post-mortem, by severity (none: no deadline)."""

    sev1_hours: float = Field(48, gt=0, le=24 * 365)
    sev2_hours: float = Field(48, gt=0, le=24 * 365)
    sev3_hours: float = Field(168, gt=0, le=24 * 365)
    unset_severity_hours: float | None = Field(None, gt=0, le=24 * 365)

    def hours_for(self, severity: str | None) -> float | None:
        """The deadline of a severity; None when it has none."""
        return {"SEV1": self.sev1_hours, "SEV2": self.sev2_hours, "SEV3": self.sev3_hours}.get(
            severity or "", self.unset_severity_hours
        )


class Targets(_Part):
    """What the organisation aims for (percentages as 0-100)."""

    post_mortem_completion_rate: float = Field(100, ge=0, le=100)
    action_item_on_time_rate: float = Field(90, ge=0, le=100)
    time_to_post_mortem_hours: float = Field(48, gt=0)
    recurring_incident_rate: float = Field(0, ge=0, le=100)
    mttr_minutes: float | None = Field(None, gt=0)
    learning_sessions_per_month: float = Field(4, ge=0)
    documentation_updates: float = Field(10, ge=0)


class Checklist(_Part):
    """Publishing warns below this quality checklist score (percent of answered items)."""

    publish_warning_score: float = Field(70, ge=0, le=100)


class Recurrence(_Part):
    """Two incidents recur when within ``window_days`` they share a root-cause category or
    their library similarity is at least ``similarity_threshold``."""

    window_days: int = Field(90, ge=1, le=3650)
    similarity_threshold: float = Field(0.85, gt=0, le=1)


class Reminders(_Part):
    """Reminders to the authors of overdue post-mortems."""

    channels: list[str] = Field(default_factory=lambda: list(CHANNELS))
    every_days: int = Field(1, ge=0, le=365)  # 0: never remind

    @field_validator("channels")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = [c for c in value if c not in CHANNELS]
        if unknown:
            raise ValueError(f"unknown channel {unknown[0]!r}; one of {', '.join(CHANNELS)}")
        return value


class Policy(_Part):
    """The whole policy."""

    deadlines: Deadlines = Field(default_factory=Deadlines)
    targets: Targets = Field(default_factory=Targets)
    checklist: Checklist = Field(default_factory=Checklist)
    recurrence: Recurrence = Field(default_factory=Recurrence)
    reminders: Reminders = Field(default_factory=Reminders)


def _field_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc) or "policy"


def validate_policy(data: Any, *, source: str) -> Policy:
    """``data`` as a Policy; InputError naming ``source`` and the first bad field."""
    if not isinstance(data, dict):
        raise InputError("the policy must be a mapping of sections", file=source)
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        raise InputError(message, file=source, field=_field_path(tuple(first["loc"]))) from None


def read_policy_file(path: str | Path) -> dict[str, Any]:
    """The raw mapping of a TOML (``.toml``) or YAML file; InputError when unreadable."""
    file = Path(path)
    source = str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("the policy file does not exist", file=source) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the policy file: {exc}", file=source) from None
    try:
        if file.suffix.lower() == ".toml":
            data: Any = tomllib.loads(text)
        else:
            data = yaml.safe_load(text) or {}
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", file=source) from None
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise InputError(
            f"not valid YAML: {getattr(exc, 'problem', exc)}",
            file=source,
            line=line + 1 if line is not None else None,
        ) from None
    validate_policy(data, source=source)
    return dict(data) if isinstance(data, dict) else {}


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def stored_overrides(session: Session) -> dict[str, Any]:
    """The admin page's values (only the fields set there)."""
    row = session.get(PolicyRow, 1)
    return dict(row.data) if row is not None else {}


def effective_policy(session: Session, settings: PolicySettings | None = None) -> Policy:
    """Defaults, then the settings file, then the admin page's values."""
    settings = settings or PolicySettings()
    data: dict[str, Any] = {}
    if settings.policy_file:
        data = read_policy_file(settings.policy_file)
    data = _merge(data, stored_overrides(session))
    return validate_policy(data, source="policy (file and admin page)")


def save_overrides(session: Session, actor: Principal, overrides: dict[str, Any]) -> Policy:
    """Store the admin page's values (a nested partial policy); admins only."""
    require(actor, Action.MANAGE_LEARNING_POLICY)
    validate_policy(overrides, source="admin page")
    row = session.get(PolicyRow, 1)
    if row is None:
        row = PolicyRow(id=1, data={}, updated_by=actor.username, updated_at=utcnow())
        session.add(row)
    row.data = overrides
    row.updated_by = actor.username[:80]
    row.updated_at = utcnow()
    session.flush()
    return effective_policy(session)
