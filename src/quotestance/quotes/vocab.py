"""A feature vocabulary for string features: sparse design matrices and fast linear scoring."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import repeat

import numpy as np
from scipy import sparse

SENTINEL = "\x00"


class Vocabulary:
    """Map feature strings to column indices; features seen fewer than ``min_count`` times drop.

    Unseen features have no weight in a linear model, so dropping them at scoring time loses
    nothing; an explicit vocabulary (rather than hashing) has no collisions, and a dictionary
    lookup per feature is the cheapest way from strings to a sparse row in pure Python.
    """

    def __init__(self, index: dict[str, int]) -> None:
        self.index = index

    @classmethod
    def build(
        cls, rows: Iterable[Iterable[str]], min_count: int = 1, max_features: int | None = None
    ) -> Vocabulary:
        """Collect the features of ``rows`` (the ``max_features`` most frequent ones).

        Columns are numbered in sorted feature order; the last column is ``SENTINEL``, a feature
        no row has, so its weight in an L2-regularised linear model is zero (see ``Rows``).
        """
        counts: Counter[str] = Counter()
        for row in rows:
            counts.update(row)
        kept = [f for f, c in counts.items() if c >= min_count and f != SENTINEL]
        if max_features is not None and len(kept) > max_features - 1:
            kept.sort(key=lambda f: (-counts[f], f))
            kept = kept[: max(max_features - 1, 0)]
        index = {f: i for i, f in enumerate(sorted(kept))}
        index[SENTINEL] = len(index)
        return cls(index)

    def __len__(self) -> int:
        return len(self.index)

    def matrix(self, rows: Sequence[Iterable[str]]) -> sparse.csr_matrix:
        """Return the design matrix of ``rows``: feature counts (as ``Rows.score`` sums them)."""
        get = self.index.get
        indices: list[int] = []
        indptr = [0]
        for row in rows:
            indices.extend(j for j in map(get, row) if j is not None)
            indptr.append(len(indices))
        data = np.ones(len(indices), dtype=np.float64)
        x = sparse.csr_matrix(
            (data, np.asarray(indices, dtype=np.int32), np.asarray(indptr, dtype=np.int32)),
            shape=(len(indptr) - 1, len(self.index)),
        )
        x.sum_duplicates()
        return x


def linear_scores(x: sparse.csr_matrix, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    """Return ``x @ coef.T + intercept`` (decision values, one column per row of ``coef``)."""
    return np.asarray(x @ coef.T) + intercept


class Rows:
    """Feature rows as vocabulary indices, ready for ``score``.

    Unknown features, and a final entry of every row, map to ``SENTINEL``, whose weight is zero:
    they add nothing, and no row is empty (``numpy.add.reduceat`` needs non-empty segments).
    """

    def __init__(self, vocabulary: Vocabulary, rows: Iterable[Iterable[str]]) -> None:
        sentinel = vocabulary.index[SENTINEL]
        flat: list[str] = []
        starts: list[int] = []
        for row in rows:
            starts.append(len(flat))
            flat.extend(row)
            flat.append(SENTINEL)
        # unknown features map to the sentinel too: one C-level pass, no filtering
        self.indices = np.fromiter(
            map(vocabulary.index.get, flat, repeat(sentinel)), dtype=np.intp, count=len(flat)
        )
        self.starts = np.asarray(starts, dtype=np.intp)

    def __len__(self) -> int:
        return len(self.starts)

    def score(self, weights: np.ndarray) -> np.ndarray:
        """Sum the ``weights`` (one entry or row per feature) of the features of every row."""
        if not len(self.starts):
            return np.zeros((0, *weights.shape[1:]))
        return np.asarray(np.add.reduceat(weights[self.indices], self.starts, axis=0))
