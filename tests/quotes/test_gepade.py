"""GePaDe converter: detokenisation with offsets, speech events as gold quotes, the real files."""

from __future__ import annotations

from pathlib import Path

import pytest

from quotestance.data.gepade import detokenize, gepade_document, message_kind, read_gepade
from quotestance.records import Span

RAW = Path(__file__).resolve().parents[2] / "data/raw/speakers-de-bundestag"

SPEECH = {
    "_file": "19001_Test_Rede.json",
    "Sentences": [
        {"SentenceId": 0, "Tokens": ["Frau", "Präsidentin", "!"]},
        {
            "SentenceId": 1,
            "Tokens": ["Der", "Minister", "sagte", ",", "das", "sei", "„", "unzumutbar", "“", "."],
        },
        {"SentenceId": 2, "Tokens": ["Ich", "danke", "Ihnen", "."]},
    ],
    "Annotations": [
        {
            "Message": ["1:4", "1:5", "1:6", "1:7", "1:8"],
            "Source": ["1:0", "1:1"],
            "Cue": ["1:2"],
            "Addr": [],
            "Topic": [],
            "Evidence": [],
            "Medium": [],
            "PTC": [],
        },
        {"Message": ["1:7"], "Source": ["1:0", "1:1"], "Cue": []},
        {"Message": [], "Source": ["2:0"], "Cue": ["2:1"]},
    ],
}


@pytest.mark.parametrize(
    ("tokens", "text"),
    [
        (["Er", "sagte", ",", "es", "sei", "gut", "."], "Er sagte, es sei gut."),
        (["die", "„", "Welt", "“", "(", "Berlin", ")", "!"], "die „Welt“ (Berlin)!"),
        (["er", "rief", '"', "Nein", '"', "und", "ging"], 'er rief "Nein" und ging'),
    ],
)
def test_detokenize(tokens: list[str], text: str) -> None:
    joined, token_spans, sentence_spans = detokenize([tokens])
    assert joined == text
    assert [joined[s:e] for s, e in token_spans[0]] == tokens
    assert sentence_spans == [(0, len(text))]


def test_speech_events_become_gold_quotes() -> None:
    doc = gepade_document(SPEECH)
    assert doc.doc_id == "19001_Test_Rede"
    assert doc.text == (
        "Frau Präsidentin! Der Minister sagte, das sei „unzumutbar“. Ich danke Ihnen."
    )
    assert [s.text for s in doc.sentences] == [
        "Frau Präsidentin!",
        "Der Minister sagte, das sei „unzumutbar“.",
        "Ich danke Ihnen.",
    ]
    outer, inner = doc.quotes  # the event without a message is left out
    assert (outer.kind, outer.nested) == ("mixed", False)
    assert [s.text for s in outer.quote] == ["das sei „unzumutbar“"]
    assert [s.text for s in outer.speaker] == ["Der Minister"]
    assert [s.text for s in outer.cue] == ["sagte"]
    assert (inner.kind, inner.nested, inner.quote[0].text) == ("direct", True, "unzumutbar")
    for span in [*doc.tokens, *doc.sentences, *outer.quote, *outer.speaker, *outer.cue]:
        assert doc.text[span.start : span.end] == span.text


@pytest.mark.parametrize(
    ("text", "start", "end", "kind"),
    [
        ("Sie sagte: „Wir gehen.“", 11, 23, "direct"),
        ("Sie sagte: „Wir gehen.“", 12, 22, "direct"),
        ("Er nannte es „gut“ so", 10, 18, "mixed"),
        ("Er meinte, es sei gut.", 11, 21, "indirect"),
    ],
)
def test_message_kind(text: str, start: int, end: int, kind: str) -> None:
    assert message_kind(text, (Span(start, end, text[start:end]),)) == kind


def test_bad_reference_names_the_speech() -> None:
    raw = dict(SPEECH, Annotations=[{"Message": ["1:99"], "Source": [], "Cue": []}])
    with pytest.raises(ValueError, match="19001_Test_Rede annotation 0"):
        gepade_document(raw)


def test_dev_file() -> None:
    if not (RAW / "dev.jsonl.gz").exists():
        pytest.skip("GePaDe data not available")
    docs = read_gepade(RAW / "dev.jsonl.gz")
    assert len(docs) == 18
    assert sum(len(d.quotes) for d in docs) == 290
    for doc in docs:
        spans = [*doc.tokens, *doc.sentences]
        for q in doc.quotes:
            spans += [*q.quote, *q.speaker, *q.cue, *q.addressee]
        assert all(doc.text[s.start : s.end] == s.text for s in spans)
