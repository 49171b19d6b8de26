"""The worker's meetings job: a reminder for each follow-up that falls due and is not done.

Keys: ``meeting-followup:<follow-up id>`` (each reminder is sent once per channel). Slack and
SNS get a reminder only when every document of the meeting is visible to the organisation.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from kintsugi.meetings.followups import KINDS, due_reminders
from kintsugi.meetings.models import FollowUpRow, MeetingPostmortemRow, MeetingRow, ParticipantRow
from kintsugi.meetings.when import local_time
from kintsugi.notify.base import Message
from kintsugi.notify.channels import BROADCAST
from kintsugi.postmortems.lookups import Head, heads_by_pk
from kintsugi.postmortems.readers import reader_emails

if TYPE_CHECKING:
    from kintsugi.actions.worker import RunReport, Worker
    from kintsugi.jobs.registry import JobRegistry

CHANNELS = ["email", "slack", "sns"]


def reminder_message(
    followup: FollowUpRow,
    meeting: MeetingRow,
    docs: list[Head],
    emails: list[str],
    base_url: str,
) -> Message:
    """The reminder of one follow-up."""
    label = KINDS[followup.kind][0] if followup.kind in KINDS else followup.kind
    due = local_time(followup.due_at, meeting.timezone).strftime("%Y-%m-%d %H:%M %Z")
    url = f"{base_url.rstrip('/')}/meetings/{meeting.id}"
    about = ", ".join(d.title for d in docs) or meeting.title
    text = (
        f"Follow-up of \u201c{meeting.title}\u201d: {label}, due {due}.\n"
        f"About: {about}\nMeeting page: {url}\n"
    )
    return Message(subject=f"Reminder: {label} - {about}", text=text, email_to=tuple(emails))


def run_due(worker: Worker, now: datetime, report: RunReport) -> None:
    """Send the reminders of follow-ups that are due; record a summary in ``report.jobs``."""
    sent = 0
    with worker.sessions.begin() as session:
        due = due_reminders(session, now)
        plans: list[tuple[int, str, Message, bool]] = []
        for followup, meeting in due:
            linked = session.scalars(
                select(MeetingPostmortemRow.postmortem_pk).where(
                    MeetingPostmortemRow.meeting_id == meeting.id
                )
            )
            docs = list(heads_by_pk(session, set(linked)).values())
            facilitators = session.scalars(
                select(ParticipantRow.name).where(
                    ParticipantRow.meeting_id == meeting.id, ParticipantRow.role == "facilitator"
                )
            )
            emails: list[str] = []
            readable = [d.id for d in docs]  # the reminder names them: their readers only
            for name in [meeting.organizer, *facilitators]:
                emails += reader_emails(session, readable, name)
            public = all(d.visibility == "organisation" for d in docs)
            message = reminder_message(
                followup, meeting, docs, list(dict.fromkeys(emails)), worker.base_url
            )
            plans.append((followup.id, f"meeting-followup:{followup.id}", message, public))
    for followup_id, key, message, public in plans:
        channels = worker.channels_named(CHANNELS)
        if not public:
            channels = {n: c for n, c in channels.items() if n not in BROADCAST}
        outcomes = worker.send(key, message, channels, now, report)
        if outcomes and all(o.ok for o in outcomes):
            with worker.sessions.begin() as session:
                row = session.get(FollowUpRow, followup_id)
                if row is not None:
                    row.reminded_at = now
            sent += 1
    report.jobs["meetings"] = f"{sent} follow-up reminder(s) of {len(plans)} due"


def register(registry: JobRegistry[RunReport], worker: Worker) -> None:
    """Add this slice's job to the worker's ``registry``."""
    registry.add("meetings", lambda now, report: run_due(worker, now, report))
