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
