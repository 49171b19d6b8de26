"""The worker's metrics job: remind the authors of post-mortems past their deadline.

Each overdue post-mortem gets a reminder on the first day it is overdue and then every
``reminders.every_days`` days (key ``pm-deadline:<post-mortem id>:<day>``, so each goes out
once across all workers). Reminders of organisation-visible documents go on the policy's
channels; those of team or restricted documents go only by email to their authors, never to a
shared Slack channel or SNS topic.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from kintsugi.core.errors import InputError
from kintsugi.metrics.deadlines import OverduePostmortem, overdue_postmortems
from kintsugi.metrics.policy import effective_policy
from kintsugi.notify.base import Message
from kintsugi.notify.channels import BROADCAST
from kintsugi.notify.deliver import SENT
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems.document import Visibility
from kintsugi.postmortems.readers import reader_emails

if TYPE_CHECKING:
    from kintsugi.actions.worker import RunReport, Worker
    from kintsugi.jobs.registry import JobRegistry

JOB = "metrics"


def reminder_key(pm: OverduePostmortem, now: datetime) -> str:
    return f"pm-deadline:{pm.id}:{now.date().isoformat()}"


def _due_today(pm: OverduePostmortem, now: datetime, every_days: int) -> bool:
    if every_days <= 0:
        return False
    return (now.date() - pm.deadline.date()).days % every_days == 0


def reminder_message(pm: OverduePostmortem, emails: list[str], base_url: str) -> Message:
    """The reminder for one overdue post-mortem."""
    link = f"{base_url.rstrip('/')}/postmortems/{pm.id}"
    severity = f"{pm.severity} " if pm.severity else ""
    text = (
        f'The {severity}post-mortem "{pm.title}" was due on '
        f"{pm.deadline:%Y-%m-%d %H:%M} UTC and is still {pm.status.replace('_', ' ')}.\n\n"
        f"Authors: {', '.join(pm.authors) or 'none named'}\n{link}"
    )
    return Message(
        subject=f"Post-mortem overdue: {pm.title}",
        text=text,
        blocks=[
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        ],
        email_to=tuple(emails),
    )


def run_due(worker: Worker, now: datetime, report: RunReport) -> None:
    """Send today's reminders for overdue post-mortems."""
    with worker.sessions() as session:
        try:
            policy = effective_policy(session)
        except InputError as exc:  # a bad policy file must not stop the other jobs
            report.jobs[JOB] = f"not run: {exc}"
            return
        overdue = overdue_postmortems(session, SYSTEM, policy.deadlines, now)
        due = [pm for pm in overdue if _due_today(pm, now, policy.reminders.every_days)]
        emails = {
            pm.pk: list(
                dict.fromkeys(
                    e for author in pm.authors for e in reader_emails(session, [pm.id], author)
                )
            )
            for pm in due
        }
    sent = 0
    for pm in due:
        channels = worker.channels_named(list(policy.reminders.channels))
        if pm.visibility != Visibility.ORGANISATION.value:
            channels = {n: c for n, c in channels.items() if n not in BROADCAST}
        message = reminder_message(pm, emails[pm.pk], worker.base_url)
        outcomes = worker.send(reminder_key(pm, now), message, channels, now, report)
        sent += sum(1 for o in outcomes if o.status == SENT)
    report.jobs[JOB] = f"{len(overdue)} overdue post-mortem(s); {sent} reminder(s) sent"


def register(registry: JobRegistry[RunReport], worker: Worker) -> None:
    """Add this slice's job to the worker's ``registry``."""
    registry.add(JOB, lambda now, report: run_due(worker, now, report))
