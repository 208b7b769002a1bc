"""Typed records that flow between the pipeline stages and into the output contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

QuoteKind = Literal["direct", "indirect", "mixed", "reported", "free_indirect"]
StanceLabel = Literal["favor", "against", "neutral"]
QUOTE_KINDS: tuple[str, ...] = ("direct", "indirect", "mixed", "reported", "free_indirect")
STANCE_LABELS: tuple[str, ...] = ("against", "favor", "neutral")
AUTHOR = "author"


@dataclass(frozen=True)
class Span:
    """A character span of a text: ``text[start:end] == self.text``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Document:
    """One input document; ``source`` is the outlet or dataset it came from."""

    doc_id: str
    text: str
    source: str = ""


@dataclass(frozen=True)
class Sentence:
    """A sentence of a document, numbered 0..n-1 in text order."""

    id: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Speaker:
    """The speaker of a quote: canonical ``name`` plus the mention that names it.

    ``score`` is the attributor's confidence in the speaker (0..1), ``None`` when unknown.
    """

    name: str
    start: int
    end: int
    text: str
    score: float | None = None


@dataclass(frozen=True)
class Quote:
    """A quotation (possibly over several sentences) with its cue and speaker."""

    id: int
    start: int
    end: int
    text: str
    kind: QuoteKind
    cue: Span | None
    speaker: Speaker | None
    sentence_ids: tuple[int, ...]
    score: float


@dataclass(frozen=True)
class Mention:
    """A mention of a configured actor in a text."""

    actor: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class StanceExample:
    """A (text, target) pair for the stance model; ``mention`` offsets index ``text``.

    ``group`` keeps examples of one document together in splits and cross-validation.
    """

    text: str
    target: str
    mention: Span | None = None
    label: str | None = None
    group: str = ""
    holder: str = AUTHOR
    source: str = ""


@dataclass(frozen=True)
class StancePrediction:
    """The stance a sentence or a quote takes toward one actor, and who holds it."""

    unit: Literal["sentence", "quote"]
    unit_id: int
    actor: str
    mention: Span
    label: str
    score: float
    holder: str


@dataclass(frozen=True)
class ErrorInfo:
    """Why a document could not be scored."""

    type: str
    message: str


@dataclass(frozen=True)
class ModelInfo:
    """Which model produced a record."""

    uri: str
    version: str
    config_hash: str


@dataclass(frozen=True)
class DocumentResult:
    """The output record for one input document (see README, "Output record")."""

    doc_id: str
    status: Literal["ok", "error"]
    error: ErrorInfo | None
    sentences: tuple[Sentence, ...] = ()
    quotes: tuple[Quote, ...] = ()
    stances: tuple[StancePrediction, ...] = ()
    model: ModelInfo = field(default_factory=lambda: ModelInfo("", "", ""))


@dataclass(frozen=True)
class GoldQuote:
    """A gold quotation annotation; each role may be discontinuous, hence span tuples."""

    kind: QuoteKind
    quote: tuple[Span, ...]
    speaker: tuple[Span, ...] = ()
    cue: tuple[Span, ...] = ()
    frame: tuple[Span, ...] = ()
    addressee: tuple[Span, ...] = ()
    nested: bool = False


@dataclass(frozen=True)
class AnnotatedDocument:
    """A document with gold sentences, tokens and quotations (German Wikinews, GePaDe)."""

    doc_id: str
    text: str
    sentences: tuple[Sentence, ...]
    tokens: tuple[Span, ...]
    quotes: tuple[GoldQuote, ...]
