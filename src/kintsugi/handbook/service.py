"""Handbook pages: shipped defaults until an admin edits them, then versioned in the database.

Every save is a version (who, when, the whole text). A save names the version it started from
(``base_version``); if someone saved meanwhile it is refused with ConflictError carrying the
current page. The default text of a page counts as version 1; the first edit stores it as
version 1 (actor ``kintsugi``) so that it can be compared with and restored.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Annotated, Any

from pydantic import Field, TypeAdapter
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from kintsugi.core.errors import ConflictError, InputError, NotFoundError
from kintsugi.core.types import utcnow
from kintsugi.core.wire import IsoDatetime
from kintsugi.handbook.anchors import PAGES, REQUIRED
from kintsugi.handbook.models import HandbookPageRow, HandbookVersionRow
from kintsugi.handbook.render import anchors, headings
from kintsugi.people.permissions import Action, require
from kintsugi.people.principal import Principal

DEFAULT_ACTOR = "kintsugi"
MAX_MARKDOWN = 500_000


@dataclass(frozen=True)
class Page:
    """A handbook page as served: its text, version, and who last changed it."""

    slug: str
    title: str
    markdown: str
    version: int
    updated_by: str
    updated_at: IsoDatetime | None  # None: the shipped default, never edited
    is_default: Annotated[bool, Field(description="True until an admin first edits the page")]

    def to_json(self) -> dict[str, Any]:
        wire: dict[str, Any] = _PAGE.dump_python(self, mode="json")
        return wire


_PAGE = TypeAdapter(Page)


@dataclass(frozen=True)
class PageVersion:
    """One saved version of a page."""

    version: int
    actor: str
    change: str
    created_at: IsoDatetime | None

    def to_json(self) -> dict[str, Any]:
        wire: dict[str, Any] = _VERSION.dump_python(self, mode="json")
        return wire


_VERSION = TypeAdapter(PageVersion)


@cache
def default_markdown(slug: str) -> str:
    """The text shipped with Kintsugi for page ``slug``."""
    return resources.files("kintsugi.handbook").joinpath(f"defaults/{slug}.md").read_text("utf-8")


def title_of(markdown: str, fallback: str) -> str:
    """The page's first level-1 heading, else ``fallback``."""
    return next((h.text for h in headings(markdown) if h.level == 1 and h.text), fallback)


def _check_slug(slug: str) -> str:
    if slug not in PAGES:
        raise NotFoundError(f"no handbook page {slug!r}; the pages are {', '.join(PAGES)}")
    return slug


def _default(slug: str) -> Page:
    text = default_markdown(slug)
    return Page(slug, title_of(text, slug), text, 1, DEFAULT_ACTOR, None, True)


def _from_row(row: HandbookPageRow) -> Page:
    return Page(
        row.slug, row.title, row.markdown, row.version, row.updated_by, row.updated_at, False
    )


def get_page(session: Session, slug: str) -> Page:
    """Page ``slug`` as currently served (every signed-in person may read the handbook)."""
    _check_slug(slug)
    row = session.get(HandbookPageRow, slug)
    return _from_row(row) if row is not None else _default(slug)


def list_pages(session: Session) -> list[Page]:
    """Every page, in handbook order."""
    rows = {r.slug: r for r in session.scalars(select(HandbookPageRow))}
    return [_from_row(rows[s]) if s in rows else _default(s) for s in PAGES]


def missing_anchors(slug: str, markdown: str) -> list[str]:
    """The anchors other parts of Kintsugi link to that ``markdown`` no longer defines."""
    present = anchors(markdown)
    return [a for a in REQUIRED.get(slug, ()) if a not in present]


def validate(slug: str, markdown: str) -> None:
    """InputError when the text is empty, too long, or drops a linked-to section."""
    if not markdown.strip():
        raise InputError("the page is empty", field="markdown")
    if len(markdown) > MAX_MARKDOWN:
        raise InputError(f"the page is longer than {MAX_MARKDOWN} characters", field="markdown")
    missing = missing_anchors(slug, markdown)
    if missing:
        wanted = ", ".join(f"{{#{a}}}" for a in missing)
        raise InputError(
            f"other parts of Kintsugi link to sections this text no longer has: {wanted} "
            "(keep a heading with each, e.g. '## Title {#anchor}')",
            field="markdown",
        )


def save_page(
    session: Session,
    slug: str,
    markdown: str,
    actor: Principal,
    *,
    base_version: int,
    change: str = "",
) -> Page:
    """Store a new version of ``slug`` (admins only); ConflictError when ``base_version`` is stale."""
    _check_slug(slug)
    require(actor, Action.EDIT_HANDBOOK)
    validate(slug, markdown)
    title = title_of(markdown, slug)[:200]
    now = utcnow()
    current = get_page(session, slug)
    if base_version != current.version:
        raise ConflictError(
            f"handbook page {slug!r} changed since version {base_version} "
            f"(now version {current.version} by {current.updated_by})",
            current=current,
        )
    version = current.version + 1
    if current.is_default:
        try:
            with session.begin_nested():
                session.execute(
                    insert(HandbookPageRow).values(
                        slug=slug,
                        title=title,
                        markdown=markdown,
                        version=version,
                        updated_by=actor.username,
                        updated_at=now,
                    )
                )
        except IntegrityError:  # another admin saved the first edit at the same moment
            raise ConflictError(
                f"handbook page {slug!r} was just edited by someone else",
                current=get_page(session, slug),
            ) from None
        except OperationalError as exc:
            raise _busy(exc, slug) from None
        session.execute(
            insert(HandbookVersionRow).values(
                slug=slug,
                version=current.version,
                title=current.title,
                markdown=current.markdown,
                actor=DEFAULT_ACTOR,
                change="the default text",
                created_at=now,
            )
        )
    else:
        try:
            result = _update(session, slug, base_version, title, markdown, version, actor, now)
        except OperationalError as exc:
            raise _busy(exc, slug) from None
        if getattr(result, "rowcount", 0) != 1:
            session.expire_all()
            raise ConflictError(
                f"handbook page {slug!r} was just edited by someone else",
                current=get_page(session, slug),
            )
    session.execute(
        insert(HandbookVersionRow).values(
            slug=slug,
            version=version,
            title=title,
            markdown=markdown,
            actor=actor.username,
            change=change[:200],
            created_at=now,
        )
    )
    session.expire_all()
    return get_page(session, slug)


def _busy(exc: OperationalError, slug: str) -> ConflictError:
    """SQLite refuses a write when another transaction wrote since this one read."""
    if "locked" not in str(exc.orig):
        raise exc
    return ConflictError(f"handbook page {slug!r} is being saved by someone else; try again")


def _update(
    session: Session,
    slug: str,
    base_version: int,
    title: str,
    markdown: str,
    version: int,
    actor: Principal,
    now: datetime,
) -> Any:
    return session.execute(
        update(HandbookPageRow)
        .where(HandbookPageRow.slug == slug, HandbookPageRow.version == base_version)
        .values(
            title=title,
            markdown=markdown,
            version=version,
            updated_by=actor.username,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )


def versions(session: Session, slug: str) -> list[PageVersion]:
    """Every version of the page, newest first (the default alone until the first edit)."""
    _check_slug(slug)
    rows = session.execute(
        select(
            HandbookVersionRow.version,
            HandbookVersionRow.actor,
            HandbookVersionRow.change,
            HandbookVersionRow.created_at,
        )
        .where(HandbookVersionRow.slug == slug)
        .order_by(HandbookVersionRow.version.desc())
    ).all()
    if not rows:
        return [PageVersion(1, DEFAULT_ACTOR, "the default text", None)]
    return [PageVersion(*row) for row in rows]


def version_text(session: Session, slug: str, version: int) -> str:
    """The Markdown of ``version``."""
    _check_slug(slug)
    row = session.get(HandbookVersionRow, (slug, version))
    if row is not None:
        return row.markdown
    if version == 1 and session.get(HandbookPageRow, slug) is None:
        return default_markdown(slug)
    raise NotFoundError(f"handbook page {slug!r} has no version {version}")


def diff(session: Session, slug: str, old: int, new: int) -> str:
    """A unified diff of two versions."""
    before = version_text(session, slug, old).splitlines()
    after = version_text(session, slug, new).splitlines()
    return "\n".join(
        difflib.unified_diff(before, after, f"version {old}", f"version {new}", lineterm="")
    )


def restore(
    session: Session, slug: str, version: int, actor: Principal, *, base_version: int
) -> Page:
    """Make ``version``'s text current again, as a new version."""
    text = version_text(session, slug, version)
    return save_page(
        session, slug, text, actor, base_version=base_version, change=f"restored version {version}"
    )
