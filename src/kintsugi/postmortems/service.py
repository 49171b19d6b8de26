"""Post-mortem documents: create, read, update, list and move through review.

Every read takes the ``viewer`` and every write the ``actor``; visibility is enforced in SQL.
A document's timeline events and action items are read and written through the stores in
``parts``; each save is then announced on the event bus (``events``), in its transaction.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Select,
    String,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from kintsugi.audit import service as audit
from kintsugi.core.db import Base
from kintsugi.core.errors import ConflictError, InputError, NotFoundError
from kintsugi.core.events import bus
from kintsugi.core.types import utcnow
from kintsugi.people import service as people
from kintsugi.people.permissions import Action, require
from kintsugi.people.principal import Principal, Role
from kintsugi.postmortems import parts, publishing
from kintsugi.postmortems.access import Shape, visibility_shape, visible_to, visible_with
from kintsugi.postmortems.document import (
    Document,
    Status,
    Visibility,
)
from kintsugi.postmortems.events import (
    PostmortemPublished,
    PostmortemSaved,
    PostmortemsImported,
    PostmortemStatusChanged,
)

# kept here for the callers that import them from the service
from kintsugi.postmortems.listing import COUNT_CAP as COUNT_CAP
from kintsugi.postmortems.listing import Cursor as Cursor
from kintsugi.postmortems.listing import Filters as Filters
from kintsugi.postmortems.listing import Summary as Summary
from kintsugi.postmortems.listing import count_documents as count_documents
from kintsugi.postmortems.listing import facet_values as facet_values
from kintsugi.postmortems.listing import list_documents as list_documents
from kintsugi.postmortems.listing import list_page as list_page
from kintsugi.postmortems.listing import tags_and_services as tags_and_services
from kintsugi.postmortems.models import (
    AccessGrantRow,
    PostmortemRow,
    VersionRow,
)
from kintsugi.postmortems.publishing import PublishBlockedError as PublishBlockedError
from kintsugi.postmortems.publishing import roster as roster
from kintsugi.postmortems.sizes import check_sizes
from kintsugi.postmortems.stored import CHILD_TABLES, Before, Children
from kintsugi.postmortems.stored import child_rows as _child_rows
from kintsugi.postmortems.stored import document_of as _document_of
from kintsugi.postmortems.stored import insert_rows as _insert
from kintsugi.postmortems.stored import same_children as _same_children
from kintsugi.postmortems.stored import stored_children as _stored_children
from kintsugi.postmortems.stored import stored_document as _stored

MAX_ID_LENGTH = 80


_TRANSLITERATE = str.maketrans(
    {"æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "ß": "ss", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L"}
)


def slugify(text: str) -> str:
    """A lowercase ASCII id made of words joined by hyphens."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATE))
    ascii_text = decomposed.encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:MAX_ID_LENGTH].rstrip("-") or "postmortem"


def validate_id(value: str) -> str:
    """Check a user-chosen id: letters, digits, dot, underscore and hyphen."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,119}", value):
        raise InputError(
            f"{value!r} is not a valid id (letters, digits, '.', '_' and '-', at most 120)",
            field="id",
        )
    return value


# ----------------------------------------------------------------------------- reading


def _visible(viewer: Principal) -> Select[PostmortemRow]:
    return select(PostmortemRow).where(visible_to(viewer))


def find_row(session: Session, id: str, viewer: Principal) -> PostmortemRow:
    """The row of ``id`` (or of the one id it is a unique prefix of), if the viewer may see it."""
    shape, params = visibility_shape(viewer)
    row = session.scalars(_row_statement(shape), {**params, "id": id}).one_or_none()
    if row is not None:
        return row
    escaped = id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    matches = list(
        session.scalars(
            _visible(viewer).where(PostmortemRow.id.like(f"{escaped}%", escape="\\")).limit(6)
        )
    )
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise NotFoundError(f"no post-mortem with id {id!r}")
    names = ", ".join(m.id for m in matches[:5])
    raise InputError(
        f"{id!r} matches several post-mortems ({names}); give more of the id", field="id"
    )


_HEAD_COLUMNS = (
    PostmortemRow.pk,
    PostmortemRow.id,
    PostmortemRow.title,
    PostmortemRow.kind,
    PostmortemRow.status,
    PostmortemRow.severity,
    PostmortemRow.started_at,
    PostmortemRow.detected_at,
    PostmortemRow.resolved_at,
    PostmortemRow.published_at,
    PostmortemRow.timezone,
    PostmortemRow.visibility,
    PostmortemRow.team_id,
    PostmortemRow.extra,
    PostmortemRow.version,
)


@functools.cache
def _row_statement(shape: Shape) -> Select[PostmortemRow]:
    """The row of post-mortem ``:id`` when visible (built once per shape of viewer)."""
    return select(PostmortemRow).where(
        visible_with(shape), PostmortemRow.id == bindparam("id", type_=String)
    )


@functools.cache
def _head_statement(shape: Shape) -> Select[*tuple[Any, ...]]:
    """The columns of post-mortem ``:id`` when visible (built once per shape of viewer)."""
    id = bindparam("id", type_=String)
    return select(*_HEAD_COLUMNS).where(visible_with(shape), PostmortemRow.id == id)


def get_document(session: Session, id: str, viewer: Principal) -> Document:
    """The whole document ``id`` as the viewer may see it."""
    # plain rows, not ORM objects: the pages and the API read documents on every request
    shape, params = visibility_shape(viewer)
    head = session.execute(_head_statement(shape), {**params, "id": id}).one_or_none()
    if head is None:  # an id prefix, or an error naming why not
        return _document_of(session, find_row(session, id, viewer))
    return _document_of(session, head)


# ----------------------------------------------------------------------------- writing


def _require_editor(actor: Principal) -> None:
    require(actor, Action.EDIT_POSTMORTEMS)


def _unique_id(session: Session, base: str) -> str:
    taken = set(
        session.scalars(
            select(PostmortemRow.id).where(
                or_(PostmortemRow.id == base, PostmortemRow.id.like(f"{base}-%"))
            )
        )
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def id_taken(id: str) -> ConflictError:
    """The answer for a chosen id that is in use: the same whether the caller may see that
    post-mortem, may not, or it is in the bin, so that it reveals nothing hidden."""
    return ConflictError(
        f"the id {id!r} is not available; choose another id, or leave it out to have one "
        "made from the title"
    )


def create_document(
    session: Session, doc: Document, actor: Principal, *, imported: bool = False
) -> Document:
    """Store a new document; its id comes from the document or from its title.

    Its status follows the publish rules (``publishing``); ``imported``: the document comes
    from a file or Markdown, which keeps its stated status and time for an admin.
    """
    _require_editor(actor)
    if doc.id:
        validate_id(doc.id)
        if session.scalar(select(PostmortemRow.pk).where(PostmortemRow.id == doc.id)):
            raise id_taken(doc.id)
        new_id = doc.id
    else:
        new_id = _unique_id(session, slugify(doc.title))
    row = PostmortemRow(id=new_id)
    session.add(row)
    history = publishing.keeps_stated(actor, imported=imported)
    return _write(session, row, doc, actor, change="created", history=history)


def update_document(
    session: Session,
    id: str,
    doc: Document,
    actor: Principal,
    *,
    base_version: int | None,
    change: str = "edited",
    items_since: datetime | None = None,
) -> Document:
    """Replace the content of ``id``; refuses a stale ``base_version`` with ConflictError.

    ``base_version=None`` skips the check: only for imports of files the user points at.
    ``items_since``: when the editor loaded the document; action items changed elsewhere
    since then (the board, a tracker) keep their newer state instead of the editor's copy.
    """
    _require_editor(actor)
    row = find_row(session, id, actor)
    _check_version(session, row, base_version)
    return _write(session, row, doc, actor, change=change, items_since=items_since)


def edit_document(
    session: Session,
    id: str,
    edit: Callable[[Document], Document],
    actor: Principal,
    *,
    base_version: int | None,
    change: str = "edited",
) -> Document:
    """Store ``edit(current)`` as the new content of ``id``, reading the stored document once.

    ``update_document`` for callers that build the new content from the stored one: the same
    checks (a stale ``base_version`` is refused with ConflictError), without reading the
    document again to find what changed.
    """
    _require_editor(actor)
    row = find_row(session, id, actor)
    current, children = _stored(session, row)
    _check_version(session, row, base_version, current)
    # copies: ``edit`` may change the document it is given in place
    before = Before(
        children,
        [event.model_copy() for event in current.timeline],
        [item.model_copy() for item in current.action_items],
    )
    return _write(session, row, edit(current), actor, change=change, before=before)


def existing_ids(session: Session, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` are taken (deleted documents included)."""
    if not ids:
        return set()
    return set(session.scalars(select(PostmortemRow.id).where(PostmortemRow.id.in_(ids))))


def create_documents(
    session: Session, docs: Sequence[Document], actor: Principal
) -> list[Document]:
    """Store many new documents in a few bulk statements (imports); each needs a free, valid id.

    The rows, versions, timeline events and action items (with their history) are the same as
    ``create_document`` writes one at a time. Run it in a savepoint: on any error, fall back to
    creating the documents one by one.
    """
    _require_editor(actor)
    history = publishing.keeps_stated(actor, imported=True)
    now = utcnow()
    rows: list[dict[str, Any]] = []
    grants: list[list[int]] = []
    for doc in docs:
        assert doc.id is not None
        validate_id(doc.id)
        check_sizes(doc)
        publishing.admit(session, None, None, doc, actor, history=history)
        team_id = people.team_id(session, doc.team)
        if doc.visibility == Visibility.TEAM and team_id is None:
            raise InputError("team visibility needs a team", field="team")
        grants.append(people.user_ids(session, doc.access))
        rows.append(
            {
                "id": doc.id,
                "title": doc.title.strip() or doc.id,
                "kind": doc.kind.value,
                "status": doc.status.value,
                "severity": doc.severity.value if doc.severity else None,
                "started_at": doc.started_at,
                "detected_at": doc.detected_at,
                "resolved_at": doc.resolved_at,
                "timezone": doc.timezone,
                "visibility": doc.visibility.value,
                "team_id": team_id,
                "extra": dict(doc.extra),
                "version": 1,
                "created_at": now,
                "updated_at": now,
                "published_at": publishing.published_at(doc, None, None, now, history=history),
            }
        )
    if not rows:
        return []
    pks = session.scalars(
        insert(PostmortemRow).returning(PostmortemRow.pk, sort_by_parameter_order=True), rows
    ).all()
    children: dict[type[Base], list[dict[str, Any]]] = {table: [] for table in CHILD_TABLES}
    for pk, doc, granted in zip(pks, docs, grants, strict=True):
        for table, child_rows in _child_rows(pk, doc, granted).items():
            children[table] += child_rows
        if doc.visibility != Visibility.ORGANISATION:
            audit.record(session, actor, "visibility_changed", doc.id, after=doc.visibility.value)
    for doc, row in zip(docs, rows, strict=True):
        assert doc.id is not None
        publishing.audit_history(session, actor, doc.id, doc, None, None, row["published_at"])
    for table, table_rows in children.items():
        _insert(session, table, table_rows)
    events = parts.timeline_store().insert_document_events(
        session, list(zip(pks, (d.timeline for d in docs), strict=True))
    )
    items = parts.action_item_store().insert_document_items(
        session, list(zip(pks, (d.action_items for d in docs), strict=True))
    )
    stored = [
        doc.model_copy(
            update={
                "version": 1,
                "published_at": row["published_at"],
                "timeline": events[pk],
                "action_items": items[pk],
            }
        )
        for pk, doc, row in zip(pks, docs, rows, strict=True)
    ]
    created_at = utcnow()
    _insert(
        session,
        VersionRow,
        [
            {
                "postmortem_pk": pk,
                "version": 1,
                "actor": actor.username,
                "change": "imported",
                "created_at": created_at,
                "snapshot": doc.model_dump(mode="json"),
            }
            for pk, doc in zip(pks, stored, strict=True)
        ],
    )
    bus.publish(session, PostmortemsImported(list(zip(pks, stored, strict=True))))
    for pk, doc in zip(pks, stored, strict=True):
        _announce_status(session, pk, doc, None)
    return stored


def upsert_document(session: Session, doc: Document, actor: Principal) -> tuple[Document, bool]:
    """Create ``doc`` or, when its id exists, update it (imports). Returns (document, created).

    An id in use by a post-mortem the actor may not see (or one in the bin, for all but
    admins) is refused as any taken id is, revealing nothing.
    """
    _require_editor(actor)
    if doc.id:
        validate_id(doc.id)
        row = session.scalars(select(PostmortemRow).where(PostmortemRow.id == doc.id)).one_or_none()
        if row is not None:
            if row.deleted_at is not None and actor.has_role(Role.ADMIN):
                raise InputError(
                    f"post-mortem {doc.id!r} was deleted; an admin can bring it back with "
                    f"`kintsugi undelete {doc.id}`",
                    field="id",
                )
            if not session.scalar(
                select(func.count()).where(PostmortemRow.pk == row.pk, visible_to(actor))
            ):
                raise id_taken(doc.id)
            history = publishing.keeps_stated(actor, imported=True)
            return _write(session, row, doc, actor, change="imported", history=history), False
    return create_document(session, doc, actor, imported=True), True


def change_status(
    session: Session,
    id: str,
    status: Status,
    actor: Principal,
    *,
    base_version: int | None = None,
    override_reason: str | None = None,
    warnings: list[str] | None = None,
) -> Document:
    """Move a document along draft -> in review -> published (and back a step).

    Publishing is refused while the blameless-language linter has findings, unless a
    reviewer (facilitator or admin) overrides with a reason, which is kept with the document.
    Publishing below the quality checklist's minimum score is allowed with a warning: noted in
    the version's change and appended to ``warnings`` when given.
    """
    _require_editor(actor)
    row = find_row(session, id, actor)
    _check_version(session, row, base_version)
    current = Status(row.status)
    if status == current:
        return _document_of(session, row)
    doc = _document_of(session, row)
    doc.status = status
    return _write(
        session,
        row,
        doc,
        actor,
        change=f"status {current.value} -> {status.value}",
        override_reason=override_reason,
        warnings=warnings,
    )


def _check_version(
    session: Session, row: PostmortemRow, base_version: int | None, current: Document | None = None
) -> None:
    """ConflictError carrying the stored document (``current`` when read already) when stale."""
    if base_version is not None and base_version != row.version:
        raise ConflictError(
            f"post-mortem {row.id!r} changed since version {base_version} (now {row.version})",
            current=current or _document_of(session, row),
        )


def _write(
    session: Session,
    row: PostmortemRow,
    doc: Document,
    actor: Principal,
    *,
    change: str,
    items_since: datetime | None = None,
    before: Before | None = None,
    history: bool = False,
    override_reason: str | None = None,
    warnings: list[str] | None = None,
) -> Document:
    """Store ``doc`` as the new content of ``row``, all in the caller's transaction.

    The stored status follows the publish rules (``publishing.admit``; ``history``, the
    reviewer's ``override_reason`` and the checklist's ``warnings`` are for it).

    Child rows are replaced with bulk statements (imports write thousands of documents).
    ``before``: what is stored, when the caller read it in this transaction already; timeline
    events and action items equal to the stored ones are then left as they are without reading
    them again.
    """
    check_sizes(doc)
    now = utcnow()
    is_new = row.pk is None
    stored_status, stored_time = row.status, row.published_at
    with session.no_autoflush:
        current = None if is_new else Status(stored_status)
        note = publishing.admit(
            session,
            row.pk,
            current,
            doc,
            actor,
            history=history,
            override_reason=override_reason,
            warnings=warnings,
        )
    change = f"{change}{note}"[:200]
    with session.no_autoflush:  # one UPDATE, one version bump
        row.title = doc.title.strip() or row.id
        row.kind = doc.kind.value
        row.published_at = publishing.published_at(
            doc, stored_status, stored_time, now, history=history
        )
        row.status = doc.status.value
        row.severity = doc.severity.value if doc.severity else None
        row.started_at = doc.started_at
        row.detected_at = doc.detected_at
        row.resolved_at = doc.resolved_at
        row.timezone = doc.timezone
        if before is not None:
            stored_children: Children | None = before.children
        else:
            stored_children = None if is_new else _stored_children(session, row.pk)
        grant_ids = _apply_access(
            session,
            row,
            doc,
            actor,
            before_grants=None if stored_children is None else stored_children[AccessGrantRow],
        )
        row.extra = dict(doc.extra)
        row.updated_at = now
    row_id = row.id  # the instance is expired if the flush fails
    try:
        session.flush()  # the version check: UPDATE ... WHERE version = <read>
    except StaleDataError:
        raise ConflictError(
            f"post-mortem {row_id!r} was saved by someone else at the same moment; reload it"
        ) from None
    except OperationalError as exc:
        if "locked" not in str(exc.orig):
            raise
        raise ConflictError(
            f"post-mortem {row_id!r} is being saved by someone else right now; try again"
        ) from None
    pk = row.pk
    if history:
        publishing.audit_history(
            session, actor, row_id, doc, stored_status, stored_time, row.published_at
        )
    for child, rows in _child_rows(pk, doc, grant_ids).items():
        if stored_children is not None:
            if _same_children(child, stored_children[child], rows):
                continue  # most saves change a section or two: leave the rest alone
            session.execute(delete(child).where(child.postmortem_pk == pk))  # type: ignore[attr-defined]
        _insert(session, child, rows)
    if not is_new:
        session.expire(row, ["tags", "services", "authors", "sections", "grants"])
    if before is not None and doc.timeline == before.timeline:
        events = before.timeline  # what is stored: nothing to reconcile
    else:
        events = parts.timeline_store().replace_document_events(
            session, pk, doc.timeline, is_new=is_new
        )
    if before is not None and doc.action_items == before.action_items:
        items = before.action_items
    else:
        items = parts.action_item_store().sync_document_items(
            session, pk, doc.action_items, keep_changes_after=items_since
        )
    published_at = row.published_at if doc.status == Status.PUBLISHED else None
    # who was granted, as stored (a restricting author is added): versions are read by it
    granted = sorted(people.usernames_by_id(session, grant_ids).values()) if grant_ids else []
    stored = doc.model_copy(
        update={
            "id": row.id,
            "version": row.version,
            "published_at": published_at,
            "access": granted,
            "action_items": items,
            "timeline": events,
        }
    )
    session.execute(
        insert(VersionRow),
        [
            {
                "postmortem_pk": pk,
                "version": row.version,
                "actor": actor.username,
                "change": change,
                # taken last, so that everything this save wrote is older than its version
                "created_at": utcnow(),
                "snapshot": stored.model_dump(mode="json"),
            }
        ],
    )
    _announce(session, pk, stored, current, is_new)
    return stored


def _announce(
    session: Session, pk: int, stored: Document, before: Status | None, created: bool
) -> None:
    """Tell the slices that subscribe what this save did (in this transaction)."""
    assert stored.id is not None
    bus.publish(session, PostmortemSaved(pk, stored.id, stored, created))
    _announce_status(session, pk, stored, before)


def _announce_status(session: Session, pk: int, stored: Document, before: Status | None) -> None:
    assert stored.id is not None
    if stored.status == before:
        return
    bus.publish(session, PostmortemStatusChanged(pk, stored.id, before, stored.status))
    if stored.status == Status.PUBLISHED:
        bus.publish(session, PostmortemPublished(pk, stored.id, stored.published_at))


def _apply_access(
    session: Session,
    row: PostmortemRow,
    doc: Document,
    actor: Principal,
    *,
    before_grants: list[Any] | None,
) -> list[int]:
    """Set visibility and team, return the granted user ids; audit any change of who may see.

    ``before_grants``: the user ids granted until now (None for a new document).
    """
    team_id = people.team_id(session, doc.team)
    if doc.visibility == Visibility.TEAM and team_id is None:
        raise InputError("team visibility needs a team", field="team")
    grant_ids = people.user_ids(session, doc.access)
    if doc.visibility == Visibility.RESTRICTED and actor.user_id and actor.user_id not in grant_ids:
        grant_ids.append(actor.user_id)  # never lock yourself out of what you restrict
    seen_by = (row.visibility, row.team_id)
    row.visibility = doc.visibility.value
    row.team_id = team_id
    if before_grants is None:
        if doc.visibility != Visibility.ORGANISATION:
            audit.record(session, actor, "visibility_changed", row.id, after=row.visibility)
        return grant_ids
    before = set(before_grants)
    if seen_by != (row.visibility, row.team_id):
        audit.record(
            session,
            actor,
            "visibility_changed",
            row.id,
            before=seen_by[0],
            after=row.visibility,
            team=doc.team,
        )
    added, removed = set(grant_ids) - before, before - set(grant_ids)
    names = people.usernames_by_id(session, added | removed)
    if added:
        audit.record(
            session, actor, "access_granted", row.id, users=sorted(names[i] for i in added)
        )
    if removed:
        audit.record(
            session, actor, "access_revoked", row.id, users=sorted(names[i] for i in removed)
        )
    return grant_ids
