"""Token-level and quote-level metrics for quotations, and export of predictions as corpus JSON.

Token-level metric (German Wikinews / SpkAtt style, see ``shared/docs/BENCHMARKS.md``): every
predicted quote is matched one-to-one to the gold quote whose quote tokens it overlaps most
(greedy by overlap, largest first); per role (quote, speaker, cue, frame, addressee) the tokens of
matched pairs count as true positives where both mark them, false positives where only the
prediction does and false negatives where only the gold does; all tokens of unmatched predictions
are false positives and all tokens of unmatched gold quotes false negatives. The joint score pools
the counts of all roles. Per-type counts go to the gold kind for matched and missed quotes and to
the predicted kind for spurious ones.

Quote-level view: with the same matching, a gold quote is *found* at threshold t when its matched
prediction covers at least t of its quote tokens; precision = found / predicted, recall = found /
gold. Speaker accuracy is measured on the quotes found at the lowest threshold whose gold quote has
a speaker: the prediction is right when its speaker mention overlaps a gold speaker span or names
the same person (a shared capitalised name word, e.g. "Stoltenberg" and "Jens Stoltenberg").

Predictions are ``Quote`` records (roles quote, speaker mention and cue) or ``GoldQuote`` records
(all roles, e.g. from ``QuoteFinder.annotate``).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from quotestance.records import AnnotatedDocument, GoldQuote, Quote, Span

ROLES: tuple[str, ...] = ("quote", "speaker", "cue", "frame", "addressee")
KIND_TO_TYPE: dict[str, str] = {
    "direct": "Direct",
    "indirect": "Indirect",
    "mixed": "Indirect",
    "reported": "Reported",
    "free_indirect": "FreeIndirect",
}
_NAME_WORD = re.compile(r"[^\W\d_][\w\-’']*")
_NOT_NAMES = frozenset(
    [
        "der",
        "die",
        "das",
        "des",
        "dem",
        "den",
        "ein",
        "eine",
        "einer",
        "eines",
        "einem",
        "einen",
        "er",
        "sie",
        "es",
        "ihm",
        "ihr",
        "ihn",
        "ihre",
        "ihrer",
        "sein",
        "seine",
        "seiner",
        "seinem",
        "wir",
        "ich",
        "man",
        "dieser",
        "diese",
        "dieses",
        "laut",
        "nach",
        "so",
        "zufolge",
    ]
)


@dataclass(frozen=True)
class Counts:
    """True positives, false positives and false negatives, with P/R/F1."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @property
    def precision(self) -> float:
        """TP / (TP + FP), 0 when nothing was predicted."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        """TP / (TP + FN), 0 when there is no gold."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class TokenReport:
    """Token-level counts per role, pooled over roles (joint) and per quote kind."""

    roles: Mapping[str, Counts]
    joint: Counts
    by_kind: Mapping[str, Mapping[str, Counts]]


@dataclass(frozen=True)
class QuoteLevelReport:
    """Quote-level P/R/F1 per coverage threshold and speaker accuracy on found quotes."""

    n_gold: int
    n_predicted: int
    found: Mapping[float, int]
    speaker_correct: int
    speaker_total: int
    by_kind: Mapping[str, Mapping[float, tuple[int, int]]] = field(default_factory=dict)

    def precision(self, threshold: float) -> float:
        """Found gold quotes over predicted quotes at ``threshold``."""
        return self.found[threshold] / self.n_predicted if self.n_predicted else 0.0

    def recall(self, threshold: float) -> float:
        """Found gold quotes over gold quotes at ``threshold``."""
        return self.found[threshold] / self.n_gold if self.n_gold else 0.0

    def f1(self, threshold: float) -> float:
        """F1 of quote-level precision and recall at ``threshold``."""
        p, r = self.precision(threshold), self.recall(threshold)
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def speaker_accuracy(self) -> float:
        """Share of found quotes (with a gold speaker) whose predicted speaker is right."""
        return self.speaker_correct / self.speaker_total if self.speaker_total else 0.0


@dataclass(frozen=True)
class _Roles:
    kind: str
    spans: Mapping[str, tuple[Span, ...]]
    names: tuple[str, ...]


def _roles(quote: Quote | GoldQuote) -> _Roles:
    if isinstance(quote, GoldQuote):
        spans = {role: tuple(getattr(quote, role)) for role in ROLES}
        return _Roles(quote.kind, spans, tuple(s.text for s in quote.speaker))
    speaker = quote.speaker
    return _Roles(
        quote.kind,
        {
            "quote": (Span(quote.start, quote.end, quote.text),),
            "speaker": (Span(speaker.start, speaker.end, speaker.text),) if speaker else (),
            "cue": (quote.cue,) if quote.cue else (),
            "frame": (),
            "addressee": (),
        },
        (speaker.name, speaker.text) if speaker else (),
    )


def token_ids(tokens: Sequence[Span], spans: Iterable[Span]) -> frozenset[int]:
    """Return the indices of the ``tokens`` (sorted by start) that overlap any of ``spans``."""
    starts = [t.start for t in tokens]
    ids: set[int] = set()
    for span in spans:
        i = max(bisect.bisect_right(starts, span.start) - 1, 0)
        while i < len(tokens) and tokens[i].start < span.end:
            if tokens[i].end > span.start:
                ids.add(i)
            i += 1
    return frozenset(ids)


def match_quotes(
    gold: Sequence[frozenset[int]], predicted: Sequence[frozenset[int]]
) -> dict[int, int]:
    """Match predicted to gold quotes one-to-one, greedily by token overlap; ``{pred: gold}``."""
    pairs = sorted(
        ((len(g & p), gi, pi) for gi, g in enumerate(gold) for pi, p in enumerate(predicted)),
        key=lambda x: (-x[0], x[1], x[2]),
    )
    matched: dict[int, int] = {}
    used: set[int] = set()
    for overlap, gi, pi in pairs:
        if overlap == 0:
            break
        if pi in matched or gi in used:
            continue
        matched[pi] = gi
        used.add(gi)
    return matched


def _name_words(texts: Iterable[str]) -> set[str]:
    words = set()
    for text in texts:
        for word in _NAME_WORD.findall(text):
            if word[0].isupper() and word.lower() not in _NOT_NAMES and len(word) > 1:
                words.add(word.lower().removesuffix("s") if len(word) > 3 else word.lower())
    return words


def same_speaker(gold: Sequence[Span], predicted: Sequence[Span], names: Sequence[str]) -> bool:
    """Whether a predicted speaker overlaps the gold speaker spans or shares a name word."""
    if any(g.start < p.end and p.start < g.end for g in gold for p in predicted):
        return True
    return bool(_name_words(g.text for g in gold) & _name_words(names))


def _document_pairs(
    doc: AnnotatedDocument, predicted: Sequence[Quote | GoldQuote]
) -> tuple[
    list[_Roles],
    list[_Roles],
    dict[int, int],
    list[dict[str, frozenset[int]]],
    list[dict[str, frozenset[int]]],
]:
    tokens = doc.tokens
    gold = [_roles(q) for q in doc.quotes]
    pred = [_roles(q) for q in predicted]
    gold_ids = [{r: token_ids(tokens, g.spans[r]) for r in ROLES} for g in gold]
    pred_ids = [{r: token_ids(tokens, p.spans[r]) for r in ROLES} for p in pred]
    matched = match_quotes([g["quote"] for g in gold_ids], [p["quote"] for p in pred_ids])
    return gold, pred, matched, gold_ids, pred_ids


def token_level_scores(
    gold: Sequence[AnnotatedDocument], predictions: Sequence[Sequence[Quote | GoldQuote]]
) -> TokenReport:
    """Token-level TP/FP/FN per role, joint and per kind over documents (see module docstring)."""
    if len(gold) != len(predictions):
        raise ValueError(f"{len(gold)} gold documents but {len(predictions)} predictions")
    roles = {r: Counts() for r in ROLES}
    by_kind: dict[str, dict[str, Counts]] = {}

    def add(kind: str, role: str, counts: Counts) -> None:
        roles[role] += counts
        kind_counts = by_kind.setdefault(kind, {r: Counts() for r in ROLES})
        kind_counts[role] += counts

    for doc, predicted in zip(gold, predictions, strict=True):
        g_roles, p_roles, matched, g_ids, p_ids = _document_pairs(doc, predicted)
        for pi, p in enumerate(p_ids):
            gi = matched.get(pi)
            for r in ROLES:
                if gi is None:
                    add(p_roles[pi].kind, r, Counts(fp=len(p[r])))
                else:
                    g = g_ids[gi][r]
                    add(g_roles[gi].kind, r, Counts(len(p[r] & g), len(p[r] - g), len(g - p[r])))
        unmatched = set(range(len(g_ids))) - set(matched.values())
        for gi in sorted(unmatched):
            for r in ROLES:
                add(g_roles[gi].kind, r, Counts(fn=len(g_ids[gi][r])))
    joint = Counts()
    for counts in roles.values():
        joint += counts
    return TokenReport(roles, joint, by_kind)


def quote_level_scores(
    gold: Sequence[AnnotatedDocument],
    predictions: Sequence[Sequence[Quote | GoldQuote]],
    thresholds: Sequence[float] = (0.3, 0.8),
) -> QuoteLevelReport:
    """Count found quotes per coverage threshold and speaker accuracy (see module docstring)."""
    if len(gold) != len(predictions):
        raise ValueError(f"{len(gold)} gold documents but {len(predictions)} predictions")
    found = dict.fromkeys(thresholds, 0)
    by_kind: dict[str, dict[float, tuple[int, int]]] = {}
    n_gold = n_pred = spk_ok = spk_total = 0
    low = min(thresholds)
    for doc, predicted in zip(gold, predictions, strict=True):
        g_roles, p_roles, matched, g_ids, p_ids = _document_pairs(doc, predicted)
        n_gold += len(g_ids)
        n_pred += len(p_ids)
        gold_to_pred = {gi: pi for pi, gi in matched.items()}
        for gi, g in enumerate(g_ids):
            kind = g_roles[gi].kind
            pi = gold_to_pred.get(gi)
            cover = (
                len(g["quote"] & p_ids[pi]["quote"]) / len(g["quote"])
                if pi is not None and g["quote"]
                else 0.0
            )
            counts = by_kind.setdefault(kind, dict.fromkeys(thresholds, (0, 0)))
            for t in thresholds:
                hit = cover >= t
                found[t] += hit
                counts[t] = (counts[t][0] + hit, counts[t][1] + 1)
            if pi is not None and cover >= low and g_roles[gi].spans["speaker"]:
                spk_total += 1
                p = p_roles[pi]
                spk_ok += bool(p.spans["speaker"]) and same_speaker(
                    g_roles[gi].spans["speaker"], p.spans["speaker"], p.names
                )
    return QuoteLevelReport(n_gold, n_pred, found, spk_ok, spk_total, by_kind)


def speaker_curve(
    gold: Sequence[AnnotatedDocument],
    predictions: Sequence[Sequence[Quote | GoldQuote]],
    thresholds: Sequence[float],
    coverage: float = 0.3,
) -> list[tuple[float, float, float]]:
    """Speaker precision and recall when speakers below a confidence threshold are dropped.

    The quotes counted are the *found* quotes of the quote-level view: gold quotes with a gold
    speaker whose matched prediction (same one-to-one matching) covers at least ``coverage`` of
    their quote tokens. At threshold ``t`` a predicted speaker is *kept* when it exists and its
    confidence ``Speaker.score`` is at least ``t`` (a speaker without a score, e.g. from a
    ``GoldQuote`` prediction, is kept at every threshold); it is *correct* as in the speaker
    accuracy (overlapping the gold speaker or sharing a name word). Then

    - precision(t) = correct kept speakers / kept speakers (0 when none is kept),
    - recall(t) = correct kept speakers / found quotes with a gold speaker (0 when there are none).

    Returns ``(t, precision, recall)`` for every threshold, in the given order. At threshold 0
    (every speaker kept) recall equals the speaker accuracy of ``quote_level_scores``.
    """
    if len(gold) != len(predictions):
        raise ValueError(f"{len(gold)} gold documents but {len(predictions)} predictions")
    # (confidence, correct) of every found quote's predicted speaker; None when it has none
    judged: list[tuple[float, bool] | None] = []
    for doc, predicted in zip(gold, predictions, strict=True):
        g_roles, p_roles, matched, g_ids, p_ids = _document_pairs(doc, predicted)
        for pi, gi in matched.items():
            g = g_ids[gi]["quote"]
            if not g or not g_roles[gi].spans["speaker"]:
                continue
            if len(g & p_ids[pi]["quote"]) / len(g) < coverage:
                continue
            p = p_roles[pi]
            if not p.spans["speaker"]:
                judged.append(None)
                continue
            q = predicted[pi]
            score = q.speaker.score if isinstance(q, Quote) and q.speaker is not None else None
            correct = same_speaker(g_roles[gi].spans["speaker"], p.spans["speaker"], p.names)
            judged.append((float("inf") if score is None else score, correct))
    total = len(judged)
    out = []
    for t in thresholds:
        kept = [j[1] for j in judged if j is not None and j[0] >= t]
        right = sum(kept)
        out.append((t, right / len(kept) if kept else 0.0, right / total if total else 0.0))
    return out


def format_report(tokens: TokenReport, quotes: QuoteLevelReport) -> str:
    """Render both reports as a plain-text table."""
    lines = [f"{'role':<12}{'P':>7}{'R':>7}{'F1':>7}{'TP':>8}{'FP':>8}{'FN':>8}"]
    rows = [*tokens.roles.items(), ("joint", tokens.joint)]
    for name, c in rows:
        lines.append(
            f"{name:<12}{c.precision:7.3f}{c.recall:7.3f}{c.f1:7.3f}{c.tp:8d}{c.fp:8d}{c.fn:8d}"
        )
    lines.append("")
    lines.append(f"{'kind':<14}{'quote F1':>9}{'joint F1':>9}{'gold@0.3':>10}{'gold@0.8':>10}")
    for kind in sorted(tokens.by_kind):
        roles = tokens.by_kind[kind]
        joint = Counts()
        for c in roles.values():
            joint += c
        qk = quotes.by_kind.get(kind, {})
        found = "  ".join(
            f"{qk[t][0]:>3d}/{qk[t][1]:<4d}" if t in qk else "   -    "
            for t in sorted(quotes.found)
        )
        lines.append(f"{kind:<14}{roles['quote'].f1:9.3f}{joint.f1:9.3f}  {found}")
    lines.append("")
    lines.append(f"quotes: gold {quotes.n_gold}, predicted {quotes.n_predicted}")
    for t in sorted(quotes.found):
        lines.append(
            f"quote @{t:.1f}: P {quotes.precision(t):.3f} R {quotes.recall(t):.3f} "
            f"F1 {quotes.f1(t):.3f}"
        )
    lines.append(
        f"speaker accuracy on found quotes: {quotes.speaker_accuracy:.3f} "
        f"({quotes.speaker_correct}/{quotes.speaker_total})"
    )
    return "\n".join(lines)


def _role_json(text: str, tokens: Sequence[Span], spans: Sequence[Span]) -> dict[str, Any]:
    out_spans = []
    ids: list[int] = []
    for span in spans:
        tids = sorted(token_ids(tokens, (span,)))
        ids.extend(tids)
        out_spans.append(
            {
                "charBegin": span.start,
                "charEnd": span.end,
                "begin": tids[0] if tids else None,
                "end": tids[-1] + 1 if tids else None,
            }
        )
    return {
        "spans": out_spans,
        "text": " ".join(text[s.start : s.end] for s in spans),
        "tokenIds": sorted(set(ids)),
    }


def predictions_to_json(
    doc: AnnotatedDocument, predicted: Sequence[Quote | GoldQuote]
) -> dict[str, Any]:
    """Export predictions in the corpus JSON format (``annotations`` with char and token spans).

    Token ``begin``/``end`` index ``doc.tokens`` (end exclusive); ``mixed`` is written as
    ``Indirect`` and ``free_indirect`` as ``FreeIndirect``.
    """
    roles = [_roles(q) for q in predicted]
    quote_ids = [token_ids(doc.tokens, r.spans["quote"]) for r in roles]
    annotations = []
    for i, r in enumerate(roles):
        nested = any(j != i and quote_ids[i] < quote_ids[j] for j in range(len(roles)))
        has_nested = any(j != i and quote_ids[j] < quote_ids[i] for j in range(len(roles)))
        ann: dict[str, Any] = {
            "id": i,
            "type": KIND_TO_TYPE[r.kind],
            "isNested": nested,
            "hasNested": has_nested,
        }
        for role in ROLES:
            ann[role] = _role_json(doc.text, doc.tokens, r.spans[role])
        annotations.append(ann)
    return {
        "documentName": doc.doc_id,
        "originalText": doc.text,
        "annotations": annotations,
    }
