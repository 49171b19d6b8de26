"""The demo's root cause analyses: one YAML file per post-mortem under ``analyses/``, in the
import format (docs/rca.md), imported through the analysis slice like any other file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.errors import NotFoundError
from kintsugi.people.principal import SYSTEM
from kintsugi.rca import service

ANALYSES = Path(__file__).resolve().parent / "analyses"

CHECKOUT = "2026-09-14-checkout-connection-pool"
COREDNS = "2026-07-08-coredns-upgrade"
CERTIFICATE = "2026-10-02-partner-api-certificate"
DEMO_POSTMORTEMS = (CHECKOUT, COREDNS, CERTIFICATE)
"""The post-mortems that get an analysis, in the order they are imported."""


def demo_analysis(postmortem_id: str) -> dict[str, Any]:
    """The analysis file of ``postmortem_id``, as the import reads it."""
    path = ANALYSES / f"{postmortem_id}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: an analysis file holds a mapping")
    return data


def load_demo_analyses(sessions: sessionmaker[Session]) -> list[str]:
    """Import the demo analyses into the demo post-mortems that have none yet.

    Returns the ids of the post-mortems that got one; a missing post-mortem is skipped.
    """
    loaded = []
    for postmortem_id in DEMO_POSTMORTEMS:
        with sessions.begin() as session:
            try:
                if service.has_analysis(session, postmortem_id, SYSTEM):
                    continue
            except NotFoundError:
                continue
            service.import_analysis(
                session,
                postmortem_id,
                demo_analysis(postmortem_id),
                SYSTEM,
                source=f"demo:{postmortem_id}",
            )
            loaded.append(postmortem_id)
    return loaded
