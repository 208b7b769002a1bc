"""``speaker_curve`` on a hand-made gold/prediction pair with known counts."""

from __future__ import annotations

import re

import pytest

from quotestance.evaluation.quotes import quote_level_scores, speaker_curve
from quotestance.records import AnnotatedDocument, GoldQuote, Quote, Sentence, Span, Speaker

TEXT = "Merkel sagte, es regne. Scholz meinte, es schneie. Lindner glaubte, es hagle. Er ging."


def _span(text: str, after: int = 0) -> Span:
    start = TEXT.index(text, after)
    return Span(start, start + len(text), text)


TOKENS = tuple(Span(m.start(), m.end(), m.group()) for m in re.finditer(r"\w+|[^\w\s]", TEXT))
SENTENCES = (Sentence(0, 0, len(TEXT), TEXT),)


def _gold(quote: str, speaker: str | None) -> GoldQuote:
    return GoldQuote(
        kind="indirect",
        quote=(_span(quote),),
        speaker=(_span(speaker),) if speaker else (),
        cue=(),
        frame=(),
    )


GOLD = AnnotatedDocument(
    doc_id="d",
    text=TEXT,
    sentences=SENTENCES,
    tokens=TOKENS,
    quotes=(
        _gold("es regne", "Merkel"),
        _gold("es schneie", "Scholz"),
        _gold("es hagle", "Lindner"),
        _gold("Er ging", None),  # no gold speaker: never counted
    ),
)


def _pred(n: int, quote: str, speaker: str | None, score: float | None) -> Quote:
    q = _span(quote)
    spk = None
    if speaker is not None:
        s = _span(speaker)
        spk = Speaker(speaker, s.start, s.end, s.text, score)
    return Quote(n, q.start, q.end, q.text, "indirect", None, spk, (0,), 0.9)


PREDICTED = [
    _pred(0, "es regne", "Merkel", 0.9),  # right, confident
    _pred(1, "es schneie", "Merkel", 0.4),  # wrong, unsure
    _pred(2, "es hagle", "Lindner", 0.2),  # right, unsure
    _pred(3, "Er ging", "Scholz", 0.99),  # no gold speaker: ignored
]


def test_speaker_curve_counts() -> None:
    curve = speaker_curve([GOLD], [PREDICTED], [0.0, 0.3, 0.5, 0.95])
    assert [t for t, _, _ in curve] == [0.0, 0.3, 0.5, 0.95]
    # t=0: 3 kept, 2 right, 3 found quotes with a gold speaker
    assert curve[0][1:] == pytest.approx((2 / 3, 2 / 3))
    # t=0.3: Merkel 0.9 (right) and Merkel 0.4 (wrong) kept
    assert curve[1][1:] == pytest.approx((1 / 2, 1 / 3))
    # t=0.5: only the confident right one
    assert curve[2][1:] == pytest.approx((1.0, 1 / 3))
    # t=0.95: nothing kept
    assert curve[3][1:] == (0.0, 0.0)
    # recall at 0 is the speaker accuracy of the quote-level view
    levels = quote_level_scores([GOLD], [PREDICTED])
    assert levels.speaker_accuracy == pytest.approx(curve[0][2])


def test_speaker_curve_missing_speaker_and_unscored() -> None:
    predicted = [
        _pred(0, "es regne", "Merkel", None),  # no score: kept at every threshold
        _pred(1, "es schneie", None, None),  # abstained: counts in recall's denominator only
    ]
    curve = speaker_curve([GOLD], [predicted], [0.0, 0.99])
    # found quotes with a gold speaker: "es regne" and "es schneie" ("es hagle" is missed)
    assert curve == [(0.0, 1.0, 0.5), (0.99, 1.0, 0.5)]


def test_speaker_curve_rejects_length_mismatch() -> None:
    with pytest.raises(ValueError, match="gold documents"):
        speaker_curve([GOLD], [], [0.5])
