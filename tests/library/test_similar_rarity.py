"""The lexical ranking of similar incidents: rare words first, within a budget of postings."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.library import rarity
from kintsugi.library import similar as similar_module
from kintsugi.library.query import Node, Or, Term
from kintsugi.library.rarity import count_words
from kintsugi.library.similar import similar, telling_words, within_budget
from kintsugi.people.principal import SYSTEM

from .helpers import add


def _words(node: Node) -> set[str]:
    if isinstance(node, Term):
        return {node.text}
    assert isinstance(node, Or)
    return set().union(*(_words(child) for child in node.children))


def test_frequencies_count_documents_and_scale_a_sample_to_the_library() -> None:
    counted = count_words(
        [
            ("Disk full", "disk", "The disk filled up; disk alerts fired.", ""),
            ("Disk slow", "", "", "The zeppelin disk was slow."),
        ],
        documents=10,
    )
    assert counted.counts["disk"] == 2  # documents holding it, not occurrences
    assert counted.counts["zeppelin"] == 1  # the body counts too
    assert counted.postings("disk") == 10.0 and counted.postings("zeppelin") == 5.0
    assert counted.postings("unseen") == 1.0
    assert counted.idf("unseen") > counted.idf("zeppelin") > counted.idf("disk") > 0


def test_query_words_are_the_rare_ones_and_fit_the_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frequencies = count_words(
        [(f"outage {n}", "", "The outage hit users.", "") for n in range(9)]
        + [("zeppelin outage", "", "", "")],
        documents=1000,
    )
    monkeypatch.setattr(similar_module, "LEXICAL_TERMS", 1)
    title, summary = "Outage outage zeppelin", "The outage hit users."
    assert telling_words(title, "", summary, "") == [("outage", 7.0)]  # by count alone
    assert [w for w, _ in telling_words(title, "", summary, "", frequencies)] == ["zeppelin"]
    # of 1000 documents, about 1000 hold "outage", 900 "users" and 100 "zeppelin"
    assert within_budget(["outage", "zeppelin", "users"], frequencies, 950) == ["zeppelin"]
    assert within_budget(["users", "zeppelin", "outage"], frequencies, 1000) == [
        "users",
        "zeppelin",
    ]


def test_the_lexical_query_leaves_out_words_too_common_for_its_budget(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = add(sessions, "Outage of the zeppelin hangar", summary="Outage: the zeppelin hangar.")
    twin = add(sessions, "Zeppelin hangar doors stuck", summary="The zeppelin hangar doors.")
    for n in range(6):
        add(sessions, f"Outage number {n}", summary=f"An outage, the {n}th.")
    queried: list[set[str]] = []
    ranked_pks = similar_module.ranked_pks

    def recording(session: Session, viewer: object, node: Node, **kwargs: object) -> object:
        queried.append(_words(node))
        return ranked_pks(session, viewer, node, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(similar_module, "ranked_pks", recording)
    monkeypatch.setattr(similar_module, "POSTINGS_BUDGET", 4.0)
    rarity.CACHE.clear()
    with sessions() as session:
        result = similar(session, SYSTEM, asked, limit=1, method="lexical")
    assert [r.id for r in result.results] == [twin]
    assert queried and all("outage" not in words for words in queried)  # in 7 of 8 documents
    assert all({"zeppelin", "hangar"} <= words for words in queried)  # in 2 each: they fit


def test_frequencies_follow_the_library(sessions: sessionmaker[Session]) -> None:
    rarity.CACHE.clear()
    add(sessions, "Kafka lag", summary="Consumers lagged.")
    with sessions() as session:
        before = rarity.CACHE.rarity(session)
    add(sessions, "Kafka broker disk full", summary="The broker disk filled.")
    with sessions() as session:
        after = rarity.CACHE.rarity(session)
    assert (before.documents, before.counts["kafka"], before.counts["broker"]) == (1, 1, 0)
    assert (after.documents, after.counts["kafka"], after.counts["broker"]) == (2, 2, 1)
