"""Property tests: the fitted pipeline and its quote finder take any text without failing, and
every record they return keeps the contract (offsets index the text, ids refer to real units).

The segmenter alone has its own property tests (test_segment_properties.py).
"""

from __future__ import annotations

import itertools
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contract import check_record
from quotestance.io import record_to_dict
from quotestance.pipeline import InvalidDocumentError, QuotestancePipeline, check_document
from quotestance.records import QUOTE_KINDS, Document, Quote, Sentence

# fmt: off
NEWS = [
    "Die Nato", "Merkel", "Putin", "Scholz", "die AfD", "Russland", "China", "die EU",
    "sagte", "erklärte", "betonte der Sprecher", "kritisierte", "warnte", "so", "laut",
    "Wir sind bereit", "Das ist inakzeptabel", "sei", "habe", "werde", "am Montag", "in Berlin",
    ", ", ": ", ". ", "! ", "? ", " ", "\n", "\n\n",
]
MARKS = ["„", "“", "”", "»", "«", "‚", "‘", "’", '"', "'", "‹", "›", "(", ")", "[", "]"]
ODD = [  # controls, invisible and bidi marks, combining marks, NFD umlauts, emoji, RTL, CJK
    "\x00", "\x07", "\x1b", "\x7f", "\x85", "\u2028", "\u2029", "\xa0", "\u200b", "\u200d",
    "\u200e", "\u200f", "\u202e", "\u2066", "\ufeff", "\ufffd", "\t", "\r\n", "\r", "\x0b",
    "a\u0308", "o\u0308", "U\u0308", "\u0301", "e\u0301\u0301\u0301", "ẞ", "ß",
    "😀", "👩\u200d👩\u200d👧", "🇩🇪", "\U0010ffff",
    "שלום עולם", "مرحبا بالعالم", "\u202eabc\u202c", "中文。", "Ǆ", "z. B.", "Dr.", "31. Januar",
]
# fmt: on


def _long(piece: str, n: int) -> str:
    return piece * n


pieces = st.one_of(
    st.sampled_from(NEWS),
    st.sampled_from(MARKS),
    st.sampled_from(ODD),
    st.text(max_size=6),
    st.text(
        st.characters(categories=["Cc", "Cf", "Mn", "Zs", "Zl", "Zp", "Pi", "Pf", "Ps", "Pe"]),
        max_size=4,
    ),
)
long_lines = st.builds(
    _long,
    st.sampled_from(["Wort ", "x", "„", "ä", "Die Nato sagte, ", "\u0308"]),
    st.integers(50, 400),
)
texts = st.one_of(
    st.lists(pieces, max_size=50).map("".join),
    st.lists(st.one_of(pieces, long_lines), min_size=1, max_size=4).map("".join),
    st.lists(pieces, max_size=30).map(lambda parts: unicodedata.normalize("NFD", "".join(parts))),
)
PROPERTY = settings(
    max_examples=1000,  # x2 tests; the segmenter's own property tests add 4,000
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _refused(text: str, max_chars: int) -> bool:
    try:
        check_document(Document("x", text), max_chars)
    except InvalidDocumentError:
        return True
    return False


def check_quotes(text: str, sentences: tuple[Sentence, ...], quotes: tuple[Quote, ...]) -> None:
    assert [q.id for q in quotes] == list(range(len(quotes)))
    assert [q.start for q in quotes] == sorted(q.start for q in quotes)
    for q in quotes:
        assert 0 <= q.start < q.end <= len(text)
        assert text[q.start : q.end] == q.text
        assert q.kind in QUOTE_KINDS
        assert 0.0 <= q.score <= 1.0
        for span in (q.cue, q.speaker):
            if span is not None:
                assert 0 <= span.start < span.end <= len(text)
                assert text[span.start : span.end] == span.text
        overlapping = {s.id for s in sentences if s.start < q.end and q.start < s.end}
        assert set(q.sentence_ids) <= overlapping
        assert list(q.sentence_ids) == sorted(set(q.sentence_ids))


@pytest.mark.slow
@PROPERTY
@given(text=texts)
def test_process_never_fails_and_keeps_the_contract(
    tiny_pipeline: QuotestancePipeline, text: str
) -> None:
    result = tiny_pipeline.process(Document("doc", text))
    record = record_to_dict(result)
    check_record(record, text)
    assert record["doc_id"] == "doc"
    assert (result.status == "error") == _refused(text, tiny_pipeline.max_chars)
    if result.status == "ok":
        check_quotes(text, result.sentences, result.quotes)
        units = {("sentence", s.id) for s in result.sentences} | {
            ("quote", q.id) for q in result.quotes
        }
        assert all((s.unit, s.unit_id) in units for s in result.stances)
        assert all(0.0 <= s.score <= 1.0 for s in result.stances)


@pytest.mark.slow
@settings(PROPERTY, max_examples=800)
@given(text=texts, cuts=st.lists(st.integers(0, 10**6), max_size=6))
def test_quote_finder_takes_any_text_and_any_split(
    tiny_pipeline: QuotestancePipeline, text: str, cuts: list[int]
) -> None:
    finder = tiny_pipeline.quote_finder
    sentences = tiny_pipeline.segmenter.segment(text)
    check_quotes(text, sentences, finder.find(text, sentences))
    # "any split works": arbitrary sentence boundaries, whitespace trimmed, empty ones dropped
    bounds = sorted({0, len(text), *(c % (len(text) + 1) for c in cuts)})
    split: list[Sentence] = []
    for start, end in itertools.pairwise(bounds):
        piece = text[start:end]
        left = len(piece) - len(piece.lstrip())
        right = len(piece.rstrip())
        if left < right:
            split.append(Sentence(len(split), start + left, start + right, piece[left:right]))
    check_quotes(text, tuple(split), finder.find(text, tuple(split)))
    check_quotes(text, (), finder.find(text, ()))  # no sentences at all


def test_process_is_deterministic(tiny_pipeline: QuotestancePipeline, sample_text: str) -> None:
    first = tiny_pipeline.process(Document("sample", sample_text))
    assert first.status == "ok" and first.quotes
    assert tiny_pipeline.process(Document("sample", sample_text)) == first
