"""Weighted reciprocal rank fusion."""

from __future__ import annotations

import pytest

from kintsugi.library.fusion import fuse, ranks


def test_ranks_share_the_better_rank_on_ties_and_ignore_repeats() -> None:
    assert ranks([("a", 3.0), ("b", 2.0), ("c", 2.0), ("d", 1.0), ("a", 0.5)]) == {
        "a": 1,
        "b": 2,
        "c": 2,
        "d": 4,
    }


def test_an_item_high_in_both_rankings_beats_one_first_in_only_one() -> None:
    words = [("x", 9.0), ("both", 8.0), ("w", 1.0)]
    meaning = [("y", 0.9), ("both", 0.8)]
    fused = fuse([(words, 1.0), (meaning, 1.0)], k=10)
    assert [item for item, _ in fused][:1] == ["both"]
    assert fused[0][1] == pytest.approx((1 / 12 + 1 / 12) / (2 / 11))
    assert all(0 < score <= 1 for _, score in fused)


def test_weights_decide_between_rankings() -> None:
    words = [("a", 1.0), ("b", 0.5)]
    meaning = [("b", 1.0), ("a", 0.5)]
    assert fuse([(words, 1.0), (meaning, 2.0)], k=10)[0][0] == "b"
    assert fuse([(words, 2.0), (meaning, 1.0)], k=10)[0][0] == "a"
    # first in every ranking scores exactly 1
    assert fuse([(words, 1.0), ([("a", 0.1)], 3.0)])[0] == ("a", pytest.approx(1.0))


def test_nothing_to_fuse() -> None:
    assert fuse([]) == []
    assert fuse([([], 1.0)]) == []
    with pytest.raises(ValueError):
        fuse([([("a", 1.0)], 1.0)], k=-1)
