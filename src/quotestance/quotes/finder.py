"""``QuoteFinder``: learned German quotation detection, typing, cue and speaker attribution.

Seven linear models over string features (an explicit vocabulary per model), all fitted on
annotated documents:

1. a token tagger (logistic regression, BIO labels, Viterbi decoding) that delimits top-level
   quotations, a quotation over several sentences being one span;
2. a span classifier for the kind (direct, indirect, reported, free indirect; an indirect quote
   holding quotation marks is ``mixed``);
3. a quotation-mark classifier that tells quoted words from names and titles in marks: it emits
   quoted fragments inside a found quote as nested direct quotes and short quoted phrases in
   running text ("nannte den Bericht eine „Zeitungsente“") as direct quotes; a decoded span
   that is a pair of marks it scores below ``name_threshold`` is a name or title ("dem
   Fernsehsender „Al Jazeera“") and is dropped;
4. a cue scorer over the words around the quote;
5. a listwise speaker ranker (softmax over the candidate mentions of a quote: names, noun
   phrases, pronouns in the quote's sentences and the ``context_sentences`` before it), with
   features for the grammatical subject of the cue verb (next to the cue, before or after it,
   nominative determiner, no preposition, "laut X", "X zufolge", "so X"); pronouns resolve to
   the previous speaker or the nearest name, relative pronouns to the noun phrase before them,
   names to their fullest form in the text; the chosen candidate's softmax probability is the
   speaker's ``score``;
6. an addressee classifier over the mentions near the cue ("sagte der Zeitung", "warf der
   Regierung vor", "forderte Russland auf"), for ``annotate``;
7. a complement classifier over the clauses after a comma that no decoded span touches: it adds
   the complement clauses of verbs of saying the tagger missed ("forderte X auf, die Bank zu
   boykottieren", "legte fest, dass ..."), from the clause's type and the words before the comma.

Five rules, each checked against the training data, complete the tagger's spans: a sentence
with an attribution phrase ("laut X", "nach Angaben X", "X zufolge") is what X says, without
the phrase (a gap when the phrase sits inside), and a span over the boundary of such a sentence
is cut there; a long clause before a closing ", sagte X." or ", so X." is quoted; consecutive
free indirect sentences form one quotation, which takes in the neighbouring sentences in
Konjunktiv I that no other span touches; a non-direct quotation opens at the subjunctive
clauses before it in its sentence. An indirect quotation for which
the cue model finds no cue needs a tagger score of ``cueless_threshold``.
Decoded pieces of one sentence split only by a comma or an attribution phrase are joined, and
free indirect quotations are widened to their sentences.
An optional rescorer (``rescore_folds`` > 0), fitted on cross-validated decodings of the
training documents, drops decoded quotations it finds unlikely (off in ``conf/quotes/de.yaml``).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import numpy as np
from scipy import sparse
from scipy.special import expit
from sklearn.base import BaseEstimator, clone
from sklearn.linear_model import LogisticRegression, SGDClassifier

from quotestance.quotes.features import (
    Context,
    Mention,
    MentionFacts,
    addressee_features,
    canonical_names,
    complement_candidates,
    complement_features,
    context,
    cue_features,
    cue_token_features,
    governor_words,
    is_named,
    mention_facts,
    pair_features,
    span_keep_features,
    span_kind_features,
    speaker_features,
    speaker_features_pos,
    speaker_head_features,
    token_features,
)
from quotestance.quotes.lexicon import (
    Lexicon,
    common_nouns,
    frequent_share,
    function_words,
    make_lexicon,
    subjunctive_by_form,
)
from quotestance.quotes.ranker import ListwiseRanker
from quotestance.quotes.text import Analysis, analyse, make_marks
from quotestance.quotes.vocab import Rows, Vocabulary
from quotestance.records import (
    AnnotatedDocument,
    GoldQuote,
    Quote,
    QuoteKind,
    Sentence,
    Span,
    Speaker,
)

_NEG = -1e9
_MAX_BEFORE = 10
_MAX_AFTER = 6
_MAX_INSIDE = 6


class _Spans:
    """Token spans ``(first, last)``, asked where a quotation-mark pair lies among them."""

    def __init__(self, spans: Sequence[tuple[int, int]]) -> None:
        self.spans = sorted(spans)
        self.firsts = [i for i, _ in self.spans]
        self.reach = list(accumulate((j for _, j in self.spans), max))  # furthest last so far

    def where(self, oi: int, ci: int) -> str:
        """``eq``: the pair is a span (give or take a token at each end); ``in``: inside one."""
        lo, hi = bisect_left(self.firsts, oi - 1), bisect_right(self.firsts, oi + 1)
        if any(abs(j - ci) <= 1 for _, j in self.spans[lo:hi]):
            return "eq"
        before = bisect_right(self.firsts, oi)  # the spans that start at or before the opener
        return "in" if before and self.reach[before - 1] >= ci else "out"

    def covers(self, t: int) -> bool:
        """Whether token ``t`` lies in a span."""
        before = bisect_right(self.firsts, t)
        return bool(before) and self.reach[before - 1] >= t


def _overlapping(
    spans: Sequence[tuple[int, int, int]], starts: Sequence[int], start: int, end: int
) -> tuple[int, ...]:
    """Ids of the ordered, non-overlapping ``(start, end, id)`` spans that overlap start..end."""
    hi = bisect_left(starts, end)
    lo = hi
    while lo > 0 and spans[lo - 1][1] > start:
        lo -= 1
    return tuple(sid for _, _, sid in spans[lo:hi])


_SUBJUNCTIVE_ENDINGS = ("e", "en", "est", "et")


@dataclass
class _Training:
    """A training text: its analysis, context and gold quotations with their token spans."""

    analysis: Analysis
    context: Context
    spans: list[tuple[GoldQuote, int, int]]


# a gold quotation for the speaker ranker: analysis, context, first and last token, kind,
# gold speaker tokens, the previous speaker's name, and its number (for its cue token)
_SpeakerItem = tuple[Analysis, Context, int, int, str, set[int], str, int, dict[str, int]]


@dataclass
class _Found:
    first: int
    last: int
    kind: QuoteKind
    score: float
    cue: list[int]
    speaker: Mention | None
    speaker_name: str
    nested: bool
    gap: tuple[int, int] | None = None
    speaker_score: float | None = None
    addressee: Mention | None = None
    features: list[str] | None = None


def _binary_scores(model: Any, rows: Rows) -> np.ndarray:
    """Return P(positive) of a fitted binary linear model for every row (0 without a model)."""
    if model is None:
        return np.zeros(len(rows))
    return np.asarray(expit(rows.score(model.coef_[0]) + model.intercept_[0]))


def _fit_binary(x: sparse.csr_matrix, y: Sequence[int], C: float, seed: int | None) -> Any:
    """Fit a logistic regression, or return ``None`` when ``y`` holds a single class."""
    if len(set(y)) < 2:
        return None
    return LogisticRegression(C=C, solver="liblinear", random_state=seed).fit(x, y)


def _cut(span: tuple[int, int, float], s0: int, s1: int) -> list[tuple[int, int, float]]:
    """Cut a span ``(first, last, score)`` at the boundaries of tokens ``s0..s1``."""
    i, j, p = span
    pieces = [(i, s0 - 1, p)] if i < s0 else []
    pieces.append((max(i, s0), min(j, s1), p))
    if j > s1:
        pieces.append((s1 + 1, j, p))
    return pieces


def _groups(tokens: Sequence[int]) -> list[list[int]]:
    groups: list[list[int]] = []
    for t in sorted(tokens):
        if groups and t == groups[-1][-1] + 1:
            groups[-1].append(t)
        else:
            groups.append([t])
    return groups


class QuoteFinder(BaseEstimator):
    """Find quotations with their kind, cue and speaker in German news text.

    ``fit(documents)`` learns from ``AnnotatedDocument``s; ``find(text, sentences)`` returns
    ``Quote`` records; ``annotate`` returns ``GoldQuote``s with all roles (incl. frame) for the
    token-level metric. Resources (quotation marks, reporting verbs, subjunctive forms, pronouns,
    role nouns) come from ``conf/quotes/<language>.yaml`` and are carried by the fitted object,
    together with the cue words and subjunctive forms learned from the training annotations.
    ``n_features`` caps the vocabulary of each model; ``min_count`` drops rarer features.
    """

    def __init__(
        self,
        language: str = "de",
        open_marks: Collection[str] = ("„", "»", '"'),
        close_marks: Collection[str] = ("“", "«", '"'),
        mark_pairs: Mapping[str, Collection[str]] | None = None,
        reporting_verbs: Collection[str] = (),
        reporting_verb_forms: Collection[str] = (),
        subjunctive_forms: Collection[str] = (),
        attribution_markers: Collection[str] = (),
        pronouns: Collection[str] = (),
        determiners: Collection[str] = (),
        role_nouns: Collection[str] = (),
        source_nouns: Collection[str] = (),
        quote_threshold: float = 0.5,
        outside_weight: float = 1.0,
        speaker_threshold: float = 0.0,
        cue_threshold: float = 0.5,
        pair_threshold: float = 0.5,
        standalone_threshold: float = 0.5,
        name_threshold: float = 0.0,
        addressee_threshold: float = 0.5,
        span_threshold: float = 0.5,
        learn_subjunctive: bool = False,
        cueless_threshold: float = 0.0,
        complement_threshold: float = 1.0,
        rescore_folds: int = 0,
        context_sentences: int = 3,
        emit_nested: bool = True,
        alpha_tagger: float = 1e-4,
        C_speaker: float = 1.0,
        C_cue: float = 1.0,
        C_kind: float = 1.0,
        C_pair: float = 1.0,
        C_addressee: float = 1.0,
        C_span: float = 1.0,
        C_complement: float = 1.0,
        n_features: int = 2**20,
        min_count: int = 2,
        max_iter: int = 300,
        random_state: int | None = 0,
    ) -> None:
        self.language = language
        self.open_marks = open_marks
        self.close_marks = close_marks
        self.mark_pairs = mark_pairs
        self.reporting_verbs = reporting_verbs
        self.reporting_verb_forms = reporting_verb_forms
        self.subjunctive_forms = subjunctive_forms
        self.attribution_markers = attribution_markers
        self.pronouns = pronouns
        self.determiners = determiners
        self.role_nouns = role_nouns
        self.source_nouns = source_nouns
        self.quote_threshold = quote_threshold
        self.outside_weight = outside_weight
        self.speaker_threshold = speaker_threshold
        self.cue_threshold = cue_threshold
        self.pair_threshold = pair_threshold
        self.standalone_threshold = standalone_threshold
        self.name_threshold = name_threshold
        self.addressee_threshold = addressee_threshold
        self.span_threshold = span_threshold
        self.learn_subjunctive = learn_subjunctive
        self.cueless_threshold = cueless_threshold
        self.complement_threshold = complement_threshold
        self.rescore_folds = rescore_folds
        self.context_sentences = context_sentences
        self.emit_nested = emit_nested
        self.alpha_tagger = alpha_tagger
        self.C_speaker = C_speaker
        self.C_cue = C_cue
        self.C_kind = C_kind
        self.C_pair = C_pair
        self.C_addressee = C_addressee
        self.C_span = C_span
        self.C_complement = C_complement
        self.n_features = n_features
        self.min_count = min_count
        self.max_iter = max_iter
        self.random_state = random_state

    # ------------------------------------------------------------------ fitting

    def _marks(self) -> Any:
        pairs = self.mark_pairs if self.mark_pairs is not None else {"„": "“", "»": "«", '"': '"'}
        return make_marks(self.open_marks, self.close_marks, pairs)

    def _vocabulary(self, rows: list[list[str]]) -> Vocabulary:
        return Vocabulary.build(rows, self.min_count, self.n_features)

    def _learn_lexicon(
        self, documents: Sequence[AnnotatedDocument], analyses: Sequence[Analysis]
    ) -> Lexicon:
        """Compile the configured resources plus cue words and subjunctives seen in training."""
        totals: Counter[str] = Counter()
        cue_hits: Counter[str] = Counter()
        konj_hits: Counter[str] = Counter()
        lower_words: set[str] = set()
        for doc, a in zip(documents, analyses, strict=True):
            totals.update(a.lower)
            lower_words.update(w for w in a.words if w[:1].islower())
            cue_tokens: set[int] = set()
            reported: set[int] = set()
            for q in doc.quotes:
                for s in q.cue:
                    cue_tokens.update(a.tokens_in(s.start, s.end))
                if q.kind in ("indirect", "free_indirect", "mixed"):
                    for s in q.quote:
                        reported.update(a.tokens_in(s.start, s.end))
            cue_hits.update(a.lower[t] for t in cue_tokens)
            konj_hits.update(
                a.lower[t]
                for t in reported
                if a.words[t][:1].islower() and a.lower[t].endswith(_SUBJUNCTIVE_ENDINGS)
            )
        marks = self._marks()
        return make_lexicon(
            marks,
            self.reporting_verbs,
            self.reporting_verb_forms,
            self.subjunctive_forms,
            self.attribution_markers,
            self.pronouns,
            self.determiners,
            self.role_nouns,
            function_words(a.words for a in analyses),
            cues=frequent_share(cue_hits, totals, 3, 0.2),
            subjunctive_learned=frequent_share(konj_hits, totals, 5, 0.8)
            | (subjunctive_by_form(lower_words) if self.learn_subjunctive else frozenset()),
            source_nouns=self.source_nouns,
            nouns=common_nouns((a.words for a in analyses), self.determiners),
        )

    def fit(self, documents: Sequence[AnnotatedDocument]) -> QuoteFinder:
        """Learn the models from annotated documents; return ``self``."""
        if not documents:
            raise ValueError("fit needs at least one annotated document")
        marks = self._marks()
        analyses = [analyse(d.text, d.sentences, marks) for d in documents]
        self.lexicon_: Lexicon = self._learn_lexicon(documents, analyses)
        lex = self.lexicon_
        texts: list[_Training] = []
        for doc, a in zip(documents, analyses, strict=True):
            if len(a):
                texts.append(_Training(a, context(a, lex), self._gold_spans(a, doc)))
        self._fit_tagger(texts)
        self._fit_complements(texts)
        self._fit_kinds(texts)
        self._fit_pairs(texts)
        # the cue and speaker models learn with the gold kinds (with the kind model's in-sample
        # kinds instead, speaker accuracy on dev drops from 0.80 to 0.79)
        kinds = [
            ["indirect" if q.kind == "mixed" else q.kind for q, _, _ in t.spans] for t in texts
        ]
        items, anchors = self._fit_cues(texts, kinds)
        self._fit_speakers(items, anchors)
        self._fit_addressees(texts, kinds, anchors)
        self.span_model_: LogisticRegression | None = None
        if self.rescore_folds >= 2 and len(documents) >= 2 * self.rescore_folds:
            self._fit_rescorer(documents)
        return self

    def _fit_rescorer(self, documents: Sequence[AnnotatedDocument]) -> None:
        """Fit the keep-or-drop model of decoded quotations on cross-validated predictions.

        Each of ``rescore_folds`` folds of the training documents is decoded by a finder fitted
        on the others (without a rescorer); a decoded top-level quotation is right when it
        covers at least 30 % of a gold quotation (the quote-level metric's lower threshold).
        """
        k = self.rescore_folds
        rows: list[list[str]] = []
        labels: list[int] = []
        for fold in range(k):
            held = [d for n, d in enumerate(documents) if n % k == fold]
            rest = [d for n, d in enumerate(documents) if n % k != fold]
            sub: QuoteFinder = clone(self).set_params(rescore_folds=0).fit(rest)
            for doc in held:
                a, found = sub._predict(doc.text, doc.sentences, collect=True)
                golds = [
                    {t for sp in q.quote for t in a.tokens_in(sp.start, sp.end)} for q in doc.quotes
                ]
                golds = [g for g in golds if g]
                for f in found:
                    if f.nested or f.features is None:
                        continue
                    toks = set(self._tokens(f))
                    rows.append(f.features)
                    labels.append(int(any(len(g & toks) >= 0.3 * len(g) for g in golds)))
        self.span_vocabulary_ = self._vocabulary(rows)
        self.span_model_ = _fit_binary(
            self.span_vocabulary_.matrix(rows), labels, self.C_span, self.random_state
        )

    @staticmethod
    def _gold_spans(a: Analysis, doc: AnnotatedDocument) -> list[tuple[GoldQuote, int, int]]:
        """Return the gold quotations with their first and last token."""
        spans = []
        for q in doc.quotes:
            ranges = [a.tokens_in(s.start, s.end) for s in q.quote]
            ranges = [r for r in ranges if len(r)]
            if ranges:
                spans.append((q, ranges[0][0], ranges[-1][-1]))
        return spans

    def _fit_tagger(self, texts: Sequence[_Training]) -> None:
        """Fit the BIO tagger on the top-level gold quotations (each range of one opens a B)."""
        lex = self.lexicon_
        tok_x = []
        tok_y: list[str] = []
        for t in texts:
            a = t.analysis
            labels = ["O"] * len(a)
            for q, _, _ in t.spans:
                if q.nested:
                    continue
                for s in q.quote:
                    r = a.tokens_in(s.start, s.end)
                    if len(r):
                        labels[r[0]] = "B"
                        for k in r[1:]:
                            labels[k] = "I"
            tok_x.append(token_features(a, t.context, lex))
            tok_y.extend(labels)
        self.tagger_vocabulary_ = self._vocabulary(
            [row for tf in tok_x for part in (tf.tokens, tf.clauses, tf.sentences) for row in part]
        )
        v = self.tagger_vocabulary_
        self.tagger_: SGDClassifier | None = None
        if len(set(tok_y)) < 3:
            return
        x = sparse.vstack(
            [
                v.matrix(tf.tokens)
                + v.matrix(tf.clauses)[tf.clause_of]
                + v.matrix(tf.sentences)[tf.sent_of]
                for tf in tok_x
            ]
        ).tocsr()
        self.tagger_ = SGDClassifier(
            loss="log_loss",
            alpha=self.alpha_tagger,
            max_iter=self.max_iter,
            tol=1e-4,
            average=True,
            random_state=self.random_state,
        ).fit(x, tok_y)
        # features x classes, C-contiguous: scoring gathers one row per feature
        self.tagger_weights_ = np.ascontiguousarray(self.tagger_.coef_.T)

    def _fit_complements(self, texts: Sequence[_Training]) -> None:
        """Fit the complement model: is a clause after a comma (``complement_candidates``) quoted.

        A candidate is positive when a top-level gold quotation starts within a token of it,
        holds at least half of its tokens and it holds at least half of the quotation's. The
        governor rates (``governor_words``) are learned here, left out for the candidate's own
        label while fitting.
        """
        lex = self.lexicon_
        cands: list[tuple[_Training, int, int, set[str]]] = []
        labels: list[int] = []
        counts: dict[str, list[int]] = {}
        for t in texts:
            a = t.analysis
            golds = [(f, set(range(f, la + 1))) for q, f, la in t.spans if not q.nested]
            for i, j in complement_candidates(a):
                toks = set(range(i, j + 1))
                y = int(
                    any(
                        abs(f - i) <= 1 and 2 * len(g & toks) >= max(len(g), len(toks))
                        for f, g in golds
                    )
                )
                words = governor_words(a, i)
                cands.append((t, i, j, words))
                labels.append(y)
                for w in words:
                    c = counts.setdefault(w, [0, 0])
                    c[0] += y
                    c[1] += 1
        self.governor_rates_ = {
            w: pos / (tot + 2.0) for w, (pos, tot) in sorted(counts.items()) if tot >= 2
        }
        rows = []
        for (t, i, j, words), y in zip(cands, labels, strict=True):
            own = [(counts[w][0] - y, counts[w][1] - 1) for w in words]
            rates = sorted((p / (n + 2.0) if n >= 2 else 0.0 for p, n in own), reverse=True)
            top = (rates[0] if rates else 0.0, rates[1] if len(rates) > 1 else 0.0)
            rows.append(complement_features(t.analysis, t.context, lex, i, j, top))
        self.complement_vocabulary_ = self._vocabulary(rows)
        self.complement_model_ = _fit_binary(
            self.complement_vocabulary_.matrix(rows), labels, self.C_complement, self.random_state
        )

    def _governor_rates(self, a: Analysis, i: int) -> tuple[float, float]:
        """Return the two highest governor rates of the words before candidate ``i``."""
        rates = sorted(
            (self.governor_rates_.get(w, 0.0) for w in governor_words(a, i)), reverse=True
        )
        return (rates[0] if rates else 0.0, rates[1] if len(rates) > 1 else 0.0)

    def _complements(
        self, a: Analysis, ctx: Context, spans: list[tuple[int, int, float]]
    ) -> list[tuple[int, int, float]]:
        """Add the likely complement clauses that no decoded span touches.

        The most likely first, each with a probability of at least ``complement_threshold``,
        which becomes its score.
        """
        cands = complement_candidates(a) if self.complement_model_ is not None else []
        if not cands:
            return spans
        lex = self.lexicon_
        rows = [
            complement_features(a, ctx, lex, i, j, self._governor_rates(a, i)) for i, j in cands
        ]
        p = _binary_scores(self.complement_model_, Rows(self.complement_vocabulary_, rows))
        taken = _Spans([(i, j) for i, j, _ in spans])
        added: list[tuple[int, int, float]] = []
        for n in np.argsort(-p, kind="stable"):
            if p[n] < self.complement_threshold:
                break
            i, j = cands[n]
            if any(taken.covers(t) for t in range(i, j + 1)) or any(
                i <= aj and ai <= j for ai, aj, _ in added
            ):
                continue
            added.append((i, j, float(p[n])))
        return sorted([*spans, *added]) if added else spans

    def _kind_rows(self, t: _Training) -> list[list[str]]:
        lex = self.lexicon_
        a = t.analysis
        return [
            span_kind_features(a, t.context, lex, first, self._core_end(a, first, last))
            for q, first, last in t.spans
            if not q.nested
        ]

    def _fit_kinds(self, texts: Sequence[_Training]) -> None:
        """Fit the kind classifier on the top-level gold quotations (mixed counts as indirect)."""
        kind_x = [row for t in texts for row in self._kind_rows(t)]
        kind_y = [
            "indirect" if q.kind == "mixed" else q.kind
            for t in texts
            for q, _, _ in t.spans
            if not q.nested
        ]
        self.kind_vocabulary_ = self._vocabulary(kind_x)
        self.kind_model_: LogisticRegression | None = None
        self.default_kind_ = Counter(kind_y).most_common(1)[0][0] if kind_y else "direct"
        if len(set(kind_y)) >= 2:
            self.kind_model_ = LogisticRegression(
                C=self.C_kind, max_iter=max(self.max_iter, 500), random_state=self.random_state
            ).fit(self.kind_vocabulary_.matrix(kind_x), kind_y)

    def _predict_kinds(self, rows: list[list[str]]) -> list[str]:
        if self.kind_model_ is None:
            return [self.default_kind_] * len(rows)
        scores = Rows(self.kind_vocabulary_, rows).score(self.kind_model_.coef_.T)
        scores += self.kind_model_.intercept_
        classes = [str(c) for c in self.kind_model_.classes_]
        return [classes[k] for k in np.argmax(scores, axis=1)]

    def _fit_pairs(self, texts: Sequence[_Training]) -> None:
        """Fit the quotation-mark model: does a pair of marks enclose a gold direct quotation.

        Where a pair lies relative to the quotations (``_Spans.where``) comes from the tagger's
        own in-sample decoding, as at scoring time: against the gold spans a pair that is a span
        is nearly always a direct quotation, and the model could not tell a name in marks that
        the tagger takes for a quotation ("dem Fernsehsender „Al Jazeera“") from one.
        """
        pair_x: list[list[str]] = []
        pair_y: list[int] = []
        for t in texts:
            a = t.analysis
            top = _Spans([(i, j) for i, j, _ in self._decoded(a, t.context)[0]])
            direct = {(f, la) for q, f, la in t.spans if q.kind == "direct"}
            for oi, ci in self._pairs(a):
                pair_x.append(pair_features(a, t.context, self.lexicon_, oi, ci, top.where(oi, ci)))
                pair_y.append(int((oi, ci) in direct or (oi, ci + 1) in direct))
        self.pair_vocabulary_ = self._vocabulary(pair_x)
        self.pair_model_ = _fit_binary(
            self.pair_vocabulary_.matrix(pair_x), pair_y, self.C_pair, self.random_state
        )

    def _fit_cues(
        self, texts: Sequence[_Training], kinds: Sequence[Sequence[str]]
    ) -> tuple[list[_SpeakerItem], list[int]]:
        """Fit the cue model; return the speaker training items and each one's cue token.

        The cue token is the model's own (in-sample) choice, as the speaker features will see
        a predicted cue at scoring time.
        """
        lex = self.lexicon_
        cue_x: list[list[str]] = []
        cue_y: list[int] = []
        cue_tok: list[int] = []
        cue_starts: list[int] = []
        items: list[_SpeakerItem] = []
        for t, text_kinds in zip(texts, kinds, strict=True):
            a, ctx = t.analysis, t.context
            canon = canonical_names(ctx.mentions)
            prev_speaker = ""
            earlier: dict[str, int] = {}
            token_rows: dict[int, list[str]] = {}
            for (q, first, last), kind in zip(t.spans, text_kinds, strict=True):
                cue_tokens = {k for s in q.cue for k in a.tokens_in(s.start, s.end)}
                cue_starts.append(len(cue_y))
                for k in self._cue_candidates(a, first, last):
                    if k not in token_rows:
                        token_rows[k] = cue_token_features(a, ctx, lex, k)
                    cue_x.append([*token_rows[k], *cue_features(a, ctx, lex, first, last, kind, k)])
                    cue_y.append(int(k in cue_tokens))
                    cue_tok.append(k)
                gold = {k for s in q.speaker for k in a.tokens_in(s.start, s.end)}
                items.append(
                    (a, ctx, first, last, kind, gold, prev_speaker, len(cue_starts) - 1, earlier)
                )
                named = [
                    m
                    for m in ctx.mentions
                    if m.first in gold and m.kind not in ("pron", "rel", "dem")
                ]
                if named:
                    prev_speaker = canon.get(named[0].name, named[0].name)
                    earlier = {**earlier, prev_speaker: earlier.get(prev_speaker, 0) + 1}
        cue_starts.append(len(cue_y))
        self.cue_vocabulary_ = self._vocabulary(cue_x)
        cue_matrix = self.cue_vocabulary_.matrix(cue_x)
        self.cue_model_ = _fit_binary(cue_matrix, cue_y, self.C_cue, self.random_state)
        cue_p = (
            expit(cue_matrix @ self.cue_model_.coef_[0] + self.cue_model_.intercept_[0])
            if self.cue_model_ is not None
            else np.zeros(len(cue_y))
        )
        anchors = []
        for g in range(len(cue_starts) - 1):
            lo, hi = cue_starts[g], cue_starts[g + 1]
            best = int(np.argmax(cue_p[lo:hi])) + lo if hi > lo else -1
            anchors.append(cue_tok[best] if best >= 0 and cue_p[best] >= self.cue_threshold else -1)
        return items, anchors

    def _fit_speakers(self, items: Sequence[_SpeakerItem], anchors: Sequence[int]) -> None:
        """Fit the listwise speaker ranker on the gold quotes that have a speaker."""
        rows: list[list[str]] = []
        labels: list[int] = []
        heads: list[tuple[str, str]] = []
        starts: list[int] = []
        head_counts: dict[str, list[int]] = {}
        salience_cache: dict[int, tuple[dict[str, str], dict[str, int]]] = {}
        facts_cache: dict[tuple[int, int], MentionFacts] = {}
        for a, ctx, first, last, kind, gold, prev_speaker, g, earlier in items:
            if not gold:
                continue
            key = id(ctx)
            if key not in salience_cache:
                canon = canonical_names(ctx.mentions)
                salience_cache[key] = (canon, self._salience(ctx.mentions, canon))
            canon, salience = salience_cache[key]
            cands = self._speaker_candidates(a, ctx, first, last, kind)
            ys = [int(any(k in gold for k in range(m.first, m.last + 1))) for m, _ in cands]
            if not any(ys):
                continue
            anchor = anchors[g]
            cue_ranks = self._cue_ranks(a, [m for m, _ in cands], anchor)
            starts.append(len(rows))
            for (m, rank), y, cr in zip(cands, ys, cue_ranks, strict=True):
                name = canon.get(m.name, m.name)
                facts = facts_cache.get((key, m.first))
                if facts is None:
                    facts = mention_facts(a, ctx, self.lexicon_, m, salience.get(name, 0))
                    facts_cache[(key, m.first)] = facts
                rows.append(
                    [
                        *facts.features,
                        *speaker_features(
                            a,
                            ctx,
                            first,
                            last,
                            kind,
                            m,
                            facts,
                            rank,
                            prev_speaker,
                            name,
                            anchor,
                            cr,
                            earlier,
                        ),
                    ]
                )
                labels.append(y)
                heads.append((m.head, speaker_features_pos(a, first, last, m)))
                counts = head_counts.setdefault(m.head, [0, 0])
                counts[0] += y
                counts[1] += 1
        starts.append(len(rows))
        self.head_rates_ = {
            head: pos / (tot + 2.0) for head, (pos, tot) in sorted(head_counts.items()) if tot >= 2
        }
        for row, y, (head, pos) in zip(rows, labels, heads, strict=True):
            # leave one out: a candidate's own label must not leak into its head rate
            p, t = head_counts[head]
            rate = (p - y) / (t - 1 + 2.0) if t - 1 >= 2 else -1.0
            row.extend(speaker_head_features(rate, pos))
        self.speaker_vocabulary_ = self._vocabulary(rows)
        self.speaker_model_ = ListwiseRanker(
            C=self.C_speaker, max_iter=max(self.max_iter, 300)
        ).fit(self.speaker_vocabulary_.matrix(rows), np.asarray(labels), np.asarray(starts))

    def _addressee_candidates(
        self, a: Analysis, ctx: Context, first: int, last: int, cue: int, kind: str
    ) -> list[Mention]:
        """Mentions in the cue's sentence (or the quote's first one), outside the quote.

        Reported speech holds its addressee ("Die SPD fordert die Tarifparteien auf, ..."):
        there the quote's own mentions count too.
        """
        s = a.sent[cue] if cue >= 0 else a.sent[first]
        inside_ok = kind == "reported"
        return [
            m
            for m in ctx.mentions_in(s, s)
            if (inside_ok or not first <= m.first <= last)
            and m.kind not in ("rel", "dem")
            and not a.depth[m.first]
        ]

    def _fit_addressees(
        self,
        texts: Sequence[_Training],
        kinds: Sequence[Sequence[str]],
        anchors: Sequence[int],
    ) -> None:
        """Fit the addressee model: is a mention near the cue the one the speaker addresses."""
        lex = self.lexicon_
        rows: list[list[str]] = []
        labels: list[int] = []
        g = 0
        for t, text_kinds in zip(texts, kinds, strict=True):
            a, ctx = t.analysis, t.context
            facts: dict[int, MentionFacts] = {}
            for (q, first, last), kind in zip(t.spans, text_kinds, strict=True):
                cue = anchors[g]
                g += 1
                if q.nested:
                    continue
                gold = {k for s in q.addressee for k in a.tokens_in(s.start, s.end)}
                spk = {k for s in q.speaker for k in a.tokens_in(s.start, s.end)}
                cands = self._addressee_candidates(a, ctx, first, last, cue, kind)
                speaker = next((m for m in cands if m.first in spk or m.last in spk), None)
                for m in cands:
                    if m is speaker:
                        continue
                    if m.first not in facts:
                        facts[m.first] = mention_facts(a, ctx, lex, m, 0)
                    rows.append(
                        addressee_features(
                            a, lex, first, last, kind, m, facts[m.first], cue, speaker
                        )
                    )
                    labels.append(int(any(k in gold for k in range(m.first, m.last + 1))))
        self.addressee_vocabulary_ = self._vocabulary(rows)
        self.addressee_model_ = _fit_binary(
            self.addressee_vocabulary_.matrix(rows), labels, self.C_addressee, self.random_state
        )

    def _predict_addressee(
        self,
        a: Analysis,
        ctx: Context,
        i: int,
        j: int,
        kind: str,
        cue: int,
        speaker: Mention | None,
        known: Mapping[int, tuple[MentionFacts, float]],
    ) -> Mention | None:
        """Return the most likely addressee of the quote ``i..j`` when likely enough."""
        if self.addressee_model_ is None:
            return None
        lex = self.lexicon_
        cands = [
            m
            for m in self._addressee_candidates(a, ctx, i, j, cue, kind)
            if speaker is None or m.first != speaker.first
        ]
        if not cands:
            return None
        rows = []
        for m in cands:
            facts = known[m.first][0] if m.first in known else mention_facts(a, ctx, lex, m, 0)
            rows.append(addressee_features(a, lex, i, j, kind, m, facts, cue, speaker))
        p = _binary_scores(self.addressee_model_, Rows(self.addressee_vocabulary_, rows))
        best = int(np.argmax(p))
        return cands[best] if p[best] >= self.addressee_threshold else None

    # ---------------------------------------------------------------- candidates

    @staticmethod
    def _pairs(a: Analysis) -> list[tuple[int, int]]:
        out = []
        for o, c in a.pairs:
            oi, ci = a.token_at(o), a.token_at(c)
            if ci > oi + 1:
                out.append((oi, ci))
        return out

    @staticmethod
    def _core_end(a: Analysis, i: int, j: int) -> int:
        """Return the last token of a span without its final sentence punctuation."""
        return j - 1 if j > i and a.words[j] in ".!?" else j

    @staticmethod
    def _salience(mentions: Sequence[Mention], canon: Mapping[str, str]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for m in mentions:
            name = canon.get(m.name, m.name)
            counts[name] = counts.get(name, 0) + 1
        return counts

    def _cue_candidates(self, a: Analysis, first: int, last: int) -> list[int]:
        """Words of the quote's sentences (and the one before when it opens a sentence).

        Capitalised words inside a sentence are nouns, cues only when they are attribution
        markers or source nouns ("mit den Worten", "nach Ansicht").
        """
        s0, s1 = a.sent[first], a.sent[last]
        lo = a.sent_first[s0 - 1] if s0 > 0 and first == a.sent_first[s0] else a.sent_first[s0]
        hi = a.sent_last[s1]
        lex = self.lexicon_
        words, lower, sent_first, sent = a.words, a.lower, a.sent_first, a.sent
        depth = a.depth
        # quoted words never introduce the quote they are in
        return [
            t
            for t in range(lo, hi + 1)
            if not (depth[t] and first <= t <= last)
            and (
                words[t][:1].islower()
                or (
                    words[t][:1].isupper()
                    and (
                        t == sent_first[sent[t]]
                        or lower[t] in lex.verbs
                        or lower[t] in lex.markers
                        or lex.is_source(lower[t])
                    )
                )
            )
        ]

    def _speaker_candidates(
        self, a: Analysis, ctx: Context, first: int, last: int, kind: str = ""
    ) -> list[tuple[Mention, int]]:
        s0, s1 = a.sent[first], a.sent[last]
        before: list[Mention] = []
        after: list[Mention] = []
        inside: list[Mention] = []
        for m in ctx.mentions_in(s0 - self.context_sentences, s1 + 1):
            if m.last < first:
                before.append(m)
            elif m.first > last:
                after.append(m)
            elif first <= m.first and m.last <= last and kind != "direct":
                inside.append(m)
        # the nearest few of each group: farther ones are rarely the speaker, and a name seen
        # far back usually recurs closer (the metric and the resolution go by name)
        out = [(m, r) for r, m in enumerate(reversed(before[-_MAX_BEFORE:]))]
        out += [(m, r) for r, m in enumerate(after[:_MAX_AFTER])]
        out += [(m, r) for r, m in enumerate(inside[:_MAX_INSIDE])]
        return out

    @staticmethod
    def _cue_ranks(a: Analysis, mentions: Sequence[Mention], cue: int) -> list[int]:
        """Rank each mention by distance to the cue among mentions on its side of the cue."""
        if cue < 0:
            return [-1] * len(mentions)
        s = a.sent[cue]
        before = sorted(
            (cue - m.last, n)
            for n, m in enumerate(mentions)
            if a.sent[m.first] == s and m.last < cue
        )
        after = sorted(
            (m.first - cue, n)
            for n, m in enumerate(mentions)
            if a.sent[m.first] == s and m.first > cue
        )
        ranks = [-1] * len(mentions)
        for side in (before, after):
            for r, (_, n) in enumerate(side):
                ranks[n] = r
        return ranks

    # ----------------------------------------------------------------- decoding

    def _decode(self, probs: np.ndarray, classes: Sequence[str]) -> list[str]:
        """Viterbi over O/B/I with O -> I forbidden (an I continues a B or an I)."""
        n = probs.shape[0]
        logp = np.log(np.clip(probs, 1e-12, 1.0))
        lo = (logp[:, list(classes).index("O")] + np.log(self.outside_weight)).tolist()
        lb = logp[:, list(classes).index("B")].tolist()
        li = logp[:, list(classes).index("I")].tolist()
        so, sb, si = lo[0], lb[0], _NEG
        back: list[tuple[int, int, int]] = []
        for t in range(1, n):
            bo = 0 if so >= sb and so >= si else (1 if sb >= si else 2)
            best_any = so if bo == 0 else (sb if bo == 1 else si)
            bi = 1 if sb >= si else 2
            best_in = sb if bi == 1 else si
            so, sb, si = best_any + lo[t], best_any + lb[t], best_in + li[t]
            back.append((bo, bo, bi))
        k = 0 if so >= sb and so >= si else (1 if sb >= si else 2)
        path = [k]
        for ptr in reversed(back):
            k = ptr[k]
            path.append(k)
        path.reverse()
        return ["OBI"[k] for k in path]

    def _tag(self, a: Analysis, ctx: Context) -> tuple[np.ndarray, list[str]]:
        """Return the tagger's probabilities (columns in ``tagger_.classes_`` order)."""
        assert self.tagger_ is not None
        tf = token_features(a, ctx, self.lexicon_)
        v = self.tagger_vocabulary_
        w = self.tagger_weights_
        scores = Rows(v, tf.tokens).score(w)
        scores += Rows(v, tf.clauses).score(w)[tf.clause_of]
        scores += Rows(v, tf.sentences).score(w)[tf.sent_of]
        scores += self.tagger_.intercept_
        probs = expit(scores)
        probs /= probs.sum(axis=1, keepdims=True)
        return probs, [str(c) for c in self.tagger_.classes_]

    def _spans(self, a: Analysis, ctx: Context) -> list[tuple[int, int, float]]:
        """Decode the tagger's quotation spans ``(first, last, score)``."""
        probs, classes = self._tag(a, ctx)
        tags = self._decode(probs, classes)
        o = classes.index("O")
        spans: list[tuple[int, int, float]] = []
        t = 0
        while t < len(tags):
            if tags[t] != "B":
                t += 1
                continue
            u = t
            while u + 1 < len(tags) and tags[u + 1] == "I":
                u += 1
            score = float(1.0 - probs[t : u + 1, o].mean())
            i, j = t, u
            # an attribution phrase ("laut X", "X zufolge") opening the span is not quoted
            while i < j and (ctx.marker[i] or a.words[i] in ",;:"):
                i += 1
            while j > i and a.words[j] in ",;:":
                j -= 1
            if (
                score >= self.quote_threshold
                and i < j
                and any(a.words[k][:1].isalnum() for k in range(i, j + 1))
            ):
                spans.append((i, j, score))
            t = u + 1
        return spans

    def _tails(
        self, a: Analysis, ctx: Context, spans: list[tuple[int, int, float]]
    ) -> list[tuple[int, int, float]]:
        """Add the clause before a closing attribution: "..., sagte Yoons Büro." / "..., so X.".

        The tagger's context features reach a few clauses; a long sentence ending in a
        reporting verb and its subject is what the subject said, from the sentence start (or
        the end of an earlier quotation in it) to the comma. A span that starts in the sentence
        and runs over the comma is cut there: in the training data a quotation runs over such
        a closing attribution 2 times in its 76 sentences. On Wikinews dev speaker accuracy
        374 -> 376 of 460, quote F1 @0.3 0.779 -> 0.780, @0.8 0.729 -> 0.730.
        """
        lex = self.lexicon_
        starts = {m.first: m for m in ctx.mentions}
        added = []
        for s in range(len(a.sent_first)):
            s0, s1 = a.sent_first[s], a.sent_last[s]
            end = s1 - 1 if s1 > s0 and a.words[s1] in ".!?" else s1
            comma = next(
                (k for k in range(end - 1, s0, -1) if a.words[k] in ",;:" or a.mark[k]), -1
            )
            if comma <= s0 + 2 or a.words[comma] != "," or a.depth[comma]:
                continue
            verb = comma + 1
            if a.lower[verb] not in lex.verbs and a.lower[verb] != "so":
                continue
            m = starts.get(verb + 1)
            if m is None or not end - 3 <= m.last <= end or m.kind in ("rel", "dem"):
                continue
            # a span that runs from the clause over the attribution ends at the comma (the
            # tagger's free indirect speech swallows ", berichtete Vizeregierungssprecher X.")
            spans = [
                (i, comma - 1, p) if s0 <= i < comma <= j <= s1 else (i, j, p) for i, j, p in spans
            ]
            lo = s0
            for i, j, _ in spans:
                if i < comma and j >= s0:
                    if i >= s0 and j <= comma:
                        continue  # replaced by the whole clause below
                    lo = max(lo, j + 1)
            if comma - lo >= 3:
                added.append((lo, comma - 1))
        if not added:
            return spans
        kept = [
            (i, j, p) for i, j, p in spans if not any(lo <= i and j <= hi + 1 for lo, hi in added)
        ]
        return sorted([*kept, *((lo, hi, 0.5) for lo, hi in added)])

    @staticmethod
    def _attributed(
        a: Analysis, ctx: Context, spans: list[tuple[int, int, float]]
    ) -> tuple[list[tuple[int, int, float]], dict[tuple[int, int], tuple[int, int]]]:
        """Make a sentence with an attribution phrase what its source says, without the phrase.

        "Laut ersten Untersuchungen liegt keine Straftat vor." and "Die Oppositionsparteien
        kommen nach vorläufigem Ergebnis auf 194 Sitze." (one discontinuous quotation): in the
        training data nine in ten sentences with "laut X", "nach Angaben X" or "X zufolge" are
        quoted so, more reliably than the tagger finds them. Where the tagger's spans cover less
        than half of such a sentence, they give way to the sentence. Returns the new spans and,
        for those with a phrase inside, the gap (the phrase and its commas).
        """
        regions: dict[int, tuple[int, int]] = {}
        for t, label in enumerate(ctx.marker):
            if label in ("laut", "nach", "zufolge") and not a.depth[t]:
                s = a.sent[t]
                r = regions.get(s)
                if r is None:
                    regions[s] = (t, t)
                elif t == r[1] + 1:
                    regions[s] = (r[0], t)
        gaps: dict[tuple[int, int], tuple[int, int]] = {}
        if not regions:
            return spans, gaps
        out = list(spans)
        for s, (r0, r1) in sorted(regions.items()):
            s0, s1 = a.sent_first[s], a.sent_last[s]
            end = s1 - 1 if s1 > s0 and a.words[s1] in ".!?" else s1
            g0, g1 = r0, r1
            if g0 > s0 and a.words[g0 - 1] == ",":
                g0 -= 1
            if g1 + 1 <= end and a.words[g1 + 1] == ",":
                g1 += 1
            rest = [t for t in range(s0, end + 1) if not g0 <= t <= g1]
            if len(rest) < 3:
                continue
            touching = [n for n, (i, j, _) in enumerate(out) if i <= s1 and j >= s0]
            if any(i < s0 or j > s1 for i, j, _ in (out[n] for n in touching)):
                # in training a quotation attributed by such a phrase keeps to its sentence
                # (259 of 264 times): a span over the sentence boundary is cut there, and
                # the phrase opening a piece is not quoted
                pieces = []
                for n in touching:
                    for i, j, p in _cut(out[n], s0, s1):
                        while i < j and (ctx.marker[i] or a.words[i] in ",;:"):
                            i += 1
                        if any(a.words[k][:1].isalnum() for k in range(i, j + 1)):
                            pieces.append((i, j, p))
                out = [*(span for n, span in enumerate(out) if n not in touching), *pieces]
                out.sort()
                touching = [n for n, (i, j, _) in enumerate(out) if i <= s1 and j >= s0]
            covered = sum(1 for t in rest if any(out[n][0] <= t <= out[n][1] for n in touching))
            if covered * 2 >= len(rest) and not (
                len(touching) == 2 and out[touching[0]][1] < r0 and out[touching[1]][0] > r1
            ):
                continue
            score = max((out[n][2] for n in touching), default=0.5)
            if r0 <= s0:
                joined, gap = (g1 + 1, end, score), None
            elif r1 >= end:
                joined, gap = (s0, g0 - 1, score), None
            else:
                joined, gap = (s0, end, score), (g0, g1)
            out = [span for n, span in enumerate(out) if n not in touching]
            out.append(joined)
            out.sort()
            if gap is not None:
                gaps[joined[:2]] = gap
        return out, gaps

    def _decoded(
        self, a: Analysis, ctx: Context
    ) -> tuple[list[tuple[int, int, float]], dict[tuple[int, int], tuple[int, int]]]:
        """Return the tagger's spans completed by the rules and complements, and their gaps."""
        spans, gaps = self._attributed(a, ctx, self._tails(a, ctx, self._spans(a, ctx)))
        return self._complements(a, ctx, spans), gaps

    def _predict(
        self, text: str, sentences: Sequence[Sentence], collect: bool = False
    ) -> tuple[Analysis, list[_Found]]:
        """Decode, type and attribute the quotations of ``text``.

        ``collect`` keeps every top-level quotation's rescorer features (to fit the rescorer).
        """
        lex = self.lexicon_
        a = analyse(text, sentences, lex.marks)
        if not len(a) or self.tagger_ is None:
            return a, []
        ctx = context(a, lex)
        spans, gaps = self._decoded(a, ctx)
        pairs = sorted(self._pairs(a))
        pair_firsts = [oi for oi, _ in pairs]
        pair_p = np.zeros(0)
        if pairs and self.pair_model_ is not None:
            top = _Spans([(i, j) for i, j, _ in spans])
            inside = [top.where(oi, ci) for oi, ci in pairs]
            rows = Rows(
                self.pair_vocabulary_,
                [
                    pair_features(a, ctx, lex, oi, ci, w)
                    for (oi, ci), w in zip(pairs, inside, strict=True)
                ],
            )
            pair_p = _binary_scores(self.pair_model_, rows)
            # a decoded span that is a pair of marks the model finds no quotation is a name or
            # title in marks ("dem Fernsehsender „Al Jazeera“"): dropped
            names = _Spans(
                [
                    (oi, ci)
                    for (oi, ci), w, p in zip(pairs, inside, pair_p, strict=True)
                    if w == "eq" and p < self.name_threshold
                ]
            )
            if names.spans:
                spans = [(i, j, q) for i, j, q in spans if names.where(i, j) != "eq"]
                top = _Spans([(i, j) for i, j, _ in spans])
            standalone = [
                (oi, ci, float(p))
                for (oi, ci), w, p in zip(pairs, inside, pair_p, strict=True)
                if w == "out" and p >= self.standalone_threshold
            ]
            if standalone:
                kept = [s for s in standalone if not (top.covers(s[0]) or top.covers(s[1]))]
                spans = sorted([*spans, *kept])
        if not spans:
            return a, []
        pair_direct = {
            (oi, ci) for (oi, ci), p in zip(pairs, pair_p, strict=True) if p >= self.pair_threshold
        }
        kinds = self._kinds(a, ctx, spans, pair_direct)
        spans, kinds = self._merge_free_indirect(a, spans, kinds, gaps)
        spans, kinds = self._join_clauses(a, ctx, spans, kinds, gaps)
        spans = self._widen_free_indirect(a, spans, kinds, gaps)
        spans = self._extend_free_indirect(a, ctx, spans, kinds, gaps)
        spans = self._extend_subjunctive_clauses(a, ctx, spans, kinds, gaps)
        canon = canonical_names(ctx.mentions)
        salience = self._salience(ctx.mentions, canon)
        known: dict[int, tuple[MentionFacts, float]] = {}
        cue_known: dict[int, float] = {}
        found: list[_Found] = []
        last_speaker: tuple[int, str] | None = None
        earlier: dict[str, int] = {}
        quoted_sents = {s for i, j, _ in spans for s in range(a.sent[i], a.sent[j] + 1)}
        for (i, j0, score), kind_raw in zip(spans, kinds, strict=True):
            kind: QuoteKind = kind_raw  # type: ignore[assignment]
            j = j0
            if kind == "indirect" and a.words[j] in ".!?" and j > i:
                j -= 1
            if (i, j0) in gaps:
                gaps[(i, j)] = gaps[(i, j0)]
            marked = any(a.depth[k] and a.mark[k] for k in range(i, j + 1))
            if kind == "indirect" and marked:
                kind = "mixed"
            cue = self._predict_cue(a, ctx, i, j, kind_raw, cue_known)
            if kind == "indirect" and not cue and score < self.cueless_threshold:
                # a subordinate clause without a verb of saying: rarely a quotation
                continue
            speaker, name, spk_p = self._predict_speaker(
                a,
                ctx,
                canon,
                salience,
                i,
                j,
                kind_raw,
                last_speaker,
                cue[0] if cue else -1,
                known,
                earlier,
            )
            features = None
            if collect or self.span_model_ is not None:
                neighbours = (a.sent[i] - 1 in quoted_sents, a.sent[j0] + 1 in quoted_sents)
                features = span_keep_features(
                    a,
                    ctx,
                    lex,
                    i,
                    j,
                    kind,
                    score,
                    cue[0] if cue else -1,
                    speaker,
                    spk_p,
                    neighbours,
                )
            if self.span_model_ is not None and features is not None and kind != "direct":
                keep = _binary_scores(self.span_model_, Rows(self.span_vocabulary_, [features]))
                if keep[0] < self.span_threshold:
                    continue
            if speaker is not None and speaker.kind not in ("pron", "rel", "dem"):
                last_speaker = (a.sent[speaker.first], name)
                earlier[name] = earlier.get(name, 0) + 1
            gap = gaps.get((i, j))
            addressee = self._predict_addressee(
                a, ctx, i, j, kind_raw, cue[0] if cue else -1, speaker, known
            )
            found.append(
                _Found(
                    i, j, kind, score, cue, speaker, name, False, gap, spk_p, addressee, features
                )
            )
            if self.emit_nested:
                for oi, ci in pairs[bisect_left(pair_firsts, i) : bisect_right(pair_firsts, j)]:
                    if (
                        (oi, ci) in pair_direct
                        and i <= oi
                        and ci <= j
                        and (oi, ci) != (i, j)
                        and not (oi <= i + 1 and ci >= j - 1)
                    ):
                        found.append(
                            _Found(oi, ci, "direct", score, cue, speaker, name, True, None, spk_p)
                        )
        found.sort(key=lambda f: (f.first, f.nested, -f.last))
        return a, found

    @staticmethod
    def _join_clauses(
        a: Analysis,
        ctx: Context,
        spans: list[tuple[int, int, float]],
        kinds: list[str],
        gaps: dict[tuple[int, int], tuple[int, int]],
    ) -> tuple[list[tuple[int, int, float]], list[str]]:
        """Join reported clauses of one sentence that only a comma or an attribution splits.

        The tagger often ends a quotation at a comma ("Vor einer Anhörung sei es unüblich,
        dass ein Auszug eingeholt werde") or around "nach Angaben X" inside it; such pieces are
        one quotation (with the phrase as its gap). Direct quotations and quotations with a gap
        stay as they are. Updates ``gaps``. With ``_widen_free_indirect``, on Wikinews dev: quote
        F1 @0.3 0.760 -> 0.767, @0.8 0.701 -> 0.717.
        """
        out: list[tuple[int, int, float]] = []
        out_kinds: list[str] = []
        for (i, j, score), kind in zip(spans, kinds, strict=True):
            if (
                out
                and "direct" not in (kind, out_kinds[-1])
                and a.sent[i] == a.sent[out[-1][1]]
                and out[-1][:2] not in gaps
                and (i, j) not in gaps
            ):
                pi, pj, ps = out[-1]
                between = range(pj + 1, i)
                if i == pj + 2 and a.words[pj + 1] == ",":
                    out[-1] = (pi, j, max(ps, score))
                    continue
                if any(ctx.marker[k] for k in between) and all(
                    ctx.marker[k] or a.words[k] == "," for k in between
                ):
                    out[-1] = (pi, j, max(ps, score))
                    gaps[(pi, j)] = (pj + 1, i - 1)
                    continue
            out.append((i, j, score))
            out_kinds.append(kind)
        return out, out_kinds

    @staticmethod
    def _widen_free_indirect(
        a: Analysis,
        spans: list[tuple[int, int, float]],
        kinds: Sequence[str],
        gaps: Mapping[tuple[int, int], tuple[int, int]],
    ) -> list[tuple[int, int, float]]:
        """Widen free indirect quotations to their whole sentences, up to a neighbouring span.

        Free indirect speech is annotated by sentence ("Beim letzten Hochwasser, dessen Ausmaße
        geringer waren, seien 20.000 Soldaten im Einsatz gewesen."); the tagger sometimes
        starts it at a comma.
        """
        out = []
        for n, ((i, j, score), kind) in enumerate(zip(spans, kinds, strict=True)):
            if kind == "free_indirect" and (i, j) not in gaps:
                s0, s1 = a.sent_first[a.sent[i]], a.sent_last[a.sent[j]]
                lo = spans[n - 1][1] + 1 if n and spans[n - 1][1] >= s0 else s0
                hi = spans[n + 1][0] - 1 if n + 1 < len(spans) and spans[n + 1][0] <= s1 else s1
                i, j = min(i, lo), max(j, hi)
            out.append((i, j, score))
        return out

    @staticmethod
    def _extend_free_indirect(
        a: Analysis,
        ctx: Context,
        spans: list[tuple[int, int, float]],
        kinds: Sequence[str],
        gaps: Mapping[tuple[int, int], tuple[int, int]],
    ) -> list[tuple[int, int, float]]:
        """Extend free indirect quotations over the neighbouring sentences in Konjunktiv I.

        Free indirect speech runs over several sentences ("Für eine Frist von einem Jahr sei es
        rechtens. Zurzeit seien alle Anlagen randvoll."); the tagger often finds one of them.
        A neighbouring sentence that no other span touches, with a subjunctive form and no verb
        of saying, joins the quotation: in the training data such a sentence after (before) a
        free indirect quotation belongs to it 71 (77) times in 97 (110), most others being
        quotations of their own, which the tagger finds. On Wikinews dev quote F1 @0.8
        0.723 -> 0.725.
        """
        out = list(spans)
        n_sent = len(a.sent_first)

        def free(s: int, n: int) -> bool:
            lo, hi = a.sent_first[s], a.sent_last[s]
            return (
                ctx.sent_konj[s]
                and not ctx.sent_verb[s]
                and not any(i <= hi and j >= lo for m, (i, j, _) in enumerate(out) if m != n)
            )

        for n, ((i, j, score), kind) in enumerate(zip(spans, kinds, strict=True)):
            if kind != "free_indirect" or (i, j) in gaps:
                continue
            s0, s1 = a.sent[i], a.sent[j]
            while s1 + 1 < n_sent and free(s1 + 1, n):
                s1 += 1
            while s0 > 0 and free(s0 - 1, n):
                s0 -= 1
            out[n] = (min(i, a.sent_first[s0]), max(j, a.sent_last[s1]), score)
        return out

    @staticmethod
    def _extend_subjunctive_clauses(
        a: Analysis,
        ctx: Context,
        spans: list[tuple[int, int, float]],
        kinds: Sequence[str],
        gaps: Mapping[tuple[int, int], tuple[int, int]],
    ) -> list[tuple[int, int, float]]:
        """Open a non-direct quotation at the subjunctive clauses before it in its sentence.

        "Die Besorgnis resultiere aus der Tatsache, dass ..." is one quotation; the tagger
        often starts it at "dass". In the training data a clause before a comma and a quoted
        clause, with a subjunctive form and no verb of saying, is in the same quotation 274
        times in 277. Only clauses that no other span touches are taken. On Wikinews dev quote F1
        @0.8 0.725 -> 0.727.
        """
        out = list(spans)
        for n, ((i, j, score), kind) in enumerate(zip(spans, kinds, strict=True)):
            if kind == "direct" or (i, j) in gaps:
                continue
            lo = i
            while lo > 0 and a.words[lo - 1] == "," and a.sent[lo - 1] == a.sent[lo]:
                c = a.clause[lo - 1]
                first = a.clause_first[c]
                if not ctx.clause_konj[c] or ctx.clause_verb[c]:
                    break
                if any(pi <= lo - 1 and pj >= first for pi, pj, _ in out[:n]):
                    break
                lo = first
            out[n] = (lo, j, score)
        return out

    @staticmethod
    def _merge_free_indirect(
        a: Analysis,
        spans: list[tuple[int, int, float]],
        kinds: list[str],
        gaps: Mapping[tuple[int, int], tuple[int, int]],
    ) -> tuple[list[tuple[int, int, float]], list[str]]:
        """Join free indirect speech over consecutive sentences into one quotation.

        In the training data a run of free indirect sentences is one quotation far more often
        than several; the tagger sometimes opens a new one at each sentence.
        """
        out: list[tuple[int, int, float]] = []
        out_kinds: list[str] = []
        for (i, j, score), kind in zip(spans, kinds, strict=True):
            if (
                out
                and kind == "free_indirect"
                and out_kinds[-1] == "free_indirect"
                and i == out[-1][1] + 1
                and a.sent[i] != a.sent[out[-1][1]]
                and out[-1][:2] not in gaps
                and (i, j) not in gaps
            ):
                pi, _, ps = out[-1]
                out[-1] = (pi, j, max(ps, score))
                continue
            out.append((i, j, score))
            out_kinds.append(kind)
        return out, out_kinds

    def _kinds(
        self,
        a: Analysis,
        ctx: Context,
        spans: Sequence[tuple[int, int, float]],
        pair_direct: Collection[tuple[int, int]],
    ) -> list[str]:
        lex = self.lexicon_
        kinds = self._predict_kinds(
            [span_kind_features(a, ctx, lex, i, self._core_end(a, i, j)) for i, j, _ in spans]
        )
        for n, (i, j, _) in enumerate(spans):
            if (i, j) in pair_direct or (i, j - 1) in pair_direct:
                kinds[n] = "direct"
        return kinds

    def _predict_cue(
        self, a: Analysis, ctx: Context, i: int, j: int, kind: str, known: dict[int, float]
    ) -> list[int]:
        """Return the cue tokens of the quote ``i..j``, the most likely first.

        ``known`` keeps the weight of each token's quotation-independent cue features: the
        candidates of neighbouring quotations overlap.
        """
        cands = self._cue_candidates(a, i, j)
        if not cands or self.cue_model_ is None:
            return []
        lex = self.lexicon_
        coef = self.cue_model_.coef_[0]
        new = [t for t in cands if t not in known]
        if new:
            partial = Rows(
                self.cue_vocabulary_, [cue_token_features(a, ctx, lex, t) for t in new]
            ).score(coef)
            known.update(zip(new, partial.tolist(), strict=True))
        rows = Rows(self.cue_vocabulary_, [cue_features(a, ctx, lex, i, j, kind, t) for t in cands])
        scores = rows.score(coef) + np.array([known[t] for t in cands])
        p = expit(scores + self.cue_model_.intercept_[0])
        chosen = [t for t, pt in zip(cands, p, strict=True) if pt >= self.cue_threshold]
        best = int(np.argmax(p))
        # the most likely cue first: the speaker features are relative to it
        return sorted(chosen, key=lambda t: t != cands[best])

    def _predict_speaker(
        self,
        a: Analysis,
        ctx: Context,
        canon: Mapping[str, str],
        salience: Mapping[str, int],
        i: int,
        j: int,
        kind: str,
        last_speaker: tuple[int, str] | None,
        cue: int,
        known: dict[int, tuple[MentionFacts, float]],
        earlier: Mapping[str, int],
    ) -> tuple[Mention | None, str, float | None]:
        """Rank the candidates of the quote ``i..j``; return the best, its name and probability.

        ``known`` keeps, per mention of the text, its facts and the weight of its
        quotation-independent features: a mention is a candidate for several quotations.
        """
        cands = self._speaker_candidates(a, ctx, i, j, kind)
        if not cands:
            return None, "", None
        coef = self.speaker_model_.coef_
        new = [m for m, _ in cands if m.first not in known]
        if new:
            facts = [
                mention_facts(a, ctx, self.lexicon_, m, salience.get(canon.get(m.name, m.name), 0))
                for m in new
            ]
            partial = Rows(self.speaker_vocabulary_, [f.features for f in facts]).score(coef)
            for m, f, w in zip(new, facts, partial, strict=True):
                known[m.first] = (f, float(w))
        prev = last_speaker[1] if last_speaker else ""
        cue_ranks = self._cue_ranks(a, [m for m, _ in cands], cue)
        rows = Rows(
            self.speaker_vocabulary_,
            [
                [
                    *speaker_features(
                        a,
                        ctx,
                        i,
                        j,
                        kind,
                        m,
                        known[m.first][0],
                        r,
                        prev,
                        canon.get(m.name, m.name),
                        cue,
                        cr,
                        earlier,
                    ),
                    *speaker_head_features(
                        self.head_rates_.get(m.head, -1.0), speaker_features_pos(a, i, j, m)
                    ),
                ]
                for (m, r), cr in zip(cands, cue_ranks, strict=True)
            ],
        )
        scores = rows.score(coef) + np.array([known[m.first][1] for m, _ in cands])
        p = np.exp(scores - scores.max())
        p /= p.sum()
        best = int(np.argmax(p))
        if p[best] < self.speaker_threshold:
            return None, "", None
        m = cands[best][0]
        return m, self._resolve(a, ctx, canon, salience, m, last_speaker), float(p[best])

    @staticmethod
    def _resolve(
        a: Analysis,
        ctx: Context,
        canon: Mapping[str, str],
        salience: Mapping[str, int],
        m: Mention,
        last_speaker: tuple[int, str] | None,
    ) -> str:
        """Name the speaker mention ``m``: its fullest name, or a pronoun's antecedent."""
        if m.kind not in ("pron", "rel", "dem"):
            return canon.get(m.name, m.name)
        sm = a.sent[m.first]
        if m.kind == "rel":
            before = [c for c in ctx.mentions_in(sm, sm) if c.last < m.first]
            before = [c for c in before if c.kind not in ("pron", "rel", "dem")]
            if before:
                c = before[-1]
                return canon.get(c.name, c.name)
        if last_speaker is not None and sm - last_speaker[0] <= 4:
            return last_speaker[1]
        prior = [c for c in ctx.mentions_in(sm - 3, sm) if c.last < m.first and is_named(c)]
        if not prior:
            return m.name
        initial = [c for c in prior if c.first == a.clause_first[a.clause[c.first]]]
        if initial:
            c = initial[-1]
        else:
            c = max(prior, key=lambda c: salience.get(canon.get(c.name, c.name), 0))
        return canon.get(c.name, c.name)

    # ------------------------------------------------------------------- output

    @staticmethod
    def _tokens(f: _Found) -> list[int]:
        """Return the tokens of a found quotation, without its gap."""
        if f.gap is None:
            return list(range(f.first, f.last + 1))
        g0, g1 = f.gap
        return [k for k in range(f.first, f.last + 1) if not g0 <= k <= g1]

    def find(self, text: str, sentences: Sequence[Sentence]) -> tuple[Quote, ...]:
        """Return the quotations of ``text`` in text order (ids 0..n-1).

        ``sentences`` are the segmenter's sentences of ``text``; any split works.
        """
        a, found = self._predict(text, sentences)
        sent_spans = sorted((s.start, s.end, s.id) for s in sentences)
        sent_starts = [start for start, _, _ in sent_spans]
        out = []
        for n, f in enumerate(found):
            start, end = a.starts[f.first], a.ends[f.last]
            cue = None
            if f.cue:
                t = f.cue[0]
                cue = Span(a.starts[t], a.ends[t], text[a.starts[t] : a.ends[t]])
            speaker = None
            if f.speaker is not None:
                s, e = a.starts[f.speaker.first], a.ends[f.speaker.last]
                spk_score = None if f.speaker_score is None else round(f.speaker_score, 4)
                speaker = Speaker(f.speaker_name or text[s:e], s, e, text[s:e], spk_score)
            ids = _overlapping(sent_spans, sent_starts, start, end)
            out.append(
                Quote(n, start, end, text[start:end], f.kind, cue, speaker, ids, round(f.score, 4))
            )
        return tuple(out)

    def annotate(self, text: str, sentences: Sequence[Sentence]) -> tuple[GoldQuote, ...]:
        """Return the quotations with every role (quote, speaker, cue, frame) as ``GoldQuote``s."""
        a, found = self._predict(text, sentences)
        in_quote = [False] * len(a)
        for f in found:
            for k in self._tokens(f):
                in_quote[k] = True

        def spans(tokens: Sequence[int]) -> tuple[Span, ...]:
            return tuple(
                Span(a.starts[g[0]], a.ends[g[-1]], text[a.starts[g[0]] : a.ends[g[-1]]])
                for g in _groups(tokens)
            )

        result = []
        for f in found:
            frame: list[int] = []
            if f.cue:
                s = a.sent[f.cue[0]]
                lo, hi = a.sent_first[s], a.sent_last[s]
                if a.words[hi] in ".!?" and not in_quote[hi]:
                    hi -= 1
                frame = [t for t in range(lo, hi + 1) if not in_quote[t]]
            speaker: tuple[Span, ...] = ()
            if f.speaker is not None:
                speaker = spans(range(f.speaker.first, f.speaker.last + 1))
            addressee: tuple[Span, ...] = ()
            if f.addressee is not None:
                addressee = spans(range(f.addressee.first, f.addressee.last + 1))
            result.append(
                GoldQuote(
                    kind=f.kind,
                    quote=spans(self._tokens(f)),
                    speaker=speaker,
                    cue=spans(f.cue),
                    frame=spans(frame),
                    addressee=addressee,
                    nested=f.nested,
                )
            )
        return tuple(result)
