"""The one adapter between quotestance and MLflow: store location, runs, params, datasets, models."""

from __future__ import annotations

import fcntl
import hashlib
import json
import re
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from mlflow.data.pandas_dataset import from_pandas
from mlflow.entities import RunStatus
from mlflow.tracking import MlflowClient
from mlflow.utils.validation import (
    MAX_ENTITY_KEY_LENGTH,
    MAX_PARAM_VAL_LENGTH,
    path_not_unique,
    validate_param_and_metric_name,
)

MODEL_NAME = "quotestance"
CHAMPION = "champion"
CHALLENGER = "challenger"
FORMAT_TAG = "model_format"
PARENT_RUN_FILE = "mlflow_parent_run_id"
LONG_PARAMS_ARTIFACT = "config/long_params.json"
_SWEEP_FAILED_TAG = "sweep_failed"
_BAD_NAME_CHARS = re.compile(r"[^/\w.\- :]")


def configure(tracking_uri: str, experiment: str, artifact_location: str | Path) -> str:
    """Point MLflow at ``tracking_uri`` (tracking and registry) and return the experiment id.

    A new experiment gets ``artifact_location`` (made absolute), whatever the working directory.
    """
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


def is_valid_name(name: str) -> bool:
    """Whether MLflow accepts ``name`` as a param or metric key (characters, path form, length)."""
    return (
        bool(name)
        and len(name) <= MAX_ENTITY_KEY_LENGTH
        and bool(validate_param_and_metric_name(name))
        and not path_not_unique(name)
    )


def flatten(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested mappings to ``a.b.c`` keys; lists become JSON strings.

    A mapping with a key MLflow cannot name a param (e.g. a quotation mark) stays one JSON value.
    """
    flat: dict[str, Any] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if (
            isinstance(value, Mapping)
            and value
            and all(is_valid_name(f"{name}.{k}") for k in value)
        ):
            flat.update(flatten(value, f"{name}."))
        elif isinstance(value, Mapping | list | tuple):
            flat[name] = json.dumps(value, ensure_ascii=False, default=str)
        else:
            flat[name] = value
    return flat


def split_params(flat: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """Separate params MLflow accepts from those it rejects (too long, or a key it cannot name).

    The rejected ones are kept whole in an artifact instead (``LONG_PARAMS_ARTIFACT``).
    """
    short, long = {}, {}
    for key, value in flat.items():
        text = "" if value is None else str(value)
        if len(text) > MAX_PARAM_VAL_LENGTH or not is_valid_name(str(key)):
            long[str(key)] = text
        else:
            short[str(key)] = text
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
    """Log the resolved config as params, artifact and tags; return its hash.

    Params MLflow rejects go whole to ``config/long_params.json``; the command-line overrides are
    a param (cut to MLflow's limit) and, whole, ``config/overrides.json``.
    """
    short, long = split_params(flatten(config))
    mlflow.log_params(short)
    if long:
        mlflow.log_dict(long, LONG_PARAMS_ARTIFACT)
    joined = " ".join(overrides)
    mlflow.log_param("overrides", joined[:MAX_PARAM_VAL_LENGTH])
    mlflow.log_dict({"overrides": list(overrides)}, "config/overrides.json")
    mlflow.log_dict(dict(config), "config/resolved.yaml")
    digest = config_hash(config)
    mlflow.set_tags({"config_hash": digest, "git_commit": git_commit(root)})
    return digest


def log_dataset(frame: pd.DataFrame, name: str, source: str | Path, context: str) -> str:
    """Log ``frame`` as an MLflow dataset input (name, source, digest); return its digest."""
    dataset = from_pandas(frame, source=str(source), name=name)
    mlflow.log_input(dataset, context=context)
    return str(dataset.digest)


def metric_key(name: str) -> str:
    """Return ``name`` as a valid MLflow metric key (``quote_f1@0.3`` -> ``quote_f1_at_0.3``)."""
    return _BAD_NAME_CHARS.sub("_", name.replace("@", "_at_"))


def log_metrics(metrics: Mapping[str, float], prefix: str) -> None:
    """Log metrics under ``prefix/`` (e.g. ``dev/macro_f1``); invalid characters become ``_``."""
    mlflow.log_metrics(
        {metric_key(f"{prefix}/{key}"): float(value) for key, value in metrics.items()}
    )


@contextmanager
def run(name: str, experiment_id: str, sweep_dir: Path | None = None) -> Iterator[mlflow.ActiveRun]:
    """Start a run; inside a Hydra multirun, a child of the sweep's single parent run.

    The parent is marked running while a child runs and finished (failed, once any child failed)
    after each, so it ends in the right state after the sweep's last job.
    """
    if sweep_dir is None:
        with mlflow.start_run(run_name=name, experiment_id=experiment_id) as active:
            yield active
        return
    parent_id = _parent_run(sweep_dir, experiment_id)
    client = MlflowClient()
    client.update_run(parent_id, status=RunStatus.to_string(RunStatus.RUNNING))
    failed = True
    try:
        with mlflow.start_run(
            run_name=name, experiment_id=experiment_id, parent_run_id=parent_id, nested=True
        ) as active:
            mlflow.set_tag("sweep_dir", str(sweep_dir))
            yield active
        failed = False
    finally:
        if failed:
            client.set_tag(parent_id, _SWEEP_FAILED_TAG, "true")
        any_failed = failed or _SWEEP_FAILED_TAG in client.get_run(parent_id).data.tags
        client.set_terminated(parent_id, "FAILED" if any_failed else "FINISHED")


def _parent_run(sweep_dir: Path, experiment_id: str) -> str:
    """Return the sweep's parent run id, creating the run once (under a lock) for the first job."""
    sweep_dir.mkdir(parents=True, exist_ok=True)
    marker = sweep_dir / PARENT_RUN_FILE
    with (sweep_dir / f".{PARENT_RUN_FILE}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel launchers start several jobs at once
        if marker.exists():
            return marker.read_text().strip()
        parent = MlflowClient().create_run(
            experiment_id,
            run_name=f"sweep-{sweep_dir.name}",
            tags={"sweep_dir": str(sweep_dir), "hydra_multirun": "true"},
        )
        marker.write_text(parent.info.run_id)
        return parent.info.run_id


def register(
    model_uri: str,
    make_champion_if_none: bool = True,
    name: str = MODEL_NAME,
    model_format: int | None = None,
) -> str:
    """Register ``model_uri`` as a new version of ``name`` with the alias ``challenger``.

    The first version also becomes ``champion``; later ones wait for the promotion gate, unless
    ``model_format`` is given and the champion's differs (tag ``model_format``; none on a model
    from before the tag): this version could not load that champion, so the new one takes its
    place and ``make run`` after an upgrade scores instead of failing.
    """
    version = mlflow.register_model(model_uri, name).version
    client = MlflowClient()
    client.set_registered_model_alias(name, CHALLENGER, version)
    if model_format is not None:
        client.set_model_version_tag(name, version, FORMAT_TAG, str(model_format))
    if make_champion_if_none:
        champion = client.get_registered_model(name).aliases.get(CHAMPION)
        if champion is None or (
            model_format is not None
            and client.get_model_version(name, champion).tags.get(FORMAT_TAG) != str(model_format)
        ):
            client.set_registered_model_alias(name, CHAMPION, version)
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
