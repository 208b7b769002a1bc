"""The MLflow adapter: params flattening and limits, metric names, sweep runs, project-anchored paths."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import pytest
from hydra import compose, initialize_config_dir
from mlflow.tracking import MlflowClient
from mlflow.utils.validation import MAX_PARAM_VAL_LENGTH

from quotestance import tracking
from quotestance.cli import CONFIG_DIR, PROJECT_ROOT, register_resolvers


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"a": {"b": {"c": 1}}}, {"a.b.c": 1}),
        ({"a": [1, "x"]}, {"a": '[1, "x"]'}),
        ({"a": None, "b": True}, {"a": None, "b": True}),
        ({"marks": {"„": "“", "»": "«"}}, {"marks": '{"„": "“", "»": "«"}'}),
        ({"urls": {"http://x": 1}}, {"urls": '{"http://x": 1}'}),  # "//" is not a param path
        ({"empty": {}}, {"empty": "{}"}),
    ],
)
def test_flatten(config: dict[str, object], expected: dict[str, object]) -> None:
    assert tracking.flatten(config) == expected


@pytest.mark.parametrize(
    ("key", "value", "accepted"),
    [
        ("model.C", "1.0", True),
        ("paths.root", "/a/b", True),
        ("long", "x" * (MAX_PARAM_VAL_LENGTH + 1), False),
        ("k" * 251, "1", False),
        ("bad key!", "1", False),
        ("„quote", "1", False),
        ("a/../b", "1", False),
        ("/abs", "1", False),
    ],
)
def test_split_params(key: str, value: str, accepted: bool) -> None:
    short, long = tracking.split_params({key: value})
    assert (key in short, key in long) == (accepted, not accepted)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("dev/quotes/quote_f1@0.3", "dev/quotes/quote_f1_at_0.3"),
        ("dev/stance/target/NATO/macro_f1", "dev/stance/target/NATO/macro_f1"),
        ("test/f1(favor)", "test/f1_favor_"),
    ],
)
def test_metric_key(name: str, expected: str) -> None:
    assert tracking.metric_key(name) == expected
    assert tracking.is_valid_name(expected)


def test_log_config_keeps_what_mlflow_rejects_as_an_artifact(tmp_path: Path) -> None:
    experiment_id = tracking.configure(f"sqlite:///{tmp_path}/mlflow.db", "t", tmp_path / "a")
    config = {
        "model": {"C": 4.0, "_target_": "sklearn.linear_model.LogisticRegression"},
        "quotes": {"mark_pairs": {"„": "“"}, "reporting_verbs": ["sagen", "erklären"]},
        "long": "x" * (MAX_PARAM_VAL_LENGTH + 10),
        "bad key!": 1,
        "k" * 300: 2,
        "grid": {f"p{i}": i for i in range(150)},  # more than one MLflow batch of params
    }
    overrides = ["model=logreg", "model.C=4.0"]
    with tracking.run("t", experiment_id) as active:
        digest = tracking.log_config(config, overrides, PROJECT_ROOT)
        tracking.log_metrics({"quote_f1@0.3": 0.5}, "dev/quotes")
    client = MlflowClient()
    run = client.get_run(active.info.run_id)
    params = run.data.params
    assert params["model.C"] == "4.0"
    assert json.loads(params["quotes.mark_pairs"]) == {"„": "“"}
    assert json.loads(params["quotes.reporting_verbs"]) == ["sagen", "erklären"]
    assert params["grid.p149"] == "149"
    assert params["overrides"] == "model=logreg model.C=4.0"
    assert not {"long", "bad key!", "k" * 300} & set(params)
    kept = json.loads(
        Path(
            mlflow.artifacts.download_artifacts(
                run_id=active.info.run_id,
                artifact_path=tracking.LONG_PARAMS_ARTIFACT,
                dst_path=str(tmp_path / "d1"),
            )
        ).read_text()
    )
    assert kept == {"long": config["long"], "bad key!": "1", "k" * 300: "2"}
    artifacts = {f.path for f in client.list_artifacts(active.info.run_id, "config")}
    assert {"config/resolved.yaml", "config/overrides.json"} <= artifacts
    assert run.data.tags["config_hash"] == digest == tracking.config_hash(config)
    assert run.data.metrics == {"dev/quotes/quote_f1_at_0.3": 0.5}


def test_sweep_jobs_share_one_parent_that_ends_with_the_sweep(tmp_path: Path) -> None:
    experiment_id = tracking.configure(f"sqlite:///{tmp_path}/mlflow.db", "t", tmp_path / "a")
    sweep = tmp_path / "sweep"
    client = MlflowClient()
    with tracking.run("job", experiment_id, sweep) as first:
        parent_id = (sweep / tracking.PARENT_RUN_FILE).read_text()
        assert client.get_run(parent_id).info.status == "RUNNING"
    assert client.get_run(parent_id).info.status == "FINISHED"
    with pytest.raises(RuntimeError), tracking.run("job", experiment_id, sweep) as second:
        raise RuntimeError("job failed")
    with tracking.run("job", experiment_id, sweep) as third:
        pass
    children = [client.get_run(r.info.run_id) for r in (first, second, third)]
    assert {c.data.tags["mlflow.parentRunId"] for c in children} == {parent_id}
    assert [c.info.status for c in children] == ["FINISHED", "FAILED", "FINISHED"]
    assert client.get_run(parent_id).info.status == "FAILED"  # one job failed
    assert len(client.search_runs([experiment_id])) == 4


def test_paths_are_anchored_at_the_project_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QUOTESTANCE_ROOT", raising=False)
    register_resolvers()
    for name in ("train", "evaluate", "score", "promote"):
        with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
            cfg = compose(config_name=name)
        assert cfg.paths.mlflow_uri == f"sqlite:///{PROJECT_ROOT}/experiments/mlflow.db"
        assert cfg.paths.artifacts_dir == f"{PROJECT_ROOT}/experiments/artifacts"
