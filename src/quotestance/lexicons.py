"""Polarity lexicons (German and English) shipped as package resources, and a light stemmer."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path

LEXICON_FILES: dict[str, str] = {
    "de": "lexicon_de_polarity.tsv",
    "en": "lexicon_en_vader.tsv",
}
# Inflection endings stripped by ``stem`` (longest first); German and English together, since
# a crude shared stemmer is enough to map "kritisierte"/"kritisieren" or "criticized"/"criticize".
_SUFFIXES = (
    "ungen", "ities", "ness", "ment", "ende", "ten", "tet", "est", "ern", "eln", "ing", "ies",
    "ed", "en", "er", "es", "em", "te", "st", "ly", "e", "n", "s", "t",
)  # fmt: skip
_MIN_STEM = 4
# Frequent function words that tell German from English (for picking the lexicon of a text).
_FUNCTION_WORDS = {
    "de": frozenset(
        [
            "der",
            "die",
            "das",
            "und",
            "ist",
            "nicht",
            "ein",
            "eine",
            "zu",
            "den",
            "von",
            "mit",
            "sich",
            "des",
            "auf",
            "für",
            "im",
            "dem",
            "sie",
            "er",
            "es",
            "wird",
            "hat",
            "auch",
            "als",
            "bei",
            "nach",
            "wie",
            "aus",
        ]
    ),
    "en": frozenset(
        [
            "the",
            "and",
            "is",
            "of",
            "to",
            "in",
            "that",
            "for",
            "with",
            "on",
            "was",
            "he",
            "she",
            "it",
            "are",
            "be",
            "has",
            "have",
            "as",
            "at",
            "by",
            "from",
            "this",
            "they",
            "his",
            "her",
        ]
    ),
}
_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", re.UNICODE)


def normalize(word: str) -> str:
    """Lower-case and fold spelling variants (``ß`` -> ``ss``, typographic apostrophes)."""
    return word.lower().replace("ß", "ss").replace("’", "'")


def stem(word: str) -> str:
    """Strip one inflection ending from a normalized word, keeping at least four letters."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
            return word[: -len(suffix)]
    return word


def read_lexicon(path: str | Path) -> dict[str, float]:
    """Read a ``word<TAB>polarity`` file (polarity in [-1, 1]); ``#`` lines are comments."""
    lexicon: dict[str, float] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        word, value = line.split("\t")[:2]
        lexicon[word] = float(value)
    return lexicon


def load_lexicon(languages: Iterable[str] = ("de", "en")) -> dict[str, float]:
    """Return the shipped lexicons of ``languages`` merged (normalized words -> polarity)."""
    merged: dict[str, float] = {}
    for language in languages:
        for word, value in load_lexicons([language])[language].items():
            merged.setdefault(word, value)
    return merged


def load_lexicons(languages: Iterable[str] = ("de", "en")) -> dict[str, dict[str, float]]:
    """Return the shipped lexicon of each language (normalized words -> polarity)."""
    out: dict[str, dict[str, float]] = {}
    for language in languages:
        if language not in LEXICON_FILES:
            raise ValueError(f"no shipped lexicon for {language!r}; have {sorted(LEXICON_FILES)}")
        resource = resources.files("quotestance.resources").joinpath(LEXICON_FILES[language])
        with resources.as_file(resource) as path:
            out[language] = {normalize(w): v for w, v in read_lexicon(path).items()}
    return out


def guess_language(words: Iterable[str], languages: Iterable[str]) -> str:
    """Pick the language of ``languages`` whose function words occur most often in ``words``.

    Ties (and languages without a function word list) go to the first of ``languages``.
    """
    candidates = list(languages)
    if len(candidates) == 1:
        return candidates[0]
    counts = dict.fromkeys(candidates, 0)
    for word in words:
        for language in candidates:
            if word in _FUNCTION_WORDS.get(language, ()):
                counts[language] += 1
    return max(candidates, key=lambda language: counts[language])


def stem_index(lexicon: Mapping[str, float]) -> dict[str, float]:
    """Map the stems of lexicon words to the mean polarity of the words sharing that stem."""
    sums: dict[str, list[float]] = {}
    for word, value in lexicon.items():
        sums.setdefault(stem(normalize(word)), []).append(value)
    return {key: sum(values) / len(values) for key, values in sums.items()}


def polarity(word: str, lexicon: Mapping[str, float], stems: Mapping[str, float]) -> float:
    """Return the polarity of ``word``: its exact (normalized) entry, else its stem's, else 0."""
    key = normalize(word)
    if key in lexicon:
        return lexicon[key]
    return stems.get(stem(key), 0.0)


def convert_vader(lines: Iterable[str]) -> list[tuple[str, float]]:
    """Convert VADER's ``vader_lexicon.txt`` (word, mean valence in [-4, 4], ...) to [-1, 1].

    Emoticons and other entries without letters are dropped: news text has none.
    """
    rows = []
    for line in lines:
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 2 or not _WORD.fullmatch(parts[0]):
            continue
        rows.append((parts[0], round(float(parts[1]) / 4.0, 4)))
    return rows


def convert_german_polarity(xml: str) -> list[tuple[str, float]]:
    """Convert textblob-de's ``de-sentiment.xml`` (German Polarity Lexicon) to word/polarity rows.

    Entries of polarity 0 are dropped: they carry no polarity.
    """
    pattern = re.compile(r'<word [^>]*form="([^"]*)"[^>]*polarity="([^"]*)"')
    rows = []
    for form, value in pattern.findall(xml):
        if float(value) != 0.0 and _WORD.fullmatch(form):
            rows.append((form, float(value)))
    return rows


def write_lexicon(path: str | Path, rows: Iterable[tuple[str, float]], header: str) -> int:
    """Write ``rows`` as a ``word<TAB>polarity`` file under a ``#`` provenance header."""
    lines = [f"# {line}" for line in header.strip().splitlines()]
    count = 0
    seen: set[str] = set()
    for word, value in rows:
        if word in seen:
            continue
        seen.add(word)
        lines.append(f"{word}\t{value:g}")
        count += 1
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return count
