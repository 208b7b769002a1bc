"""Names in quotation marks and quotations attributed by a source phrase, table-driven."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from quote_text import analyse_lines
from quotestance.quotes import QuoteFinder
from quotestance.quotes.features import context
from quotestance.quotes.lexicon import Lexicon, make_lexicon
from quotestance.quotes.text import Analysis, make_marks
from quotestance.records import Sentence

Segment = Callable[[str], tuple[Sentence, ...]]


def _lexicon() -> Lexicon:
    marks = make_marks(["„"], ["“"], {"„": ["“"]})
    return make_lexicon(
        marks,
        reporting_verbs=["sagen"],
        reporting_verb_forms=[],
        subjunctive_forms=["sei", "habe"],
        attribution_markers=["laut", "nach", "zufolge", "so"],
        pronouns=["er", "sie"],
        determiners=["der", "die", "das", "den", "dem"],
        role_nouns=["sprecher"],
        function=frozenset(),
        source_nouns=["angaben", "berichten"],
    )


def _analyse(text: str) -> Analysis:
    return analyse_lines(text, _lexicon().marks)


ATTRIBUTED_CUTS = [
    # (id, text, decoded span as (first word, last word), expected spans as text)
    (
        "next-sentence",
        "Nach Angaben der Verteidigung habe er ein Alibi.\nEin Essen habe stattgefunden.",
        ("habe", "stattgefunden"),
        ["habe er ein Alibi .", "Ein Essen habe stattgefunden"],
    ),
    (
        "previous-sentence",
        "Der Mann sei geflohen.\nLaut Presseberichten ist er heute 24 Jahre alt.",
        ("Der", "alt"),
        ["Der Mann sei geflohen .", "ist er heute 24 Jahre alt"],
    ),
    (
        "within-sentence",
        "Der Fahrer wurde nach Angaben der Polizei schwer verletzt.",
        ("Der", "verletzt"),
        ["Der Fahrer wurde nach Angaben der Polizei schwer verletzt"],
    ),
]


@pytest.mark.parametrize(
    ("text", "span", "expected"), [pytest.param(*c[1:], id=c[0]) for c in ATTRIBUTED_CUTS]
)
def test_attributed_quotation_keeps_to_its_sentence(
    text: str, span: tuple[str, str], expected: list[str]
) -> None:
    a = _analyse(text)
    ctx = context(a, _lexicon())
    decoded = [(a.words.index(span[0]), len(a.words) - 1 - a.words[::-1].index(span[1]), 0.9)]
    spans, _ = QuoteFinder._attributed(a, ctx, decoded)
    assert [" ".join(a.words[i : j + 1]) for i, j, _ in spans] == expected


NAMES_IN_MARKS = [
    # (id, text, the name in marks, a quotation that stays)
    (
        "broadcaster",
        "Pro Person und Tag stehe nur ein Liter Wasser zur Verfügung, sagte der UN-Vertreter dem "
        "Fernsehsender „Al Jazeera“. „Es ist schwer vorstellbar, dass hier Frieden herrschte.“",
        "Al Jazeera",
        "Es ist schwer vorstellbar",
    ),
    (
        "organisation",
        "Arni Finnsson, ein Vertreter der Umweltschutzorganisation „Iceland Nature Conservation "
        "Association“, sagte: „Es gibt in Island keinen Markt für dieses Fleisch.“",
        "Iceland Nature",
        "keinen Markt",
    ),
]


@pytest.mark.parametrize(
    ("text", "name", "quoted"), [pytest.param(*c[1:], id=c[0]) for c in NAMES_IN_MARKS]
)
def test_name_in_marks_is_no_quotation(
    finder: QuoteFinder, segment: Segment, text: str, name: str, quoted: str
) -> None:
    quotes = finder.find(text, segment(text))
    assert not any(q.text.strip("„“") == name for q in quotes), [q.text for q in quotes]
    assert any(quoted in q.text for q in quotes), [q.text for q in quotes]


CLOSING_ATTRIBUTIONS = [
    # (id, text, decoded spans as (first word, last word), expected spans as text)
    (
        "span-over-the-frame",
        "Das System habe sich bewährt.\nEs sei auch gelobt worden, sagte der Sprecher.",
        [("Das", "bewährt"), ("Es", "Sprecher")],
        ["Das System habe sich bewährt", "Es sei auch gelobt worden"],
    ),
    (
        "span-up-to-the-comma",
        "Es sei auch gelobt worden, sagte der Sprecher.",
        [("Es", "worden")],
        ["Es sei auch gelobt worden"],
    ),
    (
        "span-before-the-sentence",
        "Das System habe sich bewährt.\nEs sei auch gelobt worden, sagte der Sprecher.",
        [("Das", "bewährt")],
        ["Das System habe sich bewährt", "Es sei auch gelobt worden"],
    ),
]


@pytest.mark.parametrize(
    ("text", "decoded", "expected"), [pytest.param(*c[1:], id=c[0]) for c in CLOSING_ATTRIBUTIONS]
)
def test_closing_attribution_ends_the_quotation(
    text: str, decoded: list[tuple[str, str]], expected: list[str]
) -> None:
    a = _analyse(text)
    finder = QuoteFinder()
    finder.lexicon_ = _lexicon()
    ctx = context(a, finder.lexicon_)
    spans = [(a.words.index(i), len(a.words) - 1 - a.words[::-1].index(j), 0.9) for i, j in decoded]
    out = finder._tails(a, ctx, spans)
    assert [" ".join(a.words[i : j + 1]) for i, j, _ in out] == expected
