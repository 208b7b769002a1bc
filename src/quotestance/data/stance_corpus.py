"""The German actor-stance corpus (``data/annotations/corpus.jsonl``) as ``StanceExample`` records.

One record per (sentence, actor): ``{"id", "source", "doc_id", "sentence", "start", "end",
"actor", "mention", "label", "holder", "ambiguous", "annotator"}``, where ``start``/``end`` are
the sentence's offsets in its document and ``mention`` the words of ``sentence`` that name the
actor. Examples keep the document id as ``group`` so splits never separate a document; the
``source`` is the source of the sentence (``wikinews``, ``gepade``, ``gerntsa``, ``10kgnad``) and
the labels are real stance labels (never ``-proxy``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from quotestance.records import Span, StanceExample


def find_mention(sentence: str, mention: str) -> Span:
    """Return the span of ``mention`` in ``sentence``: the first whole-word match, else the first.

    Whole-word first, so that the mention "China" is not found inside an earlier "Chinas".
    """
    match = re.search(rf"(?<!\w){re.escape(mention)}(?!\w)", sentence)
    start = match.start() if match else sentence.find(mention)
    if start < 0:
        raise ValueError(f"mention {mention!r} does not occur in {sentence!r}")
    return Span(start, start + len(mention), mention)


def corpus_examples(
    rows: Iterable[Mapping[str, Any]], keep_ambiguous: bool = True
) -> list[StanceExample]:
    """Convert checked corpus rows to ``StanceExample`` records.

    Rows marked ``ambiguous`` still carry a decided label (the guidelines say ``neutral`` when
    torn; adjudicated rows are marked too), so they are kept unless ``keep_ambiguous`` is false.
    """
    return [
        StanceExample(
            text=row["sentence"],
            target=row["actor"],
            mention=find_mention(row["sentence"], row["mention"]),
            label=row["label"],
            group=row["doc_id"],
            holder=row["holder"],
            source=row["source"],
        )
        for row in rows
        if keep_ambiguous or not row["ambiguous"]
    ]
