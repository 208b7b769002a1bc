"""The token-level and quote-level metric on a hand-made gold/prediction pair."""

from __future__ import annotations

import pytest

from quotestance.evaluation.quotes import (
    predictions_to_json,
    quote_level_scores,
    token_level_scores,
)
from quotestance.records import AnnotatedDocument, GoldQuote, Quote, Sentence, Span, Speaker

TEXT = "Merkel sagte, die Lage sei ernst. Er lachte."
#       0123456789012345678901234567890123456789012


def _span(text: str) -> Span:
    start = TEXT.index(text)
    return Span(start, start + len(text), text)


TOKENS = tuple(
    _span(t) if t != "." else Span(i, i + 1, ".")
    for t, i in [
        ("Merkel", 0),
        ("sagte", 0),
        (",", 0),
        ("die", 0),
        ("Lage", 0),
        ("sei", 0),
        ("ernst", 0),
        (".", 32),
        ("Er", 0),
        ("lachte", 0),
        (".", 43),
    ]
)
GOLD = AnnotatedDocument(
    doc_id="d",
    text=TEXT,
    sentences=(Sentence(0, 0, 33, TEXT[:33]), Sentence(1, 34, 44, TEXT[34:44])),
    tokens=TOKENS,
    quotes=(
        GoldQuote(
            kind="indirect",
            quote=(_span("die Lage sei ernst"),),
            speaker=(_span("Merkel"),),
            cue=(_span("sagte"),),
            frame=(_span("Merkel sagte,"),),
        ),
    ),
)


def test_token_counts() -> None:
    # predicted quote "Lage sei ernst. Er" (4 tokens + period), wrong cue, right speaker by name
    q = _span("Lage sei ernst. Er")
    pred = Quote(
        0,
        q.start,
        q.end,
        q.text,
        "indirect",
        _span("lachte"),
        Speaker("Angela Merkel", 0, 6, "Merkel"),
        (0, 1),
        0.9,
    )
    report = token_level_scores([GOLD], [[pred]])
    quote = report.roles["quote"]
    assert (quote.tp, quote.fp, quote.fn) == (3, 2, 1)
    assert (report.roles["speaker"].tp, report.roles["speaker"].fp) == (1, 0)
    assert (report.roles["cue"].tp, report.roles["cue"].fp, report.roles["cue"].fn) == (0, 1, 1)
    assert report.roles["frame"].fn == 3
    assert (report.joint.tp, report.joint.fp, report.joint.fn) == (4, 3, 5)
    assert report.joint.f1 == pytest.approx(2 * 4 / (2 * 4 + 3 + 5))
    levels = quote_level_scores([GOLD], [[pred]])
    assert levels.found == {0.3: 1, 0.8: 0}
    assert levels.f1(0.3) == 1.0
    assert (levels.speaker_correct, levels.speaker_total) == (1, 1)


def test_unmatched_prediction_is_false_positive() -> None:
    q = _span("Er lachte")
    pred = Quote(0, q.start, q.end, q.text, "reported", None, None, (1,), 0.5)
    report = token_level_scores([GOLD], [[pred]])
    assert (report.roles["quote"].tp, report.roles["quote"].fp, report.roles["quote"].fn) == (
        0,
        2,
        4,
    )
    assert report.by_kind["reported"]["quote"].fp == 2
    assert quote_level_scores([GOLD], [[pred]]).found[0.3] == 0


def test_gold_scores_perfect_and_exports() -> None:
    report = token_level_scores([GOLD], [GOLD.quotes])
    assert report.joint.f1 == 1.0
    exported = predictions_to_json(GOLD, GOLD.quotes)
    ann = exported["annotations"][0]
    assert ann["type"] == "Indirect"
    assert ann["quote"]["spans"] == [{"charBegin": 14, "charEnd": 32, "begin": 3, "end": 7}]
    assert ann["quote"]["tokenIds"] == [3, 4, 5, 6]
