"""Sentence-segmentation metrics: boundary precision, recall and F1, and exact-match accuracy.

A boundary is a sentence end offset, moved forward over whitespace (so a sentence that keeps its
trailing space ends where one that is stripped does); the end of the document is not a boundary,
since every segmenter finds it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol


class Offsets(Protocol):
    """Anything with character offsets, such as ``Sentence`` or ``Span``."""

    @property
    def start(self) -> int:
        """The first character."""
        ...

    @property
    def end(self) -> int:
        """One past the last character."""
        ...


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def boundaries(text: str, sentences: Iterable[Offsets]) -> frozenset[int]:
    """Return the boundary offsets of ``sentences`` in ``text``, the document end excluded."""
    ends = {_skip_space(text, s.end) for s in sentences}
    ends.discard(len(text))
    return frozenset(ends)


def boundary_counts(
    text: str, predicted: Iterable[Offsets], gold: Iterable[Offsets]
) -> tuple[int, int, int]:
    """Return (true positives, false positives, false negatives) of predicted boundaries."""
    found, expected = boundaries(text, predicted), boundaries(text, gold)
    hits = len(found & expected)
    return hits, len(found) - hits, len(expected) - hits


def scores_from_counts(tp: int, fp: int, fn: int) -> dict[str, float]:
    """Return ``precision``, ``recall``, ``f1`` and the counts (0.0 where undefined)."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "tp": float(tp),
        "fp": float(fp),
        "fn": float(fn),
    }


def boundary_scores(
    texts: Sequence[str],
    predicted: Sequence[Iterable[Offsets]],
    gold: Sequence[Iterable[Offsets]],
) -> dict[str, float]:
    """Micro-averaged boundary precision, recall and F1 over documents."""
    if not len(texts) == len(predicted) == len(gold):
        raise ValueError(
            f"texts, predicted and gold differ in length: {len(texts)}, {len(predicted)}, "
            f"{len(gold)}"
        )
    tp = fp = fn = 0
    for text, pred, ref in zip(texts, predicted, gold, strict=True):
        a, b, c = boundary_counts(text, pred, ref)
        tp, fp, fn = tp + a, fp + b, fn + c
    return scores_from_counts(tp, fp, fn)


def _stripped(text: str, sentences: Iterable[Offsets]) -> list[tuple[int, int]]:
    spans = []
    for s in sentences:
        start, end = s.start, s.end
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            spans.append((start, end))
    return spans


def exact_match(text: str, predicted: Iterable[Offsets], gold: Iterable[Offsets]) -> bool:
    """Whether the predicted sentences are exactly the gold ones (surrounding space ignored)."""
    return _stripped(text, predicted) == _stripped(text, gold)


def exact_match_accuracy(
    texts: Sequence[str],
    predicted: Sequence[Iterable[Offsets]],
    gold: Sequence[Iterable[Offsets]],
) -> float:
    """Return the share of texts segmented exactly as the gold (the golden-rules score)."""
    if not len(texts) == len(predicted) == len(gold):
        raise ValueError(
            f"texts, predicted and gold differ in length: {len(texts)}, {len(predicted)}, "
            f"{len(gold)}"
        )
    if not texts:
        return 0.0
    hits = sum(
        exact_match(text, pred, ref) for text, pred, ref in zip(texts, predicted, gold, strict=True)
    )
    return hits / len(texts)
