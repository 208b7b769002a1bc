"""``quotestance-score``: score a file or folder of documents with a saved model into JSONL."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import hydra
import mlflow
from omegaconf import DictConfig

from quotestance import tracking
from quotestance.cli import CONFIG_DIR, main_with_model_alias
from quotestance.io import read_documents, read_jsonl
from quotestance.records import ModelInfo
from quotestance.scoring import ScoreSummary, score_documents
from quotestance.summary import summarize

EXIT_OVER_ERROR_BUDGET = 3


def count_inputs(path: Path) -> int | None:
    """Count documents cheaply where possible (folders, text files); ``None`` when unknown."""
    if path.is_dir():
        return sum(1 for p in path.iterdir() if p.suffix == ".txt")
    return 1 if path.suffix == ".txt" else None


def input_fingerprint(path: Path) -> str:
    """Return the input's size and modification time (a folder's: of its files).

    Part of the resume key: an edited input is scored afresh, not resumed.
    """
    if path.is_dir():
        stats = [entry.stat() for entry in os.scandir(path) if entry.is_file()]
        return f"{len(stats)}:{sum(s.st_size for s in stats)}:{max((s.st_mtime_ns for s in stats), default=0)}"
    stat = path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def default_workers() -> int:
    """All the cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def score(cfg: DictConfig) -> ScoreSummary:
    """Resolve the model, then stream the input through it into the output file."""
    mlflow.set_tracking_uri(cfg.paths.mlflow_uri)
    mlflow.set_registry_uri(cfg.paths.mlflow_uri)
    source = Path(cfg.input)
    output = Path(cfg.output)
    if cfg.engine == "spark":  # the optional pyspark extra; Spark reads the input (any Hadoop URI)
        from quotestance.spark import score_with_spark

        model = mlflow.artifacts.download_artifacts(cfg.model_uri)
        info = ModelInfo(cfg.model_uri, tracking.resolve_version(cfg.model_uri), "")
        return score_with_spark(
            cfg.input, cfg.output, model, info, max_chars=cfg.max_chars, **cfg.spark
        )
    documents = read_documents(source, cfg.chunk_size, max_chars=cfg.max_chars)
    local_model = mlflow.artifacts.download_artifacts(cfg.model_uri)
    info = ModelInfo(
        uri=cfg.model_uri, version=tracking.resolve_version(cfg.model_uri), config_hash=""
    )
    workers = default_workers() if cfg.workers is None else int(cfg.workers)
    key = {
        "input": str(source.resolve()),
        "input_fingerprint": input_fingerprint(source),
        "model": cfg.model_uri,
        "version": info.version,
    }
    return score_documents(
        documents,
        local_model,
        output,
        info,
        workers=workers,
        chunk_size=cfg.chunk_size,
        total=count_inputs(source),
        resume_key=key,
        max_chars=cfg.max_chars,
    )


def report(summary: ScoreSummary, max_error_rate: float) -> tuple[str, int]:
    """Return the end-of-run lines and the exit status (non-zero only over the error budget)."""
    lines = [
        f"{summary.documents} documents -> {summary.output}: {summary.ok} ok, {summary.errors} errors"
        + (f" (resumed after {summary.resumed_from})" if summary.resumed_from else "")
    ]
    if summary.error_reasons:
        reasons = ", ".join(f"{reason} {n}" for reason, n in summary.error_reasons.items())
        lines.append(f"errors by reason: {reasons}")
    if summary.over_budget(max_error_rate):
        lines.append(
            f"error rate {summary.error_rate:.1%} is above the budget of {max_error_rate:.1%}"
        )
        return "\n".join(lines), EXIT_OVER_ERROR_BUDGET
    return "\n".join(lines), 0


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="score")
def _main(cfg: DictConfig) -> None:
    summary = score(cfg)
    text, status = report(summary, cfg.max_error_rate)
    if cfg.summary:
        print(summarize(read_jsonl(summary.output)))
    print(text, file=sys.stderr if status else sys.stdout)
    if status:
        sys.exit(status)


def main() -> None:
    """Console entry point (``model=<URI>`` is accepted for ``model_uri=<URI>``)."""
    main_with_model_alias(_main)
