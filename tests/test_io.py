import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

from quotestance.io import (
    InputError,
    decode_text,
    read_documents,
    read_jsonl,
    unique_ids,
    write_jsonl,
)
from quotestance.records import Document, Sentence


def _items(path: Path) -> list[Document | InputError]:
    return list(unique_ids(read_documents(path)))


def test_text_file_id_is_stem(tmp_path: Path) -> None:
    (tmp_path / "a1.txt").write_text("Hallo Welt.", encoding="utf-8")
    assert _items(tmp_path / "a1.txt") == [Document("a1", "Hallo Welt.")]


def test_folder_reads_txt_files_in_order(tmp_path: Path) -> None:
    for name in ("b", "a", "c"):
        (tmp_path / f"{name}.txt").write_text(name, encoding="utf-8")
    (tmp_path / "ignore.md").write_text("x")
    assert [d.doc_id for d in _items(tmp_path)] == ["a", "b", "c"]


def test_latin1_and_cp1252_decode_with_warning() -> None:
    with pytest.warns(UnicodeWarning, match="cp1252"):
        assert decode_text("Grüße „x“".encode("cp1252"), "doc") == "Grüße „x“"


def test_binary_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02PNG")
    (item,) = _items(tmp_path / "bin.txt")
    assert isinstance(item, InputError)
    assert item.doc_id == "bin" and "binary" in str(item)


def test_jsonl_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps({"id": "a", "text": "eins"}),
                "{not json",
                json.dumps({"id": "b"}),
                json.dumps({"id": "c", "text": 3}),
                json.dumps({"id": "a", "text": "noch mal"}),
            ]
        )
    )
    items = _items(path)
    assert isinstance(items[0], Document)
    assert "line 2" in str(items[1])
    assert "'text' is missing" in str(items[2]) and items[2].doc_id == "b"
    assert "'text' is int" in str(items[3])
    assert "duplicate id 'a'" in str(items[4])
    assert len(items) == 5


def test_csv_without_text_column_gives_one_error_per_row(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    pd.DataFrame({"id": ["x", "y"], "body": ["a", "b"]}).to_csv(path, index=False)
    items = _items(path)
    assert len(items) == 2
    assert all(isinstance(i, InputError) and "no 'text' column" in str(i) for i in items)
    assert "in.csv row 1" in str(items[1])


@pytest.mark.parametrize("end", [b"\r", b"\r\n", b"\n"], ids=["cr", "crlf", "lf"])
def test_csv_reads_every_line_ending_and_keeps_quoted_breaks(tmp_path: Path, end: bytes) -> None:
    path = tmp_path / "in.csv"
    rows = [b"id,text", b'a,"zwei\rZeilen"', b"b,Eine Zeile."]
    path.write_bytes(end.join(rows) + end)
    assert _items(path) == [Document("a", "zwei\rZeilen"), Document("b", "Eine Zeile.")]


def test_parquet_is_read_in_batches(tmp_path: Path) -> None:
    path = tmp_path / "in.parquet"
    pd.DataFrame({"id": [str(i) for i in range(25)], "text": ["t"] * 25}).to_parquet(path)
    docs = list(read_documents(path, chunk_rows=10))
    assert [d.doc_id for d in docs] == [str(i) for i in range(25)]


def test_unsupported_input_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unsupported input"):
        list(read_documents(tmp_path / "x.xml"))


def test_jsonl_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl.gz"
    assert write_jsonl(path, [Sentence(0, 0, 3, "abc")]) == 1
    assert list(read_jsonl(path)) == [{"id": 0, "start": 0, "end": 3, "text": "abc"}]


def test_invalid_json_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"a": 1}\n{oops\n')
    with pytest.raises(ValueError, match=r"bad.jsonl:2"):
        list(read_jsonl(path))


def test_warnings_do_not_leak() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert decode_text(b"plain", "x") == "plain"
