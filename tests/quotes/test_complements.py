"""Complement clauses of verbs of saying and the span rules around them, table-driven."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from quote_text import analyse_lines
from quotestance.quotes import QuoteFinder
from quotestance.quotes.features import (
    clause_type,
    complement_candidates,
    context,
    governor_words,
)
from quotestance.quotes.lexicon import Lexicon, make_lexicon
from quotestance.quotes.text import Analysis, make_marks
from quotestance.records import Sentence

Segment = Callable[[str], tuple[Sentence, ...]]


def _lexicon() -> Lexicon:
    marks = make_marks(["„"], ["“"], {"„": ["“"]})
    return make_lexicon(
        marks,
        reporting_verbs=["sagen", "auffordern", "ankündigen", "festlegen"],
        reporting_verb_forms=[],
        subjunctive_forms=["sei", "werde", "habe"],
        attribution_markers=["laut", "nach", "zufolge", "so"],
        pronouns=["er", "sie"],
        determiners=["der", "die", "das", "den", "dem"],
        role_nouns=["sprecher"],
        function=frozenset(),
        source_nouns=["angaben"],
    )


def _analyse(text: str) -> Analysis:
    return analyse_lines(text, _lexicon().marks)


def _clause_at(a: Analysis, word: str) -> int:
    return a.clause[a.words.index(word)]


CLAUSE_TYPES = [
    # (id, text, first word of the clause, expected type)
    ("dass", "Er sagte, dass die Lage ernst ist.", "dass", "dass"),
    ("ob", "Sie fragte, ob die Lage ernst ist.", "ob", "ob"),
    ("w-word", "Er erklärte, warum die Lage ernst ist.", "warum", "w"),
    ("zu-infinitive", "Er forderte sie auf, die Deutsche Bank zu boykottieren.", "die", "zu"),
    ("zu-infix", "Er rief dazu auf, sich nicht einzumischen.", "sich", "zu"),
    ("konjunktiv", "Er sagte, die Lage sei ernst.", "die", "konj"),
    ("relative", "Er traf den Minister, der in Berlin lebt.", "der", "other"),
    ("zu-preposition", "Er kam, um zu Hause zu sein.", "um", "zu"),
    ("zu-not-infinitive", "Er ging, zu spät.", "zu", "other"),
]


@pytest.mark.parametrize(
    ("text", "word", "expected"), [pytest.param(*c[1:], id=c[0]) for c in CLAUSE_TYPES]
)
def test_clause_type(text: str, word: str, expected: str) -> None:
    a = _analyse(text)
    assert clause_type(a, _lexicon(), _clause_at(a, word)) == expected


CANDIDATES = [
    # (id, text, the candidate clauses as text)
    (
        "complement-to-sentence-end",
        "Die Gewerkschaft forderte die Mitglieder auf, die Bank zu boykottieren, sagte er.",
        ["die Bank zu boykottieren , sagte er"],
    ),
    ("too-short-before", "Ja, die Lage sei ernst.", []),
    ("after-verb", "Er sagte, die Lage sei ernst.", ["die Lage sei ernst"]),
    (
        "two-commas",
        "Der Minister legte fest, dass die Frist gilt, bis die Lage sich ändert.",
        ["dass die Frist gilt , bis die Lage sich ändert", "bis die Lage sich ändert"],
    ),
    # the comma inside the quotation marks opens no candidate
    (
        "inside-quotation-marks",
        "„Die Lage ist so, wie sie ist“, sagte er heute.",
        ["sagte er heute"],
    ),
    ("no-comma", "Der Bürgermeister kündigte am Dienstag seinen Rücktritt an.", []),
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(*c[1:], id=c[0]) for c in CANDIDATES])
def test_complement_candidates(text: str, expected: list[str]) -> None:
    a = _analyse(text)
    found = [" ".join(a.words[i : j + 1]) for i, j in complement_candidates(a)]
    assert found == expected


def test_governor_words_are_the_lower_case_words_before_the_comma() -> None:
    a = _analyse("Laut Angaben forderte die „neue“ Regierung sie auf, die Bank zu boykottieren.")
    i = a.words.index(",") + 1
    assert governor_words(a, i) == {"forderte", "die", "sie", "auf"}


JOINS = [
    # (id, text, decoded spans as (first word, last word), kinds, expected spans as text)
    (
        "comma-between",
        "Vor der Anhörung sei es unüblich, dass ein Auszug eingeholt werde, so der Sprecher.",
        [("Vor", "unüblich"), ("dass", "werde")],
        ["indirect", "indirect"],
        ["Vor der Anhörung sei es unüblich , dass ein Auszug eingeholt werde"],
    ),
    (
        "attribution-gap",
        "Die Schäden sind nach Angaben der Polizei gering.",
        [("Die", "sind"), ("gering", "gering")],
        ["indirect", "free_indirect"],
        ["Die Schäden sind gering"],
    ),
    (
        "direct-stays-apart",
        "„Wir gehen“, sagte er, die Lage sei ernst.",
        [("„", "“"), ("die", "ernst")],
        ["direct", "indirect"],
        ["„ Wir gehen “", "die Lage sei ernst"],
    ),
    (
        "words-between",
        "Die Lage sei ernst, sagte er, die Hilfe komme bald.",
        [("Die", "ernst"), ("die", "bald")],
        ["indirect", "indirect"],
        ["Die Lage sei ernst", "die Hilfe komme bald"],
    ),
    (
        "free-indirect-widened",
        "Der Minister sprach.\nBeim letzten Mal, so heißt es, seien alle gekommen.",
        [("seien", "gekommen")],
        ["free_indirect"],
        ["Beim letzten Mal , so heißt es , seien alle gekommen ."],
    ),
]


@pytest.mark.parametrize(
    ("text", "spans", "kinds", "expected"), [pytest.param(*c[1:], id=c[0]) for c in JOINS]
)
def test_join_and_widen(
    text: str, spans: list[tuple[str, str]], kinds: list[str], expected: list[str]
) -> None:
    a = _analyse(text)
    ctx = context(a, _lexicon())
    decoded = [(a.words.index(i), a.words.index(j), 0.5) for i, j in spans]
    gaps: dict[tuple[int, int], tuple[int, int]] = {}
    joined, joined_kinds = QuoteFinder._join_clauses(a, ctx, decoded, list(kinds), gaps)
    widened = QuoteFinder._widen_free_indirect(a, joined, joined_kinds, gaps)
    texts = []
    for i, j, _ in widened:
        g0, g1 = gaps.get((i, j), (j + 1, j))
        texts.append(" ".join(a.words[k] for k in range(i, j + 1) if not g0 <= k <= g1))
    assert texts == expected


COMPLEMENTS = [
    # (id, text, a fragment of the complement clause)
    (
        "aufrufen",
        "Die Gewerkschaft Verdi rief ihre Mitglieder am Montag dazu auf, die Deutsche Bank zu "
        "boykottieren.",
        "die Deutsche Bank zu boykottieren",
    ),
    (
        "festlegen",
        "Das isländische Fischereiministerium legte am Freitag fest, dass bis August 30 Zwergwale "
        "gejagt werden dürfen.",
        "Zwergwale",
    ),
]


@pytest.mark.parametrize(("text", "fragment"), [pytest.param(*c[1:], id=c[0]) for c in COMPLEMENTS])
def test_complement_clause_is_quoted(
    finder: QuoteFinder, segment: Segment, text: str, fragment: str
) -> None:
    quotes = finder.find(text, segment(text))
    assert any(fragment in q.text for q in quotes), [q.text for q in quotes]


def test_governor_rates_are_learned(finder: QuoteFinder) -> None:
    rates = finder.governor_rates_
    assert rates and all(0.0 <= r < 1.0 for r in rates.values())
    # a verb of saying governs reported complements more often than a conjunction
    assert rates.get("sagte", 0.0) > rates.get("und", 0.0)


def _texts(a: Analysis, spans: list[tuple[int, int, float]]) -> list[str]:
    return [" ".join(a.words[i : j + 1]) for i, j, _ in spans]


FREE_INDIRECT_RUNS = [
    # (id, text, decoded spans as (first word, last word), kinds, expected spans as text)
    (
        "next-sentence",
        "Die Frist sei rechtens.\nZurzeit habe die Firma keine Wahl.\nDer Minister ging.",
        [("Die", ".")],
        ["free_indirect"],
        ["Die Frist sei rechtens . Zurzeit habe die Firma keine Wahl ."],
    ),
    (
        "sentence-before",
        "Der Minister ging.\nDie Frist sei rechtens.\nZurzeit habe die Firma keine Wahl.",
        [("Zurzeit", "Wahl")],
        ["free_indirect"],
        ["Die Frist sei rechtens . Zurzeit habe die Firma keine Wahl ."],
    ),
    (
        "indicative-stops",
        "Die Frist sei rechtens.\nDer Minister ging.",
        [("Die", ".")],
        ["free_indirect"],
        ["Die Frist sei rechtens ."],
    ),
    (
        "verb-of-saying-stops",
        "Die Frist sei rechtens.\nEr sagte, die Firma habe keine Wahl.",
        [("Die", ".")],
        ["free_indirect"],
        ["Die Frist sei rechtens ."],
    ),
    (
        "other-span-stops",
        "Die Frist sei rechtens.\nZurzeit habe die Firma keine Wahl.",
        [("Die", "rechtens"), ("die", "Wahl")],
        ["free_indirect", "indirect"],
        ["Die Frist sei rechtens .", "die Firma keine Wahl"],
    ),
    (
        "indirect-stays",
        "Die Frist sei rechtens.\nZurzeit habe die Firma keine Wahl.",
        [("Die", "rechtens")],
        ["indirect"],
        ["Die Frist sei rechtens"],
    ),
]


@pytest.mark.parametrize(
    ("text", "spans", "kinds", "expected"),
    [pytest.param(*c[1:], id=c[0]) for c in FREE_INDIRECT_RUNS],
)
def test_free_indirect_extends_over_subjunctive_sentences(
    text: str, spans: list[tuple[str, str]], kinds: list[str], expected: list[str]
) -> None:
    a = _analyse(text)
    ctx = context(a, _lexicon())
    decoded = [(a.words.index(i), a.words.index(j), 0.5) for i, j in spans]
    extended = QuoteFinder._extend_free_indirect(a, ctx, decoded, kinds, {})
    assert _texts(a, extended) == expected


SUBJUNCTIVE_CLAUSES = [
    # (id, text, decoded span as (first word, last word), kind, expected span as text)
    (
        "subjunctive-clause-before",
        "Nun sei die Sorge groß, dass die Gifte sich verbreiten.",
        ("dass", "verbreiten"),
        "indirect",
        "Nun sei die Sorge groß , dass die Gifte sich verbreiten",
    ),
    (
        "two-clauses",
        "Zuerst sei es ruhig, dann habe es geregnet, dass alle flohen.",
        ("dass", "flohen"),
        "free_indirect",
        "Zuerst sei es ruhig , dann habe es geregnet , dass alle flohen",
    ),
    (
        "indicative-clause",
        "Nun ist die Sorge groß, dass die Gifte sich verbreiten.",
        ("dass", "verbreiten"),
        "indirect",
        "dass die Gifte sich verbreiten",
    ),
    (
        "verb-of-saying",
        "Er habe gesagt, dass die Gifte sich verbreiten.",
        ("dass", "verbreiten"),
        "indirect",
        "dass die Gifte sich verbreiten",
    ),
    (
        "direct-stays",
        "Nun sei die Sorge groß, „die Gifte verbreiten sich“.",
        ("„", "“"),
        "direct",
        "„ die Gifte verbreiten sich “",
    ),
]


@pytest.mark.parametrize(
    ("text", "span", "kind", "expected"),
    [pytest.param(*c[1:], id=c[0]) for c in SUBJUNCTIVE_CLAUSES],
)
def test_subjunctive_clauses_open_the_quotation(
    text: str, span: tuple[str, str], kind: str, expected: str
) -> None:
    a = _analyse(text)
    ctx = context(a, _lexicon())
    decoded = [(a.words.index(span[0]), a.words.index(span[1]), 0.5)]
    extended = QuoteFinder._extend_subjunctive_clauses(a, ctx, decoded, [kind], {})
    assert _texts(a, extended) == [expected]


def test_clause_taken_by_another_span_stays_apart() -> None:
    a = _analyse("Nun sei die Sorge groß, dass die Gifte sich verbreiten.")
    ctx = context(a, _lexicon())
    decoded = [(0, 4, 0.5), (a.words.index("dass"), a.words.index("verbreiten"), 0.5)]
    extended = QuoteFinder._extend_subjunctive_clauses(a, ctx, decoded, ["indirect"] * 2, {})
    assert extended == decoded
