"""Target-aware stance classification: (text, target, mention) -> label, as a scikit-learn Pipeline."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline

from quotestance.records import StanceExample

STANCE_COLUMNS = ("text", "target", "start", "end")
TARGET_TOKEN = "ZIELAKTEUR"
_TOKEN = re.compile(r"\w+", re.UNICODE)


def examples_to_frame(examples: Sequence[StanceExample]) -> pd.DataFrame:
    """Turn stance examples into the model's input frame (mention offsets -1 when unknown)."""
    return pd.DataFrame(
        {
            "text": [e.text for e in examples],
            "target": [e.target for e in examples],
            "start": [e.mention.start if e.mention else -1 for e in examples],
            "end": [e.mention.end if e.mention else -1 for e in examples],
        },
        columns=list(STANCE_COLUMNS),
    )


class TargetMarker(TransformerMixin, BaseEstimator):
    """Derive target-aware text views from the input frame.

    Produces three string columns: ``marked`` (the mention replaced by a placeholder),
    ``window`` (the ``window`` words on each side of the mention) and ``crossed``
    (window words prefixed with the target, so the model can learn target-specific cues).
    """

    def __init__(self, window: int = 6) -> None:
        self.window = window

    def fit(self, X: pd.DataFrame, y: Any = None) -> TargetMarker:
        """Validate the input columns; nothing is learned."""
        _check_columns(X)
        self.n_features_in_ = len(STANCE_COLUMNS)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """Return the derived text columns, one row per input row."""
        _check_columns(X)
        marked, windows, crossed = [], [], []
        for text, target, start, end in X[list(STANCE_COLUMNS)].itertuples(index=False):
            text = str(text)
            start, end = int(start), int(end)
            if 0 <= start < end <= len(text):
                left, right = text[:start], text[end:]
            else:
                left, right = text, ""
            left_words = _TOKEN.findall(left)[-self.window :]
            right_words = _TOKEN.findall(right)[: self.window]
            marked.append(f"{left} {TARGET_TOKEN} {right}")
            near = left_words + right_words
            windows.append(" ".join(near))
            tag = re.sub(r"\W", "", str(target)) or "T"
            crossed.append(" ".join(f"{tag}_{w.lower()}" for w in near))
        return pd.DataFrame({"marked": marked, "window": windows, "crossed": crossed})


def _check_columns(X: Any) -> None:
    if not isinstance(X, pd.DataFrame):
        raise TypeError(
            "stance model input must be a DataFrame with columns text, target, start, end"
        )
    missing = [c for c in STANCE_COLUMNS if c not in X.columns]
    if missing:
        raise ValueError(f"stance model input is missing column(s): {', '.join(missing)}")


def build_features(
    window: int = 6, word_ngrams: int = 2, char_ngrams: int = 5, min_df: int = 1
) -> Pipeline:
    """Return the feature pipeline: target marking, then word, char and window n-grams."""
    views = ColumnTransformer(
        [
            (
                "words",
                TfidfVectorizer(ngram_range=(1, word_ngrams), min_df=min_df, sublinear_tf=True),
                "marked",
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(2, char_ngrams),
                    min_df=min_df,
                    sublinear_tf=True,
                ),
                "marked",
            ),
            (
                "window",
                TfidfVectorizer(ngram_range=(1, 2), min_df=min_df, sublinear_tf=True),
                "window",
            ),
            (
                "crossed",
                TfidfVectorizer(token_pattern=r"\S+", min_df=min_df, sublinear_tf=True),
                "crossed",
            ),
        ]
    )
    return Pipeline([("mark", TargetMarker(window=window)), ("views", views)])


def build_stance_model(
    classifier: BaseEstimator, features: Pipeline | None = None, calibrate: bool = True, cv: int = 3
) -> Pipeline:
    """Compose features and classifier; calibrated with ``CalibratedClassifierCV`` when asked."""
    head: BaseEstimator = classifier
    if calibrate:
        head = CalibratedClassifierCV(clone(classifier), method="sigmoid", cv=cv)
    return Pipeline(
        [("features", features if features is not None else build_features()), ("classify", head)]
    )


def fit_stance_model(model: Pipeline, examples: Sequence[StanceExample]) -> Pipeline:
    """Fit ``model`` on labelled examples and return it."""
    labels = [e.label for e in examples]
    if any(label is None for label in labels):
        raise ValueError("every training example needs a label")
    return model.fit(examples_to_frame(examples), np.asarray(labels))


def predict_stance(model: ClassifierMixin, frame: pd.DataFrame) -> tuple[list[str], list[float]]:
    """Return the predicted label and its probability for each row of ``frame``."""
    if frame.empty:
        return [], []
    probabilities = model.predict_proba(frame)
    best = probabilities.argmax(axis=1)
    classes = model.classes_
    return [str(classes[i]) for i in best], [
        float(p[i]) for p, i in zip(probabilities, best, strict=True)
    ]
