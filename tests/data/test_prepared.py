import pytest

from quotestance.data.prepared import load_prepared, prepared_files
from quotestance.io import stance_example_from_dict, write_jsonl
from quotestance.records import Span, StanceExample

EXAMPLES = [
    StanceExample("Die Nato warnt.", "NATO", Span(4, 8, "Nato"), "neutral", "d1", "author", "x"),
    StanceExample("Moskau droht.", "Russia", None, None, "d2", "author", "x"),
]


def test_load_prepared_reads_local_splits_offline(tmp_path):
    folder = tmp_path / "prepared" / "demo"
    write_jsonl(folder / "train.jsonl", EXAMPLES)
    write_jsonl(folder / "rw" / "test.jsonl", EXAMPLES[:1])
    (folder / "stats.json").write_text("{}")
    assert sorted(prepared_files(folder)) == ["rw/test", "train"]
    cache = tmp_path / "hf_cache"
    data = load_prepared(folder, cache_dir=cache)
    assert sorted(data) == ["rw_test", "train"]
    assert data["train"].num_rows == 2
    assert [stance_example_from_dict(row) for row in data["train"]] == EXAMPLES
    assert cache.is_dir()
    single = load_prepared(folder / "train.jsonl", cache_dir=cache)
    assert single["train"][0]["mention"] == {"start": 4, "end": 8, "text": "Nato"}


def test_no_prepared_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="no prepared"):
        prepared_files(tmp_path)
