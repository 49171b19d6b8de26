"""The organisation's cause taxonomy: categories that root causes and factors carry.

Until an organisation edits it, the default below applies. A category is never deleted, only
archived (hidden from pickers), so that older analyses keep their meaning.
"""

from __future__ import annotations

import re

from pydantic import TypeAdapter
from pydantic.dataclasses import dataclass
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from kintsugi.core.errors import InputError
from kintsugi.people.permissions import Action, require
from kintsugi.people.principal import Principal
from kintsugi.rca.models import CategoryRow

KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


@dataclass(frozen=True)
class Category:
    """One category: a stable key, a label to show, what it covers (the API's and
    ``kintsugi rca categories --json``'s shape)."""

    key: str
    label: str
    description: str = ""
    archived: bool = False


CATEGORY_LIST = TypeAdapter(list[Category])


DEFAULT_CATEGORIES: tuple[Category, ...] = (
    Category("config-change", "Configuration change", "A setting, flag or parameter changed"),
    Category("deploy", "Deploy or release", "New code or a new version was rolled out"),
    Category("capacity", "Capacity", "Load beyond what a resource was sized for"),
    Category("dependency", "Dependency", "A service, library or vendor we depend on"),
    Category("monitoring-gap", "Monitoring gap", "Missing or late signals, alerts or dashboards"),
    Category("testing-gap", "Testing gap", "Tests or checks that would have caught it"),
    Category("change-management", "Change management", "Review, approval, timing of changes"),
    Category("process-gap", "Process gap", "A procedure that was missing or did not fit"),
    Category("runbook-gap", "Runbook or documentation gap", "Knowledge not written down"),
    Category("design", "Design limitation", "Architecture that made the failure possible"),
    Category("software-defect", "Software defect", "A bug in our own code"),
    Category("infrastructure", "Infrastructure", "Hosts, network, storage, cluster, cloud"),
    Category("data", "Data", "Unexpected, malformed or too much data"),
    Category("expiry", "Expiry", "Certificates, credentials, quotas or licences that lapsed"),
    Category("security", "Security", "Access, secrets, attacks"),
    Category("communication", "Communication", "Information that did not reach who needed it"),
    Category("tooling", "Tooling and ergonomics", "Tools that made the risky action easy"),
    Category("other", "Other", "Anything the categories above do not cover"),
)


def list_categories(session: Session, *, include_archived: bool = True) -> list[Category]:
    """The organisation's categories in order (the default until it edits them)."""
    rows = list(session.scalars(select(CategoryRow).order_by(CategoryRow.position)))
    found = (
        [Category(r.key, r.label, r.description, r.archived) for r in rows]
        if rows
        else list(DEFAULT_CATEGORIES)
    )
    return [c for c in found if include_archived or not c.archived]


def category_keys(session: Session) -> set[str]:
    """Every known key, archived ones included."""
    return {c.key for c in list_categories(session)}


def labels(session: Session) -> dict[str, str]:
    """Key -> label."""
    return {c.key: c.label for c in list_categories(session)}


def check_key(key: str) -> str:
    """Validate a category key (lowercase letters, digits, hyphens)."""
    if not KEY_PATTERN.fullmatch(key):
        raise InputError(
            f"{key!r} is not a category key (lowercase letters, digits and '-', at most 40)",
            field="key",
        )
    return key


def replace_categories(
    session: Session, categories: list[Category], actor: Principal
) -> list[Category]:
    """Make ``categories`` the taxonomy. Keys in use elsewhere must stay (archive them)."""
    require(actor, Action.EDIT_CAUSE_TAXONOMY)
    seen: set[str] = set()
    for category in categories:
        check_key(category.key)
        if category.key in seen:
            raise InputError(f"category {category.key!r} is listed twice", field="key")
        if not category.label.strip():
            raise InputError(f"category {category.key!r} needs a label", field="label")
        seen.add(category.key)
    dropped = category_keys(session) - seen
    if dropped:
        raise InputError(
            "categories are archived, not removed (older analyses use them): keep "
            + ", ".join(sorted(dropped)),
            field="categories",
        )
    session.execute(delete(CategoryRow))
    session.execute(
        insert(CategoryRow),
        [
            {
                "key": c.key,
                "label": c.label.strip()[:120],
                "description": c.description.strip(),
                "position": i,
                "archived": c.archived,
            }
            for i, c in enumerate(categories)
        ],
    )
    return list_categories(session)


def add_category(
    session: Session, key: str, label: str, actor: Principal, description: str = ""
) -> list[Category]:
    """Add one category at the end (or bring an archived one back under a new label)."""
    current = list_categories(session)
    others = [c for c in current if c.key != key]
    return replace_categories(session, [*others, Category(key, label, description)], actor)


def archive_category(session: Session, key: str, actor: Principal) -> list[Category]:
    """Hide a category from pickers; analyses that use it keep it."""
    current = list_categories(session)
    if key not in {c.key for c in current}:
        raise InputError(f"no category {key!r}", field="key")
    updated = [Category(c.key, c.label, c.description, c.archived or c.key == key) for c in current]
    return replace_categories(session, updated, actor)
