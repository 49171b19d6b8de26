"""Action items matched by title: the same words, whatever the case and spacing.

Items edited as text (the editor, Markdown import) carry no ids; they keep the identity of the
stored item whose title they match. Root cause analyses link items by title the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

from kintsugi.postmortems.document import ActionItem


def title_key(title: str) -> str:
    """The form titles are compared in: lower case, runs of spaces as one."""
    return " ".join(title.lower().split())


def keep_item_ids(parsed: Sequence[ActionItem], current: Sequence[ActionItem]) -> list[ActionItem]:
    """``parsed`` with each item given the id (and so the history) of the ``current`` item
    whose title it matches."""
    by_title = {title_key(i.title): i for i in current}
    items = []
    for item in parsed:
        match = by_title.get(title_key(item.title))
        items.append(item.model_copy(update={"id": match.id}) if match else item)
    return items
