"""Convert the German Wikinews quotation corpus (SpkAtt / QUiTE JSON) to ``AnnotatedDocument``.

Each raw line holds ``documentName``, ``originalText``, ``sentences``, ``tokens`` (with
``charBegin``/``charEnd``) and ``annotations``; every annotation has ``quote``, ``speaker``,
``cue``, ``frame`` and ``addressee`` roles, each a list of (possibly discontinuous) spans.

Type mapping: ``Direct`` -> direct, ``Indirect`` -> indirect, ``Reported`` -> reported,
``FreeIndirect`` and ``IndirectFreeIndirect`` -> free_indirect. An ``Indirect`` quote whose
text contains quotation marks (a verbatim fragment inside reported speech, e.g.
*sagte, sein Besuch sei „eine Möglichkeit ...“*) becomes ``mixed``; the quoted fragment keeps its
own ``Direct`` annotation in the corpus and stays a separate, ``nested`` gold quote.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from quotestance.io import read_jsonl
from quotestance.records import AnnotatedDocument, GoldQuote, QuoteKind, Sentence, Span

ROLES: tuple[str, ...] = ("quote", "speaker", "cue", "frame", "addressee")
TYPE_TO_KIND: dict[str, QuoteKind] = {
    "Direct": "direct",
    "Indirect": "indirect",
    "Reported": "reported",
    "FreeIndirect": "free_indirect",
    "IndirectFreeIndirect": "free_indirect",
}
QUOTE_MARK_CHARS = frozenset('„“”"»«‚‘')


def _span(text: str, begin: int, end: int, where: str) -> Span:
    if not 0 <= begin <= end <= len(text):
        raise ValueError(f"{where}: span {begin}..{end} outside the text (length {len(text)})")
    return Span(begin, end, text[begin:end])


def _role_spans(text: str, role: Mapping[str, Any] | None, where: str) -> tuple[Span, ...]:
    if not role:
        return ()
    spans = [_span(text, s["charBegin"], s["charEnd"], where) for s in role.get("spans", ())]
    return tuple(sorted((s for s in spans if s.end > s.start), key=lambda s: (s.start, s.end)))


def quote_kind(raw_type: str, quote_spans: Sequence[Span]) -> QuoteKind:
    """Map a corpus quotation type to a record kind (see the module docstring for ``mixed``)."""
    try:
        kind = TYPE_TO_KIND[raw_type]
    except KeyError as error:
        raise ValueError(f"unknown quotation type {raw_type!r}") from error
    if kind == "indirect" and any(QUOTE_MARK_CHARS & set(s.text) for s in quote_spans):
        return "mixed"
    return kind


def wikinews_document(raw: Mapping[str, Any]) -> AnnotatedDocument:
    """Convert one raw Wikinews JSON object to an ``AnnotatedDocument``.

    Sentence texts are cut from ``originalText`` (the raw sentence text carries trailing blanks);
    every span satisfies ``text[start:end] == span.text``.
    """
    text: str = raw["originalText"]
    doc_id = str(raw.get("documentName", ""))
    sentences = tuple(
        Sentence(i, s.start, s.end, s.text)
        for i, s in enumerate(
            _span(text, s["charBegin"], s["charEnd"], f"{doc_id} sentence {n}")
            for n, s in enumerate(raw["sentences"])
        )
    )
    tokens = tuple(
        _span(text, t["charBegin"], t["charEnd"], f"{doc_id} token {n}")
        for n, t in enumerate(raw["tokens"])
    )
    quotes = []
    for ann in raw.get("annotations", ()):
        where = f"{doc_id} annotation {ann.get('id')}"
        roles = {name: _role_spans(text, ann.get(name), where) for name in ROLES}
        if not roles["quote"]:
            continue
        quotes.append(
            GoldQuote(
                kind=quote_kind(ann["type"], roles["quote"]),
                quote=roles["quote"],
                speaker=roles["speaker"],
                cue=roles["cue"],
                frame=roles["frame"],
                addressee=roles["addressee"],
                nested=bool(ann.get("isNested", False)),
            )
        )
    quotes.sort(key=lambda q: (q.quote[0].start, q.nested, -q.quote[-1].end))
    return AnnotatedDocument(doc_id, text, sentences, tokens, tuple(quotes))


def read_wikinews(path: str | Path) -> list[AnnotatedDocument]:
    """Read a Wikinews JSON Lines file (``.jsonl`` or ``.jsonl.gz``) into annotated documents."""
    return [wikinews_document(raw) for raw in read_jsonl(path)]
