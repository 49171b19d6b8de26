"""Edits the web pages make: one form, one change to an analysis (in place).

Each edit names a technique and an action (add, edit, delete...) and carries the form's
fields; ``apply_edit`` validates them into the analysis' own models, so a form can never
store what the API would refuse. Items keep their ids; deleting one drops the links to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError

from kintsugi.core.errors import InputError
from kintsugi.rca.evidence import MILESTONES
from kintsugi.rca.model import (
    Analysis,
    Barrier,
    CausalNode,
    Change,
    Evidence,
    Factor,
    FishboneCause,
    Link,
    Milestone,
    TargetKind,
    WhyChain,
    WhyStep,
    new_id,
)

Form = Mapping[str, Sequence[str]]

# technique in the URL -> (analysis attribute, model, kind of target, form fields)
ITEM_TECHNIQUES: dict[str, tuple[str, type[BaseModel], TargetKind, tuple[str, ...]]] = {
    "fishbone": (
        "fishbone",
        FishboneCause,
        TargetKind.FISHBONE_CAUSE,
        ("bone", "text", "root_cause", "category", "evidence"),
    ),
    "changes": (
        "changes",
        Change,
        TargetKind.CHANGE,
        ("kind", "text", "at", "related", "notes", "evidence"),
    ),
    "factors": (
        "factors",
        Factor,
        TargetKind.FACTOR,
        ("text", "classification", "category", "notes", "evidence"),
    ),
    "tree": (
        "causal_tree",
        CausalNode,
        TargetKind.CAUSAL_NODE,
        ("parent", "kind", "text", "category", "evidence"),
    ),
    "barriers": (
        "barriers",
        Barrier,
        TargetKind.BARRIER,
        ("name", "type", "state", "why", "strengthen", "evidence"),
    ),
}
TECHNIQUES = ("problem", "whys", *ITEM_TECHNIQUES, "timeline", "links")


def _one(form: Form, name: str) -> str:
    values = form.get(name) or []
    return values[0].strip() if values else ""


def _flag(form: Form, name: str) -> bool:
    return _one(form, name) in ("on", "true", "1", "yes")


def _evidence(form: Form) -> list[Evidence]:
    cited = []
    for value in form.get("evidence") or []:
        if not value.strip():
            continue
        try:
            cited.append(Evidence(event_id=int(value)))
        except ValueError:
            raise InputError(f"{value!r} is not an event", field="evidence") from None
    return cited


def _time(value: str, zone: ZoneInfo, field: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"{value!r} is not a date and time", field=field) from None
    return parsed.replace(tzinfo=zone) if parsed.tzinfo is None else parsed


def _fields(form: Form, names: Sequence[str], zone: ZoneInfo) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in names:
        if name == "evidence":
            data[name] = _evidence(form)
        elif name == "root_cause":
            data[name] = _flag(form, name)
        elif name == "at":
            data[name] = _time(_one(form, name), zone, name)
        elif name in ("category", "parent"):
            data[name] = _one(form, name) or None
        else:
            data[name] = _one(form, name)
    return data


def _model(model: type[BaseModel], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ()) if not isinstance(p, int))
        raise InputError(str(first.get("msg", "invalid")), field=field or None) from None


def _find(items: list[Any], item_id: str) -> int:
    for index, item in enumerate(items):
        if item.id == item_id:
            return index
    raise InputError(f"no item {item_id!r} (it may have been deleted)", field="item")


def _drop_links(analysis: Analysis, item_ids: set[str]) -> None:
    analysis.links = [link for link in analysis.links if link.target not in item_ids]


def apply_edit(analysis: Analysis, technique: str, action: str, form: Form, zone: ZoneInfo) -> str:
    """Apply one form's edit to ``analysis``; returns what changed, for the history."""
    if technique == "problem":
        analysis.problem = _one(form, "problem")
        return "edited the problem statement"
    if technique == "whys":
        return _edit_whys(analysis, action, form, zone)
    if technique == "timeline":
        return _edit_timeline(analysis, form, zone)
    if technique == "links":
        return _edit_links(analysis, action, form)
    if technique not in ITEM_TECHNIQUES:
        raise InputError(f"unknown technique {technique!r}", field="technique")
    attribute, model, kind, names = ITEM_TECHNIQUES[technique]
    items: list[Any] = getattr(analysis, attribute)
    label = technique.rstrip("s") if technique != "tree" else "causal tree node"
    if action == "add":
        item = _model(model, {**_fields(form, names, zone), "id": new_id(analysis, kind)})
        items.append(item)
        return f"added {label} {item.id}"
    item_id = _one(form, "item")
    index = _find(items, item_id)
    if action == "edit":
        items[index] = _model(model, {**_fields(form, names, zone), "id": item_id})
        return f"edited {label} {item_id}"
    if action == "delete":
        removed = items.pop(index)
        if isinstance(removed, CausalNode):  # its children move up to its parent
            for node in analysis.causal_tree:
                if node.parent == removed.id:
                    node.parent = removed.parent
        _drop_links(analysis, {item_id})
        return f"deleted {label} {item_id}"
    raise InputError(f"unknown action {action!r}", field="action")


def _edit_whys(analysis: Analysis, action: str, form: Form, zone: ZoneInfo) -> str:
    if action == "add-chain":
        chain = _model(
            WhyChain, {"id": new_id(analysis, "chain"), "problem": _one(form, "problem")}
        )
        analysis.five_whys.append(chain)
        return f"added 5 Whys chain {chain.id}"
    chain_id = _one(form, "chain")
    chains = analysis.five_whys
    chain = chains[_find(list(chains), chain_id)] if chain_id else None
    step_fields = ("why", "because", "root_cause", "category", "evidence")
    if action == "edit-chain" and chain is not None:
        chain.problem = _model(WhyChain, {"problem": _one(form, "problem")}).problem
        return f"edited 5 Whys chain {chain.id}"
    if action == "delete-chain" and chain is not None:
        chains.remove(chain)
        _drop_links(analysis, {step.id for step in chain.steps})
        return f"deleted 5 Whys chain {chain.id}"
    if action == "add-step" and chain is not None:
        step = _model(
            WhyStep,
            {**_fields(form, step_fields, zone), "id": new_id(analysis, TargetKind.WHY_STEP)},
        )
        if chain.steps and chain.steps[-1].root_cause:
            chain.steps[-1].root_cause = False  # the new last step is where the chain ends
        chain.steps.append(step)
        return f"added why step {step.id}"
    step_id = _one(form, "item")
    owner = analysis.chain_of(step_id)
    if owner is None:
        raise InputError(f"no step {step_id!r} (it may have been deleted)", field="item")
    index = _find(list(owner.steps), step_id)
    if action == "edit-step":
        owner.steps[index] = _model(WhyStep, {**_fields(form, step_fields, zone), "id": step_id})
        return f"edited why step {step_id}"
    if action == "delete-step":
        owner.steps.pop(index)
        _drop_links(analysis, {step_id})
        return f"deleted why step {step_id}"
    raise InputError(f"unknown action {action!r}", field="action")


def _edit_timeline(analysis: Analysis, form: Form, zone: ZoneInfo) -> str:
    for name in MILESTONES:
        event = _one(form, f"{name}_event")
        at = _time(_one(form, f"{name}_at"), zone, f"{name}_at")
        try:
            event_id = int(event) if event else None
        except ValueError:
            raise InputError(f"{event!r} is not an event", field=f"{name}_event") from None
        chosen = Milestone(at=at, event_id=event_id) if (at or event_id) else None
        setattr(analysis.timeline, name, chosen)
    analysis.timeline.notes = _model(type(analysis.timeline), {"notes": _one(form, "notes")}).notes
    return "edited the timeline analysis"


def _edit_links(analysis: Analysis, action: str, form: Form) -> str:
    target = _one(form, "item")
    if analysis.find(target) is None:
        raise InputError(f"no item {target!r} (it may have been deleted)", field="item")
    value = _one(form, "action_item")
    try:
        item_id = int(value)
    except ValueError:
        raise InputError("choose an action item", field="action_item") from None
    if action == "link":
        if not any(
            link.action_item == item_id and link.target == target for link in analysis.links
        ):
            analysis.links.append(Link(action_item=item_id, target=target))
        return f"linked action item {item_id} to {target}"
    if action == "unlink":
        analysis.links = [
            link
            for link in analysis.links
            if not (link.action_item == item_id and link.target == target)
        ]
        return f"unlinked action item {item_id} from {target}"
    raise InputError(f"unknown action {action!r}", field="action")
