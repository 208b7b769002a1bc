"""The one adapter between quotestance and MLflow: store location, runs, params, datasets, models."""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import mlflow
from mlflow.data.pandas_dataset import from_pandas
import pandas as pd
from mlflow.tracking import MlflowClient
from mlflow.utils.validation import MAX_ENTITY_KEY_LENGTH, MAX_PARAM_VAL_LENGTH

MODEL_NAME = "quotestance"
CHAMPION = "champion"
CHALLENGER = "challenger"
PARENT_RUN_FILE = "mlflow_parent_run_id"


def configure(tracking_uri: str, experiment: str, artifact_location: str | Path) -> str:
    """Point MLflow at ``tracking_uri`` (tracking and registry) and return the experiment id."""
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    found = mlflow.get_experiment_by_name(experiment)
    if found is not None:
        experiment_id = found.experiment_id
    else:
        location = Path(artifact_location).resolve().as_uri()
        experiment_id = mlflow.create_experiment(experiment, artifact_location=location)
    mlflow.set_experiment(experiment_id=experiment_id)
    return experiment_id


def flatten(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested mappings to ``a.b.c`` keys; lists become JSON strings."""
    flat: dict[str, Any] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
        elif isinstance(value, list | tuple):
            flat[name] = json.dumps(value, ensure_ascii=False, default=str)
        else:
            flat[name] = value
    return flat


def split_params(flat: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """Separate params MLflow accepts from those too long for it (kept as an artifact instead)."""
    short, long = {}, {}
    for key, value in flat.items():
        text = "" if value is None else str(value)
        if len(text) > MAX_PARAM_VAL_LENGTH or len(key) > MAX_ENTITY_KEY_LENGTH:
            long[key] = text
        else:
            short[key] = text
    return short, long


def config_hash(config: Mapping[str, Any]) -> str:
    """Return a short, stable hash of a resolved config."""
    canonical = json.dumps(config, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def git_commit(root: Path) -> str:
    """Return the current git commit of ``root``, or "unknown" outside a repository."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return result.stdout.strip()


def log_config(config: Mapping[str, Any], overrides: list[str], root: Path) -> str:
    """Log the resolved config as params, artifact and tags; return its hash."""
    short, long = split_params(flatten(config))
    mlflow.log_params(short)
    if long:
        mlflow.log_dict(long, "config/long_params.json")
    mlflow.log_param("overrides", " ".join(overrides)[:MAX_PARAM_VAL_LENGTH])
    mlflow.log_dict(dict(config), "config/resolved.yaml")
    digest = config_hash(config)
    mlflow.set_tags({"config_hash": digest, "git_commit": git_commit(root)})
    return digest


def log_dataset(frame: pd.DataFrame, name: str, source: str | Path, context: str) -> str:
    """Log ``frame`` as an MLflow dataset input; return its digest."""
    dataset = from_pandas(frame, source=str(source), name=name)
    mlflow.log_input(dataset, context=context)
    return str(dataset.digest)


def log_metrics(metrics: Mapping[str, float], prefix: str) -> None:
    """Log metrics under ``prefix/`` (e.g. ``dev/macro_f1``)."""
    mlflow.log_metrics({f"{prefix}/{key}": float(value) for key, value in metrics.items()})


@contextmanager
def run(name: str, experiment_id: str, sweep_dir: Path | None = None) -> Iterator[mlflow.ActiveRun]:
    """Start a run; inside a Hydra multirun, a child of the sweep's single parent run."""
    if sweep_dir is None:
        with mlflow.start_run(run_name=name, experiment_id=experiment_id) as active:
            yield active
        return
    parent_id = _parent_run(sweep_dir, experiment_id)
    with mlflow.start_run(
        run_name=name, experiment_id=experiment_id, parent_run_id=parent_id, nested=True
    ) as active:
        yield active


def _parent_run(sweep_dir: Path, experiment_id: str) -> str:
    marker = sweep_dir / PARENT_RUN_FILE
    if marker.exists():
        return marker.read_text().strip()
    parent = MlflowClient().create_run(
        experiment_id,
        run_name=f"sweep-{sweep_dir.name}",
        tags={"sweep_dir": str(sweep_dir)},
    )
    sweep_dir.mkdir(parents=True, exist_ok=True)
    marker.write_text(parent.info.run_id)
    return parent.info.run_id


def register(model_uri: str, make_champion_if_none: bool = True) -> str:
    """Register ``model_uri`` as a new version of ``quotestance`` tagged ``challenger``.

    The first version also becomes ``champion``; later ones wait for the promotion gate.
    """
    version = mlflow.register_model(model_uri, MODEL_NAME).version
    client = MlflowClient()
    client.set_registered_model_alias(MODEL_NAME, CHALLENGER, version)
    if make_champion_if_none:
        aliases = client.get_registered_model(MODEL_NAME).aliases
        if CHAMPION not in aliases:
            client.set_registered_model_alias(MODEL_NAME, CHAMPION, version)
    return str(version)


def resolve_version(model_uri: str) -> str:
    """Return the registry version a ``models:/name@alias`` or ``models:/name/N`` URI points at."""
    if not model_uri.startswith("models:/"):
        return ""
    reference = model_uri.removeprefix("models:/")
    client = MlflowClient()
    if "@" in reference:
        name, alias = reference.split("@", 1)
        return str(client.get_model_version_by_alias(name, alias).version)
    parts = reference.split("/")
    return parts[1] if len(parts) > 1 and parts[1].isdigit() else ""
