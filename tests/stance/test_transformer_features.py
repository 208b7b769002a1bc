"""Transformer features with a tiny BERT built offline from a config and a tiny vocabulary."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from quotestance.stance import build_features, build_stance_model
from tiny_bert import build_tiny_bert

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

VOCAB = [
    "die", "nato", "russland", "china", "ist", "gut", "schlecht", "nicht", "kritisierte",
    "lobte", "der", "minister", "tagt", "heute", ".",
]  # fmt: skip


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_bert(tmp_path_factory.mktemp("tiny-bert"), VOCAB)


def _frame() -> pd.DataFrame:
    texts = ["Die Nato ist gut.", "Der Minister kritisierte Russland.", "China tagt heute."]
    return pd.DataFrame(
        {
            "text": texts,
            "target": ["NATO", "Russia", "China"],
            "start": [4, 25, 0],
            "end": [8, 33, 5],
        }
    )


def test_mean_pooled_embeddings(tiny_model: Path) -> None:
    from quotestance.features.transformer import TransformerEmbeddings

    frame = _frame()
    plain = TransformerEmbeddings(str(tiny_model), pooling="mean").fit(frame)
    values = plain.transform(frame)
    assert values.shape == (3, 16) and np.isfinite(values).all()
    np.testing.assert_allclose(values, plain.transform(frame), rtol=1e-5)  # deterministic
    both = TransformerEmbeddings(str(tiny_model), pooling="mean+mention").fit(frame)
    values = both.transform(frame)
    assert values.shape == (3, 32)
    moved = frame.assign(start=[0, 0, 6], end=[3, 3, 10])  # another mention: other local part
    assert not np.allclose(values[:, 16:], both.transform(moved)[:, 16:])
    np.testing.assert_allclose(values[:, :16], both.transform(moved)[:, :16], rtol=1e-5)


def test_transformer_features_feed_the_sklearn_head(tiny_model: Path, tmp_path: Path) -> None:
    import joblib

    from quotestance.features.transformer import build_transformer_features

    frame = pd.concat([_frame()] * 4, ignore_index=True)
    labels = ["favor", "against", "neutral"] * 4
    model = build_stance_model(
        LogisticRegression(max_iter=500),
        build_transformer_features(str(tiny_model), batch_size=4, ngrams=build_features()),
        calibrate=False,
    )
    model.fit(frame, labels)
    saved = tmp_path / "model.joblib"
    joblib.dump(model, saved)
    loaded = joblib.load(saved)  # carries the encoder: no model directory needed to score
    np.testing.assert_allclose(model.predict_proba(frame), loaded.predict_proba(frame), rtol=1e-5)
    assert list(loaded.predict(frame)) == labels


def test_embedding_weight_scales_the_embeddings_against_the_ngrams(tiny_model: Path) -> None:
    from quotestance.features.transformer import build_transformer_features

    frame = _frame()
    alone = build_transformer_features(str(tiny_model), pooling="mean").fit_transform(frame)
    joined = build_transformer_features(
        str(tiny_model), pooling="mean", ngrams=build_features(), embedding_weight=0.1
    ).fit_transform(frame)
    joined = joined.toarray() if sparse.issparse(joined) else joined  # dense when few rows
    width = alone.shape[1]
    assert joined.shape[1] > width  # n-gram columns follow the embeddings
    np.testing.assert_allclose(joined[:, :width], 0.1 * alone, rtol=1e-5, atol=1e-6)


def test_missing_model_directory_is_explained(tmp_path: Path) -> None:
    from quotestance.features.transformer import TransformerEmbeddings

    with pytest.raises(ValueError, match="not a directory"):
        TransformerEmbeddings(str(tmp_path / "nope")).fit(_frame())
