"""Bots and service accounts: who is not a person.

A user marked as a bot (``people.service.set_bot``, ``kintsugi users set-bot``) is one; so is a name that
reads like an integration (``github-actions[bot]``, ``PagerDuty``, ``alertmanager``,
``deploy-bot``) or one of the names listed in ``KINTSUGI_BOT_NAMES`` (comma-separated). Bots
are not invited to reviews, and a review does not wait for them to attend.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from kintsugi.people.models import User

_LOOKS_LIKE_BOT = re.compile(
    r"(\[bot\]$|[-_ .]bot$|^bot[-_ .]|^(pagerduty|opsgenie|alertmanager|prometheus|grafana|"
    r"datadog|statuspage|incident\.io|incidentio|github-actions|dependabot|renovate|jenkins|"
    r"slackbot|system|automation|monitoring|nagios|sentry)$)",
    re.I,
)


class BotSettings(BaseSettings):
    """``KINTSUGI_BOT_NAMES``: more names of bots and service accounts, comma-separated."""

    model_config = SettingsConfigDict(env_prefix="KINTSUGI_", extra="ignore")

    bot_names: str = ""

    def names(self) -> set[str]:
        return {n.strip().lower() for n in self.bot_names.split(",") if n.strip()}


def looks_like_bot(name: str) -> bool:
    """Whether ``name`` reads like an integration or a service account."""
    return bool(_LOOKS_LIKE_BOT.search(name.strip()))


def known_bots(session: Session) -> set[str]:
    """Every name a bot goes by (lower-cased): users marked as bots, with their usernames,
    display names and addresses, and ``KINTSUGI_BOT_NAMES``."""
    found = BotSettings().names()
    for user in session.scalars(select(User).where(User.is_bot.is_(True))):
        found.update(v.strip().lower() for v in (user.username, user.display_name, user.email) if v)
    return found


def is_bot(name: str, known: Iterable[str]) -> bool:
    """Whether ``name`` is a bot: one of the ``known`` names (``known_bots``) or reads like one."""
    key = name.strip().lower()
    return key in set(known) or looks_like_bot(key)
