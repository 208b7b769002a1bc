"""``quotestance-evaluate``: score a saved model on a split; log to MLflow and write DVC metrics."""

from __future__ import annotations

import json
from pathlib import Path

import hydra
import mlflow
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from quotestance import tracking
from quotestance.cli import CONFIG_DIR, PROJECT_ROOT, main_with_model_alias, resolved_config
from quotestance.cli.common import evaluate_split, read_split
from quotestance.pipeline import QuotestancePipeline


def load_pipeline(model_uri: str) -> QuotestancePipeline:
    """Load the pipeline inside a logged or registered quotestance model."""
    pipeline: QuotestancePipeline = (
        mlflow.pyfunc.load_model(model_uri).unwrap_python_model().pipeline
    )
    return pipeline


def evaluate(cfg: DictConfig, overrides: list[str]) -> dict[str, float]:
    """Evaluate ``cfg.model_uri`` on the stance and quotation files of ``cfg.split``; return metrics."""
    config = resolved_config(cfg)
    experiment_id = tracking.configure(
        cfg.paths.mlflow_uri, cfg.experiment, cfg.paths.artifacts_dir
    )
    pipeline = load_pipeline(cfg.model_uri)
    split = read_split(cfg.data, cfg.split)
    out_dir = Path(cfg.paths.metrics_dir)
    with tracking.run(f"evaluate-{cfg.split}", experiment_id):
        tracking.log_config(config, overrides, PROJECT_ROOT)
        mlflow.set_tags(
            {"model_uri": cfg.model_uri, "model_version": tracking.resolve_version(cfg.model_uri)}
        )
        metrics = evaluate_split(pipeline, split, out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"evaluate_{cfg.split}.json").write_text(
        json.dumps(metrics, indent=2, sort_keys=True)
    )
    return metrics


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="evaluate")
def _main(cfg: DictConfig) -> None:
    metrics = evaluate(cfg, list(HydraConfig.get().overrides.task))
    for key in sorted(metrics):
        print(f"{key:50s} {metrics[key]:.4f}")


def main() -> None:
    """Console entry point (``model=<URI>`` is accepted for ``model_uri=<URI>``)."""
    main_with_model_alias(_main)
