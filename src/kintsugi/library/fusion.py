"""Weighted reciprocal rank fusion: several rankings of the same items made into one.

Each ranking gives an item ``weight / (k + rank)`` (rank 1 is the best); an item's fused score
is the sum over the rankings that hold it (Cormack, Clarke and Büttcher, SIGIR 2009). Only the
ranks count, so rankings whose scores are on different scales (BM25, cosine, shared fields)
combine without calibration. Items tied on score share the better rank.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TypeVar

K = 60
"""The constant of the original paper: it damps the weight of the very first ranks."""

Item = TypeVar("Item", bound=Hashable)


def ranks(scored: Sequence[tuple[Item, float]]) -> dict[Item, int]:
    """1-based ranks of items listed best first; equal scores share the better rank."""
    out: dict[Item, int] = {}
    previous: float | None = None
    rank = 0
    for position, (item, score) in enumerate(scored, start=1):
        if item in out:
            continue
        if previous is None or score != previous:
            rank = position
            previous = score
        out[item] = rank
    return out


def fuse(
    rankings: Sequence[tuple[Sequence[tuple[Item, float]], float]], k: int = K
) -> list[tuple[Item, float]]:
    """``rankings``: (items with their scores, best first; weight). The fused ranking, best
    first, each score divided by the best possible one (first in every ranking) so it lies
    in (0, 1]. Ties keep the order in which the items first appear."""
    if k < 0:
        raise ValueError("k must not be negative")
    fused: dict[Item, float] = {}
    for scored, weight in rankings:
        for item, rank in ranks(scored).items():
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    best = sum(weight for _, weight in rankings) / (k + 1)
    if best <= 0:
        return []
    ordered = sorted(fused.items(), key=lambda pair: -pair[1])
    return [(item, score / best) for item, score in ordered]
