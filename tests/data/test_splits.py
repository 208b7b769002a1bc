import json
from pathlib import Path

import pytest

from quotestance.data.splits import (
    SplitChangedError,
    assign_split,
    bucket,
    check_ratios,
    freeze_splits,
    partition,
    published_dev_ratios,
    read_manifest,
    split_ids,
)

RATIOS = {"test": 0.15, "dev": 0.15, "train": 0.70}
IDS = [f"doc-{i:03d}" for i in range(400)]


def test_assignment_is_deterministic_and_seeded():
    assert [assign_split(d, "s", RATIOS) for d in IDS] == [
        assign_split(d, "s", RATIOS) for d in IDS
    ]
    assert [assign_split(d, "s", RATIOS) for d in IDS] != [
        assign_split(d, "t", RATIOS) for d in IDS
    ]
    assert 0.0 <= bucket("x", "s") < 1.0


def test_no_document_in_two_splits_and_ratios_roughly_kept():
    splits = split_ids(IDS + IDS[:50], "s", RATIOS)  # repeated ids (examples of one document)
    seen = [doc for ids in splits.values() for doc in ids]
    assert sorted(seen) == sorted(IDS)
    assert len(seen) == len(set(seen))
    assert 40 < len(splits["test"]) < 80 and 40 < len(splits["dev"]) < 80


def test_test_membership_agrees_across_ratio_sets():
    # A dataset with a published dev set cuts only test from train: same test documents.
    full = split_ids(IDS, "s", RATIOS)
    published = split_ids(IDS, "s", published_dev_ratios(RATIOS))
    assert full["test"] == published["test"]
    assert set(published) == {"test", "train"}


@pytest.mark.parametrize("ratios", [{"train": 0.5, "test": 0.4}, {"train": 1.2, "test": -0.2}, {}])
def test_bad_ratios_are_refused(ratios):
    with pytest.raises(ValueError, match="ratios"):
        check_ratios(ratios)


def test_manifest_is_written_once_and_verified(tmp_path):
    path = tmp_path / "splits" / "demo.json"
    splits = split_ids(IDS, "s", RATIOS)
    written = freeze_splits(path, "demo", splits, "s", RATIOS)
    before = path.read_bytes()
    assert written["counts"] == {name: len(ids) for name, ids in splits.items()}
    # a rerun with the same inputs verifies and leaves the file untouched
    again = freeze_splits(path, "demo", split_ids(IDS, "s", RATIOS), "s", RATIOS)
    assert again["splits"]["test"] == written["splits"]["test"]
    assert path.read_bytes() == before


def test_changed_split_is_refused_and_force_rewrites(tmp_path):
    path = tmp_path / "demo.json"
    freeze_splits(path, "demo", split_ids(IDS, "s", RATIOS), "s", RATIOS)
    before = path.read_bytes()
    with pytest.raises(SplitChangedError, match=r"demo.json: the demo splits differ.*\n  dev: \+"):
        freeze_splits(path, "demo", split_ids(IDS, "other", RATIOS), "other", RATIOS)
    with pytest.raises(SplitChangedError, match="test: \\+1 \\['new-doc'\\]"):
        splits = split_ids(IDS, "s", RATIOS)
        splits["test"] = [*splits["test"], "new-doc"]
        freeze_splits(path, "demo", splits, "s", RATIOS)
    assert path.read_bytes() == before
    rewritten = freeze_splits(
        path, "demo", split_ids(IDS, "other", RATIOS), "other", RATIOS, force=True
    )
    assert json.loads(path.read_text())["digest"] == rewritten["digest"]
    assert path.read_bytes() != before


def test_hand_edited_manifest_is_detected(tmp_path):
    path = tmp_path / "demo.json"
    manifest = freeze_splits(path, "demo", split_ids(IDS, "s", RATIOS), "s", RATIOS)
    manifest["splits"]["test"].append("smuggled")
    path.write_text(json.dumps(manifest))
    with pytest.raises(SplitChangedError, match="ids of split 'test' do not match their digest"):
        read_manifest(path)


def test_partition_follows_the_manifest():
    items = [("a", 1), ("b", 2), ("a", 3)]
    parts = partition(items, lambda item: item[0], {"train": ["a"], "test": ["b"]})
    assert parts == {"train": [("a", 1), ("a", 3)], "test": [("b", 2)]}
    with pytest.raises(KeyError, match="'c' is in no split"):
        partition([("c", 0)], lambda item: item[0], {"train": ["a"]})


@pytest.mark.parametrize("dataset", ["wikinews", "gerntsa", "news"])
def test_committed_manifests_are_consistent(dataset):
    path = Path(__file__).resolve().parents[2] / "data" / "splits" / f"{dataset}.json"
    manifest = read_manifest(path)
    ids = [doc for split in manifest["splits"].values() for doc in split]
    assert len(ids) == len(set(ids))
    ratios = {k: v for k, v in manifest["ratios"].items() if k != "dev" or v != "published"}
    for name in ("test", "train"):
        for doc in manifest["splits"][name][:50]:
            assert assign_split(doc, manifest["seed"], ratios) == name


def test_stance_corpus_test_documents_are_never_trained_on_elsewhere():
    # The same seed and test share put a document in test wherever it occurs, so the quote
    # model (Wikinews train), GerNTSA and 10kGNAD train never hold a stance-corpus test document.
    folder = Path(__file__).resolve().parents[2] / "data" / "splits"
    stance_test = set(read_manifest(folder / "stance_corpus.json")["splits"]["test"])
    assert stance_test
    for dataset in ("wikinews", "gerntsa", "news", "gepade"):
        if (folder / f"{dataset}.json").exists():
            train = set(read_manifest(folder / f"{dataset}.json")["splits"]["train"])
            assert not stance_test & train, dataset
