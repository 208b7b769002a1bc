"""Speaker-ranker features that tell a source phrase or a subject of saying apart, table-driven."""

from __future__ import annotations

import pytest

from quote_text import analyse_lines
from quotestance.quotes.features import Mention, context, mention_facts, speaker_features
from quotestance.quotes.lexicon import Lexicon, make_lexicon
from quotestance.quotes.text import Analysis, make_marks


def _lexicon() -> Lexicon:
    marks = make_marks(["„"], ["“"], {"„": ["“"]})
    return make_lexicon(
        marks,
        reporting_verbs=["sagen", "mitteilen", "kommentieren"],
        reporting_verb_forms=[],
        subjunctive_forms=["sei", "habe"],
        attribution_markers=["laut", "nach", "zufolge", "so"],
        pronouns=["er", "sie"],
        determiners=["der", "die", "das", "den", "dem", "ein", "einem"],
        role_nouns=["sprecher", "polizeisprecher"],
        function=frozenset(),
        source_nouns=["angaben", "berichten", "bericht"],
    )


def _analyse(text: str) -> Analysis:
    return analyse_lines(text, _lexicon().marks)


def _mention(a: Analysis, mentions: list[Mention], word: str) -> Mention:
    return next(m for m in mentions if word in a.words[m.first : m.last + 1])


SPEAKER_FACTS = [
    # (id, text, a word of the mention, a word of the quotation, a word of its cue,
    #  expected source flag, expected verb_next flag, features that must be there)
    (
        "source-after-nach",
        "Nach Angaben der Polizei sei der Fahrer geflohen.",
        "Angaben",
        "Fahrer",
        "Nach",
        True,
        False,
        ["marker&src=nachTrue", "cuew&rel&src=nachATrue"],
    ),
    (
        "time-after-nach",
        "Er kommentierte nach dem Spiel, dass Nadal sehr stark gewesen sei.",
        "Spiel",
        "Nadal",
        "nach",
        False,
        True,
        ["marker&src=nachFalse", "cuew&rel&src=nachAFalse"],
    ),
    (
        "subject-of-saying",
        "Der Fahrer sei geflohen, teilte ein Polizeisprecher mit.",
        "Polizeisprecher",
        "Fahrer",
        "teilte",
        False,
        True,
        ["vnext&obl=TrueFalseFalseafteindirect"],
    ),
]


@pytest.mark.parametrize(
    ("text", "word", "in_quote", "cue_word", "source", "verb_next", "expected"),
    [pytest.param(*c[1:], id=c[0]) for c in SPEAKER_FACTS],
)
def test_speaker_features_mark_sources_and_subjects_of_saying(
    text: str,
    word: str,
    in_quote: str,
    cue_word: str,
    source: bool,
    verb_next: bool,
    expected: list[str],
) -> None:
    lex = _lexicon()
    a = _analyse(text)
    ctx = context(a, lex)
    m = _mention(a, ctx.mentions, word)
    facts = mention_facts(a, ctx, lex, m, 1)
    assert (facts.source, facts.verb_next) == (source, verb_next)
    q = a.words.index(in_quote)
    # the quotation: the clause of ``in_quote`` (to the comma or the full stop)
    qi = max(k for k in range(q + 1) if k == 0 or a.words[k - 1] == ",")
    qj = min(k for k in range(q, len(a)) if a.words[k] in ",.") - 1
    if m.first >= qi and m.last <= qj:
        qi = m.last + 1
    features = [
        *facts.features,
        *speaker_features(a, ctx, qi, qj, "indirect", m, facts, 0, cue=a.words.index(cue_word)),
    ]
    missing = [f for f in expected if f not in features]
    assert not missing, (missing, features)
