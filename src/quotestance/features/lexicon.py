"""Numeric lexicon features: polarity of the words around the target mention, negation-aware."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from quotestance.features.inputs import (
    check_n_features,
    n_input_features,
    stance_frame,
    tokenize,
)
from quotestance.features.views import (
    _Cues,
    clause_bounds,
    default_cues,
    negation_scope,
    polarity_scores,
)
from quotestance.lexicons import load_lexicons, normalize, stem_index

SCOPES: tuple[str, ...] = ("sentence", "clause", "left", "right", "near")
STATS: tuple[str, ...] = ("pos", "neg", "near_pos", "near_neg")


class LexiconFeatures(TransformerMixin, BaseEstimator):
    """Sum lexicon polarity per scope around the mention; words in a negation scope flip sign.

    For each scope of ``SCOPES`` (the whole sentence, the mention's clause, ``window`` words on
    each side, the three nearest words) the output has the positive sum, the negative sum (as a
    positive number) and both again weighted by closeness to the mention (``p / (1 + d)``); all
    divided by ``scale`` so typical values stay near [0, 1], and never negative (complement naive
    Bayes accepts them). Without a located mention every scope is the sentence.

    Parameters
    ----------
    window : int
        Words on each side of the mention for the ``left``/``right`` scopes.
    lexicon_languages : sequence of str
        Shipped lexicons to use (``de``, ``en``); each text is scored with the lexicon of its
        language, guessed from function words.
    lexicon : mapping or None
        An explicit word -> polarity mapping instead of the shipped lexicons.
    scale : float
        Divisor of every output value.

    """

    def __init__(
        self,
        window: int = 6,
        lexicon_languages: Sequence[str] = ("de", "en"),
        lexicon: Mapping[str, float] | None = None,
        scale: float = 3.0,
    ) -> None:
        self.window = window
        self.lexicon_languages = lexicon_languages
        self.lexicon = lexicon
        self.scale = scale

    def fit(self, X: Any, y: Any = None) -> LexiconFeatures:
        """Check the input and load the lexicon."""
        stance_frame(X)
        self.n_features_in_ = n_input_features(X)
        if self.lexicon is not None:
            self.lexicons_ = {"own": {normalize(k): float(v) for k, v in self.lexicon.items()}}
        else:
            self.lexicons_ = load_lexicons(self.lexicon_languages)
        self.stems_ = {language: stem_index(lex) for language, lex in self.lexicons_.items()}
        self.cues_ = default_cues()
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Return an array of shape (n_samples, len(SCOPES) * len(STATS))."""
        check_is_fitted(self, "lexicons_")
        frame = stance_frame(X)
        check_n_features(self, X)
        cues = _Cues(self.cues_)
        out = np.zeros((len(frame), len(SCOPES) * len(STATS)), dtype=np.float64)
        for row, (text, target, start, end) in enumerate(frame.itertuples(index=False)):
            out[row] = self._row(text, target, start, end, cues)
        return out / float(self.scale)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Return ``lexicon_<scope>_<stat>`` names."""
        return np.asarray(
            [f"lexicon_{scope}_{stat}" for scope in SCOPES for stat in STATS], dtype=object
        )

    def _row(self, text: str, target: str, start: int, end: int, cues: _Cues) -> list[float]:
        tok = tokenize(text, target, start, end)
        lower = [normalize(t) for t in tok.tokens]
        negated = negation_scope(lower, cues)
        scores = polarity_scores(lower, negated, self.lexicons_, self.stems_)
        n = len(lower)
        if tok.mention is None:
            everything = list(range(n))
            scopes = dict.fromkeys(SCOPES, everything)
            distance = [0] * n
        else:
            m0, m1 = tok.mention
            first, last = clause_bounds(lower, m0, m1, cues)
            outside = [i for i in range(n) if not m0 <= i < m1]
            scopes = {
                "sentence": outside,
                "clause": [i for i in range(first, last + 1) if not m0 <= i < m1],
                "left": list(range(max(0, m0 - self.window), m0)),
                "right": list(range(m1, min(n, m1 + self.window))),
                "near": list(range(max(0, m0 - 3), m0)) + list(range(m1, min(n, m1 + 3))),
            }
            distance = [m0 - i if i < m0 else max(0, i - m1 + 1) for i in range(n)]
        values: list[float] = []
        for scope in SCOPES:
            picked = [scores[i] for i in scopes[scope]]
            weighted = [scores[i] / (1 + distance[i]) for i in scopes[scope]]
            values.append(sum(s for s in picked if s > 0))
            values.append(-sum(s for s in picked if s < 0))
            values.append(sum(s for s in weighted if s > 0))
            values.append(-sum(s for s in weighted if s < 0))
        return values

    def __sklearn_tags__(self) -> Any:
        """Declare text input that is read by position (see ``stance_frame``)."""
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # a missing text is an empty text
        tags.input_tags.string = True
        return tags
