"""QuoteFinder behaviour: table-driven German cases, the seed article, robustness, pickling."""

from __future__ import annotations

import pickle
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hydra.utils import instantiate

from quotestance.quotes import QuoteFinder
from quotestance.quotes.features import context
from quotestance.quotes.text import analyse
from quotestance.records import AnnotatedDocument, Quote, Sentence

Segment = Callable[[str], tuple[Sentence, ...]]


def _find(finder: QuoteFinder, segment: Segment, text: str) -> tuple[Quote, ...]:
    """Find the quotes of ``text`` split by the project's segmenter; check the records."""
    sentences = segment(text)
    quotes = finder.find(text, sentences)
    for n, q in enumerate(quotes):
        assert q.id == n
        assert text[q.start : q.end] == q.text
        assert 0.0 <= q.score <= 1.0
        assert set(q.sentence_ids) <= {s.id for s in sentences}
        if q.speaker is not None:
            assert text[q.speaker.start : q.speaker.end] == q.speaker.text
            assert q.speaker.score is not None and 0.0 <= q.speaker.score <= 1.0
        if q.cue is not None:
            assert text[q.cue.start : q.cue.end] == q.cue.text
    return quotes


def _covering(quotes: tuple[Quote, ...], fragment: str, nested: bool = False) -> Quote:
    """The widest (or narrowest, for nested) quote whose text contains ``fragment``."""
    hits = [q for q in quotes if fragment in q.text]
    assert hits, f"no quote contains {fragment!r}: {[q.text for q in quotes]}"
    return min(hits, key=lambda q: len(q.text)) if nested else max(hits, key=lambda q: len(q.text))


def _speaker(q: Quote) -> str:
    assert q.speaker is not None, f"no speaker for {q.text!r}"
    return q.speaker.name


CASES = [
    # (id, text, fragment inside the quote, expected kind(s), expected speaker word or None)
    (
        "direct-after",
        "„Wir werden die Steuern nicht erhöhen“, sagte Finanzminister Christian Lindner am Montag.",
        "Steuern nicht erhöhen",
        {"direct"},
        "Lindner",
    ),
    (
        "direct-colon",
        "Der Sprecher der Polizei erklärte: „Die Lage ist unter Kontrolle.“",
        "Lage ist unter Kontrolle",
        {"direct"},
        "Sprecher",
    ),
    (
        "indirect-konjunktiv",
        "Die Ministerin sagte, die Regierung werde die Hilfen im nächsten Jahr deutlich erhöhen.",
        "die Regierung werde",
        {"indirect"},
        "Ministerin",
    ),
    (
        "indirect-dass",
        "Bundeskanzler Olaf Scholz betonte am Dienstag, dass Deutschland an der Seite der Ukraine "
        "stehe.",
        "Deutschland an der Seite",
        {"indirect"},
        "Scholz",
    ),
    (
        "laut",
        "Laut Angela Merkel sei die Lage in der Eurozone weiterhin sehr ernst.",
        "Lage in der Eurozone",
        {"indirect", "free_indirect", "reported"},
        "Merkel",
    ),
    (
        "organisation",
        "Nordkorea verurteilte die Manöver und sagte, die USA würden die Region destabilisieren.",
        "Region destabilisieren",
        {"indirect"},
        "Nordkorea",
    ),
    (
        "possessive",
        "Der Präsident reiste nach Tokio, wo die Gespräche fortgesetzt werden sollten, sagte Yoons "
        "Büro.",
        "Gespräche fortgesetzt",
        {"indirect", "free_indirect", "reported"},
        "Yoons Büro",
    ),
    (
        "pronoun",
        "Jens Stoltenberg besuchte am Montag Seoul. Er sagte, die Allianz müsse enger mit ihren "
        "Partnern in Asien zusammenarbeiten.",
        "Allianz müsse",
        {"indirect"},
        "Stoltenberg",
    ),
    (
        "mixed",
        "Stoltenberg sagte, sein Besuch sei „eine Möglichkeit, die Partnerschaft zu stärken“.",
        "sein Besuch sei",
        {"mixed"},
        "Stoltenberg",
    ),
    (
        "zufolge",
        "Dem Bericht der Zeitung zufolge habe die Regierung den Plan bereits im Mai beschlossen.",
        "den Plan bereits",
        {"indirect", "free_indirect", "reported"},
        "Zeitung",
    ),
    (
        "so-X",
        "Die Verhandlungen seien endgültig gescheitert, so der Sprecher des Ministeriums.",
        "Verhandlungen seien",
        {"indirect", "free_indirect"},
        "Sprecher",
    ),
    (
        "subject-after-verb",
        "Am Montag erklärte die Polizei, der mutmaßliche Täter sei inzwischen gefasst worden.",
        "Täter sei",
        {"indirect"},
        "Polizei",
    ),
    (
        "dative-before-verb",
        "Der Zeitung sagte der Bürgermeister, die Stadt werde die Brücke im Herbst sanieren.",
        "die Stadt werde",
        {"indirect"},
        "Bürgermeister",
    ),
    (
        "relative-pronoun",
        "Er traf den Minister, der anschließend erklärte, die Gespräche seien sehr gut verlaufen.",
        "Gespräche seien",
        {"indirect"},
        "der",
    ),
    (
        "previous-paragraph",
        "Der Generalsekretär Jens Stoltenberg sprach in Tokio über die Lage in Europa und Asien. "
        "„Der Krieg betrifft uns alle“, sagte er.\n„Wenn Russland gewinnt, ist das eine Gefahr "
        "für alle Demokratien. Deshalb müssen wir die Ukraine weiter unterstützen.“",
        "Wenn Russland gewinnt",
        {"direct"},
        "Stoltenberg",
    ),
    (
        "free-indirect",
        "Der Minister äußerte sich am Montag in Berlin zur Lage. Die Regierung habe alles getan, "
        "um die Krise zu bewältigen. Weitere Hilfen seien bereits geplant.",
        "Weitere Hilfen seien",
        {"free_indirect"},
        "Minister",
    ),
    (
        "reported",
        "Der Bürgermeister kündigte am Dienstag seinen Rücktritt an.",
        "seinen Rücktritt",
        {"reported"},
        "Bürgermeister",
    ),
    (
        "reported-appeal",
        "Die Vereinten Nationen forderten beide Seiten auf, die Kämpfe sofort einzustellen.",
        "Kämpfe sofort einzustellen",
        {"reported", "indirect"},
        "Vereinten Nationen",
    ),
    (
        "organisation-authority",
        "Die Staatsanwaltschaft Köln teilte am Freitag mit, der Verdächtige sei in der Nacht "
        "festgenommen worden.",
        "Verdächtige sei",
        {"indirect"},
        "Staatsanwaltschaft",
    ),
    (
        "pronoun-feminine",
        "Bundeskanzlerin Angela Merkel traf am Montag den französischen Präsidenten in Paris. Sie "
        "sagte, Europa müsse in der Krise zusammenhalten.",
        "Europa müsse",
        {"indirect"},
        "Merkel",
    ),
    (
        "nested-guillemets",
        "„Wir haben »Nein« gesagt, und dabei bleibt es“, sagte die Gewerkschaftschefin Anna Berger.",
        "dabei bleibt es",
        {"direct"},
        "Berger",
    ),
]


XFAIL: dict[str, str] = {}


@pytest.mark.parametrize(
    ("text", "fragment", "kinds", "speaker"),
    [
        pytest.param(
            *case[1:],
            id=case[0],
            marks=[pytest.mark.xfail(strict=True, reason=XFAIL[case[0]])]
            if case[0] in XFAIL
            else [],
        )
        for case in CASES
    ],
)
def test_cases(
    finder: QuoteFinder,
    segment: Segment,
    text: str,
    fragment: str,
    kinds: set[str],
    speaker: str | None,
) -> None:
    quotes = _find(finder, segment, text)
    q = _covering(quotes, fragment)
    assert q.kind in kinds
    if speaker is None:
        assert q.speaker is None
    else:
        assert speaker in _speaker(q) or speaker in q.speaker.text  # type: ignore[union-attr]


ADDRESSEES = [
    # (id, text, expected addressee)
    (
        "told-the-paper",
        "Der Sprecher sagte der Zeitung, die Gespräche seien gescheitert.",
        "Zeitung",
    ),
    (
        "accused",
        "Die Regierung warf der Opposition vor, sie blockiere die Reform seit Monaten.",
        "Opposition",
    ),
]


@pytest.mark.parametrize(
    ("text", "addressee"), [pytest.param(*case[1:], id=case[0]) for case in ADDRESSEES]
)
def test_addressee(finder: QuoteFinder, segment: Segment, text: str, addressee: str) -> None:
    annotated = finder.annotate(text, segment(text))
    assert len(annotated) == 1
    (quote,) = annotated
    assert any(addressee in s.text for s in quote.addressee), quote.addressee
    for s in quote.addressee:
        assert text[s.start : s.end] == s.text
        assert not any(q.start < s.end and s.start < q.end for q in quote.quote)


def test_no_addressee_without_one(finder: QuoteFinder, segment: Segment) -> None:
    text = "„Wir werden die Steuern nicht erhöhen“, sagte Finanzminister Christian Lindner."
    assert all(not q.addressee for q in finder.annotate(text, segment(text)))


def test_multi_sentence_direct_quote_is_one_quote(finder: QuoteFinder, segment: Segment) -> None:
    text = next(case[1] for case in CASES if case[0] == "previous-paragraph")
    quotes = _find(finder, segment, text)
    q = _covering(quotes, "Wenn Russland gewinnt")
    assert "weiter unterstützen" in q.text
    assert len(q.sentence_ids) == 2


def test_nested_quotation_marks(finder: QuoteFinder, segment: Segment) -> None:
    text = "„Er nannte das ‚eine Katastrophe‘ und ging“, sagte die Sprecherin der Partei."
    quotes = _find(finder, segment, text)
    outer = _covering(quotes, "Katastrophe")
    assert outer.kind == "direct"
    assert outer.text.startswith("„") and "ging" in outer.text


def test_seed_two_sentence_quote_is_one(
    finder: QuoteFinder, segment: Segment, seed_text: str
) -> None:
    quotes = _find(finder, segment, seed_text)
    two = _covering(quotes, "Wenn Präsident Putin")
    assert "von Bedeutung." in two.text
    assert len(two.sentence_ids) == 2


SEED_SPEAKERS = [
    ("Wenn Präsident Putin", "Stoltenberg"),
    ("unsere Sicherheit eng", "Stoltenberg"),
    ("eine Möglichkeit, die Partnerschaft", "Stoltenberg"),
    ("nuklearen Ambitionen", "Yoons Büro"),
    ("Militärstiefel", "Nordkorea"),
    ("asiatischen Version der NATO", "Nordkorea"),
]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (
            "Jens Stoltenberg kam nach Seoul. In Südkorea forderte Stoltenberg Südkorea auf, zu helfen.",
            ["Jens Stoltenberg", "Seoul", "Südkorea", "Stoltenberg", "Südkorea"],
        ),
        # a name not seen before stays whole: "Fumio Kishida" is one person
        ("Japan empfing Fumio Kishida in Tokio.", ["Japan", "Fumio Kishida", "Tokio"]),
    ],
)
def test_names_side_by_side_split_only_when_both_are_known(
    finder: QuoteFinder, segment: Segment, text: str, names: list[str]
) -> None:
    analysis = analyse(text, segment(text), finder.lexicon_.marks)
    mentions = context(analysis, finder.lexicon_).mentions
    assert [m.name for m in mentions if m.kind == "name"] == names


@pytest.mark.parametrize(("fragment", "speaker"), SEED_SPEAKERS)
def test_seed_speakers(
    finder: QuoteFinder, segment: Segment, seed_text: str, fragment: str, speaker: str
) -> None:
    quotes = _find(finder, segment, seed_text)
    assert speaker in _speaker(_covering(quotes, fragment))


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\n\n",
        "„",
        '“”»«‚‘"',
        "a" * 5000,
        "Ünïcödé 🙂 „?“ — ‚x‘",
        "x\u200b\u0000y",
        "„" * 50,
    ],
)
def test_find_never_raises(finder: QuoteFinder, segment: Segment, text: str) -> None:
    quotes = _find(finder, segment, text)
    assert isinstance(quotes, tuple)
    # also with no sentences at all
    assert isinstance(finder.find(text, ()), tuple)


def test_find_is_fast(finder: QuoteFinder, segment: Segment, seed_text: str) -> None:
    sentences = segment(seed_text)
    start = time.perf_counter()
    for _ in range(10):
        finder.find(seed_text, sentences)
    assert (time.perf_counter() - start) / 10 < 0.1


def test_pickle_round_trip(finder: QuoteFinder, segment: Segment, seed_text: str) -> None:
    clone = pickle.loads(pickle.dumps(finder))
    sentences = segment(seed_text)
    assert clone.find(seed_text, sentences) == finder.find(seed_text, sentences)


def test_config_instantiates_unfitted_estimator(quotes_config) -> None:  # type: ignore[no-untyped-def]
    cfg = yaml.safe_load(quotes_config.read_text(encoding="utf-8"))
    model = instantiate(cfg)
    assert isinstance(model, QuoteFinder)
    params = model.get_params()
    assert params["speaker_threshold"] == cfg["speaker_threshold"]
    assert "sagen" in params["reporting_verbs"]
    assert not hasattr(model, "tagger_")


def test_speaker_threshold_abstains(finder: QuoteFinder, segment: Segment, seed_text: str) -> None:
    strict = pickle.loads(pickle.dumps(finder)).set_params(speaker_threshold=1.01)
    quotes = strict.find(seed_text, segment(seed_text))
    assert quotes and all(q.speaker is None for q in quotes)


def test_fit_rejects_empty() -> None:
    with pytest.raises(ValueError, match="at least one"):
        QuoteFinder().fit([])


def test_attribution_phrase_inside_a_sentence_is_a_gap(
    finder: QuoteFinder, segment: Segment
) -> None:
    text = "Die Oppositionsparteien kommen nach Angaben der Wahlkommission auf 194 Sitze."
    (quote,) = finder.annotate(text, segment(text))
    assert [s.text for s in quote.quote] == ["Die Oppositionsparteien kommen", "auf 194 Sitze"]
    assert any("Angaben" in s.text or "Wahlkommission" in s.text for s in quote.speaker)
    (found,) = _find(finder, segment, text)
    assert (
        found.text == "Die Oppositionsparteien kommen nach Angaben der Wahlkommission auf 194 Sitze"
    )


def test_opening_attribution_phrase_is_not_quoted(finder: QuoteFinder, segment: Segment) -> None:
    text = "Laut ersten Untersuchungen liegt keine Straftat vor. Das Wetter war gut."
    quotes = _find(finder, segment, text)
    assert [q.text for q in quotes] == ["liegt keine Straftat vor"]
    assert quotes[0].speaker is not None and "Untersuchungen" in quotes[0].speaker.text


def test_annotate_and_find_agree(finder: QuoteFinder, segment: Segment, seed_text: str) -> None:
    sentences = segment(seed_text)
    found = finder.find(seed_text, sentences)
    annotated = finder.annotate(seed_text, sentences)
    assert len(found) == len(annotated)
    for q, g in zip(found, annotated, strict=True):
        assert (q.start, q.end) == (g.quote[0].start, g.quote[-1].end)
        assert q.kind == g.kind
        if q.speaker is not None:
            assert (q.speaker.start, q.speaker.end) == (g.speaker[0].start, g.speaker[-1].end)


def test_rescorer_and_cueless_threshold(
    fit_docs: list[AnnotatedDocument], segment: Segment, seed_text: str, quotes_config: Path
) -> None:
    """The optional rescorer fits on cross-validated decodings and only ever drops quotes."""
    cfg = yaml.safe_load(quotes_config.read_text(encoding="utf-8"))
    cfg.update(rescore_folds=2)
    plain: QuoteFinder = instantiate({**cfg, "rescore_folds": 0}).fit(fit_docs[:60])
    rescored: QuoteFinder = instantiate(cfg).fit(fit_docs[:60])
    assert plain.span_model_ is None and rescored.span_model_ is not None
    sentences = segment(seed_text)
    kept = {(q.start, q.end) for q in rescored.find(seed_text, sentences)}
    assert kept <= {(q.start, q.end) for q in plain.find(seed_text, sentences)}
    strict = pickle.loads(pickle.dumps(plain)).set_params(cueless_threshold=1.01)
    assert all(q.kind != "indirect" or q.cue is not None for q in strict.find(seed_text, sentences))


@pytest.mark.parametrize(
    ("text", "name", "span"),
    [
        (
            "Angela Merkel (CDU) sagte am Montag, die Lage sei ernst.",
            "Angela Merkel",
            "Angela Merkel (CDU)",
        ),
        (
            "Die Lage sei ernst, sagte Angela Merkel (CDU) am Montag.",
            "Angela Merkel",
            "Angela Merkel (CDU)",
        ),
    ],
)
def test_a_party_in_brackets_is_not_part_of_the_speaker_name(
    finder: QuoteFinder, segment: Segment, text: str, name: str, span: str
) -> None:
    quote = _covering(_find(finder, segment, text), "Lage sei ernst")
    assert quote.speaker is not None
    assert (quote.speaker.name, quote.speaker.text) == (name, span)
