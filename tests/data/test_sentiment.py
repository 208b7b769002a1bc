import pytest

from quotestance.data.sentiment import (
    GERNTSA_SOURCE,
    NEWSMTSC_SOURCE,
    gerntsa_examples,
    is_proxy,
    newsmtsc_article,
    newsmtsc_examples,
    resolve_gerntsa_duplicates,
)
from quotestance.records import Span, StanceExample

SENTENCE = "Die Nato lobt Kiew, aber Moskau protestiert."


def row(id_, target, start, polarity, sentence=SENTENCE):
    return {
        "id": id_,
        "opinion_snippet": sentence,
        "target": target,
        "target_anchor": {"from": start, "to": start + len(target)},
        "sentiment": {"polarity": polarity},
    }


def test_gerntsa_proxy_mapping_and_sentence_groups():
    rows = [
        row("a", "Nato", 4, "positive"),
        row("b", "Moskau", 25, "negative"),
        row("c", "Kiew", 0, "neutral", sentence="Kiew schweigt."),
    ]
    examples = gerntsa_examples(rows)
    assert examples[0] == StanceExample(
        text=SENTENCE,
        target="Nato",
        mention=Span(4, 8, "Nato"),
        label="favor",
        group="a",
        holder="author",
        source="gerntsa-proxy",
    )
    assert [e.label for e in examples] == ["favor", "against", "neutral"]
    # both targets of one sentence share the id of its first row: one document for the split
    assert [e.group for e in examples] == ["a", "a", "c"]
    assert all(is_proxy(e) for e in examples) and GERNTSA_SOURCE == "gerntsa-proxy"


def test_gerntsa_conflicting_duplicates_are_dropped_identical_kept_once():
    same = row("a", "Nato", 4, "positive")
    rows = [same, dict(same), row("b", "Moskau", 25, "negative"), row("b", "Moskau", 25, "neutral")]
    kept, dropped = resolve_gerntsa_duplicates(rows)
    assert kept == [same]
    assert [r["sentiment"]["polarity"] for r in dropped] == ["negative", "neutral"]


@pytest.mark.parametrize(
    ("gid", "article"),
    [
        ("allsides_1000_401_25_Reality Leigh Winner_0_6", "allsides_1000_401"),
        ("polusa_v1_59488606_-1_30_Dr. Sidney J. Blair_1_3", "polusa_v1_59488606"),
        ("polusa_v1_115974189_-1_18_Phyllis Mueller\nMax Mueller II_9_11", "polusa_v1_115974189"),
    ],
)
def test_newsmtsc_article_is_the_document(gid, article):
    assert newsmtsc_article(gid) == article


def test_newsmtsc_one_example_per_target():
    raw = {
        "primary_gid": "allsides_5099_2155_56_Dr. King_91_95",
        "sentence_normalized": "Ms. Winfrey praised King.",
        "targets": [
            {"Input.gid": "x", "from": 0, "to": 11, "mention": "Ms. Winfrey", "polarity": 4.0},
            {"Input.gid": "y", "from": 20, "to": 24, "mention": "King", "polarity": 6.0},
        ],
    }
    first, second = newsmtsc_examples([raw])
    assert first == StanceExample(
        text="Ms. Winfrey praised King.",
        target="Ms. Winfrey",
        mention=Span(0, 11, "Ms. Winfrey"),
        label="neutral",
        group="allsides_5099_2155",
        holder="author",
        source=NEWSMTSC_SOURCE,
    )
    assert (second.label, second.mention) == ("favor", Span(20, 24, "King"))
    assert (
        newsmtsc_examples([{**raw, "targets": [{**raw["targets"][0], "polarity": 2.0}]}])[0].label
        == "against"
    )


def test_real_labels_are_not_proxy():
    assert not is_proxy(StanceExample("t", "NATO", source="wikinews"))
