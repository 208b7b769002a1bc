"""``QuoteFinder``: learned German quotation detection, typing, cue and speaker attribution.

Four scikit-learn models over hashed sparse features, all fitted on annotated documents:

1. a token tagger (logistic regression, BIO labels, Viterbi decoding) that delimits top-level
   quotations, a quotation over several sentences being one span;
2. a span classifier for the kind (direct, indirect, reported, free indirect; an indirect quote
   holding quotation marks is ``mixed``);
3. a cue scorer over the tokens around the quote;
4. a speaker ranker over candidate mentions (names, noun phrases, pronouns) in the quote's
   sentences and the ``context_sentences`` before it; pronouns resolve to the previous speaker
   or the nearest name, names to their fullest form in the text.

Quoted fragments inside a found quote are emitted as nested direct quotes (``emit_nested``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.feature_extraction import FeatureHasher
from sklearn.linear_model import LogisticRegression, SGDClassifier

from quotestance.quotes.features import (
    Context,
    Mention,
    TokenFeatures,
    canonical_names,
    context,
    cue_features,
    find_mentions,
    is_named,
    span_kind_features,
    speaker_features,
    speaker_features_pos,
    speaker_head_features,
    token_features,
)
from quotestance.quotes.lexicon import Lexicon, function_words, make_lexicon
from quotestance.quotes.text import Analysis, analyse, make_marks
from quotestance.records import (
    AnnotatedDocument,
    GoldQuote,
    Quote,
    QuoteKind,
    Sentence,
    Span,
    Speaker,
)

_KINDS = ("direct", "indirect", "reported", "free_indirect")
_NEG = -1e9


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


class QuoteFinder(BaseEstimator):
    """Find quotations with their kind, cue and speaker in German news text.

    ``fit(documents)`` learns from ``AnnotatedDocument``s; ``find(text, sentences)`` returns
    ``Quote`` records; ``annotate`` returns ``GoldQuote``s with all roles (incl. frame) for the
    token-level metric. Resources (quotation marks, reporting verbs, subjunctive forms, pronouns,
    role nouns) come from ``conf/quotes/<language>.yaml`` and are carried by the fitted object.
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
        quote_threshold: float = 0.5,
        outside_weight: float = 1.0,
        speaker_threshold: float = 0.2,
        cue_threshold: float = 0.5,
        context_sentences: int = 3,
        emit_nested: bool = True,
        alpha_tagger: float = 1e-5,
        C_speaker: float = 1.0,
        C_cue: float = 1.0,
        C_kind: float = 1.0,
        n_features: int = 2**20,
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
        self.quote_threshold = quote_threshold
        self.outside_weight = outside_weight
        self.speaker_threshold = speaker_threshold
        self.cue_threshold = cue_threshold
        self.context_sentences = context_sentences
        self.emit_nested = emit_nested
        self.alpha_tagger = alpha_tagger
        self.C_speaker = C_speaker
        self.C_cue = C_cue
        self.C_kind = C_kind
        self.n_features = n_features
        self.max_iter = max_iter
        self.random_state = random_state

    # ------------------------------------------------------------------ fitting

    def _marks(self) -> Any:
        pairs = self.mark_pairs if self.mark_pairs is not None else {"„": "“", "»": "«", '"': '"'}
        return make_marks(self.open_marks, self.close_marks, pairs)

    def _model(self, C: float, solver: str = "liblinear") -> LogisticRegression:
        return LogisticRegression(
            C=C, solver=solver, max_iter=max(self.max_iter, 100), random_state=self.random_state
        )

    def fit(self, documents: Sequence[AnnotatedDocument]) -> QuoteFinder:
        """Learn the four models from annotated documents; return ``self``."""
        if not documents:
            raise ValueError("fit needs at least one annotated document")
        marks = self._marks()
        analyses = [analyse(d.text, d.sentences, marks) for d in documents]
        self.lexicon_: Lexicon = make_lexicon(
            marks,
            self.reporting_verbs,
            self.reporting_verb_forms,
            self.subjunctive_forms,
            self.attribution_markers,
            self.pronouns,
            self.determiners,
            self.role_nouns,
            function_words(a.words for a in analyses),
        )
        lex = self.lexicon_
        self.hasher_ = FeatureHasher(
            n_features=self.n_features, input_type="string", alternate_sign=False
        )
        tok_x: list[TokenFeatures] = []
        tok_y: list[str] = []
        kind_x: list[list[str]] = []
        kind_y: list[str] = []
        cue_x: list[list[str]] = []
        cue_y: list[int] = []
        spk_x: list[list[str]] = []
        spk_y: list[int] = []
        spk_heads: list[tuple[str, str]] = []
        head_counts: dict[str, tuple[int, int]] = {}
        for doc, a in zip(documents, analyses, strict=True):
            if not len(a):
                continue
            ctx = context(a, lex)
            labels = ["O"] * len(a)
            spans = []
            for q in doc.quotes:
                ranges = [a.tokens_in(s.start, s.end) for s in q.quote]
                ranges = [r for r in ranges if len(r)]
                if not ranges:
                    continue
                first, last = ranges[0][0], ranges[-1][-1]
                spans.append((q, first, last))
                if q.nested:
                    continue
                for r in ranges:
                    labels[r[0]] = "B"
                    for k in r[1:]:
                        labels[k] = "I"
            tok_x.append(token_features(a, ctx, lex))
            tok_y.extend(labels)
            mentions = find_mentions(a, lex)
            canon = canonical_names(mentions)
            salience = self._salience(mentions, canon)
            prev_speaker = ""
            for q, first, last in spans:
                kind = "indirect" if q.kind == "mixed" else q.kind
                if not q.nested:
                    kind_x.append(span_kind_features(a, ctx, lex, first, last))
                    kind_y.append(kind)
                cue_tokens = {k for s in q.cue for k in a.tokens_in(s.start, s.end)}
                for t in self._cue_candidates(a, first, last):
                    cue_x.append(cue_features(a, ctx, lex, first, last, kind, t))
                    cue_y.append(int(t in cue_tokens))
                if not q.speaker:
                    continue
                gold = {k for s in q.speaker for k in a.tokens_in(s.start, s.end)}
                cands = self._speaker_candidates(a, mentions, first, last, kind)
                labels_m = [
                    int(any(k in gold for k in range(m.first, m.last + 1))) for m, _ in cands
                ]
                if not any(labels_m):
                    continue
                for (m, rank), y in zip(cands, labels_m, strict=True):
                    name = canon.get(m.name, m.name)
                    spk_x.append(
                        speaker_features(
                            a,
                            ctx,
                            lex,
                            first,
                            last,
                            kind,
                            m,
                            rank,
                            prev_speaker,
                            salience.get(name, 0),
                            name,
                        )
                    )
                    spk_y.append(y)
                    spk_heads.append((m.head, spk_x[-1][2][4:8]))
                    pos_, tot_ = head_counts.get(m.head, (0, 0))
                    head_counts[m.head] = (pos_ + y, tot_ + 1)
                pos = [m for (m, _), y in zip(cands, labels_m, strict=True) if y]
                if pos[0].kind != "pron":
                    prev_speaker = canon.get(pos[0].name, pos[0].name)
        h = self.hasher_
        self.head_rates_ = {
            head: pos / (tot + 2.0) for head, (pos, tot) in head_counts.items() if tot >= 2
        }
        spk_x = [
            [*x, *speaker_head_features(self.head_rates_.get(head, -1.0), pos)]
            for x, (head, pos) in zip(spk_x, spk_heads, strict=True)
        ]
        self.tagger_ = SGDClassifier(
            loss="log_loss",
            alpha=self.alpha_tagger,
            max_iter=self.max_iter,
            tol=1e-4,
            average=True,
            random_state=self.random_state,
        ).fit(sparse.vstack([self._token_matrix(x) for x in tok_x]).tocsr(), tok_y)
        self.kind_model_ = self._model(self.C_kind, "lbfgs").fit(h.transform(kind_x), kind_y)
        self.cue_model_ = self._model(self.C_cue).fit(h.transform(cue_x), cue_y)
        self.speaker_model_ = self._model(self.C_speaker).fit(h.transform(spk_x), spk_y)
        return self

    def _token_matrix(self, feats: TokenFeatures) -> sparse.csr_matrix:
        h = self.hasher_
        x = h.transform(feats.tokens)
        x += h.transform(feats.clauses)[feats.clause_of]
        x += h.transform(feats.sentences)[feats.sent_of]
        return x

    # ---------------------------------------------------------------- candidates

    @staticmethod
    def _salience(mentions: Sequence[Mention], canon: Mapping[str, str]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for m in mentions:
            name = canon.get(m.name, m.name)
            counts[name] = counts.get(name, 0) + 1
        return counts

    def _cue_candidates(self, a: Analysis, first: int, last: int) -> list[int]:
        s0, s1 = a.sent[first], a.sent[last]
        lo = a.sent_first[s0 - 1] if s0 > 0 and first == a.sent_first[s0] else a.sent_first[s0]
        hi = a.sent_last[s1]
        return [t for t in range(lo, hi + 1) if a.words[t][:1].isalpha()]

    def _speaker_candidates(
        self, a: Analysis, mentions: Sequence[Mention], first: int, last: int, kind: str = ""
    ) -> list[tuple[Mention, int]]:
        s0, s1 = a.sent[first], a.sent[last]
        lo = max(s0 - self.context_sentences, 0)
        hi = s1 + 1
        before: list[Mention] = []
        after: list[Mention] = []
        inside: list[Mention] = []
        for m in mentions:
            sm = a.sent[m.first]
            if sm < lo or sm > hi:
                continue
            if m.last < first:
                before.append(m)
            elif m.first > last:
                after.append(m)
            elif first <= m.first and m.last <= last and kind != "direct":
                inside.append(m)
        out = [(m, r) for r, m in enumerate(reversed(before))]
        out += [(m, r) for r, m in enumerate(after)]
        out += [(m, r) for r, m in enumerate(inside)]
        return out

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

    def _predict(self, text: str, sentences: Sequence[Sentence]) -> tuple[Analysis, list[_Found]]:
        lex = self.lexicon_
        a = analyse(text, sentences, lex.marks)
        if not len(a):
            return a, []
        ctx = context(a, lex)
        h = self.hasher_
        probs = self.tagger_.predict_proba(self._token_matrix(token_features(a, ctx, lex)))
        classes = list(self.tagger_.classes_)
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
            if any(a.words[k][:1].isalnum() for k in range(t, u + 1)):
                score = float(1.0 - probs[t : u + 1, o].mean())
                if score >= self.quote_threshold:
                    spans.append((t, u, score))
            t = u + 1
        if not spans:
            return a, []
        mentions = find_mentions(a, lex)
        starts_at = {m.first: m for m in mentions}
        trimmed = []
        for i, j, score in spans:
            if a.lower[i] in ("laut", "so") and i + 1 in starts_at:
                i = starts_at[i + 1].last + 1
            if i < j:
                trimmed.append((i, j, score))
        spans = trimmed
        if not spans:
            return a, []
        kinds = self.kind_model_.predict(
            h.transform(
                [
                    span_kind_features(a, ctx, lex, i, j - (a.words[j] in ".!?" and j > i))
                    for i, j, _ in spans
                ]
            )
        )
        canon = canonical_names(mentions)
        salience = self._salience(mentions, canon)
        found: list[_Found] = []
        last_speaker: tuple[int, str] | None = None
        for (i, j, score), kind_raw in zip(spans, kinds, strict=True):
            kind: QuoteKind = str(kind_raw)  # type: ignore[assignment]
            if kind in ("indirect", "reported") and a.words[j] in ".!?" and j > i:
                j -= 1
            marked = any(a.depth[k] and a.mark[k] for k in range(i, j + 1))
            if kind == "indirect" and marked:
                kind = "mixed"
            cue = self._predict_cue(a, ctx, i, j, str(kind_raw))
            speaker, name = self._predict_speaker(
                a, ctx, mentions, canon, salience, i, j, str(kind_raw), last_speaker
            )
            if speaker is not None and speaker.kind != "pron":
                last_speaker = (a.sent[speaker.first], name)
            found.append(_Found(i, j, kind, score, cue, speaker, name, False))
            if self.emit_nested:
                for oc, cc in a.pairs:
                    oi, ci = a.token_at(oc), a.token_at(cc)
                    if (
                        i <= oi
                        and ci <= j
                        and (oi, ci) != (i, j)
                        and not (oi <= i + 1 and ci >= j - 1)
                    ):
                        found.append(_Found(oi, ci, "direct", score, cue, speaker, name, True))
        found.sort(key=lambda f: (f.first, f.nested, -f.last))
        return a, found

    def _predict_cue(self, a: Analysis, ctx: Context, i: int, j: int, kind: str) -> list[int]:
        cands = self._cue_candidates(a, i, j)
        if not cands:
            return []
        lex = self.lexicon_
        x = self.hasher_.transform([cue_features(a, ctx, lex, i, j, kind, t) for t in cands])
        p = self.cue_model_.predict_proba(x)[:, 1]
        chosen = [t for t, pt in zip(cands, p, strict=True) if pt >= self.cue_threshold]
        return chosen

    def _predict_speaker(
        self,
        a: Analysis,
        ctx: Context,
        mentions: Sequence[Mention],
        canon: Mapping[str, str],
        salience: Mapping[str, int],
        i: int,
        j: int,
        kind: str,
        last_speaker: tuple[int, str] | None,
    ) -> tuple[Mention | None, str]:
        cands = self._speaker_candidates(a, mentions, i, j, kind)
        if not cands:
            return None, ""
        lex = self.lexicon_
        prev = last_speaker[1] if last_speaker else ""
        x = self.hasher_.transform(
            [
                [
                    *speaker_features(a, ctx, lex, i, j, kind, m, r, prev, salience.get(c, 0), c),
                    *speaker_head_features(
                        self.head_rates_.get(m.head, -1.0),
                        speaker_features_pos(a, i, j, m),
                    ),
                ]
                for m, r, c in ((m, r, canon.get(m.name, m.name)) for m, r in cands)
            ]
        )
        p = self.speaker_model_.predict_proba(x)[:, 1]
        best = int(np.argmax(p))
        if p[best] < self.speaker_threshold:
            return None, ""
        m = cands[best][0]
        if m.kind != "pron":
            return m, canon.get(m.name, m.name)
        if last_speaker is not None and a.sent[m.first] - last_speaker[0] <= 4:
            return m, last_speaker[1]
        sm = a.sent[m.first]
        prior = [
            c for c in mentions if c.last < m.first and is_named(c) and sm - a.sent[c.first] <= 3
        ]
        if not prior:
            return m, m.name
        initial = [c for c in prior if c.first == a.clause_first[a.clause[c.first]]]
        if initial:
            c = initial[-1]
        else:
            c = max(prior, key=lambda c: salience.get(canon.get(c.name, c.name), 0))
        return m, canon.get(c.name, c.name)

    # ------------------------------------------------------------------- output

    def find(self, text: str, sentences: Sequence[Sentence]) -> tuple[Quote, ...]:
        """Return the quotations of ``text`` in text order (ids 0..n-1).

        ``sentences`` are the segmenter's sentences of ``text``; any split works.
        """
        a, found = self._predict(text, sentences)
        sent_spans = sorted((s.start, s.end, s.id) for s in sentences)
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
                speaker = Speaker(f.speaker_name or text[s:e], s, e, text[s:e])
            ids = tuple(sid for s, e, sid in sent_spans if s < end and start < e)
            out.append(
                Quote(n, start, end, text[start:end], f.kind, cue, speaker, ids, round(f.score, 4))
            )
        return tuple(out)

    def annotate(self, text: str, sentences: Sequence[Sentence]) -> tuple[GoldQuote, ...]:
        """Return the quotations with every role (quote, speaker, cue, frame) as ``GoldQuote``s."""
        a, found = self._predict(text, sentences)
        in_quote = [False] * len(a)
        for f in found:
            for k in range(f.first, f.last + 1):
                in_quote[k] = True

        def spans(tokens: Sequence[int]) -> tuple[Span, ...]:
            groups: list[list[int]] = []
            for t in sorted(tokens):
                if groups and t == groups[-1][-1] + 1:
                    groups[-1].append(t)
                else:
                    groups.append([t])
            return tuple(
                Span(a.starts[g[0]], a.ends[g[-1]], text[a.starts[g[0]] : a.ends[g[-1]]])
                for g in groups
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
            result.append(
                GoldQuote(
                    kind=f.kind,
                    quote=spans(range(f.first, f.last + 1)),
                    speaker=speaker,
                    cue=spans(f.cue),
                    frame=spans(frame),
                    nested=f.nested,
                )
            )
        return tuple(result)
