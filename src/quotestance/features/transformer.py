"""Optional transformer features: mean-pooled embeddings from a local Hugging Face model directory.

``TransformerEmbeddings`` encodes each (text, target) pair as a sentence pair (BERT-SPC style)
with a model loaded from ``model_path`` (never downloaded: ``local_files_only``), and returns the
mean of the last hidden states over the pair's tokens, followed by the mean over the mention's
own tokens when ``pooling="mean+mention"``. The fitted transformer carries the model, so a saved
pipeline scores without the directory. Needs the ``transformer`` extra (transformers, torch).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from quotestance.features.embeddings import join_embeddings
from quotestance.features.inputs import check_n_features, n_input_features, stance_frame

POOLINGS = ("mean", "mean+mention")


class TransformerEmbeddings(TransformerMixin, BaseEstimator):
    """Mean-pooled transformer embeddings of (text, target) pairs; a frozen feature extractor.

    Parameters
    ----------
    model_path : str
        A local directory with a Hugging Face model and tokenizer (``save_pretrained`` output).
    max_length : int
        Longest token sequence per pair (longer texts are truncated).
    batch_size : int
        Pairs per forward pass.
    pooling : str
        ``mean`` (all tokens) or ``mean+mention`` (also the mean over the mention's tokens;
        needs a fast tokenizer for character offsets).
    pair : bool
        Encode the target as the second segment (``text [SEP] target``).

    """

    def __init__(
        self,
        model_path: str = "",
        max_length: int = 128,
        batch_size: int = 32,
        pooling: str = "mean",
        pair: bool = True,
    ) -> None:
        self.model_path = model_path
        self.max_length = max_length
        self.batch_size = batch_size
        self.pooling = pooling
        self.pair = pair

    def fit(self, X: Any, y: Any = None) -> TransformerEmbeddings:
        """Load the tokenizer and model from ``model_path`` (nothing is trained)."""
        from transformers import AutoModel, AutoTokenizer

        if self.pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, not {self.pooling!r}")
        if not self.model_path or not Path(self.model_path).is_dir():
            raise ValueError(
                f"model_path {self.model_path!r} is not a directory: point features.model_path "
                "at a local Hugging Face model (see the README)"
            )
        stance_frame(X)
        self.n_features_in_ = n_input_features(X)
        self.tokenizer_ = AutoTokenizer.from_pretrained(self.model_path, local_files_only=True)
        self.model_ = AutoModel.from_pretrained(self.model_path, local_files_only=True).eval()
        if self.pooling == "mean+mention" and not getattr(self.tokenizer_, "is_fast", False):
            raise ValueError("pooling='mean+mention' needs a fast tokenizer (offset mapping)")
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Return an array (n_samples, hidden size, times two for ``mean+mention``)."""
        import torch

        check_is_fitted(self, "model_")
        frame = stance_frame(X)
        check_n_features(self, X)
        texts = list(frame["text"])
        targets = list(frame["target"])
        spans = list(zip(frame["start"], frame["end"], strict=True))
        chunks = []
        with torch.inference_mode():
            for begin in range(0, len(texts), self.batch_size):
                end = begin + self.batch_size
                chunks.append(self._encode(texts[begin:end], targets[begin:end], spans[begin:end]))
        width = self.model_.config.hidden_size * (2 if self.pooling == "mean+mention" else 1)
        return np.vstack(chunks) if chunks else np.zeros((0, width), dtype=np.float32)

    def _encode(
        self, texts: Sequence[str], targets: Sequence[str], spans: Sequence[tuple[int, int]]
    ) -> np.ndarray:
        pooled = pool_pairs(
            self.tokenizer_,
            self.model_,
            texts,
            targets,
            spans,
            pair=self.pair,
            pooling=self.pooling,
            max_length=self.max_length,
        )
        return pooled.float().cpu().numpy().astype(np.float32)

    def __sklearn_tags__(self) -> Any:
        """Text input read by position; the output is not deterministic across torch builds."""
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        return tags


def pool_pairs(
    tokenizer: Any,
    model: Any,
    texts: Sequence[str],
    targets: Sequence[str],
    spans: Sequence[tuple[int, int]],
    *,
    pair: bool = True,
    pooling: str = "mean+mention",
    max_length: int = 128,
) -> Any:
    """Pool ``model``'s last hidden states over each (text, target) pair: a torch tensor.

    ``mean`` is the mean over the pair's tokens; ``mean+mention`` appends the mean over the
    tokens of the text that overlap the mention's characters (the whole pair when the mention
    is unknown). Gradients flow when autograd is on (fine-tuning); the inputs go to the
    model's device.
    """
    import torch

    mention = pooling == "mean+mention"
    encoded = tokenizer(
        list(texts),
        [t or "-" for t in targets] if pair else None,
        padding=True,
        truncation=True,
        max_length=max_length,
        return_tensors="pt",
        return_offsets_mapping=mention,
    )
    offsets = encoded.pop("offset_mapping", None)
    sequence_ids = [encoded.sequence_ids(i) for i in range(len(texts))] if mention else []
    encoded = encoded.to(model.device)
    hidden = model(**encoded).last_hidden_state
    mask = encoded["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
    if not mention:
        return pooled
    weights = torch.zeros(mask.shape[:2], dtype=hidden.dtype)
    for row, (start, end) in enumerate(spans):
        for position, (a, b) in enumerate(offsets[row].tolist()):
            if sequence_ids[row][position] == 0 and a < end and b > start and b > a:
                weights[row, position] = 1.0
    weights = weights.to(hidden.device)
    empty = weights.sum(1) == 0
    weights[empty] = mask[empty].squeeze(-1)  # mention unknown: the whole pair
    weights = weights.unsqueeze(-1)
    local = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)
    return torch.cat([pooled, local], dim=1)


def build_transformer_features(
    model_path: str,
    max_length: int = 128,
    batch_size: int = 32,
    pooling: str = "mean+mention",
    ngrams: Any = None,
    embedding_weight: float = 1.0,
) -> Any:
    """Embeddings (standardised) for the scikit-learn head, joined to ``ngrams`` when given.

    ``ngrams`` is a feature transformer on the same stance frame (the configs pass the
    ``features=ngrams`` extractor); ``None`` gives the embeddings alone. ``embedding_weight``
    scales the standardised embeddings against it: hundreds of dense unit-variance columns
    would otherwise outweigh the sparse n-gram rows.
    """
    encoder = TransformerEmbeddings(
        model_path=model_path, max_length=max_length, batch_size=batch_size, pooling=pooling
    )
    return join_embeddings({"embeddings": encoder}, {"embeddings": embedding_weight}, ngrams)
