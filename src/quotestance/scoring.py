"""Batch scoring: stream documents through a saved model in chunks, in parallel, resumably.

``score_documents`` reads its input lazily, scores chunks in worker processes that each load the
model once, and appends one JSON line per input document, in input order, to ``<output>.partial``.
After every chunk it makes the lines durable and then records in ``<output>.progress.json`` how
many inputs and bytes are done, so a run killed at any moment (even with SIGKILL) and started
again with the same arguments truncates the partial file to the last recorded chunk and
continues; ``output`` appears (by an atomic rename) only when every document is written.
A document the model cannot score, or whose worker process dies, becomes an error record.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import signal
import sys
import threading
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path
from types import TracebackType
from typing import Any

import mlflow
import pandas as pd
from tqdm import tqdm

from quotestance.io import Document, InputError, InputItem, record_to_dict, unique_ids
from quotestance.pipeline import QuotestancePipeline, error_result
from quotestance.records import ModelInfo

if sys.platform != "win32":
    import fcntl

log = logging.getLogger(__name__)

_Line = tuple[str, str | None]  # one JSON line, and its error reason (None when ok)
_PIPELINE_REASONS = (  # what the pipeline's own checks refuse, by their messages
    ("empty or whitespace", "empty"),
    ("above the limit", "oversized"),
    ("looks binary", "binary"),
    ("must be a string", "wrong_type"),
)


class WorkerCrashError(RuntimeError):
    """A worker process died (killed for memory, or crashed) while scoring a document."""


@dataclass(frozen=True)
class ScoreSummary:
    """What a scoring run did: documents read, scored and failed, and where the output is.

    ``error_reasons`` counts the errors by reason (``empty``, ``binary``, ``duplicate_id``...);
    ``resumed_from`` is the number of documents an earlier, interrupted run had written.
    """

    documents: int
    ok: int
    errors: int
    output: Path
    resumed_from: int
    error_reasons: Mapping[str, int] = field(default_factory=dict)

    @property
    def error_rate(self) -> float:
        """The fraction of documents that are error records (0 for an empty input)."""
        return self.errors / self.documents if self.documents else 0.0

    def over_budget(self, max_error_rate: float) -> bool:
        """Whether more than ``max_error_rate`` of the documents failed."""
        return self.error_rate > max_error_rate


def error_reason(record: Mapping[str, Any]) -> str | None:
    """Return the short reason of an error record from the model (None for an ok record)."""
    if record["status"] != "error":
        return None
    message = str(record["error"]["message"])
    for needle, reason in _PIPELINE_REASONS:
        if needle in message:
            return reason
    return "invalid"


# --------------------------------------------------------------------------- worker side

# The model of this worker process: loaded once by the pool's initializer, used by every task.
_worker_model: Any = None
_worker_info = ModelInfo("", "", "")


def load_scoring_model(model_path: str, info: ModelInfo, max_chars: int | None = None) -> Any:
    """Load the pyfunc model at ``model_path``; stamp its records with ``info``.

    With ``max_chars``, the pipeline refuses longer documents (its ``max_chars``) instead of
    the limit it was trained with.
    """
    model = mlflow.pyfunc.load_model(model_path)
    try:
        python_model = model.unwrap_python_model()
    except mlflow.exceptions.MlflowException:
        python_model = None
    pipeline = getattr(python_model, "pipeline", None)
    if isinstance(pipeline, QuotestancePipeline):
        # The logged model_config only accepts keys it was logged with (config_hash), so the
        # identity and the length limit are set on this process's private copy of the pipeline.
        python_model.pipeline = pipeline.configured(info, max_chars or pipeline.max_chars)
    return model


def _init_worker(model_path: str, info: ModelInfo, max_chars: int | None, one_thread: bool) -> None:
    global _worker_model, _worker_info  # one model per worker process, loaded once
    # Ctrl-C reaches the whole process group: the parent stops the run; a worker dying of it
    # first would look like a crash and turn its documents into error records.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _watch_parent()
    if one_thread:  # N processes on N cores: nested BLAS/OpenMP threads only compete
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    _worker_info = info
    _worker_model = load_scoring_model(model_path, info, max_chars)


def _watch_parent() -> None:
    """Exit when the process that started this worker is gone (e.g. SIGKILLed): no orphans.

    A forkserver worker's OS parent is the fork server, which outlives the run while workers
    live; ``parent_process()`` is the process that asked for the worker.
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()
        os._exit(1)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def _ready() -> bool:
    return _worker_model is not None


def _failed_line(doc_id: str, error: Exception, info: ModelInfo, reason: str) -> _Line:
    record = record_to_dict(error_result(doc_id, error, info))
    return json.dumps(record, ensure_ascii=False), reason


def score_rows(rows: list[tuple[str, str]]) -> list[_Line]:
    """Score ``(id, text)`` rows with this process's model: one JSON line per row, in order."""
    try:
        records = _worker_model.predict(pd.DataFrame(rows, columns=["id", "text"]))
    except Exception as error:  # one document the model cannot handle must not fail the others
        if len(rows) == 1:
            log.warning("scoring %r failed: %r", rows[0][0], error)
            return [_failed_line(rows[0][0], error, _worker_info, "scoring_failed")]
        return [line for row in rows for line in score_rows([row])]
    ids = [str(record["doc_id"]) for record in records]
    if ids != [doc_id for doc_id, _ in rows]:
        raise RuntimeError(f"the model returned records for {ids[:3]}..., not for its input rows")
    return [(json.dumps(r, ensure_ascii=False), error_reason(r)) for r in records]


# --------------------------------------------------------------------------- scorers


class _InProcess:
    """Scores in this process (``workers=0``): no isolation, for debugging and small inputs."""

    def __init__(self, model_path: str, info: ModelInfo, max_chars: int | None) -> None:
        global _worker_model, _worker_info
        _worker_info = info
        _worker_model = load_scoring_model(model_path, info, max_chars)
        self.lookahead = 0

    def submit(self, rows: list[tuple[str, str]]) -> Any:
        return rows

    def result(self, handle: Any, rows: list[tuple[str, str]]) -> list[_Line]:
        return score_rows(rows) if rows else []

    def close(self) -> None:
        return None


def _context() -> Any:
    """Return a forkserver context where there is one: fast worker starts, no locks copied by fork."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["quotestance.scoring"])
    return context


class _Pool:
    """Worker processes, each with the model loaded once, replaced when one dies.

    The chunks a broken pool held are scored again; a document that kills a worker twice
    becomes an error record.
    """

    def __init__(
        self, workers: int, model_path: str, info: ModelInfo, max_chars: int | None
    ) -> None:
        self.workers = workers
        self.info = info
        self.initargs = (model_path, info, max_chars, True)
        self.lookahead = 2 * workers  # chunks in flight: keeps every worker busy, memory bounded
        self.generation = 0
        self.executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        executor = ProcessPoolExecutor(
            self.workers,
            mp_context=_context(),
            initializer=_init_worker,
            initargs=self.initargs,
        )
        try:  # a pool that cannot load the model must stop the run, not fail every document
            executor.submit(_ready).result()
        except BrokenProcessPool as error:
            executor.shutdown(wait=False, cancel_futures=True)
            raise RuntimeError(
                "the worker processes could not start or load the model (see the log above)"
            ) from error
        return executor

    def _restart(self, generation: int) -> None:
        if generation == self.generation:  # not yet replaced since this future's pool broke
            log.warning("a worker process died; starting new workers")
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = self._start()
            self.generation += 1

    def submit(self, rows: list[tuple[str, str]]) -> tuple[int, Future[list[_Line]] | None] | None:
        if not rows:
            return None
        try:
            return self.generation, self.executor.submit(score_rows, rows)
        except BrokenProcessPool:  # broken since the last result: scored when its turn comes
            return self.generation, None

    def result(
        self, handle: tuple[int, Future[list[_Line]] | None] | None, rows: list[tuple[str, str]]
    ) -> list[_Line]:
        if handle is None:
            return []
        generation, future = handle
        if future is not None:
            try:
                return future.result()
            except BrokenProcessPool:
                pass
        self._restart(generation)
        generation = self.generation
        try:  # most chunks of a broken pool were only caught in it
            return self.executor.submit(score_rows, rows).result()
        except BrokenProcessPool:
            self._restart(generation)
        return [line for row in rows for line in self._isolated(row)]

    def _isolated(self, row: tuple[str, str]) -> list[_Line]:
        generation = self.generation
        try:
            return self.executor.submit(score_rows, [row]).result()
        except BrokenProcessPool:
            self._restart(generation)
        error = WorkerCrashError("the worker process died while scoring this document")
        return [_failed_line(row[0], error, self.info, "worker_crashed")]

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


# --------------------------------------------------------------------------- progress


@dataclass
class _State:
    done: int = 0
    errors: int = 0
    offset: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    complete: bool = False


class _Progress:
    """The partial output (locked while a run writes it) and its resume manifest."""

    def __init__(self, output: Path, key: Mapping[str, Any]) -> None:
        self.output = output
        self.partial = output.with_name(output.name + ".partial")
        self.manifest = output.with_name(output.name + ".progress.json")
        self.key = dict(key)
        self.state = _State()

    def _read_manifest(self) -> _State | None:
        try:
            data = json.loads(self.manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if data.get("key") != self.key:
            return None
        return _State(
            int(data["done"]),
            int(data["errors"]),
            int(data["bytes"]),
            Counter(data.get("reasons", {})),
            bool(data.get("complete", False)),
        )

    def finished_state(self) -> _State | None:
        """Return the state of a run with this key that completed but stopped before cleaning up."""
        state = self._read_manifest()
        if state and state.complete and self.output.exists() and not self.partial.exists():
            return state
        return None

    def __enter__(self) -> _Progress:
        self.file = self.partial.open("a+b")
        if sys.platform != "win32":
            try:
                fcntl.flock(self.file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self.file.close()
                raise RuntimeError(f"another run is writing {self.partial}") from None
        state = self._read_manifest()
        size = os.fstat(self.file.fileno()).st_size
        if state is None or state.offset > size:
            if size:
                log.warning("%s: not from a run with these settings; starting over", self.partial)
            state = _State()
        self.state = state
        self.file.truncate(state.offset)  # drop lines written after the last recorded chunk
        self.file.seek(state.offset)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.file.close()

    def append(self, lines: list[_Line]) -> None:
        """Write a chunk's lines durably, then record the progress (in that order)."""
        self.file.write("".join(line + "\n" for line, _ in lines).encode("utf-8"))
        self.file.flush()
        os.fsync(self.file.fileno())
        state = self.state
        state.done += len(lines)
        failed = [reason for _, reason in lines if reason is not None]
        state.errors += len(failed)
        state.reasons.update(failed)
        state.offset = self.file.tell()
        self._save()

    def _save(self) -> None:
        state = self.state
        data = {
            "key": self.key,
            "done": state.done,
            "errors": state.errors,
            "bytes": state.offset,
            "reasons": dict(state.reasons),
            "complete": state.complete,
        }
        tmp = self.manifest.with_name(self.manifest.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as f:
            json.dump(data, f)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(self.manifest)
        _fsync_dir(self.manifest.parent)

    def finish(self) -> None:
        """Publish the output: mark complete, rename the partial file, remove the manifest."""
        self.state.complete = True
        self._save()
        self.partial.replace(self.output)
        _fsync_dir(self.output.parent)
        self.manifest.unlink(missing_ok=True)


def _fsync_dir(path: Path) -> None:
    if sys.platform == "win32":
        return
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# --------------------------------------------------------------------------- the run


@dataclass(frozen=True)
class _Chunk:
    items: list[InputItem]
    rows: list[tuple[str, str]]  # the documents among the items, to be scored


def _chunks(items: Iterable[InputItem], size: int) -> Iterator[_Chunk]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        rows = [(item.doc_id, item.text) for item in batch if isinstance(item, Document)]
        yield _Chunk(batch, rows)


def _ordered(chunks: Iterator[_Chunk], scorer: Any) -> Iterator[tuple[_Chunk, list[_Line]]]:
    """Score chunks with up to ``scorer.lookahead`` in flight; yield them in input order."""
    window: deque[tuple[_Chunk, Any]] = deque()
    for chunk in chunks:
        window.append((chunk, scorer.submit(chunk.rows)))
        if len(window) > scorer.lookahead:
            first, handle = window.popleft()
            yield first, scorer.result(handle, first.rows)
    while window:
        first, handle = window.popleft()
        yield first, scorer.result(handle, first.rows)


def _merge(chunk: _Chunk, scored: list[_Line], info: ModelInfo) -> list[_Line]:
    """Interleave the scored documents' lines with error lines for the unreadable items."""
    lines = iter(scored)
    merged = []
    for item in chunk.items:
        if isinstance(item, InputError):
            merged.append(_failed_line(item.doc_id, item, info, item.reason))
        else:
            merged.append(next(lines))
    return merged


def logged_config_hash(model_path: str) -> str:
    """Return the ``config_hash`` the pyfunc model at ``model_path`` was logged with, or ""."""
    from mlflow.models import Model

    flavor = Model.load(model_path).flavors.get("python_function", {})
    return str((flavor.get("config") or {}).get("config_hash", ""))


def score_documents(
    items: Iterable[InputItem],
    model_path: str,
    output: Path,
    model_info: ModelInfo,
    workers: int = 1,
    chunk_size: int = 64,
    total: int | None = None,
    resume_key: Mapping[str, Any] | None = None,
    max_chars: int | None = None,
) -> ScoreSummary:
    """Score every item into ``output`` (JSONL): one record per input, in input order.

    ``workers`` processes each load the model once (``0``: score in this process). Records go
    to ``output.partial`` and a progress manifest after each chunk of ``chunk_size`` inputs; a
    rerun with the same ``items`` and ``resume_key`` continues after the last complete chunk.
    ``output`` appears only when done. ``max_chars`` overrides the pipeline's length limit.
    Worker processes import the main module: a script calling this needs the
    ``if __name__ == "__main__":`` guard. Raises ``RuntimeError`` when the workers cannot load
    the model, or another run is writing the same ``output``.
    """
    if workers < 0 or chunk_size < 1:
        raise ValueError(f"need workers >= 0 and chunk_size >= 1, got {workers}, {chunk_size}")
    if not model_info.config_hash:
        model_info = replace(model_info, config_hash=logged_config_hash(model_path))
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    key = {**(resume_key or {}), "max_chars": max_chars}
    progress = _Progress(output, key)
    finished = progress.finished_state()
    if finished is not None:
        progress.manifest.unlink(missing_ok=True)
        return _summary(finished, output, finished.done)
    with progress:
        resumed_from = progress.state.done
        stream = islice(unique_ids(items), resumed_from, None)
        scorer: _InProcess | _Pool = (
            _InProcess(model_path, model_info, max_chars)
            if workers == 0
            else _Pool(workers, model_path, model_info, max_chars)
        )
        try:
            with tqdm(total=total, initial=resumed_from, unit="doc", disable=None) as bar:
                for chunk, scored in _ordered(_chunks(stream, chunk_size), scorer):
                    progress.append(_merge(chunk, scored, model_info))
                    bar.update(len(chunk.items))
        finally:
            scorer.close()
        progress.finish()
    return _summary(progress.state, output, resumed_from)


def _summary(state: _State, output: Path, resumed_from: int) -> ScoreSummary:
    return ScoreSummary(
        documents=state.done,
        ok=state.done - state.errors,
        errors=state.errors,
        output=output,
        resumed_from=resumed_from,
        error_reasons=dict(state.reasons.most_common()),
    )
