"""Fixtures for the model lifecycle: a registry in tmp_path with a good and a deliberately worse model."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier

from quotestance import tracking
from quotestance.cli import PROJECT_ROOT
from quotestance.cli.common import read_stance_examples
from quotestance.pipeline import QuotestancePipeline
from quotestance.pyfunc import log_pipeline_model, save_pipeline
from quotestance.stance import build_features, build_stance_model, fit_stance_model

VENV_BIN = Path(sys.executable).parent
STANCE_TRAIN = PROJECT_ROOT / "data" / "prepared" / "stance_corpus" / "train.jsonl"
GOOD_TEXT = (
    "Nato-Generalsekretär Jens Stoltenberg sagte am Montag in Brüssel: „Russland bedroht die "
    "Sicherheit Europas.“ Die Regierung in Moskau wies die Vorwürfe zurück. Die Europäische Union "
    "unterstütze die Ukraine weiter, erklärte ein Sprecher."
)


@dataclass(frozen=True)
class Store:
    """A tmp MLflow store (tracking and registry) and its experiment."""

    uri: str
    root: Path
    experiment_id: str

    def activate(self) -> None:
        """Point MLflow at this store (other fixtures may have pointed it elsewhere)."""
        tracking.configure(self.uri, "quotestance", self.root / "artifacts")


@pytest.fixture(scope="session")
def lifecycle_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    root = tmp_path_factory.mktemp("lifecycle")
    uri = f"sqlite:///{root}/mlflow.db"
    return Store(uri, root, tracking.configure(uri, "quotestance", root / "artifacts"))


def worse_pipeline(pipeline: QuotestancePipeline) -> QuotestancePipeline:
    """The same pipeline with a stance model that always says ``favor`` (the rarest label)."""
    stance_model = build_stance_model(
        DummyClassifier(strategy="constant", constant="favor"),
        build_features(views=("words",)),
        calibrate=False,
    )
    fit_stance_model(stance_model, read_stance_examples(STANCE_TRAIN, 300))
    return QuotestancePipeline(
        pipeline.segmenter, pipeline.quote_finder, pipeline.mention_finder, stance_model
    )


@pytest.fixture(scope="session")
def candidates(
    tiny_pipeline: QuotestancePipeline,
    lifecycle_store: Store,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, str]:
    """Two logged models (``runs:/`` URIs): ``better`` (the tiny pipeline) and ``worse``."""
    lifecycle_store.activate()
    folder = tmp_path_factory.mktemp("candidates")
    example = pd.DataFrame({"id": ["a"], "text": [GOOD_TEXT]})
    uris = {}
    for role, pipeline in (("better", tiny_pipeline), ("worse", worse_pipeline(tiny_pipeline))):
        path = save_pipeline(pipeline, folder / role / "pipeline.joblib")
        with mlflow.start_run(run_name=f"log-{role}", experiment_id=lifecycle_store.experiment_id):
            uris[role] = log_pipeline_model(
                path, f"hash-{role}", example, ["scikit-learn", "pandas", "mlflow"]
            )
    return uris


def register_as(store: Store, model_uri: str, name: str) -> str:
    """Register ``model_uri`` as a new version of ``name`` (it becomes the challenger)."""
    store.activate()
    return tracking.register(model_uri, name=name)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tool_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for the venv's command-line tools (``serve`` runs uvicorn via a shell)."""
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra or {})
    return env


def wait_for(url: str, process: subprocess.Popen[bytes], timeout: float, log: Path) -> None:
    """Poll ``url`` until it answers 200; fail with the server's log if it dies or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"{url} not ready after {timeout:.0f}s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def server_process() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Collects started servers and stops each (its whole process group) after the test."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, 15)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait()
