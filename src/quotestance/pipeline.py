"""The text-to-record pipeline: segmentation, quotations with speakers, and stance toward actors."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

from quotestance.actors import MentionFinder
from quotestance.records import (
    AUTHOR,
    Document,
    DocumentResult,
    ErrorInfo,
    GoldQuote,
    Mention,
    ModelInfo,
    Quote,
    Sentence,
    Span,
    StancePrediction,
)
from quotestance.stance import STANCE_COLUMNS, predict_stance

NO_MODEL_INFO = ModelInfo("", "", "")


class SentenceSplitter(Protocol):
    """Anything that splits text into sentences."""

    def segment(self, text: str) -> tuple[Sentence, ...]:
        """Return the sentences of ``text``."""
        ...


class QuoteExtractor(Protocol):
    """Anything that finds attributed quotations given the sentences."""

    def find(self, text: str, sentences: Sequence[Sentence]) -> tuple[Quote, ...]:
        """Return the quotes of ``text``."""
        ...

    def annotate(self, text: str, sentences: Sequence[Sentence]) -> tuple[GoldQuote, ...]:
        """Return the quotes with every role (quote, speaker, cue, frame, addressee) as spans."""
        ...


class InvalidDocumentError(ValueError):
    """A document that cannot be scored; the message names the problem."""


@dataclass(frozen=True)
class _Unit:
    kind: str
    unit_id: int
    start: int
    end: int
    holder: str


@dataclass(frozen=True)
class _Parsed:
    """A document segmented, its quotes found, its (unit, actor) pairs waiting for stance."""

    doc: Document
    sentences: tuple[Sentence, ...]
    quotes: tuple[Quote, ...]
    pairs: list[tuple[_Unit, Mention]]


def check_document(doc: Document, max_chars: int) -> None:
    """Raise ``InvalidDocumentError`` for text the pipeline must not score."""
    if not isinstance(doc.text, str):
        raise InvalidDocumentError(f"text must be a string, got {type(doc.text).__name__}")
    if not doc.text.strip():
        raise InvalidDocumentError("text is empty or whitespace only")
    if len(doc.text) > max_chars:
        raise InvalidDocumentError(
            f"text has {len(doc.text)} characters, above the limit of {max_chars}"
        )
    controls = sum(1 for ch in doc.text if ord(ch) < 32 and ch not in "\n\r\t\f\v")
    if "\x00" in doc.text or controls > max(8, len(doc.text) // 100):
        raise InvalidDocumentError("text looks binary (NUL or many control characters)")


MODEL_FORMAT = 4
"""Layout of a fitted pipeline as saved in the MLflow model; bump it whenever a fitted stage
gains or loses attributes, so an older model fails at load with a clear message instead of
mid-document (2: the quote finder's complement model; 3: learned common nouns in its lexicon;
4: the finder's name_threshold)."""


class QuotestancePipeline:
    """Wires the stages; ``process`` turns one document into one output record."""

    def __init__(
        self,
        segmenter: SentenceSplitter,
        quote_finder: QuoteExtractor,
        mention_finder: MentionFinder,
        stance_model: Any,
        model_info: ModelInfo = NO_MODEL_INFO,
        max_chars: int = 1_000_000,
    ) -> None:
        self.segmenter = segmenter
        self.quote_finder = quote_finder
        self.mention_finder = mention_finder
        self.stance_model = stance_model
        self.model_info = model_info
        self.max_chars = max_chars
        self.model_format = MODEL_FORMAT

    def process(self, doc: Document) -> DocumentResult:
        """Score one document; bad input becomes an error record, never an exception."""
        return self.process_many([doc])[0]

    def process_many(self, docs: Iterable[Document]) -> list[DocumentResult]:
        """Score documents in order, one record each; bad input becomes an error record.

        The stance model runs once for all the documents' (unit, actor) pairs: its cost per call
        is mostly fixed, so batches of documents are much faster than one call each.
        """
        parsed: list[_Parsed | DocumentResult] = []
        for doc in docs:
            try:
                check_document(doc, self.max_chars)
            except InvalidDocumentError as error:
                parsed.append(error_result(doc.doc_id, error, self.model_info))
                continue
            sentences = self.segmenter.segment(doc.text)
            quotes = self.quote_finder.find(doc.text, sentences)
            pairs = self._pairs(doc.text, sentences, quotes)
            parsed.append(_Parsed(doc, sentences, quotes, pairs))
        scored = [p for p in parsed if isinstance(p, _Parsed)]
        frame = pd.DataFrame(
            [
                (p.doc.text[u.start : u.end], m.actor, m.start - u.start, m.end - u.start)
                for p in scored
                for u, m in p.pairs
            ],
            columns=list(STANCE_COLUMNS),
        )
        labels, scores = predict_stance(self.stance_model, frame)
        predictions = iter(zip(labels, scores, strict=True))
        return [
            p
            if isinstance(p, DocumentResult)
            else DocumentResult(
                p.doc.doc_id,
                "ok",
                None,
                p.sentences,
                p.quotes,
                tuple(_prediction(u, m, *next(predictions)) for u, m in p.pairs),
                self.model_info,
            )
            for p in parsed
        ]

    def _pairs(
        self, text: str, sentences: Sequence[Sentence], quotes: Sequence[Quote]
    ) -> list[tuple[_Unit, Mention]]:
        """Each sentence and quote with the first mention of every actor in it."""
        units = [_Unit("sentence", s.id, s.start, s.end, AUTHOR) for s in sentences]
        units += [
            _Unit("quote", q.id, q.start, q.end, q.speaker.name if q.speaker else AUTHOR)
            for q in quotes
        ]
        pairs: list[tuple[_Unit, Mention]] = []
        for unit in units:
            first: dict[str, Mention] = {}
            for mention in self.mention_finder.find(text, unit.start, unit.end):
                first.setdefault(mention.actor, mention)
            pairs.extend((unit, mention) for mention in first.values())
        return pairs

    def configured(self, info: ModelInfo, max_chars: int) -> QuotestancePipeline:
        """Return a copy that stamps ``info`` on its records and refuses longer documents."""
        return QuotestancePipeline(
            self.segmenter,
            self.quote_finder,
            self.mention_finder,
            self.stance_model,
            info,
            int(max_chars),
        )


def _prediction(unit: _Unit, mention: Mention, label: str, score: float) -> StancePrediction:
    return StancePrediction(
        unit=unit.kind,  # type: ignore[arg-type]
        unit_id=unit.unit_id,
        actor=mention.actor,
        mention=Span(mention.start, mention.end, mention.text),
        label=label,
        score=score,
        holder=unit.holder,
    )


def error_result(doc_id: str, error: Exception, model_info: ModelInfo) -> DocumentResult:
    """Build the error record for a document that could not be scored."""
    return DocumentResult(
        doc_id=doc_id,
        status="error",
        error=ErrorInfo(type(error).__name__, str(error)),
        model=model_info,
    )
