"""Converter tests: record counts and a few exact records."""

from __future__ import annotations

import pytest

from quotestance.data.wikinews import quote_kind, wikinews_document
from quotestance.records import AnnotatedDocument, Span


def test_train_counts(train_docs: list[AnnotatedDocument]) -> None:
    assert len(train_docs) == 700
    assert sum(len(d.quotes) for d in train_docs) == 2877
    kinds: dict[str, int] = {}
    for d in train_docs:
        for q in d.quotes:
            kinds[q.kind] = kinds.get(q.kind, 0) + 1
    assert kinds == {
        "indirect": 1338,
        "direct": 604,
        "free_indirect": 435,
        "reported": 297,
        "mixed": 203,
    }


def test_every_span_matches_text(train_docs: list[AnnotatedDocument]) -> None:
    for d in train_docs[:100]:
        spans = [*d.tokens, *d.sentences]
        for q in d.quotes:
            spans += [*q.quote, *q.speaker, *q.cue, *q.frame, *q.addressee]
        for s in spans:
            assert d.text[s.start : s.end] == s.text


def test_exact_record(train_docs: list[AnnotatedDocument]) -> None:
    doc = train_docs[1]
    assert doc.doc_id.startswith("10057 - Ermittler erheben Vorwürfe")
    last = doc.quotes[-1]
    assert last.kind == "direct" and last.nested
    assert last.quote == (Span(1835, 1856, "„volle Verantwortung“"),)
    outer = doc.quotes[-2]
    assert outer.kind == "mixed"
    assert outer.speaker == (Span(1786, 1798, "Die Kanadier"),)
    assert outer.cue == (Span(1808, 1813, "sagen"),)


RAW = {
    "documentName": "t",
    "originalText": "Er sagte, es sei gut. ",
    "sentences": [{"charBegin": 0, "charEnd": 21}],
    "tokens": [{"charBegin": 0, "charEnd": 2}, {"charBegin": 3, "charEnd": 8}],
    "annotations": [
        {
            "type": "Indirect",
            "isNested": False,
            "quote": {"spans": [{"charBegin": 10, "charEnd": 20}]},
            "speaker": {"spans": [{"charBegin": 0, "charEnd": 2}]},
            "cue": {"spans": [{"charBegin": 3, "charEnd": 8}]},
            "frame": {"spans": []},
            "addressee": {"spans": []},
        }
    ],
}


def test_minimal_document() -> None:
    doc = wikinews_document(RAW)
    assert doc.sentences[0].text == "Er sagte, es sei gut."
    (q,) = doc.quotes
    assert (q.kind, q.quote[0].text, q.speaker[0].text, q.cue[0].text) == (
        "indirect",
        "es sei gut",
        "Er",
        "sagte",
    )


@pytest.mark.parametrize(
    ("raw_type", "text", "kind"),
    [
        ("Direct", "„Ja.“", "direct"),
        ("Indirect", "es sei gut", "indirect"),
        ("Indirect", "es sei „gut“", "mixed"),
        ("Reported", "sprach von Erfolg", "reported"),
        ("FreeIndirect", "Es sei gut.", "free_indirect"),
        ("IndirectFreeIndirect", "Es sei gut.", "free_indirect"),
    ],
)
def test_kind_mapping(raw_type: str, text: str, kind: str) -> None:
    assert quote_kind(raw_type, (Span(0, len(text), text),)) == kind


def test_bad_span_names_document() -> None:
    raw = dict(RAW, tokens=[{"charBegin": 0, "charEnd": 99}])
    with pytest.raises(ValueError, match="t token 0"):
        wikinews_document(raw)
