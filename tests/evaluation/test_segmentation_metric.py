"""Boundary precision/recall/F1 and exact-match accuracy on hand-made pairs with known counts."""

from __future__ import annotations

import pytest

from quotestance.evaluation.segmentation import (
    boundaries,
    boundary_counts,
    boundary_scores,
    exact_match,
    exact_match_accuracy,
    scores_from_counts,
)
from quotestance.records import Span

TEXT = "Aa b. Cc d. Ee f. Gg h."
#       0    5 6   10 12  17 18 22


def spans(*pairs: tuple[int, int]) -> list[Span]:
    return [Span(a, b, TEXT[a:b]) for a, b in pairs]


GOLD = spans((0, 5), (6, 11), (12, 17), (18, 23))  # boundaries 6, 12, 18


def test_boundaries_skip_whitespace_and_exclude_the_document_end() -> None:
    assert boundaries(TEXT, GOLD) == {6, 12, 18}
    # a sentence that keeps its trailing space ends at the same boundary
    assert boundaries(TEXT, spans((0, 6), (6, 12), (12, 23))) == {6, 12}
    assert boundaries("Aa b.  ", spans((0, 5))) == frozenset()


def test_known_counts() -> None:
    # predicted: misses 12, adds a false boundary at 3 ("Aa | b.")
    predicted = spans((0, 2), (3, 5), (6, 17), (18, 23))
    assert boundary_counts(TEXT, predicted, GOLD) == (2, 1, 1)
    scores = boundary_scores([TEXT], [predicted], [GOLD])
    assert scores["tp"] == 2 and scores["fp"] == 1 and scores["fn"] == 1
    assert scores["precision"] == pytest.approx(2 / 3)
    assert scores["recall"] == pytest.approx(2 / 3)
    assert scores["f1"] == pytest.approx(2 / 3)


def test_scores_are_micro_averaged_over_documents() -> None:
    one_sentence = spans((0, 23))
    scores = boundary_scores([TEXT, TEXT], [GOLD, one_sentence], [GOLD, GOLD])
    assert (scores["tp"], scores["fp"], scores["fn"]) == (3, 0, 3)
    assert scores["precision"] == 1.0
    assert scores["recall"] == 0.5
    assert scores["f1"] == pytest.approx(2 / 3)


def test_undefined_scores_are_zero() -> None:
    assert scores_from_counts(0, 0, 0) == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "tp": 0.0,
        "fp": 0.0,
        "fn": 0.0,
    }


def test_mismatched_lengths_are_named() -> None:
    with pytest.raises(ValueError, match="differ in length: 1, 0, 1"):
        boundary_scores([TEXT], [], [GOLD])
    with pytest.raises(ValueError, match="differ in length"):
        exact_match_accuracy([TEXT], [GOLD], [])


def test_exact_match_ignores_surrounding_whitespace_only() -> None:
    assert exact_match(TEXT, spans((0, 6), (6, 12), (12, 18), (18, 23)), GOLD)
    assert not exact_match(TEXT, spans((0, 11), (12, 17), (18, 23)), GOLD)
    accuracy = exact_match_accuracy(
        [TEXT, TEXT, TEXT], [GOLD, spans((0, 23)), GOLD], [GOLD, GOLD, GOLD]
    )
    assert accuracy == pytest.approx(2 / 3)
    assert exact_match_accuracy([], [], []) == 0.0
