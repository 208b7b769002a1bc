"""A real ``quotestance-train -m`` sweep: one parent run, a child run per job, datasets on each."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from quotestance import tracking

from .conftest import VENV_BIN, tool_env

pytestmark = pytest.mark.slow

SMALL = [  # a few documents and examples, a small hash space: seconds per job
    "data.quotes_limit=4",
    "data.stance_limit=150",
    "quotes.n_features=4096",
    "calibrate=false",
]


def test_multirun_logs_one_parent_with_a_child_per_job(tmp_path: Path) -> None:
    workdir = tmp_path / "elsewhere"  # not the project root: paths must not depend on it
    workdir.mkdir()
    result = subprocess.run(
        [
            str(VENV_BIN / "quotestance-train"),
            "-m",
            "model=logreg,sgd",
            f"paths.experiments_dir={tmp_path}/experiments",
            *SMALL,
        ],
        cwd=workdir,
        capture_output=True,
        text=True,
        env=tool_env(),
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert not list(workdir.iterdir())  # nothing written relative to the working directory

    tracking.configure(
        f"sqlite:///{tmp_path}/experiments/mlflow.db",
        "quotestance",
        tmp_path / "experiments" / "artifacts",
    )
    client = MlflowClient()
    experiment = client.get_experiment_by_name("quotestance")
    assert experiment is not None
    runs = client.search_runs([experiment.experiment_id])
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert len(parents) == 1 and len(children) == 2
    (parent,) = parents
    assert parent.data.tags["hydra_multirun"] == "true"
    assert parent.info.status == "FINISHED"
    sweep_dir = Path(parent.data.tags["sweep_dir"])
    assert sweep_dir.is_relative_to(tmp_path / "experiments" / "multiruns")
    assert (sweep_dir / tracking.PARENT_RUN_FILE).read_text() == parent.info.run_id

    assert {c.data.tags["mlflow.parentRunId"] for c in children} == {parent.info.run_id}
    assert {c.data.params["model._target_"] for c in children} == {
        "sklearn.linear_model.LogisticRegression",
        "sklearn.linear_model.SGDClassifier",
    }
    for child in children:
        assert child.info.status == "FINISHED"
        assert child.data.params["overrides"].startswith("model=")
        assert "data.quotes_limit=4" in child.data.params["overrides"]
        assert child.data.params["data.stance_limit"] == "150"
        assert len(child.data.tags["config_hash"]) == 12
        assert "dev/stance/macro_f1" in child.data.metrics
        artifacts = {f.path for f in client.list_artifacts(child.info.run_id, "config")}
        assert "config/resolved.yaml" in artifacts
        inputs = {
            d.dataset.name: (d.dataset.digest, d.dataset.source, {t.key: t.value for t in d.tags})
            for d in child.inputs.dataset_inputs
        }
        assert set(inputs) == {"stance_train", "stance_dev", "quotes_train"}
        digest, source, tags = inputs["stance_train"]
        assert digest and "stance_corpus/train.jsonl" in source
        assert tags["mlflow.data.context"] == "training"
        assert inputs["stance_dev"][2]["mlflow.data.context"] == "dev"
    assert children[0].data.tags["config_hash"] != children[1].data.tags["config_hash"]
    versions = client.search_model_versions(f"name = '{tracking.MODEL_NAME}'")
    assert len(versions) == 2
