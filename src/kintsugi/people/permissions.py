"""What each role may do: one table, read by the services that refuse and the pages that offer.

Services call ``require(actor, action)``; pages ask ``can(principal, action)`` to decide which
buttons and controls to show, so a page never offers what the service would refuse. Who may
*see* a post-mortem is a separate rule: ``postmortems/access.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kintsugi.core.errors import PermissionDeniedError
from kintsugi.people.principal import Principal, Role


class Action(StrEnum):
    """Something a person does that not every role may."""

    EDIT_POSTMORTEMS = "edit_postmortems"
    PUBLISH_OVER_FINDINGS = "publish_over_findings"
    DELETE_POSTMORTEMS = "delete_postmortems"
    CHANGE_ACTION_ITEMS = "change_action_items"
    EXPORT_ACTION_ITEMS = "export_action_items"
    SAVE_TIMELINES = "save_timelines"
    FETCH_TIMELINES = "fetch_timelines"
    EDIT_RCA = "edit_rca"
    EDIT_CAUSE_TAXONOMY = "edit_cause_taxonomy"
    ANSWER_CHECKLIST = "answer_checklist"
    RECOGNISE_PEOPLE = "recognise_people"
    RECORD_INCIDENTS = "record_incidents"
    DRAFT_FROM_INCIDENTS = "draft_from_incidents"
    MANAGE_LEARNING_POLICY = "manage_learning_policy"
    EDIT_HANDBOOK = "edit_handbook"
    MANAGE_BIN = "manage_bin"
    READ_AUDIT_LOG = "read_audit_log"
    MANAGE_PEOPLE = "manage_people"


@dataclass(frozen=True)
class Permission:
    """The least role an action needs, and the action in words ("editing post-mortems")."""

    role: Role
    doing: str


PERMISSIONS: dict[Action, Permission] = {
    Action.EDIT_POSTMORTEMS: Permission(Role.EDITOR, "writing and editing post-mortems"),
    Action.PUBLISH_OVER_FINDINGS: Permission(
        Role.FACILITATOR, "publishing over blameless-language findings"
    ),
    Action.DELETE_POSTMORTEMS: Permission(Role.EDITOR, "deleting post-mortems"),
    Action.CHANGE_ACTION_ITEMS: Permission(Role.EDITOR, "changing action items"),
    Action.EXPORT_ACTION_ITEMS: Permission(Role.EDITOR, "exporting action items to a tracker"),
    Action.SAVE_TIMELINES: Permission(Role.EDITOR, "saving a timeline"),
    Action.FETCH_TIMELINES: Permission(
        Role.EDITOR, "fetching a timeline from incident tools with the server's credentials"
    ),
    Action.EDIT_RCA: Permission(Role.EDITOR, "editing a root cause analysis"),
    Action.EDIT_CAUSE_TAXONOMY: Permission(Role.FACILITATOR, "editing the cause taxonomy"),
    Action.ANSWER_CHECKLIST: Permission(Role.EDITOR, "answering the quality checklist"),
    Action.RECOGNISE_PEOPLE: Permission(Role.EDITOR, "recognising people"),
    Action.RECORD_INCIDENTS: Permission(Role.EDITOR, "recording incidents"),
    Action.DRAFT_FROM_INCIDENTS: Permission(
        Role.EDITOR, "drafting post-mortems from incidents with the server's credentials"
    ),
    Action.MANAGE_LEARNING_POLICY: Permission(
        Role.ADMIN, "seeing and changing the learning policy"
    ),
    Action.EDIT_HANDBOOK: Permission(Role.ADMIN, "editing the handbook"),
    Action.MANAGE_BIN: Permission(Role.ADMIN, "the bin of deleted post-mortems"),
    Action.READ_AUDIT_LOG: Permission(Role.ADMIN, "the audit log"),
    Action.MANAGE_PEOPLE: Permission(Role.ADMIN, "managing people"),
}


def can(principal: Principal | None, action: Action | str) -> bool:
    """True when ``principal`` may do ``action`` (nobody signed in: False)."""
    if principal is None:
        return False
    return principal.has_role(PERMISSIONS[Action(action)].role)


def require(principal: Principal, action: Action | str) -> None:
    """PermissionDeniedError, naming the role needed, unless ``principal`` may do ``action``."""
    if not can(principal, action):
        permission = PERMISSIONS[Action(action)]
        need = f"the {permission.role.value} role"
        if principal.read_only and principal.role.rank >= permission.role.rank:
            need += " and a write-scope token (this one may only read)"
        raise PermissionDeniedError(f"{permission.doing} needs {need}", role=permission.role.value)


def allowed(principal: Principal | None) -> frozenset[Action]:
    """Every action ``principal`` may do: the set a page offers its controls from."""
    return frozenset(action for action in Action if can(principal, action))
