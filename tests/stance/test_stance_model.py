"""The stance model: fitting, the model options, and calibration that keeps the label order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.naive_bayes import ComplementNB
from sklearn.svm import LinearSVC

from quotestance.records import Span, StanceExample
from quotestance.stance import (
    PerTargetClassifier,
    TemperatureCalibratedClassifier,
    build_ensemble,
    build_features,
    build_stance_model,
    examples_to_frame,
    fit_offsets,
    fit_stance_model,
    fit_temperature,
    predict_stance,
)


def _examples(table: pd.DataFrame) -> list[StanceExample]:
    return [
        StanceExample(
            text=row.text,
            target=row.target,
            mention=Span(row.start, row.end, row.text[row.start : row.end]),
            label=row.label,
            group=row.doc,
        )
        for row in table.itertuples()
    ]


@pytest.mark.parametrize(
    "classifier",
    [
        LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced"),
        LinearSVC(C=0.5, class_weight="balanced"),
        SGDClassifier(loss="modified_huber", random_state=0),
        ComplementNB(alpha=0.3),
    ],
    ids=["logreg", "linear_svm", "sgd", "complement_nb"],
)
def test_linear_models_learn_the_templates(table: pd.DataFrame, classifier) -> None:
    examples = _examples(table)
    model = fit_stance_model(build_stance_model(classifier, build_features(), cv=2), examples)
    labels, scores = predict_stance(model, examples_to_frame(examples))
    accuracy = np.mean([p == e.label for p, e in zip(labels, examples, strict=True)])
    assert accuracy > 0.9
    assert all(0.0 < s <= 1.0 for s in scores)


def test_calibration_changes_scores_not_label_order(table: pd.DataFrame, frame) -> None:
    raw = build_stance_model(LinearSVC(C=0.5), build_features(), calibrate=False)
    raw.fit(frame, table["label"])
    calibrated = build_stance_model(
        LinearSVC(C=0.5), build_features(), calibrate=True, cv=2, decision="argmax"
    )
    calibrated.fit(frame, table["label"], classify__groups=table["doc"])
    head = calibrated.named_steps["classify"]
    assert isinstance(head, TemperatureCalibratedClassifier)
    assert head.temperature_ != pytest.approx(1.0)
    before = raw.decision_function(frame)
    after = calibrated.predict_proba(frame)
    assert not np.allclose(after, np.exp(before) / np.exp(before).sum(1, keepdims=True))
    np.testing.assert_array_equal(np.argsort(before, axis=1), np.argsort(after, axis=1))
    np.testing.assert_array_equal(raw.predict(frame), calibrated.predict(frame))
    np.testing.assert_allclose(after.sum(axis=1), 1.0)


def test_fit_temperature_recovers_a_known_temperature() -> None:
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(4000, 3)) * 3
    probabilities = np.exp(logits / 2.0) / np.exp(logits / 2.0).sum(1, keepdims=True)
    codes = np.array([rng.choice(3, p=p) for p in probabilities])
    assert fit_temperature(logits, codes) == pytest.approx(2.0, rel=0.15)


def test_per_target_svm_baseline(table: pd.DataFrame, frame) -> None:
    model = build_stance_model(
        PerTargetClassifier(LinearSVC(C=1.0), min_examples=10), calibrate=False
    )
    model.fit(frame, table["label"])
    head = model.named_steps["classify"]
    assert set(head.models_) == {"NATO", "Russland", "China"}
    assert np.mean(model.predict(frame) == table["label"]) > 0.9
    unseen = frame.head(3).assign(target="EU")  # unseen target: the fallback model
    assert len(model.predict_proba(unseen)) == 3


def test_soft_voting_ensemble(table: pd.DataFrame, frame) -> None:
    ensemble = build_ensemble(
        {
            "logreg": LogisticRegression(max_iter=2000),
            "svm": LinearSVC(C=0.5),
            "nb": ComplementNB(),
        }
    )
    model = build_stance_model(ensemble, build_features(), calibrate=False)
    model.fit(frame, table["label"])
    assert np.mean(model.predict(frame) == table["label"]) > 0.9
    np.testing.assert_allclose(model.predict_proba(frame).sum(axis=1), 1.0)


def test_fit_needs_labels() -> None:
    with pytest.raises(ValueError, match="needs a label"):
        fit_stance_model(build_stance_model(LinearSVC()), [StanceExample("a", "b")])


def test_unknown_view_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown or no views"):
        build_features(views=("words", "nope"))


def test_macro_f1_offsets_favour_the_rare_class() -> None:
    # class 1 is rare and its scores are shifted down: an offset recovers it
    rng = np.random.default_rng(0)
    codes = np.array([0] * 180 + [1] * 20)
    scores = np.zeros((200, 2))
    scores[:, 1] = np.where(codes == 1, -0.5, -1.5) + rng.normal(scale=0.2, size=200)
    offsets = fit_offsets(scores, codes)
    from sklearn.metrics import f1_score

    before = f1_score(codes, scores.argmax(1), average="macro")
    after = f1_score(codes, (scores + offsets).argmax(1), average="macro")
    assert offsets[0] == 0 and offsets[1] > 0 and after > before


def test_view_weights_scale_views_and_refuse_unknown_names(frame) -> None:
    plain = build_features(views=("crossed", "cues"), lexicon=False).fit(frame)
    scaled = build_features(
        views=("crossed", "cues"), lexicon=False, view_weights={"crossed": 0.5}
    ).fit(frame)
    width = plain.transform(frame).shape[1]
    np.testing.assert_allclose(scaled.transform(frame).shape[1], width)
    crossed = plain.transformer_list[0][1].named_steps["views"].output_indices_["crossed"]
    a = plain.transform(frame).toarray()
    b = scaled.transform(frame).toarray()
    np.testing.assert_allclose(b[:, crossed], 0.5 * a[:, crossed], rtol=1e-5)
    with pytest.raises(ValueError, match="unknown or no views"):
        build_features(view_weights={"nope": 1.0})


def test_target_interaction_adds_a_block_per_frequent_target(table: pd.DataFrame) -> None:
    from quotestance.stance import TargetInteraction

    frame = examples_to_frame(_examples(table))
    features = build_features(interaction_weight=0.5, interaction_min_examples=10)
    assert isinstance(features, TargetInteraction)
    out = features.fit_transform(frame)
    shared = features.features_.transform(frame)
    width = shared.shape[1]
    assert features.targets_ == sorted(set(frame["target"]))
    assert out.shape == (len(frame), width * (1 + len(features.targets_)))
    names = features.get_feature_names_out()
    assert len(names) == out.shape[1] and names[width].startswith(f"{features.targets_[0]}|")
    row = 0
    block = features.targets_.index(frame["target"][row])
    copy = out[row, width * (1 + block) : width * (2 + block)].toarray()
    np.testing.assert_allclose(copy, 0.5 * shared[row].toarray(), rtol=1e-6)
    # an unseen target gets the shared features only
    unseen = frame.iloc[[0]].assign(target="Atlantis")
    assert features.transform(unseen)[:, width:].nnz == 0
    # and the model with per-target copies learns the templates
    model = fit_stance_model(build_stance_model(LinearSVC(C=0.5), features, cv=2), _examples(table))
    labels, _ = predict_stance(model, frame)
    assert np.mean(np.asarray(labels) == table["label"].to_numpy()) > 0.9
