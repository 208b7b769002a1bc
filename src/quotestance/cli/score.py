"""``quotestance-score``: score a file or folder of documents with a saved model into JSONL."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import hydra
import mlflow
from omegaconf import DictConfig

from quotestance import tracking
from quotestance.cli import CONFIG_DIR, register_resolvers
from quotestance.io import read_documents, read_jsonl
from quotestance.records import ModelInfo
from quotestance.scoring import ScoreSummary, score_documents
from quotestance.summary import summarize


def count_inputs(path: Path) -> int | None:
    """Count documents cheaply where possible (folders, text files); ``None`` when unknown."""
    if path.is_dir():
        return sum(1 for p in path.iterdir() if p.suffix == ".txt")
    return 1 if path.suffix == ".txt" else None


def score(cfg: DictConfig) -> ScoreSummary:
    """Resolve the model, then stream the input through it into the output file."""
    mlflow.set_tracking_uri(cfg.paths.mlflow_uri)
    mlflow.set_registry_uri(cfg.paths.mlflow_uri)
    source = Path(cfg.input)
    output = Path(cfg.output)
    local_model = mlflow.artifacts.download_artifacts(cfg.model)
    info = ModelInfo(uri=cfg.model, version=tracking.resolve_version(cfg.model), config_hash="")
    workers = cfg.workers or os.cpu_count() or 1
    key = {"input": str(source.resolve()), "model": cfg.model, "version": info.version}
    return score_documents(
        read_documents(source, cfg.chunk_size),
        local_model,
        output,
        info,
        workers=workers,
        chunk_size=cfg.chunk_size,
        total=count_inputs(source),
        resume_key=key,
    )


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="score")
def _main(cfg: DictConfig) -> None:
    summary = score(cfg)
    print(
        f"{summary.documents} documents -> {summary.output}: {summary.ok} ok, {summary.errors} errors"
        + (f" (resumed after {summary.resumed_from})" if summary.resumed_from else "")
    )
    if cfg.summary:
        print(summarize(read_jsonl(summary.output)))
    if summary.documents and summary.errors / summary.documents > cfg.max_error_rate:
        print(f"error rate above the budget of {cfg.max_error_rate:.0%}", file=sys.stderr)
        sys.exit(3)


def main() -> None:
    """Console entry point."""
    register_resolvers()
    _main()
