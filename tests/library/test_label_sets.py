"""A facet's label sets, loaded in one pass and changed in batches, agree with plain sets."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kintsugi.library.label_sets import LabelSets

LABELS = st.sampled_from(["cache", "db", "dns", "kafka", "tls"])
PKS = st.integers(min_value=1, max_value=40)
ASSIGNMENT = st.dictionaries(PKS, st.lists(LABELS, unique=True, max_size=3), max_size=25)


def _expected(labels_by_pk: dict[int, list[str]]) -> dict[str, list[int]]:
    holders: dict[str, set[int]] = {}
    for pk, labels in labels_by_pk.items():
        for label in labels:
            holders.setdefault(label, set()).add(pk)
    return {label: sorted(pks) for label, pks in holders.items()}


def _seen(sets: LabelSets) -> dict[str, list[int]]:
    return {label: held.tolist() for label, held in sets.holders.items()}


@given(loaded=ASSIGNMENT, batches=st.lists(ASSIGNMENT, max_size=4))
def test_holders_and_labels_follow_every_batch_of_changes(
    loaded: dict[int, list[str]], batches: list[dict[int, list[str]]]
) -> None:
    sets = LabelSets()
    rows = [(pk, label) for pk, labels in loaded.items() for label in labels]
    sets.load(list(reversed(rows)))  # any order
    model = {pk: list(labels) for pk, labels in loaded.items()}
    assert _seen(sets) == _expected(model)
    for batch in batches:
        sets.update({pk: list(labels) for pk, labels in batch.items()})
        model.update(batch)
        assert _seen(sets) == _expected(model)
        for pk in range(0, 45):
            assert sorted(sets.labels_of(pk)) == sorted(model.get(pk, []))
        # every labelled pk is within the columns' size (top only grows)
        assert sets.top >= max((pk for pk, labels in model.items() if labels), default=0)


def test_an_empty_facet_has_no_holders() -> None:
    sets = LabelSets()
    sets.load([])
    assert sets.holders == {}
    assert sets.labels_of(7) == ()
    sets.update({7: ["db"]})
    assert _seen(sets) == {"db": [7]}
    assert sets.top == 7


def test_a_label_given_twice_counts_once() -> None:
    sets = LabelSets()
    sets.load([(3, "db"), (1, "db"), (3, "db"), (3, "dns")])
    assert _seen(sets) == {"db": [1, 3], "dns": [3]}
    assert sorted(sets.labels_of(3)) == ["db", "dns"]
