"""Speaker names: learned common nouns are titles, not names ("Partner Japan" -> "Japan")."""

from __future__ import annotations

import pytest

from quotestance.quotes.features import find_mentions
from quotestance.quotes.lexicon import Lexicon, common_nouns, make_lexicon
from quotestance.quotes.text import analyse, make_marks
from quotestance.records import Sentence

DETERMINERS = ["der", "die", "das", "den", "dem", "unserem"]


def _lexicon(nouns: list[str]) -> Lexicon:
    return make_lexicon(
        make_marks(["„"], ["“"], {"„": ["“"]}),
        reporting_verbs=["sagen"],
        reporting_verb_forms=[],
        subjunctive_forms=["sei"],
        attribution_markers=["laut"],
        pronouns=["er", "sie"],
        determiners=DETERMINERS,
        role_nouns=["sprecher"],
        function=frozenset(),
        nouns=nouns,
    )


def test_common_nouns_are_words_that_end_a_phrase_after_an_article() -> None:
    lines = [
        "Das traf den Partner , sagte er .",
        "Nun lobte die Bundeskanzlerin den Partner sehr .",
        "Gestern sprach die Bundeskanzlerin lange .",
        "Die Washington Post und die Washington Post berichteten .",
        "Heute sprach Angela Merkel und Angela Merkel lachte .",
    ]
    assert common_nouns((line.split(" ") for line in lines), DETERMINERS) == {
        "partner",
        "bundeskanzlerin",
    }


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Er lobte unserem Partner Japan gestern .", "Japan"),
        ("Bundeskanzlerin Angela Merkel sagte das .", "Angela Merkel"),
        ("Er las die Washington Post gestern .", "Washington Post"),
        ("Er traf den Partner gestern .", "Partner"),  # a noun alone stays the name
    ],
)
def test_leading_common_nouns_are_not_part_of_the_name(text: str, name: str) -> None:
    a = analyse(text, [Sentence(0, 0, len(text), text)], _lexicon([]).marks)
    lex = _lexicon(["partner", "bundeskanzlerin"])
    names = [m.name for m in find_mentions(a, lex) if m.name[:1].isupper() and m.name != "Er"]
    assert name in names
