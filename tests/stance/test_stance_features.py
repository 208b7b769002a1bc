"""Target-aware views and lexicon features: table-driven expectations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from quotestance.features.inputs import stance_frame, tokenize
from quotestance.features.lexicon import LexiconFeatures
from quotestance.features.views import TARGET_TOKEN, TargetViews
from quotestance.lexicons import guess_language, load_lexicons, polarity, stem, stem_index


def _views(text: str, target: str, start: int = -1, end: int = -1) -> dict[str, str]:
    frame = pd.DataFrame({"text": [text], "target": [target], "start": [start], "end": [end]})
    return TargetViews().fit(frame).transform(frame).iloc[0].to_dict()


@pytest.mark.parametrize(
    ("text", "target", "start", "end", "mention"),
    [
        ("Lawrow kritisierte die Nato.", "NATO", 23, 27, (3, 4)),
        ("Lawrow kritisierte die Nato.", "Nato", -1, -1, (3, 4)),  # searched by target
        ("Lawrow kritisierte die Nato.", "EU", -1, -1, None),  # not found
        ("Die Russland-Sanktionen wirken.", "Russia", 4, 23, (1, 2)),
    ],
)
def test_tokenize_locates_the_mention(text, target, start, end, mention) -> None:
    assert tokenize(text, target, start, end).mention == mention


@pytest.mark.parametrize(
    ("text", "target", "start", "end", "present", "absent"),
    [
        # the evaluation is Lawrow's, the mention right after the reporting verb
        ("Lawrow kritisierte die Nato scharf.", "NATO", 23, 27, ["rv_left_clause"], ["in_quote"]),
        # the mention speaks: followed by a reporting verb
        ("Die Nato erklärte, Russland sei aggressiv.", "NATO", 4, 8, ["mention_then_rv"], []),
        # inside quotation marks, in a reported (subjunctive) clause
        (
            "„Russland ist eine Gefahr“, sagte er.",
            "Russia",
            1,
            9,
            ["in_quote", "rv_right"],
            ["outside_quote"],
        ),
        ("Laut Moskau ist alles gut.", "Russia", 5, 11, ["attribution_near"], []),
        ("Die Nato ist nicht schlecht.", "NATO", 4, 8, ["has_negation", "clause_pos"], []),
        ("Die Nato ist schlecht.", "NATO", 4, 8, ["clause_neg", "target_nato"], ["clause_pos"]),
        ("Trump praised the deal.", "Trump", 0, 5, ["sent_pos", "mention_then_rv"], []),
    ],
)
def test_cues(text, target, start, end, present, absent) -> None:
    cues = _views(text, target, start, end)["cues"].split()
    for cue in present:
        assert cue in cues
    for cue in absent:
        assert cue not in cues


def test_views_mask_mention_scope_negation_and_cross_target() -> None:
    views = _views("Die Nato ist nicht gut, sagte er.", "NATO", 4, 8)
    assert TARGET_TOKEN in views["marked"] and "Nato" not in views["marked"]
    assert "not_gut" in views["scoped"].split()
    assert "not_sagte" not in views["scoped"].split()  # the comma ends the scope
    assert "r_ist" in views["window"].split() and "n_die" in views["window"].split()
    assert all(token.startswith("nato|") for token in views["crossed"].split())


def test_compound_mention_keeps_its_words() -> None:
    views = _views("Die Russland-Sanktionen wirken.", "Russia", 4, 23)
    assert "m_sanktionen" in views["window"].split()


def test_lexicons_and_stemming() -> None:
    lexicons = load_lexicons(["de", "en"])
    de, en = lexicons["de"], lexicons["en"]
    assert polarity("kritisierte", de, stem_index(de)) < 0
    assert polarity("begrüßte", de, stem_index(de)) > 0
    assert polarity("praised", en, stem_index(en)) > 0
    assert stem("kritisierte") == "kritisier"
    assert guess_language(["die", "nato", "ist", "nicht", "gut"], ["de", "en"]) == "de"
    assert guess_language(["the", "deal", "is", "good"], ["de", "en"]) == "en"


def test_lexicon_features_flip_under_negation() -> None:
    frame = pd.DataFrame(
        {
            "text": ["Die Nato ist gut.", "Die Nato ist nicht gut.", "Die Nato tagt."],
            "target": ["NATO"] * 3,
            "start": [4] * 3,
            "end": [8] * 3,
        }
    )
    features = LexiconFeatures().fit(frame)
    values = features.transform(frame)
    names = list(features.get_feature_names_out())
    pos, neg = names.index("lexicon_clause_pos"), names.index("lexicon_clause_neg")
    assert values[0, pos] > 0 and values[0, neg] == 0
    assert values[1, neg] > 0 and values[1, pos] == 0
    assert np.all(values[2] == 0)
    assert np.all(values >= 0)


def test_frame_errors_name_missing_columns() -> None:
    with pytest.raises(ValueError, match=r"missing column.*start, end"):
        stance_frame(pd.DataFrame({"text": ["a"], "target": ["b"]}))
    with pytest.raises(ValueError, match="2D"):
        stance_frame(np.asarray(["a", "b"]))


def test_array_input_reads_columns_by_position() -> None:
    frame = stance_frame(np.asarray([["Die Nato tagt.", "NATO", 4, 8]], dtype=object))
    assert frame.iloc[0].tolist() == ["Die Nato tagt.", "NATO", 4, 8]
    plain = stance_frame(np.asarray([["nur Text"]], dtype=object))
    assert plain.iloc[0].tolist() == ["nur Text", "", -1, -1]


def _evaluation(text: str, mention: str) -> list[str]:
    start = text.index(mention)
    cues = _views(text, mention, start, start + len(mention))["cues"].split()
    return [c for c in cues if "&" not in c]


@pytest.mark.parametrize(
    ("text", "mention", "present", "absent"),
    [
        # the criticism governs the mention's clause: what is criticised is the mention
        (
            "Nordkorea kritisierte die Nato scharf.",
            "Nato",
            ["against_before_same", "gov_outer_against", "composed_against"],
            ["composed_favor"],
        ),
        # ... from one clause before, through reported speech
        (
            "Nordkorea verurteilte den Besuch und sagte, die Nato versuche, Druck auszuüben.",
            "Nato",
            ["against_before_near", "composed_against"],
            [],
        ),
        # criticised cooperation: the outer criticism wins over the inner favor noun
        (
            "Nordkorea kritisierte die Zusammenarbeit zwischen der Nato und Japan.",
            "Nato",
            ["gov_outer_against", "gov_inner_favor", "composed_against"],
            ["composed_favor"],
        ),
        # closer ties: favor
        (
            "Japan hat seine Zusammenarbeit mit der Nato vertieft.",
            "Nato",
            ["favor_before_same", "composed_favor"],
            ["composed_against"],
        ),
        # the mention acts with hostility (a lower-case verb after it): aggressor
        (
            "Russland bedroht die Nachbarn.",
            "Russland",
            ["hostile_after_same", "composed_against"],
            [],
        ),
        # the mention is the victim of the hostile act: not against it
        ("Russland bedroht die Ukraine.", "Ukraine", ["hostile_before_same"], ["composed_against"]),
        # attribute noun right after the mention
        (
            "Russlands Aggression geht weiter.",
            "Russlands",
            ["hostile_attr", "composed_against"],
            [],
        ),
        # a capitalised noun after the mention is no act of the mention
        (
            "Die Nato und ihre Verbündeten tagten.",
            "Nato",
            ["favor_after_noun"],
            ["favor_after_same", "composed_favor"],
        ),
        # criticised sanctions against the mention: the criticism negates the inner against
        (
            "Die Partei kritisierte die Sanktionen gegen Russland.",
            "Russland",
            ["composed_favor"],
            ["composed_against"],
        ),
        ("Russland-Sanktionen wirken.", "Russland-Sanktionen", ["against_in_mention"], []),
        ("Die Nato tagte in Brüssel.", "Nato", ["composed_none"], []),
    ],
)
def test_evaluation_scope_cues(text, mention, present, absent) -> None:
    cues = _evaluation(text, mention)
    for cue in present:
        assert cue in cues, (cue, cues)
    for cue in absent:
        assert cue not in cues, (cue, cues)


def test_criticism_scope_marks_and_flips_what_is_criticised() -> None:
    text = "Nordkorea kritisierte die gute Zusammenarbeit mit der Nato."
    views = _views(text, "NATO", text.index("Nato"), text.index("Nato") + 4)
    assert "crit_gute" in views["scoped"].split()
    assert "crit_zusammenarbeit" in views["scoped"].split()
    assert "nordkorea" in views["scoped"].split()  # before the criticism verb: unmarked
    cues = views["cues"].split()
    assert "clause_neg" in cues and "clause_pos" not in cues  # "gute" flipped
    frame = pd.DataFrame({"text": [text], "target": ["Nato"], "start": [-1], "end": [-1]})
    plain = TargetViews(criticism_scope=False).fit(frame)
    assert "crit_gute" not in plain.transform(frame).iloc[0]["scoped"].split()


def test_cross_cues_crosses_only_cues() -> None:
    frame = pd.DataFrame(
        {"text": ["Die Nato ist gut."], "target": ["NATO"], "start": [4], "end": [8]}
    )
    crossed = TargetViews(cross="cues").fit(frame).transform(frame).iloc[0]["crossed"].split()
    assert "nato|target_nato" in crossed
    assert not any(t.startswith(("nato|s_", "nato|l_", "nato|r_")) for t in crossed)
    with pytest.raises(ValueError, match="cross must be one of"):
        TargetViews(cross="words").fit(frame)


def test_explicit_cues_keep_the_shipped_evaluation_lists() -> None:
    frame = pd.DataFrame(
        {"text": ["Moskau kritisierte die Nato."], "target": ["NATO"], "start": [23], "end": [27]}
    )
    views = TargetViews(cues={"negation": ["nicht"]}).fit(frame).transform(frame)
    assert "against_before_same" in views.iloc[0]["cues"].split()


@pytest.mark.parametrize(
    ("text", "mention", "roles"),
    [
        # the mention opens its clause: the subject, the speaker of a criticism
        ("Der Kreml kritisierte die Führung in Kiew.", "Kreml", ["role_initial"]),
        # a preposition ties it to what governs it
        ("Die Sanktionen gegen Russland wirken.", "Russland", ["role_prep_gegen"]),
        ("Er lobte die Zusammenarbeit mit der Nato.", "Nato", ["role_prep_mit"]),
        # a noun and a genitive article before it
        ("Die Zusammenarbeit der Nato wurde gelobt.", "Nato", ["role_genitive"]),
        # another noun opens the clause
        ("Nordkorea kritisierte die Nato scharf.", "Nato", ["role_object"]),
    ],
)
def test_role_tokens(text, mention, roles) -> None:
    start = text.index(mention)
    frame = pd.DataFrame(
        {"text": [text], "target": [mention], "start": [start], "end": [start + len(mention)]}
    )
    views = TargetViews(roles=True).fit(frame).transform(frame).iloc[0]
    cues = views["cues"].split()
    for role in roles:
        assert role in cues, (role, cues)
        # crossed with the evaluation cues, so the model can tell speaker from evaluated
        assert any(c.startswith(f"{role}&composed_") for c in cues), cues
    plain = TargetViews().fit(frame).transform(frame).iloc[0]["cues"].split()
    assert not any(c.startswith("role_") for c in plain)


def test_clause_view_holds_the_mention_clause_only() -> None:
    text = "Moskau schweigt, aber die Nato wird kritisiert."
    views = _views(text, "NATO", text.index("Nato"), text.index("Nato") + 4)
    assert views["clause"].split() == ["die", "wird", "kritisiert"]
    assert _views("Moskau schweigt.", "EU")["clause"] == "no_mention"


def test_target_prior_off_drops_the_per_target_bias() -> None:
    text = "Die Russland-Sanktionen wirken."
    frame = pd.DataFrame({"text": [text], "target": ["Russia"], "start": [4], "end": [23]})
    on = TargetViews().fit(frame).transform(frame).iloc[0]
    off = TargetViews(target_prior=False).fit(frame).transform(frame).iloc[0]
    assert "target_russia" in on["cues"].split() and "m_russland" in on["window"].split()
    assert "target_russia" not in off["cues"].split()
    assert "m_russland" not in off["window"].split()
    assert "m_sanktionen" in off["window"].split()  # what the compound adds stays
