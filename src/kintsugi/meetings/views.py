"""What the API and the pages share: the document a meeting's script and checklist use."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kintsugi.meetings.service import MeetingView
from kintsugi.people.principal import Principal
from kintsugi.postmortems.document import Document
from kintsugi.postmortems.service import get_document


def document_for(session: Session, viewer: Principal, meeting: MeetingView) -> Document:
    """The meeting's document (a learning session: a stand-in with its title)."""
    if meeting.kind != "learning" and meeting.postmortems:
        return get_document(session, meeting.postmortems[0].id, viewer)
    return Document(title=meeting.title)
