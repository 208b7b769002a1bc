"""Shared fixtures: the project's config, a small real pipeline fitted once, and a logged model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import mlflow
import pandas as pd
import pytest
import yaml
from hydra.utils import instantiate
from sklearn.linear_model import LogisticRegression

from quotestance import tracking
from quotestance.actors import MentionFinder, actors_from_config
from quotestance.cli import PROJECT_ROOT
from quotestance.data.stance_corpus import corpus_examples
from quotestance.data.wikinews import read_wikinews
from quotestance.pipeline import QuotestancePipeline
from quotestance.pyfunc import log_pipeline_model, save_pipeline
from quotestance.stance import build_features, build_stance_model, fit_stance_model

CONF = PROJECT_ROOT / "conf"
RAW = PROJECT_ROOT / "data" / "raw"
SAMPLE = RAW / "seed" / "000_6649c5ff55181b67.txt"


def load_conf(group: str, option: str) -> object:
    """Instantiate one option of a config group from its YAML file."""
    return instantiate(yaml.safe_load((CONF / group / f"{option}.yaml").read_text()))


@pytest.fixture(scope="session", autouse=True)
def prepared_data() -> Path:
    """The prepared datasets the default config reads, built as `dvc repro` would if missing.

    A fresh clone has only ``data/raw``; tests that run the entry points with the default data
    config need ``data/prepared`` (a git-ignored DVC output).
    """
    prepared = PROJECT_ROOT / "data" / "prepared"
    env = {k: v for k, v in os.environ.items() if k != "QUOTESTANCE_ROOT"}
    for source in ("wikinews", "stance_corpus"):
        if not (prepared / source / "test.jsonl").exists():
            subprocess.run(
                [str(Path(sys.executable).parent / "quotestance-prepare"), f"source={source}"],
                cwd=PROJECT_ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
    return prepared


@pytest.fixture(scope="session")
def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def tiny_pipeline() -> QuotestancePipeline:
    """A real pipeline fitted on a slice of the bundled data (Wikinews train, the stance corpus)."""
    documents = read_wikinews(RAW / "quotes-de-wikinews" / "train.jsonl.gz")[:60]
    quote_finder = load_conf("quotes", "de").fit(documents)  # type: ignore[attr-defined]
    rows = [json.loads(line) for line in (PROJECT_ROOT / "data/annotations/corpus.jsonl").open()]
    stance_model = build_stance_model(
        LogisticRegression(C=4.0, max_iter=1000, class_weight="balanced"), build_features(), cv=3
    )
    fit_stance_model(stance_model, corpus_examples(rows[:1200]))
    actors = actors_from_config(yaml.safe_load((CONF / "actors" / "default.yaml").read_text()))
    return QuotestancePipeline(
        segmenter=load_conf("segmenter", "de"),  # type: ignore[arg-type]
        quote_finder=quote_finder,
        mention_finder=MentionFinder(actors),
        stance_model=stance_model,
    )


@pytest.fixture(scope="session")
def mlflow_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh SQLite MLflow store (tracking and registry) outside the project."""
    root = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{root}/mlflow.db"
    tracking.configure(uri, "tests", root / "artifacts")
    return uri


@pytest.fixture(scope="session")
def logged_model(
    tiny_pipeline: QuotestancePipeline, mlflow_store: str, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """The tiny pipeline logged as an MLflow pyfunc model and registered; returns its models:/ URI."""
    mlflow.set_tracking_uri(mlflow_store)
    mlflow.set_registry_uri(mlflow_store)
    path = save_pipeline(tiny_pipeline, tmp_path_factory.mktemp("pipeline") / "pipeline.joblib")
    example = pd.DataFrame({"id": ["a"], "text": ["Die Nato sagte, sie sei bereit."]})
    with mlflow.start_run(
        experiment_id=tracking.configure(
            mlflow_store, "tests", Path(mlflow_store[10:]).parent / "artifacts"
        )
    ):
        uri = log_pipeline_model(path, "testhash", example, ["scikit-learn", "pandas", "mlflow"])
    version = tracking.register(uri)
    return f"models:/{tracking.MODEL_NAME}/{version}"
