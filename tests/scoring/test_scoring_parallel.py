"""Worker processes: same output as one process, crashes contained, input read lazily."""

from __future__ import annotations

import fcntl
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import german, write_jsonl_lines
from quotestance.io import Document, InputItem, read_documents, read_jsonl
from quotestance.records import ModelInfo
from quotestance.scoring import score_documents

INFO = ModelInfo("m", "1", "h")


class _Stop(Exception):
    pass


def _inputs(tmp_path: Path, n: int) -> Path:
    rows: list[object] = [{"id": f"d{i}", "text": german(i)} for i in range(n)]
    rows[5] = {"id": "d5", "text": ""}
    rows[11] = "{broken"
    rows[17] = {"id": "d3", "text": german(17)}  # a duplicate id
    return write_jsonl_lines(tmp_path / "in.jsonl", rows)


@pytest.mark.slow
def test_workers_give_the_same_output_as_one_process(model_path: str, tmp_path: Path) -> None:
    source = _inputs(tmp_path, 60)
    outputs = {}
    for workers in (0, 1, 2):
        summary = score_documents(
            read_documents(source), model_path, tmp_path / f"w{workers}.jsonl", INFO, workers, 7
        )
        assert (summary.documents, summary.errors) == (60, 3)
        outputs[workers] = summary.output.read_bytes()
    assert outputs[0] == outputs[1] == outputs[2]
    assert [r["doc_id"] for r in read_jsonl(tmp_path / "w2.jsonl")][:6] == [
        f"d{i}" for i in range(6)
    ]


def test_a_document_that_kills_its_worker_becomes_an_error_record(
    fake_model: str, tmp_path: Path
) -> None:
    texts = [f"Text {i}." for i in range(60)]
    for i in (7, 8, 31):
        texts[i] = "This one CRASHes the worker."
    texts[12] = "This one makes predict RAISE."
    docs = (Document(f"d{i}", text) for i, text in enumerate(texts))
    summary = score_documents(
        docs, fake_model, tmp_path / "out.jsonl", INFO, workers=2, chunk_size=3
    )
    records = list(read_jsonl(summary.output))
    assert [r["doc_id"] for r in records] == [f"d{i}" for i in range(60)]
    failed = {r["doc_id"]: r["error"] for r in records if r["status"] == "error"}
    assert failed.keys() == {"d7", "d8", "d12", "d31"}
    assert {failed[d]["type"] for d in ("d7", "d8", "d31")} == {"WorkerCrashError"}
    assert failed["d12"] == {"type": "ValueError", "message": "cannot score d12"}
    assert summary.error_reasons == {"worker_crashed": 3, "scoring_failed": 1}


def test_a_model_that_cannot_load_stops_the_run(tmp_path: Path) -> None:
    (tmp_path / "not-a-model").mkdir()
    (tmp_path / "not-a-model" / "MLmodel").write_text("flavors: {}\n")
    docs = (Document(f"d{i}", "Text.") for i in range(10))
    with pytest.raises(RuntimeError, match="could not start or load the model"):
        score_documents(docs, str(tmp_path / "not-a-model"), tmp_path / "o.jsonl", INFO, 1)
    assert not (tmp_path / "o.jsonl").exists()


@pytest.mark.parametrize("workers", [0, 2])
def test_input_is_read_lazily_and_output_written_as_it_goes(
    fake_model: str, tmp_path: Path, workers: int
) -> None:
    output = tmp_path / "out.jsonl"
    manifest = tmp_path / "out.jsonl.progress.json"
    chunk_size = 8
    # in flight at most: the chunks waiting for a worker, the one being cut, the one being written
    bound = chunk_size * (2 * workers + 2)
    ahead = []

    def endless() -> Iterator[InputItem]:
        for i in range(10**9):
            done = json.loads(manifest.read_text())["done"] if manifest.exists() else 0
            ahead.append(i - done)
            if i == 3000:
                raise _Stop
            yield Document(f"d{i}", "Ein kurzer Text. " * 20)

    with pytest.raises(_Stop):
        score_documents(endless(), fake_model, output, INFO, workers=workers, chunk_size=chunk_size)
    assert max(ahead) <= bound
    written = (tmp_path / "out.jsonl.partial").read_text().splitlines()
    assert len(written) >= 3000 - bound
    assert not output.exists()


def test_a_second_run_on_the_same_output_is_refused(fake_model: str, tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    with (tmp_path / "out.jsonl.partial").open("a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(RuntimeError, match="another run is writing"):
            score_documents(iter([Document("a", "x")]), fake_model, output, INFO, workers=0)
    assert not output.exists()
