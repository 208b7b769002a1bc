"""Target-aware text views of a stance example: the mention masked, windows, cues, interactions.

``TargetViews`` turns the model input (text, target, start, end) into string columns that
bag-of-words vectorizers consume:

- ``marked``: the text with the mention replaced by a placeholder (for character n-grams);
- ``scoped``: lower-cased words of ``marked``, those inside a negation scope prefixed ``not_``;
- ``window``: the words near the mention, prefixed by side (``l_``/``r_``) and nearness (``n_``);
- ``crossed``: the window words and cues prefixed with the target (target interactions);
- ``cues``: symbolic features: where the mention sits relative to reporting verbs, quotation
  marks and attribution markers (is the evaluation the speaker's or the author's?), lexicon
  polarity per scope (clause, near window, each side, sentence) after negation, and pairs of
  clause position and polarity.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from quotestance.features.inputs import (
    Tokenized,
    check_n_features,
    n_input_features,
    stance_frame,
    tokenize,
)
from quotestance.lexicons import guess_language, load_lexicons, normalize, polarity, stem_index

TARGET_TOKEN = "ZIELAKTEUR"
VIEW_COLUMNS: tuple[str, ...] = ("marked", "scoped", "window", "crossed", "cues")
CUE_KEYS: tuple[str, ...] = (
    "reporting",
    "subjunctive",
    "attribution",
    "negation",
    "clause_breaks",
    "quote_marks",
)
_NEAR = 3
_POLARITY_THRESHOLD = 0.25


def default_cues() -> dict[str, list[str]]:
    """Return the shipped German and English cue words (``resources/stance_cues.json``)."""
    text = resources.files("quotestance.resources").joinpath("stance_cues.json").read_text("utf-8")
    data = json.loads(text)
    return {key: list(data[key]) for key in CUE_KEYS}


class _Cues:
    """Cue word lists compiled for matching: reporting cues of 4+ characters as word beginnings."""

    def __init__(self, cues: Mapping[str, Sequence[str]]) -> None:
        self.sets: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {}
        for key in CUE_KEYS:
            words = [normalize(w) for w in cues.get(key, ())]
            by_prefix = key == "reporting"
            whole = frozenset(w for w in words if len(w) < 4 or not by_prefix)
            prefixes = tuple(w for w in words if len(w) >= 4 and by_prefix)
            self.sets[key] = (whole, prefixes)

    def match(self, key: str, word: str) -> bool:
        whole, prefixes = self.sets[key]
        return word in whole or word.startswith(prefixes)


class TargetViews(TransformerMixin, BaseEstimator):
    """Derive target-aware string views (see the module docstring) from the stance input.

    Parameters
    ----------
    window : int
        Words on each side of the mention that form the window views.
    lexicon_languages : sequence of str
        Shipped polarity lexicons to use (``de``, ``en``); empty for none.
    cues : mapping or None
        Cue word lists (keys of ``CUE_KEYS``); ``None`` uses ``default_cues()``.
    cross_target : bool
        Also emit window words and cues prefixed with the target.

    """

    def __init__(
        self,
        window: int = 6,
        lexicon_languages: Sequence[str] = ("de", "en"),
        cues: Mapping[str, Sequence[str]] | None = None,
        cross_target: bool = True,
    ) -> None:
        self.window = window
        self.lexicon_languages = lexicon_languages
        self.cues = cues
        self.cross_target = cross_target

    def fit(self, X: Any, y: Any = None) -> TargetViews:
        """Check the input and load the lexicon and cue lists the views need."""
        stance_frame(X)
        self.n_features_in_ = n_input_features(X)
        self.lexicons_ = load_lexicons(self.lexicon_languages)
        self.stems_ = {language: stem_index(lex) for language, lex in self.lexicons_.items()}
        self.cues_ = {k: list(v) for k, v in (self.cues or default_cues()).items()}
        return self

    def transform(self, X: Any) -> pd.DataFrame:
        """Return a frame with the string columns of ``VIEW_COLUMNS``, one row per input row."""
        check_is_fitted(self, "cues_")
        frame = stance_frame(X)
        check_n_features(self, X)
        compiled = _Cues(self.cues_)
        rows = [
            self._views(text, target, start, end, compiled)
            for text, target, start, end in frame.itertuples(index=False)
        ]
        return pd.DataFrame(rows, columns=list(VIEW_COLUMNS))

    def get_feature_names_out(self, input_features: Any = None) -> Any:
        """Return the names of the view columns."""
        return np.asarray(VIEW_COLUMNS, dtype=object)

    def __sklearn_tags__(self) -> Any:
        """Text input (a frame, or an array read by position); string output."""
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.allow_nan = True
        return tags

    def _views(self, text: str, target: str, start: int, end: int, cues: _Cues) -> list[str]:
        tok = tokenize(text, target, start, end)
        lower = [normalize(t) for t in tok.tokens]
        negated = negation_scope(lower, cues)
        words = [i for i, t in enumerate(tok.tokens) if t[0].isalnum() or t[0] == "_"]
        mention = tok.mention
        marked = _mark(text, tok)
        scoped = " ".join(
            TARGET_TOKEN
            if mention and mention[0] <= i < mention[1]
            else ("not_" if negated[i] else "") + lower[i]
            for i in words
        )
        window_words: list[str] = []
        if mention:
            left = [i for i in words if i < mention[0]][-self.window :]
            right = [i for i in words if i >= mention[1]][: self.window]
            for rank, i in enumerate(reversed(left)):
                word = ("not_" if negated[i] else "") + lower[i]
                window_words += [f"l_{word}", word] + ([f"n_{word}"] if rank < _NEAR else [])
            for rank, i in enumerate(right):
                word = ("not_" if negated[i] else "") + lower[i]
                window_words += [f"r_{word}", word] + ([f"n_{word}"] if rank < _NEAR else [])
            for token in lower[mention[0] : mention[1]]:
                # the words of the mention itself: "Russland-Sanktionen" -> m_sanktionen
                window_words += [f"m_{part}" for part in re.split(r"[-'’]", token) if part]
        else:
            window_words = ["no_mention"]
        cue_tokens = self._cue_tokens(tok, lower, negated, words, cues)
        crossed = ""
        tag = re.sub(r"\W", "", target).lower() or "t"
        cue_tokens.append(f"target_{tag}")  # a bias per target
        if self.cross_target:
            sentence = [w for w in scoped.split() if w != TARGET_TOKEN]
            crossed = " ".join(
                f"{tag}|{w}" for w in (*window_words, *cue_tokens, *(f"s_{w}" for w in sentence))
            )
        return [marked, scoped, " ".join(window_words), crossed, " ".join(cue_tokens)]

    def _cue_tokens(
        self,
        tok: Tokenized,
        lower: Sequence[str],
        negated: Sequence[bool],
        words: Sequence[int],
        cues: _Cues,
    ) -> list[str]:
        mention = tok.mention
        n = len(lower)
        out: list[str] = []
        scores = polarity_scores(lower, negated, self.lexicons_, self.stems_)
        if any(cues.match("subjunctive", w) for w in lower):
            out.append("reported_subjunctive")
        if any(cues.match("negation", w) for w in lower):
            out.append("has_negation")
        if mention is None:
            out.append("no_mention")
            out += _polarity_tokens("sent", scores)
            return out
        m0, m1 = mention
        first, last = clause_bounds(lower, m0, m1, cues)
        in_quote = sum(1 for w in lower[:m0] if cues.match("quote_marks", w)) % 2 == 1
        out.append("in_quote" if in_quote else "outside_quote")
        if any(cues.match("quote_marks", w) for w in lower):
            out.append("has_quote")
        word_rank = {i: r for r, i in enumerate(words)}
        rank0 = word_rank.get(m0, min((word_rank[i] for i in words if i >= m0), default=0))
        if rank0 <= 1:
            out.append("mention_first")
        if n and m1 >= n - 2:
            out.append("mention_last")
        if any(lower[i] == ":" for i in range(m1, min(n, m1 + 2))):
            out.append("mention_colon")  # "Russland: ..." (the mention speaks)
        reporting = [i for i in range(n) if cues.match("reporting", lower[i])]
        relation = []
        for r in reporting:
            if r < m0:
                relation.append("rv_left_clause" if r >= first else "rv_left")
                if m0 - r <= _NEAR:
                    relation.append("rv_then_mention")
            elif r >= m1:
                relation.append("rv_right_clause" if r <= last else "rv_right")
                if r - m1 < _NEAR:
                    relation.append("mention_then_rv")
        out += sorted(set(relation)) or ["no_rv"]
        if any(cues.match("attribution", lower[i]) for i in range(max(0, m0 - 2), min(n, m1 + 2))):
            out.append("attribution_near")  # "laut Moskau", "Moskau zufolge": the source
        left = list(range(max(0, m0 - self.window), m0))
        right = list(range(m1, min(n, m1 + self.window)))
        near = list(range(max(0, m0 - _NEAR), m0)) + list(range(m1, min(n, m1 + _NEAR)))
        clause = [i for i in range(first, last + 1) if not m0 <= i < m1]
        position = [t for t in out if t.startswith(("rv_", "mention_", "in_quote", "no_rv"))]
        polar: list[str] = []
        for scope, indices in (
            ("clause", clause),
            ("near", near),
            ("left", left),
            ("right", right),
            ("sent", [i for i in range(n) if not m0 <= i < m1]),
        ):
            polar += _polarity_tokens(scope, [scores[i] for i in indices])
        out += polar
        out += [f"{p}&{q}" for p in position for q in polar if q.startswith(("clause", "sent"))]
        return out


def polarity_scores(
    lower: Sequence[str],
    negated: Sequence[bool],
    lexicons: Mapping[str, Mapping[str, float]],
    stems: Mapping[str, Mapping[str, float]],
) -> list[float]:
    """Lexicon polarity of each word in the lexicon of the text's language, flipped if negated."""
    if not lexicons:
        return [0.0] * len(lower)
    language = guess_language(lower, list(lexicons))
    lexicon, stem_map = lexicons[language], stems[language]
    return [
        polarity(w, lexicon, stem_map) * (-1.0 if negated[i] else 1.0) for i, w in enumerate(lower)
    ]


def negation_scope(lower: Sequence[str], cues: _Cues) -> list[bool]:
    """Mark the words after a negation cue up to the next clause break as negated."""
    scope = [False] * len(lower)
    active = False
    for i, word in enumerate(lower):
        if cues.match("clause_breaks", word):
            active = False
        elif cues.match("negation", word):
            active = True
        else:
            scope[i] = active
    return scope


def clause_bounds(lower: Sequence[str], m0: int, m1: int, cues: _Cues) -> tuple[int, int]:
    """Return the first and last token index of the clause around the mention ``[m0, m1)``."""
    first = m0
    while first > 0 and not cues.match("clause_breaks", lower[first - 1]):
        first -= 1
    last = m1 - 1
    while last + 1 < len(lower) and not cues.match("clause_breaks", lower[last + 1]):
        last += 1
    return first, last


def _polarity_tokens(scope: str, scores: Sequence[float]) -> list[str]:
    positive = sum(s for s in scores if s > 0)
    negative = -sum(s for s in scores if s < 0)
    out = []
    if positive >= _POLARITY_THRESHOLD:
        out.append(f"{scope}_pos")
    if negative >= _POLARITY_THRESHOLD:
        out.append(f"{scope}_neg")
    if not out:
        out.append(f"{scope}_flat")
    elif positive > 2 * negative + _POLARITY_THRESHOLD:
        out.append(f"{scope}_netpos")
    elif negative > 2 * positive + _POLARITY_THRESHOLD:
        out.append(f"{scope}_netneg")
    return out


def _mark(text: str, tok: Tokenized) -> str:
    if tok.mention is None:
        return text
    start = tok.spans[tok.mention[0]][0]
    end = tok.spans[tok.mention[1] - 1][1]
    return f"{text[:start]} {TARGET_TOKEN} {text[end:]}"
