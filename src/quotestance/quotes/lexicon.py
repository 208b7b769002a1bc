"""Linguistic resources compiled for fast lookup: reporting-verb forms, closed word classes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from quotestance.quotes.text import Marks

_SEPARABLE = (
    "zurück",
    "hinzu",
    "bekannt",
    "fest",
    "auf",
    "aus",
    "an",
    "ab",
    "bei",
    "ein",
    "mit",
    "vor",
    "zu",
    "dar",
    "hin",
    "ver",
)
_ENDINGS = ("", "e", "en", "t", "te", "ten", "st", "est", "et", "end", "ete", "eten", "test")


def verb_forms(lemmas: Iterable[str], extra: Iterable[str] = ()) -> frozenset[str]:
    """Return the inflected forms (present, weak past, participle) of the reporting verbs.

    ``auffordern`` yields ``fordert``, ``forderte``, ``aufgefordert``, ``aufzufordern`` and so on;
    strong past forms come from ``extra``.
    """
    forms: set[str] = {w.lower() for w in extra}
    for lemma in lemmas:
        lemma = lemma.lower().strip()
        if not lemma:
            continue
        stem = lemma[:-1] if lemma.endswith(("ern", "eln")) else lemma.removesuffix("en")
        stem = stem.removesuffix("n") if stem == lemma else stem
        prefixes = [""]
        base = stem
        for prefix in _SEPARABLE:
            if stem.startswith(prefix) and len(stem) - len(prefix) >= 3 and prefix != "ver":
                prefixes.append(prefix)
                base = stem[len(prefix) :]
                break
        for ending in _ENDINGS:
            forms.add(stem + ending)
            forms.add(base + ending)
        for prefix in prefixes:
            forms.add(prefix + "ge" + base + "t")
            forms.add(prefix + "ge" + base + "en")
            forms.add(prefix + "zu" + base + "en")
            forms.add(prefix + base + "t")
        forms.add(lemma)
    return frozenset(f for f in forms if len(f) > 2)


def function_words(texts: Iterable[list[str]], min_count: int = 3) -> frozenset[str]:
    """Learn closed-class words: lower-cased words seen mostly in lower case inside sentences.

    A capitalised sentence-initial word whose lower-case form is in this set is not a noun.
    """
    low: Counter[str] = Counter()
    cap: Counter[str] = Counter()
    for words in texts:
        for i in range(1, len(words)):
            w = words[i]
            if not w[:1].isalpha() or words[i - 1] in '.!?:„“"»«':
                continue
            if w[0].islower():
                low[w] += 1
            else:
                cap[w.lower()] += 1
    return frozenset(w for w, c in low.items() if c >= min_count and c > 2 * cap[w])


@dataclass(frozen=True)
class Lexicon:
    """The resources the models read: all lookups are set or tuple membership."""

    marks: Marks
    verbs: frozenset[str]
    subjunctive: frozenset[str]
    markers: frozenset[str]
    pronouns: frozenset[str]
    determiners: frozenset[str]
    role_nouns: frozenset[str]
    function: frozenset[str]

    def is_verb(self, lower: str) -> bool:
        """Whether a lower-cased token is a form of a reporting verb."""
        return lower in self.verbs


def make_lexicon(
    marks: Marks,
    reporting_verbs: Collection[str],
    reporting_verb_forms: Collection[str],
    subjunctive_forms: Collection[str],
    attribution_markers: Collection[str],
    pronouns: Collection[str],
    determiners: Collection[str],
    role_nouns: Collection[str],
    function: frozenset[str],
) -> Lexicon:
    """Compile the config resources into a ``Lexicon``."""
    return Lexicon(
        marks=marks,
        verbs=verb_forms(reporting_verbs, reporting_verb_forms),
        subjunctive=frozenset(w.lower() for w in subjunctive_forms),
        markers=frozenset(w.lower() for w in attribution_markers),
        pronouns=frozenset(w.lower() for w in pronouns),
        determiners=frozenset(w.lower() for w in determiners),
        role_nouns=frozenset(w.lower() for w in role_nouns),
        function=function | frozenset(w.lower() for w in determiners),
    )
