"""Convert GePaDe (German Bundestag speeches with speech events, SpkAtt-2023) to records.

Each raw line is one speech: ``Sentences`` (``SentenceId`` and pre-split ``Tokens``),
``Annotations`` (speech events whose roles ``Cue``, ``Source``, ``Message``, ``Addr``, ...
are lists of ``"<sentence>:<token>"`` ids) and ``_file``. The tokens are joined into text with
offsets by the usual spacing rules (no blank before ``,.;:!?)]``, none after ``([``, quotation
marks attached to the words they enclose), sentences separated by one blank.

Every speech event with a ``Message`` becomes a ``GoldQuote``: quote = Message, speaker =
Source, cue = Cue, addressee = Addr, no frame. The kind follows the quotation marks: a message
enclosed in marks is ``direct``, one holding marks ``mixed``, every other ``indirect`` (GePaDe
does not type its events). A message inside another event's message is ``nested``. Events
without a message (a cue alone, e.g. "Ich danke Ihnen") are left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from quotestance.io import read_jsonl
from quotestance.records import AnnotatedDocument, GoldQuote, QuoteKind, Sentence, Span

_NO_SPACE_BEFORE = frozenset(",.;:!?)]}…%“”«’")
_NO_SPACE_AFTER = frozenset("([{„»‚")
_STRAIGHT = frozenset("\"'")
QUOTE_MARK_CHARS = frozenset('„“”"»«‚‘')
ROLES: Mapping[str, str] = {
    "quote": "Message",
    "speaker": "Source",
    "cue": "Cue",
    "addressee": "Addr",
}


def detokenize(
    sentences: Sequence[Sequence[str]],
) -> tuple[str, list[list[tuple[int, int]]], list[tuple[int, int]]]:
    """Join tokenised sentences into text; return it with token and sentence offsets.

    Straight double quotes alternate between opening (attached to the next token) and closing
    (attached to the previous one) over the whole text.
    """
    parts: list[str] = []
    length = 0
    token_spans: list[list[tuple[int, int]]] = []
    sentence_spans: list[tuple[int, int]] = []
    open_straight = False
    attach_next = True  # no blank before the first token
    for tokens in sentences:
        spans: list[tuple[int, int]] = []
        start = None
        for raw in tokens:
            token = raw.strip() or raw
            if not token:
                spans.append((length, length))
                continue
            closing = token in _STRAIGHT and open_straight
            glue = attach_next or (len(token) == 1 and token in _NO_SPACE_BEFORE) or closing
            if not glue:
                parts.append(" ")
                length += 1
            spans.append((length, length + len(token)))
            if start is None:
                start = length
            parts.append(token)
            length += len(token)
            if token in _STRAIGHT:
                open_straight = not open_straight
                attach_next = open_straight
            else:
                attach_next = len(token) == 1 and token in _NO_SPACE_AFTER
        token_spans.append(spans)
        sentence_spans.append((start if start is not None else length, length))
    return "".join(parts), token_spans, sentence_spans


def _token_id(ref: str, where: str) -> tuple[int, int]:
    try:
        sentence, token = ref.split(":")
        return int(sentence), int(token)
    except ValueError as error:
        raise ValueError(f"{where}: bad token reference {ref!r}") from error


def _spans(
    text: str,
    refs: Sequence[str],
    token_spans: Sequence[Sequence[tuple[int, int]]],
    index: Mapping[int, int],
    where: str,
) -> tuple[Span, ...]:
    """Turn token references into character spans, one per run of adjacent tokens."""
    ids = sorted({_token_id(r, where) for r in refs})
    runs: list[list[tuple[int, int]]] = []
    for sid, tid in ids:
        if sid not in index or not 0 <= tid < len(token_spans[index[sid]]):
            raise ValueError(f"{where}: token {sid}:{tid} does not exist")
        if runs and runs[-1][-1][0] == sid and runs[-1][-1][1] == tid - 1:
            runs[-1].append((sid, tid))
        else:
            runs.append([(sid, tid)])
    out = []
    for run in runs:
        start = token_spans[index[run[0][0]]][run[0][1]][0]
        end = token_spans[index[run[-1][0]]][run[-1][1]][1]
        if end > start:
            out.append(Span(start, end, text[start:end]))
    return tuple(out)


def message_kind(text: str, quote: Sequence[Span]) -> QuoteKind:
    """Type a message by its quotation marks (see the module docstring)."""
    if not quote:
        return "indirect"
    first, last = quote[0], quote[-1]
    before = text[first.start - 1] if first.start > 0 else ""
    after = text[last.end] if last.end < len(text) else ""
    opens = first.text[:1] in QUOTE_MARK_CHARS or before in QUOTE_MARK_CHARS
    closes = last.text[-1:] in QUOTE_MARK_CHARS or after in QUOTE_MARK_CHARS
    if opens and closes:
        return "direct"
    if any(QUOTE_MARK_CHARS & set(s.text) for s in quote):
        return "mixed"
    return "indirect"


def gepade_document(raw: Mapping[str, Any]) -> AnnotatedDocument:
    """Convert one raw GePaDe speech to an ``AnnotatedDocument`` (see the module docstring)."""
    doc_id = str(raw.get("_file", "")).removesuffix(".json")
    raw_sentences = raw["Sentences"]
    text, token_spans, sentence_spans = detokenize([s["Tokens"] for s in raw_sentences])
    index = {int(s["SentenceId"]): n for n, s in enumerate(raw_sentences)}
    sentences = tuple(
        Sentence(n, start, end, text[start:end])
        for n, (start, end) in enumerate(sentence_spans)
        if end > start
    )
    sentences = tuple(Sentence(n, s.start, s.end, s.text) for n, s in enumerate(sentences))
    tokens = tuple(
        Span(start, end, text[start:end])
        for spans in token_spans
        for start, end in spans
        if end > start
    )
    events = []
    for n, ann in enumerate(raw.get("Annotations", ())):
        where = f"{doc_id} annotation {n}"
        roles = {
            name: _spans(text, ann.get(key) or (), token_spans, index, where)
            for name, key in ROLES.items()
        }
        if roles["quote"]:
            events.append(roles)
    quotes = []
    for roles in events:
        quote = roles["quote"]
        inner = {(s.start, s.end) for s in quote}
        nested = any(
            other["quote"] is not quote
            and {(s.start, s.end) for s in other["quote"]} != inner
            and other["quote"][0].start <= quote[0].start
            and quote[-1].end <= other["quote"][-1].end
            for other in events
        )
        quotes.append(
            GoldQuote(
                kind=message_kind(text, quote),
                quote=quote,
                speaker=roles["speaker"],
                cue=roles["cue"],
                addressee=roles["addressee"],
                nested=nested,
            )
        )
    quotes.sort(key=lambda q: (q.quote[0].start, q.nested, -q.quote[-1].end))
    return AnnotatedDocument(doc_id, text, sentences, tokens, tuple(quotes))


def read_gepade(path: str | Path) -> list[AnnotatedDocument]:
    """Read a GePaDe JSON Lines file (``.jsonl`` or ``.jsonl.gz``) into annotated documents."""
    return [gepade_document(raw) for raw in read_jsonl(path)]
