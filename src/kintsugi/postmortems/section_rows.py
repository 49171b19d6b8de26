"""What the editor's row sections share (timeline events, action items): a section's template
context, with the document's version and that section's Markdown after a write, and the
context that answers a refused row."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.errors import InputError
from kintsugi.people.principal import Principal
from kintsugi.postmortems.service import get_document
from kintsugi.webkit.messages import human_message


class ContextBuilder(Protocol):
    """A slice's section context: its rows loaded, then ``section_context``."""

    def __call__(
        self,
        session: Session,
        postmortem_id: str,
        viewer: Principal,
        *,
        written: bool,
        **extra: Any,
    ) -> dict[str, Any]: ...


def section_context(
    session: Session,
    postmortem_id: str,
    viewer: Principal,
    section: str,
    *,
    written: bool,
    **values: Any,
) -> dict[str, Any]:
    """The template context of a row section: ``values`` (the rows, who may edit, a refusal's
    details), and after a write (``written``) the document's new version and the Markdown of
    its ``section``, which the editor copies into its text."""
    context: dict[str, Any] = {
        "written": written,
        "error": None,
        "failed": None,
        "typed": {},
        **values,
    }
    if written:
        doc = get_document(session, postmortem_id, viewer)
        context["synced"] = doc.section(section)
        context["version"] = doc.version
    return context


def refused_context(
    db: sessionmaker[Session],
    build: ContextBuilder,
    postmortem_id: str,
    viewer: Principal,
    exc: InputError,
    failed: int | str,
    typed: dict[str, str],
) -> dict[str, Any]:
    """The section as stored, with the refused row's input (``typed``) and why it was refused,
    the field named (``failed``: the row's id, or "new")."""
    with db.begin() as session:
        return build(
            session,
            postmortem_id,
            viewer,
            written=False,
            error=human_message(exc),
            failed=failed,
            field=exc.field,
            typed=typed,
        )
