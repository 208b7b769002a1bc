"""Converters of the segmentation gold: CoNLL-U documents, golden rules, the shipped files."""

from __future__ import annotations

from pathlib import Path

import pytest

from quotestance.data.segmentation import (
    documents_from_conllu,
    documents_from_golden_rules,
    locate_sentences,
    read_segmentation_gold,
)

RAW = Path(__file__).resolve().parents[2] / "data" / "raw" / "segmentation-de"

CONLLU_DOCS = """\
# newdoc id = d1
# sent_id = 1
# text = Erster Satz.
1\tErster\t_\t_
# sent_id = 2
# text = Zweiter Satz.
1\tZweiter\t_\t_

# newdoc id = d2
# text = Dritter.
""".splitlines()

CONLLU_NO_DOCS = [f"# text = Satz {i}." for i in range(5)]


def test_newdoc_groups_sentences_and_joins_with_one_space() -> None:
    docs = documents_from_conllu(CONLLU_DOCS, "pud")
    assert [d.doc_id for d in docs] == ["d1", "d2"]
    assert docs[0].text == "Erster Satz. Zweiter Satz."
    assert [(s.id, s.start, s.end, s.text) for s in docs[0].sentences] == [
        (0, 0, 12, "Erster Satz."),
        (1, 13, 26, "Zweiter Satz."),
    ]
    assert docs[0].tokens == () and docs[0].quotes == ()


def test_files_without_newdoc_are_chunked() -> None:
    docs = documents_from_conllu(CONLLU_NO_DOCS, "gsd", chunk_size=2)
    assert [d.doc_id for d in docs] == ["gsd-0000", "gsd-0001", "gsd-0002"]
    assert [len(d.sentences) for d in docs] == [2, 2, 1]
    with pytest.raises(ValueError, match="chunk_size"):
        documents_from_conllu(CONLLU_NO_DOCS, "gsd", chunk_size=0)


def test_locate_sentences_ignores_whitespace() -> None:
    text = "Andere \nFische (z.B. Hai) essen. Gut."
    found = locate_sentences(text, ["Andere Fische (z. B. Hai) essen.", "Gut."])
    assert [s.text for s in found] == ["Andere \nFische (z.B. Hai) essen.", "Gut."]
    for s in found:
        assert text[s.start : s.end] == s.text


def test_a_missing_sentence_is_named() -> None:
    with pytest.raises(ValueError, match=r"rule-3: expected sentence not found.*'Nein\.'"):
        locate_sentences("Ja.", ["Ja.", "Nein."], "rule-3")


def test_golden_rules_rows() -> None:
    rows = [{"set": "S", "id": 7, "text": "A b. C d.", "sentences": ["A b.", "C d."]}]
    (doc,) = documents_from_golden_rules(rows)
    assert doc.doc_id == "S-7"
    assert [s.text for s in doc.sentences] == ["A b.", "C d."]
    with pytest.raises(ValueError, match="golden rule 0: missing column 'sentences'"):
        documents_from_golden_rules([{"text": "x"}])


@pytest.mark.skipif(not RAW.exists(), reason="data/raw/segmentation-de not present")
def test_shipped_gold_sizes() -> None:
    gold = read_segmentation_gold(RAW)
    assert (len(gold["pud"]), sum(len(d.sentences) for d in gold["pud"])) == (397, 1000)
    assert (len(gold["gsd_dev"]), sum(len(d.sentences) for d in gold["gsd_dev"])) == (80, 799)
    assert len(gold["golden_rules"]) == 35
    for docs in gold.values():
        for doc in docs:
            for s in doc.sentences:
                assert doc.text[s.start : s.end] == s.text == s.text.strip()
