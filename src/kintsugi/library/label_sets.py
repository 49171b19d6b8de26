"""Which post-mortems carry each label of one facet (a tag, a service, a root-cause category).

Held as one sorted array of pks per label, the form the facet counts read. A whole library is
loaded in one vectorised pass (the 2.1 million tags and services of a million post-mortems in
about a second, where a set per label and a tuple per post-mortem took several); later changes
come in batches, one array operation per label they touch. What a post-mortem carried is read from the load
(compressed rows by pk) or, once it has changed, from the changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
_NONE: IntArray = np.zeros(0, dtype=np.int64)


class LabelSets:
    """One facet's labels: the holders of each label, and the labels of each pk."""

    def __init__(self) -> None:
        self.holders: dict[str, IntArray] = {}
        self.top = 0
        """The highest pk that carries a label (0 when none does)."""
        self._names: list[str] = []
        self._first: IntArray = np.zeros(1, dtype=np.int64)  # pk's labels: _first[pk]:_first[pk+1]
        self._codes: IntArray = _NONE
        self._since: dict[int, tuple[str, ...]] = {}  # the labels of pks changed after the load

    def load(self, rows: Sequence[Any]) -> None:
        """Every (pk, label) row of the facet, in any order."""
        count = len(rows)
        index: dict[str, int] = {}
        pks: IntArray = np.fromiter((row[0] for row in rows), dtype=np.int64, count=count)
        codes: IntArray = np.fromiter(
            (index.setdefault(row[1], len(index)) for row in rows), dtype=np.int64, count=count
        )
        by_pk = np.lexsort((codes, pks))
        pks, codes = pks[by_pk], codes[by_pk]
        if count > 1:  # a label given twice counts once
            distinct = np.ones(count, dtype=np.bool_)
            distinct[1:] = (pks[1:] != pks[:-1]) | (codes[1:] != codes[:-1])
            pks, codes = pks[distinct], codes[distinct]
        self.top = int(pks[-1]) if count else 0
        self._names = list(index)
        self._first = np.searchsorted(pks, np.arange(self.top + 2)).astype(np.int64)
        self._codes = codes
        self._since = {}
        by_label = np.argsort(codes, kind="stable")  # each label's pks stay in order
        grouped, labels = pks[by_label], codes[by_label]
        bounds = np.searchsorted(labels, np.arange(len(self._names) + 1))
        self.holders = {
            name: grouped[bounds[i] : bounds[i + 1]].copy() for i, name in enumerate(self._names)
        }

    def labels_of(self, pk: int) -> tuple[str, ...]:
        """The labels ``pk`` carries now."""
        if pk in self._since:
            return self._since[pk]
        if 0 <= pk < len(self._first) - 1:
            codes = self._codes[self._first[pk] : self._first[pk + 1]]
            return tuple(self._names[code] for code in codes.tolist())
        return ()

    def update(self, changes: dict[int, list[str]]) -> None:
        """Set the labels of the pks in ``changes`` (an empty list: none)."""
        added: dict[str, list[int]] = {}
        dropped: dict[str, list[int]] = {}
        for pk, new in changes.items():
            old = self.labels_of(pk)
            for label in set(old) - set(new):
                dropped.setdefault(label, []).append(pk)
            for label in set(new) - set(old):
                added.setdefault(label, []).append(pk)
            self._since[pk] = tuple(new)
            if new:
                self.top = max(self.top, pk)
        for label in added.keys() | dropped.keys():
            held = self.holders.get(label, _NONE)
            if label in dropped:
                held = held[~np.isin(held, _array(dropped[label]))]
            if label in added:
                held = np.union1d(held, _array(added[label]))
            if len(held):
                self.holders[label] = held
            else:
                self.holders.pop(label, None)


def _array(pks: Iterable[int]) -> IntArray:
    return np.fromiter(pks, dtype=np.int64)
