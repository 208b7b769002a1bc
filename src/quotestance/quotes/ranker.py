"""A listwise ranker: a conditional logit (softmax over the candidates of each group)."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import minimize
from sklearn.base import BaseEstimator


def group_softmax(scores: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Softmax of ``scores`` within each group; group ``g`` is ``starts[g]:starts[g + 1]``."""
    bounds = np.asarray(starts[:-1])
    sizes = np.diff(starts)
    peak = np.repeat(np.maximum.reduceat(scores, bounds), sizes)
    exp = np.exp(scores - peak)
    return np.asarray(exp / np.repeat(np.add.reduceat(exp, bounds), sizes))


class ListwiseRanker(BaseEstimator):
    """Score candidates so that, within each group, a softmax puts its mass on the positives.

    The loss of a group (a quote and its speaker candidates) is
    ``-log(sum of softmax probabilities of its positive candidates)``, so several correct
    candidates (a name and a pronoun of the same speaker) share the mass; the objective is
    ``C * sum of group losses + ||w||^2 / 2``, minimised with L-BFGS. There is no intercept:
    a constant shifts every candidate of a group alike.
    """

    def __init__(self, C: float = 1.0, max_iter: int = 300, tol: float = 1e-6) -> None:
        self.C = C
        self.max_iter = max_iter
        self.tol = tol

    def fit(self, x: sparse.csr_matrix, y: np.ndarray, starts: np.ndarray) -> ListwiseRanker:
        """Fit on candidate rows ``x`` with 0/1 labels ``y`` grouped by ``starts``.

        ``starts`` holds the first row of every group and, last, the number of rows; groups
        without a positive candidate are ignored.
        """
        x = sparse.csr_matrix(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        starts = np.asarray(starts, dtype=np.int64)
        sizes = np.diff(starts)
        positives = np.add.reduceat(y, starts[:-1]) if len(sizes) else np.zeros(0)
        keep_groups = (sizes > 0) & (positives > 0)
        keep_rows = np.repeat(keep_groups, sizes)
        x, y = x[keep_rows], y[keep_rows]
        starts = np.concatenate([[0], np.cumsum(sizes[keep_groups])])
        self.n_features_in_ = x.shape[1]
        if not len(y):
            self.coef_ = np.zeros(x.shape[1])
            self.n_iter_ = 0
            return self
        xt = x.T.tocsr()
        bounds = starts[:-1]
        group_sizes = np.diff(starts)
        C = float(self.C)

        def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
            s = x @ w
            peak = np.maximum.reduceat(s, bounds)
            exp = np.exp(s - np.repeat(peak, group_sizes))
            total = np.add.reduceat(exp, bounds)
            pos = np.add.reduceat(exp * y, bounds)
            value = C * float(np.sum(np.log(total) - np.log(pos))) + 0.5 * float(w @ w)
            p = exp / np.repeat(total, group_sizes)
            q = exp * y / np.repeat(pos, group_sizes)
            grad = C * (xt @ (p - q)) + w
            return value, grad

        result: Any = minimize(
            loss,
            np.zeros(x.shape[1]),
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": self.max_iter, "gtol": self.tol},
        )
        self.coef_ = np.asarray(result.x)
        self.n_iter_ = int(result.nit)
        return self

    def decision_function(self, x: sparse.csr_matrix) -> np.ndarray:
        """Return the score of every candidate row."""
        return np.asarray(x @ self.coef_)
