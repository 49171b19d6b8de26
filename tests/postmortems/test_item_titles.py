"""Items edited as text keep the id of the stored item whose title they match."""

from __future__ import annotations

from kintsugi.postmortems.document import ActionItem
from kintsugi.postmortems.item_titles import keep_item_ids, title_key


def test_titles_match_whatever_the_case_and_spacing() -> None:
    assert title_key("  Rotate   the KEYS\n") == "rotate the keys"
    assert title_key("Rotate keys") != title_key("Rotate the keys")


def test_edited_items_keep_the_ids_of_the_stored_ones_they_match() -> None:
    stored = [ActionItem(id=7, title="Add an alert"), ActionItem(id=9, title="Rotate keys")]
    edited = [ActionItem(title="rotate  KEYS"), ActionItem(title="A new one")]
    kept = keep_item_ids(edited, stored)
    assert [(i.id, i.title) for i in kept] == [(9, "rotate  KEYS"), (None, "A new one")]
