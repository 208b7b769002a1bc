"""``quotestance-train data=table``: train and evaluate the stance model on any labelled table.

``quotestance-train data=table data.train=FILE data.test=FILE hydra.run.dir=DIR`` reads two
tables (CSV, JSON Lines or Parquet) with a text, a target and a label column (names set in
``conf/data/table.yaml``; labels are whatever strings the table uses), fits the configured
features and model, logs the run to MLflow and writes into ``DIR``:

- ``predictions.csv``: ``row`` (0-based row of the test table), ``label`` (the prediction) and one
  ``proba_<label>`` column per label;
- ``metrics.json``: test macro-F1, per-label F1, the SemEval favor/against average when both
  labels exist, per-target macro-F1, accuracy and calibration (ECE, Brier, log-loss);
- ``reliability.png`` and ``confusion.png``; ``model.joblib`` (the fitted scikit-learn pipeline).

The returned ``macro_f1`` (what a Hydra/Optuna sweep maximises) is never a test number: it is
the dev table's when ``data.dev`` is given, else grouped ``data.cv_folds``-fold cross-validation
on the training table.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import joblib
import mlflow
import numpy as np
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from hydra.utils import instantiate
from omegaconf import DictConfig
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from quotestance import tracking
from quotestance.cli import PROJECT_ROOT, resolved_config
from quotestance.evaluation.stance import (
    calibration_metrics,
    save_confusion_matrix,
    save_reliability_diagram,
    stance_metrics,
    stance_report,
)
from quotestance.stance import STANCE_COLUMNS, build_stance_model, predict_probabilities

TABLE_SUFFIXES = (".csv", ".jsonl", ".json", ".parquet")


class TableError(ValueError):
    """A table that cannot be used: the message names the file and the problem."""


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV, JSON Lines or Parquet table (by suffix; ``.gz`` allowed for CSV/JSONL)."""
    path = Path(path)
    suffixes = [s for s in path.suffixes if s != ".gz"]
    suffix = suffixes[-1] if suffixes else ""
    if not path.exists():
        raise TableError(f"{path}: no such file")
    if suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    if suffix in {".jsonl", ".json"}:
        return pd.read_json(path, lines=True, dtype=False)
    if suffix == ".parquet":
        return pd.read_parquet(path)
    raise TableError(f"{path}: unsupported table (use {', '.join(TABLE_SUFFIXES)})")


def table_to_frame(
    table: pd.DataFrame, columns: Mapping[str, Any], name: str, need_label: bool = True
) -> tuple[pd.DataFrame, np.ndarray | None, np.ndarray]:
    """Map a user table to the model input frame, the labels and the CV groups.

    ``columns`` maps ``text``, ``target``, ``label`` and optionally ``start``, ``end``,
    ``group`` to the table's column names (``None``: absent; a missing ``target`` gives every
    row the same empty target; ``a.b`` reads key ``b`` of a column of mappings, e.g.
    ``mention.start`` in prepared JSON Lines). Raises ``TableError`` naming the missing columns.
    """
    wanted: dict[str, Any] = {
        "text": columns.get("text"),
        "label": columns.get("label") if need_label else None,
    }
    for key in ("target", "start", "end", "group"):
        wanted[key] = columns.get(key)
    required = ["text", "target", "start", "end", "group"] + (["label"] if need_label else [])
    missing = [
        f"{wanted[key]!r} ({key})"
        for key in required
        if wanted.get(key) is not None and not _has_column(table, wanted[key])
    ]
    if wanted["text"] is None or (need_label and wanted["label"] is None):
        raise TableError(f"{name}: data.columns must name the text and label columns")
    if missing:
        raise TableError(
            f"{name}: missing column(s) {', '.join(missing)}; the table has "
            f"{', '.join(map(str, table.columns))}"
        )
    rows = len(table)
    frame = pd.DataFrame(
        {
            "text": _column(table, wanted["text"]).astype(str).to_numpy(),
            "target": _column(table, wanted["target"]).astype(str).to_numpy()
            if wanted["target"]
            else [""] * rows,
            "start": _offsets(table, wanted["start"], rows),
            "end": _offsets(table, wanted["end"], rows),
        },
        columns=list(STANCE_COLUMNS),
    )
    labels = None
    if need_label:
        labels = np.array([_label(v) for v in _column(table, wanted["label"])], dtype=object)
        empty = [i for i, v in enumerate(labels) if v == ""]
        if empty:
            raise TableError(f"{name}: rows {empty[:5]} have no label")
    groups = (
        _column(table, wanted["group"]).astype(str).to_numpy()
        if wanted["group"]
        else np.asarray([f"#{i}" for i in range(rows)], dtype=object)
    )
    return frame, labels, groups


def _has_column(table: pd.DataFrame, name: str) -> bool:
    if name in table.columns:
        return True
    base, _, key = name.partition(".")
    return bool(key) and base in table.columns


def _column(table: pd.DataFrame, name: str) -> pd.Series:
    """Return a column; ``a.b`` reads key ``b`` of the mappings in column ``a`` (JSON Lines)."""
    if name in table.columns:
        return table[name]
    base, _, key = name.partition(".")
    return table[base].map(lambda value: value.get(key) if isinstance(value, dict) else None)


def _label(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def _offsets(table: pd.DataFrame, column: str | None, rows: int) -> list[int]:
    if not column:
        return [-1] * rows
    values = _column(table, column)
    return [int(float(v)) if _is_number(v) else -1 for v in values]


def _is_number(value: Any) -> bool:
    try:
        return float(value) == float(value)
    except (TypeError, ValueError):
        return False


def fit_params(model: Any, groups: np.ndarray) -> dict[str, Any]:
    """Route the groups to a calibrating head, so its folds keep documents together."""
    head = model.steps[-1][1]
    if "groups" in getattr(head.fit, "__code__", object()).co_varnames:  # type: ignore[attr-defined]
        return {f"{model.steps[-1][0]}__groups": groups}
    return {}


def cross_validated_predictions(
    make_model: Any, frame: pd.DataFrame, labels: np.ndarray, groups: np.ndarray, folds: int
) -> np.ndarray:
    """Out-of-fold predictions with folds that keep each group together (stratified)."""
    smallest = int(pd.Series(labels).value_counts().min())
    folds = max(2, min(folds, smallest))
    if len(set(groups.tolist())) >= folds:
        splitter: Any = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=0)
        splits = splitter.split(frame, labels, groups)
    else:
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
        splits = splitter.split(frame, labels)
    predicted = np.empty(len(labels), dtype=object)
    for train, test in splits:
        model = make_model()
        model.fit(frame.iloc[train], labels[train], **fit_params(model, groups[train]))
        predicted[test] = model.predict(frame.iloc[test])
    return predicted


def write_predictions(
    path: Path, labels: Sequence[str], probabilities: np.ndarray, classes: Sequence[str]
) -> Path:
    """Write ``row``, ``label`` and ``proba_<class>`` columns as CSV."""
    table = pd.DataFrame({"row": np.arange(len(labels)), "label": list(labels)})
    for i, label in enumerate(classes):
        table[f"proba_{label}"] = np.round(probabilities[:, i], 6)
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False)
    return path


def _output_dir(cfg: DictConfig) -> Path:
    if cfg.data.get("output_dir"):
        return Path(cfg.data.output_dir)
    return Path(HydraConfig.get().runtime.output_dir)


def train_table(
    cfg: DictConfig, overrides: list[str], sweep_dir: Path | None = None
) -> dict[str, float]:
    """Fit on ``data.train``, select on dev or grouped CV, evaluate on ``data.test``, log, write."""
    data = cfg.data
    columns = dict(data.columns)
    train_frame, train_labels, train_groups = table_to_frame(
        _limited(read_table(data.train), data.limit), columns, str(data.train)
    )
    test_frame, test_labels, _ = table_to_frame(
        _limited(read_table(data.test), data.limit), columns, str(data.test)
    )
    assert train_labels is not None and test_labels is not None
    out_dir = _output_dir(cfg)
    out_dir.mkdir(parents=True, exist_ok=True)

    def make_model() -> Any:
        return build_stance_model(
            instantiate(cfg.model),
            instantiate(cfg.features),
            cfg.calibrate,
            method=cfg.get("calibration", "temperature"),
            decision=cfg.get("decision", "macro_f1"),
        )

    experiment_id = tracking.configure(
        cfg.paths.mlflow_uri, cfg.experiment, cfg.paths.artifacts_dir
    )
    with tracking.run("train-table", experiment_id, sweep_dir):
        tracking.log_config(resolved_config(cfg), overrides, PROJECT_ROOT)
        tracking.log_dataset(
            train_frame.assign(label=train_labels), "train", data.train, "training"
        )
        tracking.log_dataset(test_frame.assign(label=test_labels), "test", data.test, "test")
        model = make_model()
        model.fit(train_frame, train_labels, **fit_params(model, train_groups))
        selection = _selection_metrics(
            data, columns, make_model, model, train_frame, train_labels, train_groups
        )
        probabilities = predict_probabilities(model, test_frame)
        classes = [str(c) for c in model.classes_]
        predicted = [str(p) for p in model.predict(test_frame)]
        gold = [str(g) for g in test_labels]
        targets = list(test_frame["target"]) if columns.get("target") else None
        metrics = stance_metrics(gold, predicted, targets)
        metrics.update(calibration_metrics(gold, probabilities, classes))
        tracking.log_metrics(metrics, "test")
        write_predictions(out_dir / "predictions.csv", predicted, probabilities, classes)
        (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True))
        save_reliability_diagram(
            gold, probabilities, classes, out_dir / "reliability.png", "test reliability"
        )
        save_confusion_matrix(gold, predicted, out_dir / "confusion.png", "stance, test")
        (out_dir / "report.txt").write_text(stance_report(gold, predicted))
        joblib.dump(model, out_dir / "model.joblib")
        for name in ("predictions.csv", "metrics.json", "reliability.png", "confusion.png"):
            mlflow.log_artifact(str(out_dir / name), "test")
        mlflow.log_artifact(str(out_dir / "model.joblib"), "model")
    result = {f"test/{key}": float(value) for key, value in metrics.items()}
    result.update(selection)
    return result


def _selection_metrics(
    data: DictConfig,
    columns: Mapping[str, Any],
    make_model: Any,
    model: Any,
    frame: pd.DataFrame,
    labels: np.ndarray,
    groups: np.ndarray,
) -> dict[str, float]:
    """Dev metrics of ``model`` when a dev table is given, else grouped CV on train."""
    if data.get("dev"):
        dev_frame, dev_labels, _ = table_to_frame(
            _limited(read_table(data.dev), data.limit), columns, str(data.dev)
        )
        assert dev_labels is not None
        predicted = [str(p) for p in model.predict(dev_frame)]
        targets = list(dev_frame["target"]) if columns.get("target") else None
        scores = stance_metrics([str(g) for g in dev_labels], predicted, targets)
        prefix = "dev"
    elif int(data.get("cv_folds", 0)) >= 2:
        predicted = list(
            cross_validated_predictions(make_model, frame, labels, groups, data.cv_folds)
        )
        scores = stance_metrics([str(g) for g in labels], [str(p) for p in predicted])
        prefix = "cv"
    else:
        return {"macro_f1": float("nan")}
    tracking.log_metrics(scores, prefix)
    result = {f"{prefix}/{key}": float(value) for key, value in scores.items()}
    result["macro_f1"] = float(scores["macro_f1"])
    return result


def _limited(table: pd.DataFrame, limit: int | None) -> pd.DataFrame:
    return table.head(int(limit)) if limit else table
