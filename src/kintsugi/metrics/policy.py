"""The organisation's learning policy, as the metrics slice shows and edits it.

The policy itself (defaults, settings file, admin page's values) lives below every slice that
applies it, in ``kintsugi.postmortems.policy``; these names stay importable from here.
"""

from __future__ import annotations

from kintsugi.postmortems.policy import (
    CHANNELS,
    Checklist,
    Deadlines,
    Policy,
    PolicySettings,
    Recurrence,
    Reminders,
    Targets,
    effective_policy,
    read_policy_file,
    save_overrides,
    stored_overrides,
    validate_policy,
)

__all__ = [
    "CHANNELS",
    "Checklist",
    "Deadlines",
    "Policy",
    "PolicySettings",
    "Recurrence",
    "Reminders",
    "Targets",
    "effective_policy",
    "read_policy_file",
    "save_overrides",
    "stored_overrides",
    "validate_policy",
]
