"""The building blocks of QuoteFinder: vocabulary scoring, the listwise ranker, decoding rules."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import sparse

from quotestance.quotes import QuoteFinder
from quotestance.quotes.ranker import ListwiseRanker, group_softmax
from quotestance.quotes.vocab import SENTINEL, Rows, Vocabulary

ROWS = [["b", "w=er", "w=sagte"], ["b", "w=sie"], ["w=neu"], ["b", "b", "w=er"]]


def test_vocabulary_drops_rare_features_and_keeps_a_sentinel() -> None:
    vocab = Vocabulary.build(ROWS, min_count=2)
    assert set(vocab.index) == {"b", "w=er", SENTINEL}
    assert vocab.index[SENTINEL] == len(vocab) - 1
    capped = Vocabulary.build(ROWS, min_count=1, max_features=3)
    assert set(capped.index) == {"b", "w=er", SENTINEL}  # the two most frequent


def test_rows_score_equals_the_matrix_product() -> None:
    vocab = Vocabulary.build(ROWS)
    weights = np.arange(len(vocab) * 3, dtype=float).reshape(len(vocab), 3)
    weights[vocab.index[SENTINEL]] = 0.0
    expected = vocab.matrix(ROWS) @ weights
    assert np.allclose(Rows(vocab, ROWS).score(weights), expected)
    unknown = [["w=nie", "w=gesehen"]]
    assert np.allclose(Rows(vocab, unknown).score(weights), 0.0)
    assert Rows(vocab, []).score(weights).shape == (0, 3)


def test_group_softmax_sums_to_one_per_group() -> None:
    p = group_softmax(np.array([1.0, 2.0, 3.0, 0.0, 0.0]), np.array([0, 3, 5]))
    assert np.allclose([p[:3].sum(), p[3:].sum()], 1.0)
    assert np.argmax(p[:3]) == 2 and p[3] == pytest.approx(0.5)


def test_ranker_learns_which_candidate_is_right() -> None:
    # every group: the candidate with feature 0 ("subject") is right, feature 1 ("object") not
    rng = np.random.default_rng(0)
    rows, labels, starts = [], [], []
    for _ in range(40):
        starts.append(len(rows))
        size = int(rng.integers(2, 5))
        right = int(rng.integers(size))
        for k in range(size):
            rows.append([1.0, 0.0, rng.random()] if k == right else [0.0, 1.0, rng.random()])
            labels.append(int(k == right))
    starts.append(len(rows))
    starts.append(len(rows) + 2)  # a group without a positive candidate is ignored
    rows += [[1.0, 0.0, 0.5], [0.0, 1.0, 0.5]]
    labels += [0, 0]
    x = sparse.csr_matrix(np.array(rows))
    ranker = ListwiseRanker(C=10.0).fit(x, np.array(labels), np.array(starts))
    assert ranker.coef_[0] > ranker.coef_[1]
    scores = ranker.decision_function(x)
    hits = [
        np.argmax(scores[a:b]) == np.argmax(labels[a:b]) for a, b in itertools.pairwise(starts[:-1])
    ]
    assert all(hits)


def test_ranker_without_positives_is_all_zero() -> None:
    x = sparse.csr_matrix(np.eye(3))
    ranker = ListwiseRanker().fit(x, np.zeros(3), np.array([0, 3]))
    assert not ranker.coef_.any()


def test_untrained_finder_parameters_are_stored_unchanged() -> None:
    finder = QuoteFinder(reporting_verbs=["sagen"], source_nouns=["angaben"], pair_threshold=0.7)
    params = finder.get_params()
    assert params["reporting_verbs"] == ["sagen"]
    assert params["source_nouns"] == ["angaben"]
    assert params["pair_threshold"] == 0.7


def test_subjunctive_by_form_learns_konjunktiv_i_not_adjectives() -> None:
    from quotestance.quotes.lexicon import subjunctive_by_form

    words = ["reiche", "reicht", "reichen", "ändere", "ändert", "ändern", "große", "groß", "sie"]
    words += ["neue", "neuen", "gehe", "geht"]  # "gehe" lacks its infinitive here
    assert subjunctive_by_form(words) == {"reiche", "ändere"}
