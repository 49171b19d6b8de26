"""Root cause analyses: read, save (with history), link to action items, find recurring causes.

Every read takes the ``viewer`` and every write the ``actor``; each call first finds the
post-mortem through ``postmortems.service`` so that its visibility applies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, make_dataclass
from typing import Annotated, Any, NamedTuple

from pydantic import (
    Field,
    PlainSerializer,
    TypeAdapter,
    ValidationError,
    computed_field,
)
from pydantic.dataclasses import dataclass as pydantic_dataclass
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from kintsugi.core.errors import ConflictError, InputError, NotFoundError
from kintsugi.core.types import utcnow
from kintsugi.core.wire import EVERY_KEY_WRITTEN, IsoDatetime, object_schema
from kintsugi.language.linter import document_participants
from kintsugi.people.permissions import Action, require
from kintsugi.people.principal import Principal
from kintsugi.postmortems import service as postmortems
from kintsugi.postmortems.access import visible_to
from kintsugi.postmortems.changes import set_cause_categories
from kintsugi.postmortems.columns import POSTMORTEM
from kintsugi.postmortems.document import ActionItem, Document
from kintsugi.postmortems.history import VersionInfo
from kintsugi.postmortems.item_titles import title_key
from kintsugi.rca import evidence as timeline_view
from kintsugi.rca import model, taxonomy, validation
from kintsugi.rca.evidence import StoredEvent, TimelineSummary
from kintsugi.rca.model import (
    Analysis,
    Change,
    Evidence,
    FactorClass,
    Item,
    Link,
    Relation,
    TargetKind,
    all_ids,
    assign_ids,
    item_text,
    new_id,
)
from kintsugi.rca.models import AnalysisRow, AnalysisVersionRow, LinkRow
from kintsugi.rca.taxonomy import Category
from kintsugi.rca.validation import Advice

# ActionItem's fields an analysis writes; a dataclass, so the schema has their types (used
# in AnalysisView only: see core.wire.object_schema on sharing such a return type)
_ACTION_ITEM_REF = make_dataclass(
    "ActionItemRef",
    [(name, ActionItem.model_fields[name].annotation) for name in ("id", "title", "status")],
    slots=True,
)
_ACTION_ITEM_REF.__module__ = __name__


def _action_item_ref(item: ActionItem) -> Any:
    return _ACTION_ITEM_REF(item.id, item.title, item.status)


ActionItemRef = Annotated[
    ActionItem, PlainSerializer(_action_item_ref, return_type=_ACTION_ITEM_REF)
]
"""An action item as an analysis shows it: its id, title and status (their types and the
schema are ActionItem's)."""


@dataclass(frozen=True)
class Unaddressed:
    """A root cause or failed barrier that no action item addresses, as the JSON lists it."""

    kind: TargetKind
    target: str
    text: str


@pydantic_dataclass
class AnalysisView:
    """An analysis with everything shown beside it: timeline, links, warnings.

    The fields are in the order of the JSON (``to_json``), then ``unaddressed`` (computed);
    ``categories`` is not written.
    """

    postmortem_id: Annotated[str, Field(serialization_alias="postmortem")]
    title: str
    timezone: str
    version: Annotated[int, Field(description="0 while no analysis is stored")]
    updated_at: IsoDatetime | None
    updated_by: str | None
    analysis: Analysis
    timeline: TimelineSummary
    change_candidates: list[StoredEvent]
    events: list[StoredEvent]
    action_items: list[ActionItemRef]
    warnings: list[Advice]
    categories: Annotated[list[Category], Field(exclude=True)] = field(default_factory=list)

    @property
    def problem(self) -> str:
        """The problem statement (the post-mortem's title when none is written)."""
        return self.analysis.problem or self.title

    @property
    def addressed(self) -> set[str]:
        return {link.target for link in self.analysis.links}

    def unaddressed(self) -> list[tuple[TargetKind, Item]]:
        """Root causes and failed barriers that no action item addresses."""
        return validation.unaddressed(self.analysis, self.addressed)

    def items_for(self, target: str) -> list[ActionItem]:
        """The action items that address item ``target``."""
        ids = {link.action_item for link in self.analysis.links if link.target == target}
        return [item for item in self.action_items if item.id in ids]

    def event(self, event_id: int | None) -> StoredEvent | None:
        return next((e for e in self.events if e.id == event_id), None)

    def category_label(self, key: str | None) -> str:
        if key is None:
            return ""
        return next((c.label for c in self.categories if c.key == key), key)

    def warnings_for(self, target: str) -> list[Advice]:
        return [w for w in self.warnings if w.target == target]

    @computed_field(alias="unaddressed")  # type: ignore[prop-decorator]
    @property
    def unaddressed_items(self) -> list[Unaddressed]:
        """``unaddressed()`` as the JSON writes it."""
        return [Unaddressed(kind, item.id, item_text(item)) for kind, item in self.unaddressed()]

    def to_json(self) -> dict[str, Any]:
        """The public JSON shape (``kintsugi rca show --json``, the API)."""
        data: dict[str, Any] = _VIEW_WIRE.dump_python(self, mode="json", by_alias=True)
        return data


_VIEW_WIRE = TypeAdapter(AnalysisView)


# ----------------------------------------------------------------------------- reading


def get_analysis(
    session: Session, id: str, viewer: Principal, *, lint: bool = True
) -> AnalysisView:
    """The analysis of post-mortem ``id`` (a fresh one, pre-filled, when none is stored)."""
    row = postmortems.find_row(session, id, viewer)
    doc = postmortems.get_document(session, row.id, viewer)
    return _view(session, row.pk, doc, lint=lint)


def stored_analysis(session: Session, id: str, viewer: Principal) -> AnalysisView | None:
    """The analysis of ``id`` when one is stored, else None (what the exports show)."""
    row = postmortems.find_row(session, id, viewer)
    if session.get(AnalysisRow, row.pk) is None:
        return None
    doc = postmortems.get_document(session, row.id, viewer)
    return _view(session, row.pk, doc, lint=False)


@dataclass(frozen=True)
class AnalysisText:
    """What an analysis says, for checks that read the current text (the publish gate and the
    quality checklist)."""

    markdown: str  # the problem statement and every item's words, one line each
    causing_factors: int  # root causes and primary or secondary contributing factors


def analysis_text(session: Session, postmortem_pk: int) -> AnalysisText | None:
    """The stored analysis of a post-mortem as text; None when none is stored. (The caller has
    checked that the post-mortem may be read.)"""
    row = session.get(AnalysisRow, postmortem_pk)
    if row is None:
        return None
    analysis = Analysis.model_validate(row.data)
    lines = [analysis.problem] if analysis.problem.strip() else []
    for _, item in analysis.items():
        parts = [getattr(item, "why", ""), item_text(item), getattr(item, "notes", "")]
        lines += [f"- {part}" for part in parts if isinstance(part, str) and part.strip()]
    causing = sum(len(texts) for texts in cause_items(analysis).values())
    causing += sum(  # factors not yet given a category are causes all the same
        1 for f in analysis.factors if f.classification in CAUSING_FACTORS and f.category is None
    )
    return AnalysisText("\n".join(lines), causing)


def has_analysis(session: Session, id: str, viewer: Principal) -> bool:
    """True when post-mortem ``id`` has a stored analysis."""
    row = postmortems.find_row(session, id, viewer)
    return analysis_exists(session, row.pk)


def analysis_exists(session: Session, postmortem_pk: int) -> bool:
    """True when the (already visibility-checked) post-mortem has a stored analysis."""
    return session.get(AnalysisRow, postmortem_pk) is not None


def _view(session: Session, pk: int, doc: Document, *, lint: bool) -> AnalysisView:
    stored = session.get(AnalysisRow, pk)
    events = timeline_view.load_events(session, pk)
    if stored is None:
        analysis = Analysis()
        version, updated_at, updated_by = 0, None, None
    else:
        analysis = Analysis.model_validate(stored.data)
        version, updated_at, updated_by = stored.version, stored.updated_at, stored.updated_by
    analysis.links = _load_links(session, pk)
    summary = timeline_view.summarise(doc, events, analysis)
    candidates = timeline_view.changes_before_detection(events, summary.milestones["detection"].at)
    if stored is None:
        analysis = prefill_changes(analysis, candidates)
        candidates = []
    else:
        candidates = _not_yet_listed(analysis, candidates)
    language = _language(session, doc) if lint else None
    assert doc.id is not None
    return AnalysisView(
        postmortem_id=doc.id,
        title=doc.title,
        timezone=doc.timezone,
        analysis=analysis,
        version=version,
        updated_at=updated_at,
        updated_by=updated_by,
        events=events,
        action_items=list(doc.action_items),
        timeline=summary,
        change_candidates=candidates,
        warnings=validation.warnings(analysis, language, {link.target for link in analysis.links}),
        categories=taxonomy.list_categories(session),
    )


def _language(session: Session, doc: Document) -> validation.LanguageContext:
    return validation.LanguageContext(
        participants=document_participants(doc),
        roster=postmortems.roster(session),
        systems=list(doc.services),
    )


def _load_links(session: Session, pk: int) -> list[Link]:
    rows = session.execute(
        select(LinkRow.action_item_id, LinkRow.target_id)
        .where(LinkRow.postmortem_pk == pk)
        .order_by(LinkRow.action_item_id, LinkRow.target_id)
    )
    return [Link(action_item=item_id, target=target) for item_id, target in rows]


def _not_yet_listed(analysis: Analysis, candidates: list[StoredEvent]) -> list[StoredEvent]:
    listed = {e.event_id for c in analysis.changes for e in c.evidence}
    texts = {" ".join(c.text.lower().split()) for c in analysis.changes}
    return [
        e
        for e in candidates
        if e.id not in listed and " ".join(e.text.lower().split()) not in texts
    ]


def prefill_changes(analysis: Analysis, candidates: Sequence[StoredEvent]) -> Analysis:
    """Add each change before detection that the analysis does not list yet (relation unknown)."""
    for event in _not_yet_listed(analysis, list(candidates)):
        analysis.changes.append(
            Change(
                id=new_id(analysis, TargetKind.CHANGE),
                kind=timeline_view.change_kind_of(event),
                text=event.text[:2000],
                at=event.at,
                related=Relation.UNKNOWN,
                evidence=[Evidence(event_id=event.id, at=event.at, text=event.text)],
            )
        )
    return analysis


# ----------------------------------------------------------------------------- writing


def _require_editor(actor: Principal) -> None:
    require(actor, Action.EDIT_RCA)


def save_analysis(
    session: Session,
    id: str,
    analysis: Analysis,
    actor: Principal,
    *,
    base_version: int | None,
    change: str = "edited",
) -> AnalysisView:
    """Store ``analysis`` (with its links) as the analysis of post-mortem ``id``.

    ``base_version`` is the version the edit started from (0: no analysis yet); a stale one is
    refused with ConflictError carrying the current analysis. None skips the check (imports).
    Items without ids get new ones; evidence is resolved against the stored timeline.
    """
    _require_editor(actor)
    row = postmortems.find_row(session, id, actor)
    doc = postmortems.get_document(session, row.id, actor)
    stored = session.get(AnalysisRow, row.pk)
    current_version = stored.version if stored is not None else 0
    if base_version is not None and base_version != current_version:
        raise ConflictError(
            f"the analysis of {row.id!r} changed since version {base_version} "
            f"(now {current_version}); reload it",
            current=_view(session, row.pk, doc, lint=False),
        )
    previous = Analysis.model_validate(stored.data) if stored is not None else Analysis()
    analysis = assign_ids(analysis.model_copy(deep=True), reserved=all_ids(previous))
    validation.check(analysis, taxonomy.category_keys(session))
    events = timeline_view.load_events(session, row.pk)
    timeline_view.resolve_evidence(analysis, events)
    links = _resolve_links(analysis, doc.action_items)
    analysis.links = [Link(action_item=item_id, target=target) for item_id, target, _ in links]
    now = utcnow()
    data = analysis.model_dump(mode="json", exclude={"links"})
    row_id = row.id
    if stored is None:
        stored = AnalysisRow(postmortem_pk=row.pk, data=data, created_at=now)
        session.add(stored)
    else:
        stored.data = data
    stored.updated_at = now
    stored.updated_by = actor.username
    try:
        session.flush()
    except (StaleDataError, IntegrityError):
        raise ConflictError(
            f"the analysis of {row_id!r} was saved by someone else at the same moment; reload it"
        ) from None
    except OperationalError as exc:
        if "locked" not in str(exc.orig):
            raise
        raise ConflictError(
            f"the analysis of {row_id!r} is being saved by someone else right now; try again"
        ) from None
    session.execute(delete(LinkRow).where(LinkRow.postmortem_pk == row.pk))
    if links:
        session.execute(
            insert(LinkRow),
            [
                {
                    "action_item_id": item_id,
                    "target_kind": kind.value,
                    "target_id": target,
                    "postmortem_pk": row.pk,
                }
                for item_id, target, kind in links
            ],
        )
    store_cause_categories(session, row.pk, analysis)
    session.execute(
        insert(AnalysisVersionRow),
        [
            {
                "postmortem_pk": row.pk,
                "version": stored.version,
                "actor": actor.username,
                "change": change[:200],
                "created_at": now,
                "snapshot": analysis.model_dump(mode="json"),
            }
        ],
    )
    return _view(session, row.pk, doc, lint=True)


def _resolve_links(
    analysis: Analysis, items: Sequence[ActionItem]
) -> list[tuple[int, str, TargetKind]]:
    """(action item id, target id, target kind) for each link, without repeats."""
    kinds = analysis.target_kinds()
    by_id = {item.id: item for item in items if item.id is not None}
    by_title: dict[str, list[int]] = {}
    for item in items:
        if item.id is not None:
            by_title.setdefault(title_key(item.title), []).append(item.id)
    result: dict[tuple[int, str], TargetKind] = {}
    for n, link in enumerate(analysis.links):
        if link.target not in kinds:
            raise InputError(
                f"no cause, factor or barrier with id {link.target!r}", field=f"links[{n}].target"
            )
        if isinstance(link.action_item, int):
            if link.action_item not in by_id:
                raise InputError(
                    f"post-mortem has no action item {link.action_item}",
                    field=f"links[{n}].action_item",
                )
            item_id = link.action_item
        else:
            wanted = title_key(link.action_item)
            matches = by_title.get(wanted, []) or [
                i for title, ids in by_title.items() if title.startswith(wanted) for i in ids
            ]
            if len(matches) != 1:
                problem = "no action item" if not matches else "several action items"
                raise InputError(
                    f"{problem} titled {link.action_item!r}", field=f"links[{n}].action_item"
                )
            item_id = matches[0]
        result[(item_id, link.target)] = kinds[link.target]
    return [(item_id, target, kind) for (item_id, target), kind in result.items()]


def parse_analysis(data: Any, *, source: str = "analysis") -> Analysis:
    """Validate analysis JSON (``docs/rca.md`` describes it); InputError names the field."""
    if not isinstance(data, dict):
        raise InputError("an analysis is a JSON object", file=source)
    bad = _lone_surrogate(data, "")
    if bad is not None:
        raise InputError(
            "text with an invalid character (a lone surrogate)", file=source, field=bad
        )
    try:
        return Analysis.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = _path(first.get("loc", ()))
        count = exc.error_count()
        more = f" (and {count - 1} more problem{'s' if count > 2 else ''})" if count > 1 else ""
        raise InputError(f"{first.get('msg')}{more}", file=source, field=path or None) from None


def _lone_surrogate(value: Any, path: str) -> str | None:
    """The path of the first string holding a lone surrogate (which no database stores)."""
    if isinstance(value, str):
        return path or "analysis" if any("\ud800" <= c <= "\udfff" for c in value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _lone_surrogate(item, f"{path}.{key}" if path else str(key))
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _lone_surrogate(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


def _path(loc: Sequence[int | str]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in ("int", "str", "function-before[_from_id(), Evidence]"):
            continue
        else:
            text += f".{part}" if text else str(part)
    return text


def import_analysis(
    session: Session,
    id: str,
    data: Any,
    actor: Principal,
    *,
    source: str = "analysis",
    base_version: int | None = None,
) -> AnalysisView:
    """Replace the analysis of ``id`` with one written elsewhere (JSON data)."""
    analysis = parse_analysis(data, source=source)
    try:
        return save_analysis(
            session, id, analysis, actor, base_version=base_version, change="imported"
        )
    except InputError as exc:
        raise exc.located(source) if exc.file is None else exc from None


def update_analysis(
    session: Session,
    id: str,
    actor: Principal,
    edit: Any,
    *,
    base_version: int | None,
    change: str,
) -> AnalysisView:
    """Apply ``edit`` (a function changing an Analysis in place) to the stored analysis."""
    view = get_analysis(session, id, actor, lint=False)
    if base_version is not None and base_version != view.version:
        raise ConflictError(
            f"the analysis of {view.postmortem_id!r} changed since version {base_version} "
            f"(now {view.version}); reload it",
            current=view,
        )
    analysis = view.analysis.model_copy(deep=True)
    edit(analysis)
    return save_analysis(
        session, view.postmortem_id, analysis, actor, base_version=view.version, change=change
    )


TECHNIQUES = ("problem", *model.TECHNIQUES, "links")


def replace_technique(
    session: Session,
    id: str,
    technique: str,
    value: Any,
    actor: Principal,
    *,
    base_version: int | None,
) -> AnalysisView:
    """Replace one technique (or the problem statement, or the links), keeping the rest.

    Links to items the new content no longer has are dropped with them.
    """
    if technique not in TECHNIQUES:
        raise InputError(f"unknown technique {technique!r}", field="technique")
    view = get_analysis(session, id, actor, lint=False)
    data = view.analysis.model_dump(mode="json")
    data[technique] = value
    analysis = parse_analysis(data, source="request")
    if technique != "links":
        kept = {i for i in all_ids(analysis) if i}
        analysis.links = [link for link in analysis.links if link.target in kept]
    return save_analysis(
        session,
        view.postmortem_id,
        analysis,
        actor,
        base_version=base_version,
        change=f"edited {technique.replace('_', ' ')}",
    )


# ----------------------------------------------------------------------------- history


def versions(session: Session, id: str, viewer: Principal) -> list[VersionInfo]:
    """Every version of the analysis, newest first."""
    row = postmortems.find_row(session, id, viewer)
    rows = session.execute(
        select(
            AnalysisVersionRow.version,
            AnalysisVersionRow.actor,
            AnalysisVersionRow.change,
            AnalysisVersionRow.created_at,
        )
        .where(AnalysisVersionRow.postmortem_pk == row.pk)
        .order_by(AnalysisVersionRow.version.desc())
    )
    return [VersionInfo(*r) for r in rows]


def snapshot(session: Session, id: str, version: int, viewer: Principal) -> Analysis:
    """The analysis as it was at ``version``."""
    row = postmortems.find_row(session, id, viewer)
    stored = session.get(AnalysisVersionRow, (row.pk, version))
    if stored is None:
        raise NotFoundError(f"the analysis of {row.id!r} has no version {version}")
    return Analysis.model_validate(stored.snapshot)


# ----------------------------------------------------------------------------- recurring


class RecurringPostmortem(NamedTuple):
    """A post-mortem whose analysis names a recurring category, and the causes' texts."""

    id: str
    title: str
    causes: list[str]


@dataclass(frozen=True)
class Recurrence:
    """A category of cause and the post-mortems whose analyses name it.

    ``count`` (how many post-mortems) is a field set from them, not a computed field: the
    JSON writes it before the post-mortems, and pydantic writes computed fields last.
    """

    __pydantic_config__ = EVERY_KEY_WRITTEN

    category: str
    label: str
    count: int = field(init=False, default=0)  # pydantic leaves out init=False without one
    postmortems: list[
        Annotated[
            RecurringPostmortem,
            PlainSerializer(RecurringPostmortem._asdict, return_type=dict[str, Any]),
            object_schema(RecurringPostmortem),
        ]
    ]  # each written as an object (pydantic writes a NamedTuple as a list)

    def __post_init__(self) -> None:
        object.__setattr__(self, "count", len(self.postmortems))

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = _RECURRENCE_WIRE.dump_python(self, mode="json")
        return data


_RECURRENCE_WIRE = TypeAdapter(Recurrence)


CAUSING_FACTORS = frozenset({FactorClass.PRIMARY, FactorClass.SECONDARY})
"""Factors that caused or enabled an incident; mitigating (it made the incident smaller) and
aggravating ones are not causes."""


def cause_items(analysis: Analysis) -> dict[str, list[str]]:
    """The texts of the root causes and primary or secondary factors of ``analysis``, by their
    cause category."""
    causes: dict[str, list[str]] = {}
    for _, item in analysis.items():
        category: str | None = getattr(item, "category", None)
        counted = category is not None and (
            getattr(item, "root_cause", False)
            or getattr(item, "classification", None) in CAUSING_FACTORS
            or hasattr(item, "parent")
        )
        if counted and category is not None:
            causes.setdefault(category, []).append(item_text(item))
    return causes


def store_cause_categories(session: Session, postmortem_pk: int, analysis: Analysis) -> None:
    """Keep the post-mortem's cause categories (searchable) in step with its analysis.

    The post-mortem counts as changed (``updated_at``), so that copies of its facets refresh.
    """
    set_cause_categories(session, postmortem_pk, cause_items(analysis))


def recurring_causes(
    session: Session, viewer: Principal, *, min_count: int = 2
) -> list[Recurrence]:
    """Categories of root causes and factors found in at least ``min_count`` post-mortems
    the viewer may see, most frequent first."""
    rows = session.execute(
        select(POSTMORTEM.id, POSTMORTEM.title, AnalysisRow.data)
        .join(AnalysisRow, AnalysisRow.postmortem_pk == POSTMORTEM.pk)
        .where(visible_to(viewer))
        .order_by(POSTMORTEM.started_at.desc().nulls_last(), POSTMORTEM.id)
    )
    found: dict[str, list[RecurringPostmortem]] = {}
    for pm_id, title, data in rows:
        causes = cause_items(Analysis.model_validate(data))
        for category, texts in causes.items():
            found.setdefault(category, []).append(RecurringPostmortem(pm_id, title, texts))
    labels = taxonomy.labels(session)
    result = [
        Recurrence(category, labels.get(category, category), pms)
        for category, pms in found.items()
        if len(pms) >= min_count
    ]
    return sorted(result, key=lambda r: (-r.count, r.label.lower()))
