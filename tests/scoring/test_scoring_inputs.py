"""Every bad document of every input format becomes one error record naming it and the problem."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from conftest import german, write_jsonl_lines
from contract import check_record
from quotestance.cli.score import EXIT_OVER_ERROR_BUDGET, report
from quotestance.io import read_documents, read_jsonl
from quotestance.records import ModelInfo
from quotestance.scoring import ScoreSummary, score_documents

INFO = ModelInfo("models:/quotestance/1", "1", "")
MAX_CHARS = 200
LATIN = "Grüße aus München, sagte der Bürgermeister."


def _score(path: Path, model_path: str, tmp_path: Path, **kwargs: object) -> ScoreSummary:
    return score_documents(
        read_documents(path, max_chars=MAX_CHARS),
        model_path,
        tmp_path / "out" / "scored.jsonl",
        INFO,
        workers=0,
        chunk_size=4,
        max_chars=MAX_CHARS,
        **kwargs,  # type: ignore[arg-type]
    )


def _check(records: list[dict], texts: dict[str, str]) -> None:
    for record in records:
        check_record(record, texts.get(record["doc_id"]))


def test_jsonl_bad_documents_become_error_records(model_path: str, tmp_path: Path) -> None:
    # (input line, expected doc_id, expected reason or None for ok, words the message must hold)
    cases: list[tuple[object, str, str | None, tuple[str, ...]]] = [
        ({"id": "ok1", "text": german(0)}, "ok1", None, ()),
        ({"id": "empty", "text": ""}, "empty", "empty", ("empty",)),
        ({"id": "blank", "text": " \n\t \u3000"}, "blank", "empty", ("whitespace",)),
        ({"id": "nul", "text": "abc\x00\x01\x02"}, "nul", "binary", ("binary",)),
        (
            b"\x89PNG\r\x00\x00\x00\rIHDR\x00\x01\xff",
            "in.jsonl line 5",
            "binary",
            ("line 5", "binary"),
        ),
        (
            json.dumps({"id": "latin", "text": LATIN}, ensure_ascii=False).encode("cp1252"),
            "latin",
            None,
            (),
        ),
        ({"id": "notext"}, "notext", "missing_text", ("notext", "'text' is missing")),
        ({"id": "num", "text": 42}, "num", "wrong_type", ("num", "'text' is int")),
        ({"text": "Ohne Kennung."}, "in.jsonl line 9", "missing_id", ("line 9", "missing 'id'")),
        ({"id": "ok1", "text": german(1)}, "ok1", "duplicate_id", ("duplicate id 'ok1'",)),
        (
            {"id": "long", "text": "x" * (MAX_CHARS + 1)},
            "long",
            "oversized",
            (f"limit of {MAX_CHARS}",),
        ),
        (
            {"id": "huge", "text": "y" * (13 * MAX_CHARS + 4096)},
            "huge",
            "oversized",
            ("line 12", "reading limit"),
        ),
        ("{not json", "in.jsonl line 13", "invalid_json", ("line 13", "not a JSON object")),
        ("[1, 2]", "in.jsonl line 14", "invalid_json", ("line 14", "not a JSON object")),
        ('{"id": "sur", "text": "a\\ud800b"}', "sur", "invalid_unicode", ("sur", "surrogate")),
        ({"id": {"a": 1}, "text": "Text."}, "in.jsonl line 16", "wrong_type", ("'id' is dict",)),
        ({"id": 17, "text": german(2)}, "17", None, ()),
    ]
    rows = [row for row, *_ in cases]
    path = write_jsonl_lines(tmp_path / "in.jsonl", [*rows[:-1], "   ", rows[-1]])  # a blank line
    expected = [(doc_id, reason, words) for _, doc_id, reason, words in cases]
    with pytest.warns(UnicodeWarning, match=r"in.jsonl line 6: not UTF-8, decoded as cp1252"):
        summary = _score(path, model_path, tmp_path)
    records = list(read_jsonl(summary.output))
    assert [r["doc_id"] for r in records] == [doc_id for doc_id, _, _ in expected]
    for record, (_, reason, words) in zip(records, expected, strict=True):
        assert record["status"] == ("ok" if reason is None else "error"), record
        for word in words:
            assert word in record["error"]["message"], (word, record)
        assert record["model"]["uri"] == INFO.uri and record["model"]["version"] == "1"
        assert record["model"]["config_hash"] == "testhash"
    latin = records[5]
    assert latin["sentences"][0]["text"].startswith("Grüße aus München")
    _check(records, {"ok1": german(0), "latin": LATIN, "17": german(2)})
    reasons = Counter(reason for _, reason, _ in expected if reason)
    assert summary.error_reasons == dict(reasons)
    assert (summary.documents, summary.ok, summary.errors) == (17, 3, 14)


def test_csv_bad_rows_become_error_records(model_path: str, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    lines = [
        b"id,text",
        f'a,"{german(0)}"'.encode(),
        b"b,",  # empty text
        f"c,{LATIN.replace(',', '')}".encode("cp1252"),
        b"d,one,two",  # three fields
        f'e,"{german(3)}\nZweite Zeile, mit Komma."'.encode(),  # a record over two lines
        f'a,"{german(4)}"'.encode(),
        f',"{german(5)}"'.encode(),
        b"",  # a blank line is no document
        f'f,"{german(6)}"'.encode(),
    ]
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")
    with pytest.warns(UnicodeWarning, match="in.csv line 4"):
        summary = _score(path, model_path, tmp_path)
    records = list(read_jsonl(summary.output))
    assert [r["doc_id"] for r in records] == [
        "a",
        "b",
        "c",
        "d",
        "e",
        "a",
        "in.csv row 6 (line 9)",
        "f",
    ]
    assert [r["status"] for r in records] == [
        "ok",
        "error",
        "ok",
        "error",
        "ok",
        "error",
        "error",
        "ok",
    ]
    assert "3 fields where the header has 2" in records[3]["error"]["message"]
    assert "row 3" in records[3]["error"]["message"]
    assert "duplicate id 'a'" in records[5]["error"]["message"]
    assert "missing 'id'" in records[6]["error"]["message"]
    assert records[2]["sentences"][0]["text"].startswith("Grüße aus München")
    assert records[4]["sentences"][-1]["text"] == "Zweite Zeile, mit Komma."
    assert summary.error_reasons == {
        "empty": 1,
        "malformed_row": 1,
        "duplicate_id": 1,
        "missing_id": 1,
    }


def test_table_without_text_column_gives_one_error_per_row(model_path: str, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    pd.DataFrame({"id": ["x", "y"], "body": ["a", "b"]}).to_csv(path, index=False)
    records = list(read_jsonl(_score(path, model_path, tmp_path).output))
    assert [r["doc_id"] for r in records] == ["x", "y"]
    assert all("no 'text' column" in r["error"]["message"] for r in records)


def test_parquet_types_and_missing_values(model_path: str, tmp_path: Path) -> None:
    path = tmp_path / "in.parquet"
    frame = pd.DataFrame(
        {"id": [1, 2, 3], "text": [german(0), None, german(1)], "extra": [0, 0, 0]}
    )
    frame.to_parquet(path)
    records = list(read_jsonl(_score(path, model_path, tmp_path).output))
    assert [r["doc_id"] for r in records] == ["1", "2", "3"]
    assert [r["status"] for r in records] == ["ok", "error", "ok"]
    assert "'text' is missing" in records[1]["error"]["message"]


def test_folder_of_text_files(model_path: str, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text(german(0), encoding="utf-8")
    (folder / "b.txt").write_text("", encoding="utf-8")
    (folder / "c.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (folder / "d.txt").write_bytes(LATIN.encode("cp1252"))
    (folder / "e.txt").write_text("z" * (MAX_CHARS + 1), encoding="utf-8")
    (folder / "f.txt").write_text("z" * (4 * MAX_CHARS + 4), encoding="utf-8")
    (folder / "g.txt").write_text(german(1), encoding="utf-16")  # with a byte order mark
    (folder / "notes.md").write_text("not an input")
    with pytest.warns(UnicodeWarning, match="d.txt"):
        summary = _score(folder, model_path, tmp_path)
    records = list(read_jsonl(summary.output))
    assert [r["doc_id"] for r in records] == ["a", "b", "c", "d", "e", "f", "g"]
    assert [r["status"] for r in records] == ["ok", "error", "error", "ok", "error", "error", "ok"]
    assert records[6]["sentences"][0]["text"] == german(1).split(" Meldung")[0]
    assert "c.txt" in records[2]["error"]["message"] and "binary" in records[2]["error"]["message"]
    assert f"limit of {MAX_CHARS}" in records[4]["error"]["message"]
    assert (
        "f.txt" in records[5]["error"]["message"]
        and "reading limit" in records[5]["error"]["message"]
    )
    assert summary.error_reasons == {"empty": 1, "binary": 1, "oversized": 2}


@pytest.mark.parametrize(
    ("errors", "budget", "status"),
    [
        (0, 0.0, 0),
        (1, 0.1, 0),
        (2, 0.1, EXIT_OVER_ERROR_BUDGET),
        (10, 1.0, 0),
        (10, 0.99, EXIT_OVER_ERROR_BUDGET),
    ],
)
def test_exit_status_only_over_the_error_budget(errors: int, budget: float, status: int) -> None:
    summary = ScoreSummary(
        10, 10 - errors, errors, Path("o.jsonl"), 0, {"empty": errors} if errors else {}
    )
    text, code = report(summary, budget)
    assert code == status
    assert "10 documents" in text
    assert ("errors by reason: empty" in text) == bool(errors)


def test_gzipped_tables_are_read_as_they_are(tmp_path: Path) -> None:
    with gzip.open(tmp_path / "in.jsonl.gz", "wt", encoding="utf-8") as f:
        f.write(json.dumps({"id": "a", "text": german(0)}) + "\n" + "{bad\n")
    with gzip.open(tmp_path / "in.csv.gz", "wt", encoding="utf-8", newline="") as f:
        f.write(f'id,text\nb,"{german(1)}"\n')
    jsonl = list(read_documents(tmp_path / "in.jsonl.gz"))
    assert [item.doc_id for item in jsonl] == ["a", "in.jsonl.gz line 2"]
    assert [item.doc_id for item in read_documents(tmp_path / "in.csv.gz")] == ["b"]


def test_missing_input_is_refused_at_once(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_documents(tmp_path / "nothing.jsonl")
