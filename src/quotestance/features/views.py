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
  clause position and polarity (with ``roles``: the mention's role guessed from word order,
  crossed with the evaluation cues);
- ``clause``: the negation- and criticism-scoped words of the mention's clause.
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
VIEW_COLUMNS: tuple[str, ...] = ("marked", "scoped", "window", "crossed", "cues", "clause")
CUE_KEYS: tuple[str, ...] = (
    "reporting",
    "subjunctive",
    "attribution",
    "negation",
    "clause_breaks",
    "quote_marks",
    "against",
    "favor",
    "hostile",
    "passive",
)
# Cue lists matched as word beginnings (entries of 4+ characters), of a token or its last
# hyphen part; the others match whole tokens.
PREFIX_KEYS: frozenset[str] = frozenset({"reporting", "against", "favor", "hostile"})
# Evaluative predicates: someone criticises/opposes (``against``) or praises/supports (``favor``)
# what follows; ``hostile`` acts portray their agent as aggressor or threat.
EVALUATION_KEYS: tuple[str, ...] = ("against", "favor", "hostile")
CROSS_MODES: tuple[str, ...] = ("all", "cues")
_NEAR = 3
_POLARITY_THRESHOLD = 0.25


def default_cues() -> dict[str, list[str]]:
    """Return the shipped German and English cue words (``resources/stance_cues.json``)."""
    text = resources.files("quotestance.resources").joinpath("stance_cues.json").read_text("utf-8")
    data = json.loads(text)
    return {key: list(data.get(key, ())) for key in CUE_KEYS}


class _Cues:
    """Cue word lists compiled for matching: ``PREFIX_KEYS`` cues of 4+ characters as beginnings."""

    def __init__(self, cues: Mapping[str, Sequence[str]]) -> None:
        self.sets: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {}
        for key in CUE_KEYS:
            words = [normalize(w) for w in cues.get(key, ())]
            by_prefix = key in PREFIX_KEYS
            whole = frozenset(w for w in words if len(w) < 4 or not by_prefix)
            prefixes = tuple(w for w in words if len(w) >= 4 and by_prefix)
            self.sets[key] = (whole, prefixes)

    def match(self, key: str, word: str) -> bool:
        whole, prefixes = self.sets[key]
        return word in whole or word.startswith(prefixes)

    def match_part(self, key: str, word: str) -> bool:
        """Match ``word`` or, for a compound such as ``nato-kritik``, its last hyphen part."""
        if self.match(key, word):
            return True
        if key in PREFIX_KEYS and "-" in word:
            return self.match(key, word.rsplit("-", 1)[-1])
        return False


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
    cross : str
        What the target is crossed with: ``all`` (window words, cues and sentence words) or
        ``cues`` (the cues only: a per-target prior on evaluation patterns, not on words).
    evaluation : bool
        Emit evaluation-scope cues (``evaluation_tokens``): which evaluative predicates
        (criticism, praise, hostile acts) stand before or after the mention, and how far.
    criticism_scope : bool
        Prefix the words in a criticism scope (``criticism_scope``) with ``crit_`` and flip
        their lexicon polarity, as a negation scope does.
    roles : bool
        Emit the mention's role guessed from word order (``role_tokens``), alone and crossed
        with the evaluation cues.
    target_prior : bool
        Emit a bias token per target (``target_<name>``) and the target's own name among the
        mention words; ``False`` keeps only what a compound mention adds.

    """

    def __init__(
        self,
        window: int = 6,
        lexicon_languages: Sequence[str] = ("de", "en"),
        cues: Mapping[str, Sequence[str]] | None = None,
        cross_target: bool = True,
        cross: str = "all",
        evaluation: bool = True,
        criticism_scope: bool = True,
        roles: bool = False,
        target_prior: bool = True,
    ) -> None:
        self.window = window
        self.lexicon_languages = lexicon_languages
        self.cues = cues
        self.cross_target = cross_target
        self.cross = cross
        self.evaluation = evaluation
        self.criticism_scope = criticism_scope
        self.roles = roles
        self.target_prior = target_prior

    def fit(self, X: Any, y: Any = None) -> TargetViews:
        """Check the input and load the lexicon and cue lists the views need."""
        stance_frame(X)
        self.n_features_in_ = n_input_features(X)
        self.lexicons_ = load_lexicons(self.lexicon_languages)
        self.stems_ = {language: stem_index(lex) for language, lex in self.lexicons_.items()}
        if self.cross not in CROSS_MODES:
            raise ValueError(f"cross must be one of {CROSS_MODES}, not {self.cross!r}")
        # lists missing from an explicit ``cues`` mapping fall back to the shipped ones
        self.cues_ = {**default_cues(), **{k: list(v) for k, v in (self.cues or {}).items()}}
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
        criticised = criticism_scope(lower, cues) if self.criticism_scope else [False] * len(lower)
        both = list(zip(negated, criticised, strict=True))
        prefix = [("not_" if n else "") + ("crit_" if c else "") for n, c in both]
        flipped = [n != c for n, c in both]
        words = [i for i, t in enumerate(tok.tokens) if t[0].isalnum() or t[0] == "_"]
        mention = tok.mention
        marked = _mark(text, tok)
        scoped = " ".join(
            TARGET_TOKEN if mention and mention[0] <= i < mention[1] else prefix[i] + lower[i]
            for i in words
        )
        window_words: list[str] = []
        if mention:
            left = [i for i in words if i < mention[0]][-self.window :]
            right = [i for i in words if i >= mention[1]][: self.window]
            for rank, i in enumerate(reversed(left)):
                word = prefix[i] + lower[i]
                window_words += [f"l_{word}", word] + ([f"n_{word}"] if rank < _NEAR else [])
            for rank, i in enumerate(right):
                word = prefix[i] + lower[i]
                window_words += [f"r_{word}", word] + ([f"n_{word}"] if rank < _NEAR else [])
            for token in lower[mention[0] : mention[1]]:
                # the words of the mention itself: "Russland-Sanktionen" -> m_sanktionen
                parts = [part for part in re.split(r"[-'’]", token) if part]
                if not self.target_prior:  # keep what the compound adds, not the name
                    parts = parts[1:]
                window_words += [f"m_{part}" for part in parts]
        else:
            window_words = ["no_mention"]
        clause_words = ["no_mention"]
        if mention:
            first, last = clause_bounds(lower, mention[0], mention[1], cues)
            clause_words = [
                prefix[i] + lower[i]
                for i in words
                if first <= i <= last and not mention[0] <= i < mention[1]
            ]
        cue_tokens = self._cue_tokens(tok, lower, flipped, words, cues)
        crossed = ""
        tag = re.sub(r"\W", "", target).lower() or "t"
        if self.target_prior:
            cue_tokens.append(f"target_{tag}")  # a bias per target
        if self.cross_target and self.cross == "cues":
            crossed = " ".join(f"{tag}|{w}" for w in cue_tokens)
        elif self.cross_target:
            sentence = [w for w in scoped.split() if w != TARGET_TOKEN]
            crossed = " ".join(
                f"{tag}|{w}" for w in (*window_words, *cue_tokens, *(f"s_{w}" for w in sentence))
            )
        return [
            marked,
            scoped,
            " ".join(window_words),
            crossed,
            " ".join(cue_tokens),
            " ".join(clause_words),
        ]

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
        if self.evaluation:
            evaluated = evaluation_tokens(lower, m0, m1, cues, tok.tokens)
            out += evaluated
            clause_polar = [q for q in polar if q.startswith("clause_")]
            out += [f"{e}&{q}" for e in evaluated if e.startswith("gov_") for q in clause_polar]
            if in_quote or "reported_subjunctive" in out:
                out += [f"reported&{e}" for e in evaluated]
            if self.roles:
                roles = role_tokens(lower, m0, m1, first, tok.tokens)
                out += roles
                out += [f"{r}&{e}" for r in roles for e in evaluated if not e.startswith("gov_")]
        elif self.roles:
            out += role_tokens(lower, m0, m1, first, tok.tokens)
        return out


# Prepositions that tie the mention to what governs it ("Kritik an der Nato", "Sanktionen gegen
# Russland", "Zusammenarbeit mit China"), and words skipped on the way (articles, adjectives).
_PREPOSITIONS = frozenset(
    [
        "an",
        "gegen",
        "mit",
        "für",
        "von",
        "zwischen",
        "über",
        "auf",
        "durch",
        "seitens",
        "gegenüber",
        "zu",
        "bei",
        "nach",
        "aus",
        "against",
        "with",
        "for",
        "by",
        "between",
        "toward",
        "towards",
        "on",
        "from",
        "of",
    ]
)
_DETERMINERS = frozenset(
    [
        "der",
        "die",
        "das",
        "den",
        "dem",
        "des",
        "ein",
        "eine",
        "einen",
        "einem",
        "einer",
        "eines",
        "the",
        "a",
        "an",
        "its",
        "their",
    ]
)


def role_tokens(
    lower: Sequence[str], m0: int, m1: int, first: int, tokens: Sequence[str]
) -> list[str]:
    """Return the mention's grammatical role, guessed from word order in its clause.

    ``role_initial``: the mention opens its clause (at most an article before it: the subject
    in German main clauses, the speaker of "Moskau kritisierte ..."); ``role_prep_<p>``: a
    preposition before it ("Kritik an der Nato", "Sanktionen gegen Russland"), articles and
    adjectives skipped; ``role_genitive``: a noun and a genitive article before it ("die
    Zusammenarbeit der Nato"); ``role_object``: another noun opens the clause before it.
    """
    out: list[str] = []
    i = m0 - 1
    skipped = 0
    while i >= first and (lower[i] in _DETERMINERS or (tokens[i][:1].islower() and skipped < 2)):
        if lower[i] in _PREPOSITIONS:
            out.append(f"role_prep_{lower[i]}")
            return out
        if lower[i] in {"des", "der"} and i - 1 >= first and tokens[i - 1][:1].isupper():
            out.append("role_genitive")
        skipped += 1
        i -= 1
    if i < first:
        out.append("role_initial")
    elif lower[i] in _PREPOSITIONS:
        out.append(f"role_prep_{lower[i]}")
    elif not out and any(
        tokens[j][:1].isupper() and lower[j] not in _DETERMINERS for j in range(first, i + 1)
    ):
        out.append("role_object")
    return out or ["role_other"]


def criticism_scope(lower: Sequence[str], cues: _Cues) -> list[bool]:
    """Mark the words after a criticism cue (``against``) up to the next clause break.

    What is criticised takes the opposite polarity: in "kritisierte die Zusammenarbeit mit
    der Nato" the praise word is criticised (``crit_zusammenarbeit``; its lexicon sign flips).
    """
    scope = [False] * len(lower)
    active = False
    for i, word in enumerate(lower):
        if cues.match("clause_breaks", word):
            active = False
        elif cues.match("against", word):
            active = True
        else:
            scope[i] = active
    return scope


def clause_indices(lower: Sequence[str], cues: _Cues) -> list[int]:
    """Return each token's clause number: the count of clause breaks before it."""
    out, clause = [], 0
    for word in lower:
        if cues.match("clause_breaks", word):
            clause += 1
        out.append(clause)
    return out


def evaluation_tokens(
    lower: Sequence[str],
    m0: int,
    m1: int,
    cues: _Cues,
    tokens: Sequence[str] | None = None,
) -> list[str]:
    """Return the evaluative predicates around the mention ``[m0, m1)``, by kind and position.

    ``<kind>_before_<same|near|far>``: a predicate of kind ``against``/``favor``/``hostile``
    before the mention, in its clause, one or two clauses before, or further ("Nordkorea
    kritisierte die Nato", "verurteilte ... und sagte, die Nato ..."): the mention is what is
    evaluated. ``<kind>_after_<same|passive|other>``: a verb (lower-case in German, when
    ``tokens`` gives the original case) after it, in its clause (the mention acts: "Russland
    griff ... an"), in a passive clause (it is acted on) or in a later clause; a noun there
    ("die Nato und ihre Partner") gives ``<kind>_after_noun``. ``<kind>_attr``: right after
    it ("Russlands Aggression"); ``<kind>_in_mention``: inside a compound mention
    ("Russland-Sanktionen"). ``gov_outer_<kind>``/``gov_inner_<kind>``: the first and the
    last predicate before the mention in its governing span (its clause and the two before).

    ``composed_<against|favor|none>`` composes them: the innermost governing predicate, else
    the mention's own act or compound, gives a value (criticism -1, support +1, a hostile act
    of the mention -1), and each outer criticism negates it, or makes it -1 when it is 0
    ("kritisierte die Zusammenarbeit mit der Nato": against the Nato), while outer support
    keeps it, or makes it +1.
    """
    clause = clause_indices(lower, cues)
    n = len(lower)
    first_clause, last_clause = clause[m0], clause[m1 - 1]
    passive = any(
        cues.match("passive", lower[i])
        for i in range(n)
        if clause[i] == last_clause and not m0 <= i < m1
    )
    out: set[str] = set()
    governing: list[str] = []
    own: list[str] = []
    for i, word in enumerate(lower):
        kinds = [key for key in EVALUATION_KEYS if cues.match_part(key, word)]
        noun = tokens is not None and tokens[i][:1].isupper() and i > 0
        for kind in kinds:
            if m0 <= i < m1:
                if "-" in word and not cues.match(kind, word):
                    out.add(f"{kind}_in_mention")
                    own.append(kind)
            elif i < m0:
                gap = first_clause - clause[i]
                out.add(f"{kind}_before_{'same' if gap == 0 else 'near' if gap <= 2 else 'far'}")
                if gap <= 2:
                    governing.append(kind)
            elif clause[i] == last_clause:
                if i - m1 < 2:
                    out.add(f"{kind}_attr")
                    own.append(kind)
                if noun:
                    out.add(f"{kind}_after_noun")
                else:
                    out.add(f"{kind}_after_{'passive' if passive else 'same'}")
                    if not passive:
                        own.append(kind)
            else:
                out.add(f"{kind}_after_other")
    if governing:
        out.add(f"gov_outer_{governing[0]}")
        out.add(f"gov_inner_{governing[-1]}")
    out.add(f"composed_{_compose(governing, own)}")
    return sorted(out)


def _compose(governing: Sequence[str], own: Sequence[str]) -> str:
    value = 0
    inner = list(governing)
    if inner and inner[-1] != "hostile":  # a hostile act before the mention: its victim
        value = -1 if inner.pop() == "against" else 1
    elif own:
        value = -1 if own[0] in {"against", "hostile"} else 1
    for kind in reversed(inner):
        if kind == "against":
            value = -value or -1
        elif kind == "favor":
            value = value or 1
    return {-1: "against", 0: "none", 1: "favor"}[value]


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
