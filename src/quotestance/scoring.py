"""Batch scoring: stream documents through a saved model in chunks, in parallel, resumably."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from tqdm import tqdm

from quotestance.io import Document, InputItem, record_to_dict, unique_ids
from quotestance.pipeline import error_result
from quotestance.records import ModelInfo

_worker_model: Any = None


@dataclass(frozen=True)
class ScoreSummary:
    """What a scoring run did: documents read, scored and failed, and where the output is."""

    documents: int
    ok: int
    errors: int
    output: Path
    resumed_from: int


def _load_worker(model_path: str, model_config: dict[str, str]) -> None:
    global _worker_model  # one model per worker process, loaded once
    _worker_model = mlflow.pyfunc.load_model(model_path, model_config=model_config)


def _predict(rows: list[tuple[str, str]]) -> list[dict[str, Any]]:
    frame = pd.DataFrame(rows, columns=["id", "text"])
    return list(_worker_model.predict(frame))


def _chunks(items: Iterable[InputItem], size: int) -> Iterator[list[InputItem]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class _Progress:
    """The resume manifest beside the partial output: how many inputs are safely written."""

    def __init__(self, output: Path, key: dict[str, str]) -> None:
        self.partial = output.with_name(output.name + ".partial")
        self.manifest = output.with_name(output.name + ".progress.json")
        self.key = key

    def restore(self) -> tuple[int, int, int]:
        """Return (documents done, errors, byte offset) of an unfinished run with the same key."""
        if not (self.partial.exists() and self.manifest.exists()):
            return 0, 0, 0
        state = json.loads(self.manifest.read_text())
        if state.get("key") != self.key:
            return 0, 0, 0
        return int(state["done"]), int(state["errors"]), int(state["bytes"])

    def save(self, done: int, errors: int, offset: int) -> None:
        """Record progress atomically (write, fsync, rename)."""
        tmp = self.manifest.with_name(self.manifest.name + ".tmp")
        tmp.write_text(
            json.dumps({"key": self.key, "done": done, "errors": errors, "bytes": offset})
        )
        with tmp.open("rb") as f:
            os.fsync(f.fileno())
        tmp.replace(self.manifest)


def score_documents(
    items: Iterable[InputItem],
    model_path: str,
    output: Path,
    model_info: ModelInfo,
    workers: int = 1,
    chunk_size: int = 64,
    total: int | None = None,
    resume_key: dict[str, str] | None = None,
) -> ScoreSummary:
    """Score every item into ``output`` (JSONL): one record per input, in input order.

    Records go to ``output.partial`` and a progress manifest after each chunk; a rerun with the
    same ``resume_key`` continues after the last complete chunk. ``output`` appears only when done.
    """
    output.parent.mkdir(parents=True, exist_ok=True)
    progress = _Progress(output, resume_key or {})
    done, errors, offset = progress.restore()
    resumed_from = done
    config = {"uri": model_info.uri, "version": model_info.version}
    stream = islice(unique_ids(items), done, None)
    executor = (
        ProcessPoolExecutor(workers, initializer=_load_worker, initargs=(model_path, config))
        if workers > 1
        else None
    )
    if executor is None:
        _load_worker(model_path, config)
    with (
        progress.partial.open("ab") as out,
        tqdm(total=total, initial=done, unit="doc", disable=None) as bar,
    ):
        out.truncate(offset)
        out.seek(offset)
        chunks = _chunks(stream, chunk_size)
        batches = (_split(chunk) for chunk in chunks)
        for chunk, records in _scored(batches, executor, workers):
            lines = []
            for item in chunk:
                if isinstance(item, Document):
                    record = records.pop(0)
                else:
                    record = record_to_dict(error_result(item.doc_id, item, model_info))
                errors += record["status"] == "error"
                lines.append(json.dumps(record, ensure_ascii=False) + "\n")
            out.write("".join(lines).encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
            done += len(chunk)
            progress.save(done, errors, out.tell())
            bar.update(len(chunk))
    if executor is not None:
        executor.shutdown()
    progress.partial.replace(output)
    progress.manifest.unlink()
    return ScoreSummary(done, done - errors, errors, output, resumed_from)


def _split(chunk: list[InputItem]) -> tuple[list[InputItem], list[tuple[str, str]]]:
    return chunk, [(item.doc_id, item.text) for item in chunk if isinstance(item, Document)]


def _scored(
    batches: Iterator[tuple[list[InputItem], list[tuple[str, str]]]],
    executor: ProcessPoolExecutor | None,
    workers: int,
) -> Iterator[tuple[list[InputItem], list[dict[str, Any]]]]:
    if executor is None:
        for chunk, rows in batches:
            yield chunk, _predict(rows) if rows else []
        return
    window: list[tuple[list[InputItem], Any]] = []
    for chunk, rows in batches:
        window.append((chunk, executor.submit(_predict, rows) if rows else None))
        if len(window) > 2 * workers:  # bounded look-ahead keeps memory flat
            first, future = window.pop(0)
            yield first, future.result() if future else []
    for chunk, future in window:
        yield chunk, future.result() if future else []
