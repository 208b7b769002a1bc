"""Target-aware stance classification: (text, target, mention) -> label, as a scikit-learn Pipeline.

The model input is a DataFrame with the columns of ``STANCE_COLUMNS`` (``start``/``end`` are the
mention's offsets into ``text``, -1 when unknown: the target is then searched for in the text).
``build_stance_model`` composes ``build_features`` (target-aware views, n-grams, lexicon scores)
with any scikit-learn classifier, optionally calibrated (``TemperatureCalibratedClassifier``
keeps each row's label order, so calibration changes scores, never the predicted label).
``PerTargetClassifier`` is the classic SemEval baseline: one model per target.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import VotingClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import get_tags
from sklearn.utils.validation import check_is_fitted

from quotestance.features.inputs import (
    STANCE_COLUMNS,
    check_n_features,
    n_input_features,
    stance_frame,
)
from quotestance.features.lexicon import LexiconFeatures
from quotestance.features.views import TARGET_TOKEN, TargetViews
from quotestance.records import StanceExample

__all__ = [
    "STANCE_COLUMNS",
    "TARGET_TOKEN",
    "PerTargetClassifier",
    "TargetInteraction",
    "TargetMarker",
    "TemperatureCalibratedClassifier",
    "build_ensemble",
    "build_features",
    "build_plain_ngrams",
    "build_stance_model",
    "examples_to_frame",
    "fit_offsets",
    "fit_stance_model",
    "fit_temperature",
    "predict_probabilities",
    "predict_stance",
    "stance_groups",
]

TargetMarker = TargetViews  # the earlier name of the view transformer
VIEWS: tuple[str, ...] = ("words", "chars", "window", "crossed", "cues", "clause")


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


def stance_groups(examples: Sequence[StanceExample]) -> np.ndarray:
    """Return each example's group (its document), or its position where the group is empty."""
    return np.asarray([e.group or f"#{i}" for i, e in enumerate(examples)], dtype=object)


def build_features(
    window: int = 6,
    word_ngrams: int = 2,
    char_ngrams: int = 5,
    min_df: int = 1,
    views: Sequence[str] = ("words", "chars", "window", "crossed", "cues"),
    lexicon: bool = True,
    lexicon_languages: Sequence[str] = ("de", "en"),
    cues: Mapping[str, Sequence[str]] | None = None,
    max_features: int | None = None,
    evaluation: bool = True,
    criticism_scope: bool = True,
    cross: str = "all",
    view_weights: Mapping[str, float] | None = None,
    roles: bool = False,
    target_prior: bool = True,
    interaction_weight: float = 0.0,
    interaction_min_examples: int = 30,
) -> TransformerMixin:
    """Return the target-aware feature extractor (a scikit-learn transformer on the stance frame).

    ``views`` picks among ``words`` (word 1..``word_ngrams``-grams of the masked, negation-scoped
    text), ``chars`` (char_wb 2..``char_ngrams``-grams of the masked text), ``window`` (words
    near the mention, by side and nearness), ``crossed`` (window words and cues crossed with the
    target) and ``cues`` (clause position relative to reporting verbs and quotes, lexicon
    polarity per scope, and their pairs). ``lexicon`` adds ``LexiconFeatures`` scores.
    ``evaluation`` adds evaluation-scope cues (which criticism, praise or hostile-act predicate
    governs the mention; ``quotestance.features.views.evaluation_tokens``); ``criticism_scope``
    marks the words a criticism verb governs (``crit_``, lexicon sign flipped). ``cross`` picks what
    the target is crossed with (``all`` or ``cues``). ``view_weights`` scales views by name
    (missing: 1); a ``crossed`` weight below 1 regularises the per-target features harder
    than the shared ones. ``roles`` adds the mention's grammatical role guessed from word order
    (``quotestance.features.views.role_tokens``), crossed with the evaluation cues;
    ``target_prior=False`` drops the per-target bias token and the target's own name from the
    mention words. ``interaction_weight`` > 0 wraps everything in ``TargetInteraction``: every
    feature also gets a copy per target with at least ``interaction_min_examples`` training
    examples, scaled by the weight (shared weights plus a per-target correction).
    """
    unknown = sorted(set(views) - set(VIEWS))
    unknown += sorted(set(view_weights or {}) - set(VIEWS))
    if unknown or not views:
        raise ValueError(f"unknown or no views {unknown}; choose from {list(VIEWS)}")

    def tfidf(lowercase: bool = False, **kwargs: Any) -> TfidfVectorizer:
        return TfidfVectorizer(
            min_df=min_df,
            sublinear_tf=True,
            max_features=max_features,
            lowercase=lowercase,
            dtype=np.float32,
            **kwargs,
        )

    available = {
        "words": ("scoped", tfidf(token_pattern=r"\S+", ngram_range=(1, word_ngrams))),
        "chars": (
            "marked",
            tfidf(analyzer="char_wb", ngram_range=(2, char_ngrams), lowercase=True),
        ),
        "window": ("window", tfidf(token_pattern=r"\S+")),
        "crossed": ("crossed", tfidf(token_pattern=r"\S+")),
        "cues": ("cues", tfidf(token_pattern=r"\S+")),
        "clause": ("clause", tfidf(token_pattern=r"\S+", ngram_range=(1, word_ngrams))),
    }
    columns = ColumnTransformer(
        [(name, available[name][1], available[name][0]) for name in views],
        transformer_weights={name: float((view_weights or {}).get(name, 1.0)) for name in views},
    )
    text_views = Pipeline(
        [
            (
                "mark",
                TargetViews(
                    window=window,
                    lexicon_languages=tuple(lexicon_languages),
                    cues=cues,
                    cross_target="crossed" in views,
                    cross=cross,
                    evaluation=evaluation,
                    criticism_scope=criticism_scope,
                    roles=roles,
                    target_prior=target_prior,
                ),
            ),
            ("views", columns),
        ]
    )
    parts: list[tuple[str, Any]] = [("ngrams", text_views)]
    if lexicon:
        parts.append(
            ("lexicon", LexiconFeatures(window=window, lexicon_languages=tuple(lexicon_languages)))
        )
    if interaction_weight > 0:
        return TargetInteraction(
            FeatureUnion(parts),
            weight=interaction_weight,
            min_examples=interaction_min_examples,
        )
    return FeatureUnion(parts)


class TargetInteraction(TransformerMixin, BaseEstimator):
    """Add a per-target copy of every feature of ``features`` ("frustratingly easy" adaptation).

    The output is ``[Z, weight * Z_t]``, where ``Z`` are the shared features of ``features``
    and ``Z_t`` the same values in a block of their own for each target seen at least
    ``min_examples`` times in training (zeros for the others, and for unseen targets). A linear
    model then learns shared weights plus a per-target correction, the correction regularised
    harder when ``weight`` is below 1.

    Parameters
    ----------
    features : transformer
        Any transformer of the stance frame with a sparse or dense 2-D output.
    weight : float
        Scale of the per-target blocks.
    min_examples : int
        Training examples a target needs to get its own block.

    """

    def __init__(self, features: Any = None, weight: float = 0.5, min_examples: int = 30) -> None:
        self.features = features
        self.weight = weight
        self.min_examples = min_examples

    def fit(self, X: Any, y: Any = None) -> TargetInteraction:
        """Fit ``features`` and pick the targets that get their own block."""
        self.fit_transform(X, y)
        return self

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> Any:
        """Fit ``features``, pick the targets, and return the shared and per-target blocks."""
        if self.features is None:
            raise ValueError("TargetInteraction needs features")
        frame = stance_frame(X)
        self.n_features_in_ = n_input_features(X)
        self.features_ = clone(self.features)
        shared = self.features_.fit_transform(frame, y)
        counts = frame["target"].value_counts()
        self.targets_ = sorted(str(t) for t, n in counts.items() if n >= self.min_examples)
        return self._cross(shared, frame)

    def transform(self, X: Any) -> Any:
        """Return the shared features and their per-target copies."""
        check_is_fitted(self, "features_")
        frame = stance_frame(X)
        check_n_features(self, X)
        return self._cross(self.features_.transform(frame), frame)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the shared features, then ``<target>|<name>`` for each target block."""
        check_is_fitted(self, "features_")
        shared = np.asarray(self.features_.get_feature_names_out(), dtype=object)
        blocks = [
            np.asarray([f"{target}|{name}" for name in shared], dtype=object)
            for target in self.targets_
        ] or [np.asarray([f"none|{name}" for name in shared], dtype=object)]
        return np.concatenate([shared, *blocks])

    def __sklearn_tags__(self) -> Any:
        """Text input read by position (see ``stance_frame``); sparse output."""
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # a missing text is an empty text
        tags.input_tags.string = True
        return tags

    def _cross(self, shared: Any, frame: pd.DataFrame) -> Any:
        shared = sparse.csr_matrix(shared)
        n_rows, width = shared.shape
        index = {t: i for i, t in enumerate(self.targets_)}
        block = np.asarray([index.get(str(t), -1) for t in frame["target"]])
        scale = np.where(block >= 0, self.weight, 0.0).astype(shared.dtype)
        copies = sparse.diags(scale) @ shared
        copies = sparse.csr_matrix(copies)
        copies.eliminate_zeros()
        copies.indices = copies.indices + np.repeat(
            np.maximum(block, 0) * width, np.diff(copies.indptr)
        ).astype(copies.indices.dtype)
        copies = sparse.csr_matrix(
            (copies.data, copies.indices, copies.indptr),
            shape=(n_rows, width * max(1, len(self.targets_))),
        )
        return sparse.hstack([shared, copies], format="csr")


def build_plain_ngrams(word_ngrams: int = 3, char_ngrams: int = 5, min_df: int = 1) -> Pipeline:
    """Word 1..n and character 2..m n-grams of the text alone: the SemEval-2016 baseline features."""
    return Pipeline(
        [
            (
                "views",
                ColumnTransformer(
                    [
                        (
                            "words",
                            TfidfVectorizer(ngram_range=(1, word_ngrams), min_df=min_df),
                            "text",
                        ),
                        (
                            "chars",
                            TfidfVectorizer(
                                analyzer="char", ngram_range=(2, char_ngrams), min_df=min_df
                            ),
                            "text",
                        ),
                    ]
                ),
            )
        ]
    )


def decision_scores(estimator: Any, X: Any) -> np.ndarray:
    """Return one score column per class: ``decision_function``, else log-probabilities."""
    if hasattr(estimator, "decision_function"):
        scores = np.asarray(estimator.decision_function(X), dtype=np.float64)
        if scores.ndim == 1:  # binary: the score of classes_[1]
            scores = np.column_stack([-scores / 2, scores / 2])
        return scores
    return np.log(np.clip(estimator.predict_proba(X), 1e-12, 1.0))


class TemperatureCalibratedClassifier(ClassifierMixin, BaseEstimator):
    """Calibrate any classifier's scores with one temperature learned on out-of-fold scores.

    ``fit`` learns the temperature ``T`` that minimises the log-loss of ``softmax(scores / T)``
    over ``cv``-fold out-of-fold scores (folds keep each ``groups`` value together when given),
    then fits ``estimator`` on all the data. Dividing by one positive number keeps every row's
    label order, so the predicted labels are the uncalibrated ones: only the scores change.

    With ``decision="macro_f1"`` the same out-of-fold scores also give one additive offset
    per class that maximises macro-F1 (a decision rule for imbalanced labels): ``predict``
    then returns ``argmax(scores / T + offsets)`` while the probabilities stay calibrated.

    Parameters
    ----------
    estimator : classifier
        Anything with ``decision_function`` or ``predict_proba``.
    cv : int
        Number of folds for the out-of-fold scores.
    random_state : int or None
        Seed of the fold shuffling when there are no groups.
    decision : str
        ``argmax`` (the estimator's own labels) or ``macro_f1`` (tuned class offsets).

    """

    def __init__(
        self,
        estimator: Any = None,
        cv: int = 3,
        random_state: int | None = 0,
        decision: str = "argmax",
    ) -> None:
        self.estimator = estimator
        self.cv = cv
        self.random_state = random_state
        self.decision = decision

    def fit(self, X: Any, y: Any, groups: Any = None) -> TemperatureCalibratedClassifier:
        """Learn the temperature from out-of-fold scores, then fit the estimator on everything."""
        if self.estimator is None:
            raise ValueError("TemperatureCalibratedClassifier needs an estimator")
        if self.decision not in {"argmax", "macro_f1"}:
            raise ValueError(f"decision must be 'argmax' or 'macro_f1', not {self.decision!r}")
        encoder = LabelEncoder().fit(np.asarray(y))
        self.classes_ = encoder.classes_
        codes = encoder.transform(np.asarray(y))
        scores = self._oof_scores(X, codes, groups)
        self.temperature_ = 1.0 if scores is None else fit_temperature(scores, codes)
        self.offsets_ = np.zeros(len(self.classes_))
        if scores is not None and self.decision == "macro_f1":
            self.offsets_ = fit_offsets(scores / self.temperature_, codes)
        self.estimator_ = clone(self.estimator).fit(X, np.asarray(y))
        if hasattr(self.estimator_, "n_features_in_"):
            self.n_features_in_ = self.estimator_.n_features_in_
        return self

    def _oof_scores(self, X: Any, codes: np.ndarray, groups: Any) -> np.ndarray | None:
        n_classes = len(self.classes_)
        smallest = int(np.bincount(codes).min()) if n_classes > 1 else 0
        folds = min(self.cv, smallest)
        if n_classes < 2 or folds < 2:
            return None
        if groups is not None and len(set(np.asarray(groups).tolist())) >= folds:
            splitter: Any = StratifiedGroupKFold(n_splits=folds)
            splits = splitter.split(np.zeros(len(codes)), codes, groups)
        else:
            splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=self.random_state)
            splits = splitter.split(np.zeros(len(codes)), codes)
        scores = np.zeros((len(codes), n_classes))
        for train, test in splits:
            model = clone(self.estimator).fit(_rows(X, train), self.classes_[codes[train]])
            fold = decision_scores(model, _rows(X, test))
            columns = np.searchsorted(self.classes_, model.classes_)
            block = np.full((len(test), n_classes), fold.min() - 10.0)
            block[:, columns] = fold
            scores[test] = block
        return scores

    def decision_function(self, X: Any) -> np.ndarray:
        """Calibrated log-probabilities per class (binary: the log-odds of ``classes_[1]``)."""
        check_is_fitted(self, "estimator_")
        scores = log_softmax(decision_scores(self.estimator_, X) / self.temperature_, axis=1)
        scores = np.asarray(scores) + self.offsets_
        return scores[:, 1] - scores[:, 0] if scores.shape[1] == 2 else scores

    def __sklearn_tags__(self) -> Any:
        """Take the input tags of the wrapped estimator."""
        tags = super().__sklearn_tags__()
        if self.estimator is not None:
            tags.input_tags = get_tags(self.estimator).input_tags
        return tags

    def predict_proba(self, X: Any) -> np.ndarray:
        """Return calibrated probabilities, columns in the order of ``classes_``."""
        check_is_fitted(self, "estimator_")
        return np.asarray(softmax(decision_scores(self.estimator_, X) / self.temperature_, axis=1))

    def predict(self, X: Any) -> np.ndarray:
        """Return the estimator's labels (``argmax``) or those of the tuned offsets."""
        check_is_fitted(self, "estimator_")
        if self.decision == "argmax" or not np.any(self.offsets_):
            return np.asarray(self.estimator_.predict(X))
        scores = decision_scores(self.estimator_, X) / self.temperature_ + self.offsets_
        return np.asarray(self.classes_[scores.argmax(axis=1)])


def fit_temperature(scores: np.ndarray, codes: np.ndarray) -> float:
    """Return the temperature minimising the log-loss of ``softmax(scores / T)`` for ``codes``."""
    rows = np.arange(len(codes))

    def loss(log_t: float) -> float:
        return float(-log_softmax(scores / np.exp(log_t), axis=1)[rows, codes].mean())

    result = minimize_scalar(loss, bounds=(np.log(1e-2), np.log(1e2)), method="bounded")
    return float(np.exp(result.x))


def fit_offsets(
    scores: np.ndarray, codes: np.ndarray, grid: Sequence[float] = tuple(np.linspace(-2, 2, 41))
) -> np.ndarray:
    """Return per-class offsets added to ``scores`` that maximise macro-F1 (coordinate ascent).

    The most frequent class keeps offset 0; two passes over the others, each over ``grid``.
    """
    from sklearn.metrics import f1_score

    n_classes = scores.shape[1]
    offsets = np.zeros(n_classes)
    reference = int(np.bincount(codes, minlength=n_classes).argmax())

    def score(candidate: np.ndarray) -> float:
        predicted = (scores + candidate).argmax(axis=1)
        return float(f1_score(codes, predicted, average="macro", labels=range(n_classes)))

    best = score(offsets)
    for _ in range(2):
        for column in range(n_classes):
            if column == reference:
                continue
            for value in grid:
                candidate = offsets.copy()
                candidate[column] = value
                result = score(candidate)
                if result > best + 1e-9:
                    best, offsets = result, candidate
    return offsets


def _rows(X: Any, index: np.ndarray) -> Any:
    if sparse.issparse(X):
        return X.tocsr()[index]
    if isinstance(X, pd.DataFrame | pd.Series):
        return X.iloc[index]
    return np.asarray(X)[index]


class PerTargetClassifier(ClassifierMixin, BaseEstimator):
    """One ``features`` + ``classifier`` model per target, with a model of all targets as fallback.

    Targets with fewer than ``min_examples`` examples or a single label, and targets unseen in
    training, use the fallback. With ``features=None`` the features are ``build_plain_ngrams()``:
    with ``LinearSVC`` this is the per-target SVM of the SemEval-2016 stance task organisers.
    """

    def __init__(
        self, classifier: Any = None, features: Any = None, min_examples: int = 10
    ) -> None:
        self.classifier = classifier
        self.features = features
        self.min_examples = min_examples

    def _model(self) -> Pipeline:
        if self.classifier is None:
            raise ValueError("PerTargetClassifier needs a classifier")
        features = self.features if self.features is not None else build_plain_ngrams()
        return Pipeline([("features", clone(features)), ("classify", clone(self.classifier))])

    def fit(self, X: Any, y: Any) -> PerTargetClassifier:
        """Fit the fallback on everything and one model per sufficiently large target."""
        frame = stance_frame(X)
        labels = np.asarray(y).astype(str)
        self.classes_ = np.unique(labels)
        self.n_features_in_ = n_input_features(X)
        self.fallback_ = self._model().fit(frame, labels)
        self.models_: dict[str, Pipeline] = {}
        for target, rows in frame.groupby("target").indices.items():
            if len(rows) >= self.min_examples and len(set(labels[rows])) > 1:
                self.models_[str(target)] = self._model().fit(frame.iloc[rows], labels[rows])
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        """Scores per class from each row's target model (missing classes score lowest)."""
        check_is_fitted(self, "fallback_")
        frame = stance_frame(X)
        out = np.zeros((len(frame), len(self.classes_)))
        for target, rows in frame.groupby("target").indices.items():
            model = self.models_.get(str(target), self.fallback_)
            scores = decision_scores(model, frame.iloc[rows])
            block = np.full((len(rows), len(self.classes_)), scores.min() - 10.0)
            block[:, np.searchsorted(self.classes_, model.classes_)] = scores
            out[rows] = block
        return out

    def predict_proba(self, X: Any) -> np.ndarray:
        """Softmax of ``decision_function`` (uncalibrated; wrap to calibrate)."""
        return np.asarray(softmax(self.decision_function(X), axis=1))

    def predict(self, X: Any) -> np.ndarray:
        """Return the label of the highest score."""
        return np.asarray(self.classes_[self.decision_function(X).argmax(axis=1)])


def build_ensemble(
    estimators: Mapping[str, Any], voting: str = "soft", weights: Sequence[float] | None = None
) -> VotingClassifier:
    """Vote over ``estimators``; with soft voting, members without probabilities are calibrated."""
    members = [
        (
            name,
            estimator
            if voting != "soft" or hasattr(estimator, "predict_proba")
            else TemperatureCalibratedClassifier(estimator),
        )
        for name, estimator in estimators.items()
    ]
    return VotingClassifier(members, voting=voting, weights=list(weights) if weights else None)


def build_stance_model(
    classifier: BaseEstimator,
    features: Any = None,
    calibrate: bool = True,
    cv: int = 3,
    method: str = "temperature",
    decision: str = "macro_f1",
) -> Pipeline:
    """Compose features and classifier; calibrate when asked.

    ``method="temperature"`` (default) uses ``TemperatureCalibratedClassifier``: its
    probabilities keep each row's label order; ``decision="macro_f1"`` (default) predicts with
    class offsets tuned for macro-F1 on the same out-of-fold scores, ``"argmax"`` keeps the
    classifier's own labels;
    ``sigmoid``/``isotonic`` use scikit-learn's ``CalibratedClassifierCV``. A
    ``PerTargetClassifier`` carries its own features, so ``features`` is not used for it.
    """
    head: BaseEstimator = classifier
    if calibrate:
        if method == "temperature":
            head = TemperatureCalibratedClassifier(clone(classifier), cv=cv, decision=decision)
        elif method in {"sigmoid", "isotonic"}:
            head = CalibratedClassifierCV(clone(classifier), method=method, cv=cv)
        else:
            raise ValueError(f"unknown calibration method {method!r}")
    steps: Any = "passthrough" if isinstance(classifier, PerTargetClassifier) else features
    return Pipeline(
        [("features", steps if steps is not None else build_features()), ("classify", head)]
    )


def fit_stance_model(model: Pipeline, examples: Sequence[StanceExample]) -> Pipeline:
    """Fit ``model`` on labelled examples (calibration folds keep documents together)."""
    labels = [e.label for e in examples]
    if any(label is None for label in labels):
        raise ValueError("every training example needs a label")
    params: dict[str, Any] = {}
    head = model.steps[-1][1] if isinstance(model, Pipeline) else None
    if isinstance(head, TemperatureCalibratedClassifier):
        params[f"{model.steps[-1][0]}__groups"] = stance_groups(examples)
    return model.fit(examples_to_frame(examples), np.asarray(labels), **params)


def predict_probabilities(model: Any, X: Any) -> np.ndarray:
    """``predict_proba``, or for an uncalibrated margin classifier the softmax of its scores."""
    if hasattr(model, "predict_proba"):
        return np.asarray(model.predict_proba(X))
    return np.asarray(softmax(decision_scores(model, X), axis=1))


def predict_stance(model: ClassifierMixin, frame: pd.DataFrame) -> tuple[list[str], list[float]]:
    """Return the predicted label and its (calibrated) probability for each row of ``frame``."""
    if frame.empty:
        return [], []
    probabilities = predict_probabilities(model, frame)
    classes = [str(c) for c in model.classes_]
    labels = [str(label) for label in model.predict(frame)]
    return labels, [
        float(p[classes.index(label)]) for p, label in zip(probabilities, labels, strict=True)
    ]
