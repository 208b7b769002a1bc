import json

import pytest

from quotestance.data import schemas
from quotestance.data.prepare import SplitConfig, prepare_stance_corpus
from quotestance.data.splits import SplitChangedError, assign_split
from quotestance.data.stance_corpus import corpus_examples, find_mention
from quotestance.records import Span, StanceExample

SEED = "quotestance-splits-v1"
RATIOS = {"test": 0.15, "dev": 0.15, "train": 0.70}


def record(id_, doc_id, sentence, start, actor, mention, label, holder="author", ambiguous=False):
    return {
        "id": id_,
        "source": doc_id.split("-")[0] if doc_id.startswith("10kgnad") else "wikinews",
        "doc_id": doc_id,
        "sentence": sentence,
        "start": start,
        "end": start + len(sentence),
        "actor": actor,
        "mention": mention,
        "label": label,
        "holder": holder,
        "ambiguous": ambiguous,
        "annotator": "ann1",
    }


CORPUS = [
    record(
        "r1",
        "10kgnad-0007",
        "Chinas Führung kritisiert China-Kritiker und China.",
        120,
        "China",
        "China",
        "neutral",
    ),
    record("r2", "10kgnad-0007", "Moskau droht der Nato.", 200, "NATO", "Nato", "neutral"),
    record("r3", "10kgnad-0007", "Moskau droht der Nato.", 200, "Russia", "Moskau", "against"),
    record(
        "r4",
        "1229 - Geiselnahme in Saudi-Arabien (2004-12-06)",
        "Putin lobte die Zusammenarbeit, sagte Lawrow.",
        0,
        "Russia",
        "Putin",
        "favor",
        holder="Lawrow",
    ),
    record(
        "r5",
        "10kgnad-0100",
        "Die Nato-Partner zögern.",
        5,
        "NATO",
        "Nato-Partner",
        "against",
        ambiguous=True,
    ),
]


def write(path, rows):
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    return path


def test_find_mention_prefers_whole_words():
    # not inside "Chinas"; a compound head ("China-Kritiker") counts as a word, as in the actors
    assert find_mention(CORPUS[0]["sentence"], "China") == Span(26, 31, "China")
    assert find_mention("Chinas Chinesen und China", "China") == Span(20, 25, "China")
    assert find_mention("Chinas Wirtschaft", "China") == Span(0, 5, "China")
    with pytest.raises(ValueError, match="does not occur"):
        find_mention("Die Nato.", "NATO")


def test_corpus_examples():
    examples = corpus_examples(CORPUS, keep_ambiguous=False)
    assert len(examples) == 4  # the ambiguous row is left out
    assert examples[3] == StanceExample(
        text="Putin lobte die Zusammenarbeit, sagte Lawrow.",
        target="Russia",
        mention=Span(0, 5, "Putin"),
        label="favor",
        group="1229 - Geiselnahme in Saudi-Arabien (2004-12-06)",
        holder="Lawrow",
        source="wikinews",
    )
    assert len(corpus_examples(CORPUS)) == 5  # kept by default: its label is decided


def test_prepare_stance_corpus_splits_by_document(tmp_path):
    data = write(tmp_path / "corpus.jsonl", CORPUS)
    manifest = tmp_path / "splits" / "stance_corpus.json"
    stats = prepare_stance_corpus(
        data, tmp_path / "out", manifest, SplitConfig(SEED, RATIOS), keep_ambiguous=False
    )
    out = {}
    for name in ("train", "dev", "test"):
        out[name] = [json.loads(line) for line in (tmp_path / "out" / f"{name}.jsonl").open()]
        assert schemas.validate(out[name], schemas.STANCE_EXAMPLE, name) == []
        assert stats[name]["examples"] == len(out[name])
        for example in out[name]:
            assert assign_split(example["group"], SEED, RATIOS) == name
    groups = [{e["group"] for e in examples} for examples in out.values()]
    assert sum(len(g) for g in groups) == len(set().union(*groups))  # no document in two splits
    assert sum(len(v) for v in out.values()) == 4
    assert stats["ambiguous_left_out"] == 1
    frozen = json.loads(manifest.read_text())
    assert sorted(doc for ids in frozen["splits"].values() for doc in ids) == sorted(
        {r["doc_id"] for r in CORPUS}
    )
    assert frozen["splits"]["test"] == ["1229 - Geiselnahme in Saudi-Arabien (2004-12-06)"]
    # a rerun verifies and keeps the manifest; a changed split is refused, force rewrites
    before = manifest.read_bytes()
    prepare_stance_corpus(
        data, tmp_path / "out", manifest, SplitConfig(SEED, RATIOS), keep_ambiguous=False
    )
    assert manifest.read_bytes() == before
    with pytest.raises(SplitChangedError, match="stance_corpus splits differ"):
        prepare_stance_corpus(data, tmp_path / "out", manifest, SplitConfig("new-seed", RATIOS))
    assert manifest.read_bytes() == before
    assert len((tmp_path / "out" / "train.jsonl").read_text().splitlines()) == len(out["train"])
    assert (tmp_path / "out" / "test.jsonl").read_text() == "".join(
        json.dumps(e, ensure_ascii=False) + "\n" for e in out["test"]
    )
    prepare_stance_corpus(
        data, tmp_path / "out", manifest, SplitConfig("new-seed", RATIOS, force=True)
    )
    assert json.loads(manifest.read_text())["seed"] == "new-seed"


def test_prepare_stance_corpus_rejects_bad_rows(tmp_path):
    rows = [*CORPUS[:2], {**CORPUS[2], "label": "pro"}, CORPUS[0]]
    data = write(tmp_path / "corpus.jsonl", rows)
    with pytest.raises(schemas.SchemaError) as raised:
        prepare_stance_corpus(
            data, tmp_path / "out", tmp_path / "m.json", SplitConfig(SEED, RATIOS)
        )
    message = str(raised.value)
    assert f"{data}: line 3 (id='r3'): field 'label': label 'pro'" in message
    assert f"{data}: line 4 (id='r1'): field 'id': duplicate id 'r1' (first at line 1)" in message
    assert not (tmp_path / "out").exists() and not (tmp_path / "m.json").exists()
