"""Linguistic resources compiled for fast lookup: reporting-verb forms, closed word classes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

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


def common_nouns(
    texts: Iterable[Sequence[str]], determiners: Collection[str], min_count: int = 2
) -> frozenset[str]:
    """Learn common nouns: capitalised words that mostly end a noun phrase right after an article.

    "der Partner ,", "die Bundeskanzlerin sagte": a word seen at least ``min_count`` times
    between a determiner and a lower-case word or punctuation, in at least half of its uses
    inside sentences, is a noun, not a given name ("Angela", "Jens") nor the first word of a
    proper name ("die Washington Post", "die Deutsche Bank"). Returns lower-cased words.
    """
    articles = frozenset(d.lower() for d in determiners)
    alone: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for words in texts:
        for i in range(1, len(words) - 1):
            w = words[i]
            if not w[:1].isupper() or words[i - 1] in '.!?:„“"»«':
                continue
            total[w] += 1
            if words[i - 1].lower() in articles and not words[i + 1][:1].isupper():
                alone[w] += 1
    return frozenset(w.lower() for w, n in alone.items() if n >= min_count and 5 * n >= total[w])


def frequent_share(
    hits: Mapping[str, int], totals: Mapping[str, int], min_count: int, min_share: float
) -> frozenset[str]:
    """Return the words seen at least ``min_count`` times as hits, in ``min_share`` of all uses.

    Learns, e.g., cue words from the cue annotations of a corpus (``sagte``, ``zufolge``).
    """
    return frozenset(
        w for w, n in hits.items() if n >= min_count and n >= min_share * totals.get(w, n)
    )


def subjunctive_by_form(words: Iterable[str], min_length: int = 4) -> frozenset[str]:
    """Learn Konjunktiv I forms: lower-case words in ``-e`` whose ``-t`` and infinitive exist.

    "reiche" (reicht, reichen), "ändere" (ändert, ändern), "übertreibe" (übertreibt,
    übertreiben): the third person singular of Konjunktiv I, the mark of reported speech, is
    the verb stem plus ``-e`` where the indicative has ``-t``. Adjectives in ``-e`` ("große",
    "neue") have no ``-t`` form. ``words`` are the lower-case words of a corpus.
    """
    vocab = set(words)
    return frozenset(
        w
        for w in vocab
        if len(w) >= min_length
        and w.endswith("e")
        and not w.endswith(("ee", "ie"))
        and w[:-1] + "t" in vocab
        and (w[:-1] + "en" in vocab or w[:-1] + "n" in vocab)
    )


@dataclass(frozen=True)
class Lexicon:
    """The resources the models read: all lookups are set or tuple membership.

    ``verbs`` holds the configured reporting-verb forms plus the cue words learned from the
    training annotations (``cues``: verbs and verb particles, no attribution markers);
    ``nouns`` the common nouns learned from the training texts (``common_nouns``).
    """

    marks: Marks
    verbs: frozenset[str]
    subjunctive: frozenset[str]
    markers: frozenset[str]
    pronouns: frozenset[str]
    determiners: frozenset[str]
    role_nouns: frozenset[str]
    function: frozenset[str]
    cues: frozenset[str] = field(default_factory=frozenset)
    sources: frozenset[str] = field(default_factory=frozenset)
    source_suffix_lengths: tuple[int, ...] = ()
    nouns: frozenset[str] = field(default_factory=frozenset)

    def is_verb(self, lower: str) -> bool:
        """Whether a lower-cased token is a form of a reporting verb."""
        return lower in self.verbs

    def is_source(self, lower: str) -> bool:
        """Whether a lower-cased noun names a source of information ("Angaben", "Polizeiangaben")."""
        if lower in self.sources:
            return True
        # compounds end in a source noun of six letters or more: "Polizeiangaben"
        return any(lower[-n:] in self.sources for n in self.source_suffix_lengths if len(lower) > n)


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
    cues: Collection[str] = (),
    subjunctive_learned: Collection[str] = (),
    source_nouns: Collection[str] = (),
    nouns: Collection[str] = (),
) -> Lexicon:
    """Compile the config resources (and words learned from training data) into a ``Lexicon``."""
    markers = frozenset(w.lower() for w in attribution_markers)
    learned = frozenset(w.lower() for w in cues) - markers
    return Lexicon(
        marks=marks,
        verbs=verb_forms(reporting_verbs, reporting_verb_forms) | learned,
        subjunctive=frozenset(w.lower() for w in (*subjunctive_forms, *subjunctive_learned)),
        markers=markers,
        pronouns=frozenset(w.lower() for w in pronouns),
        determiners=frozenset(w.lower() for w in determiners),
        role_nouns=frozenset(w.lower() for w in role_nouns),
        function=function | frozenset(w.lower() for w in determiners),
        cues=learned,
        sources=frozenset(w.lower() for w in source_nouns),
        source_suffix_lengths=tuple(sorted({len(w) for w in source_nouns if len(w) >= 6})),
        nouns=frozenset(w.lower() for w in nouns),
    )
