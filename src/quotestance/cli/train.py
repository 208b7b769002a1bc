"""``quotestance-train``: fit the quote finder and the stance model, log to MLflow, register."""

from __future__ import annotations

import json
from pathlib import Path

import hydra
import mlflow
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from hydra.utils import instantiate
from omegaconf import DictConfig

from quotestance import tracking
from quotestance.actors import MentionFinder, actors_from_config
from quotestance.cli import CONFIG_DIR, PROJECT_ROOT, register_resolvers, resolved_config
from quotestance.cli.common import (
    evaluate_quotes,
    evaluate_stance,
    read_annotated_documents,
    read_stance_examples,
)
from quotestance.features.embeddings import encoder_requirements
from quotestance.pipeline import QuotestancePipeline
from quotestance.pyfunc import log_pipeline_model, save_pipeline
from quotestance.stance import build_stance_model, examples_to_frame, fit_stance_model

REQUIREMENTS = (
    "scikit-learn>=1.9.1,<1.10",
    "pandas>=3.1.1,<3.2",
    "numpy>=2.4.6,<2.5",
    "mlflow>=3.17.2,<3.18",
    "joblib",
)


def train(cfg: DictConfig, overrides: list[str], sweep_dir: Path | None = None) -> dict[str, float]:
    """Fit, evaluate on dev, log and (optionally) register the whole pipeline; return dev metrics."""
    config = resolved_config(cfg)
    run_dir = Path(cfg.paths.experiments_dir) / "outputs" / "train"
    run_dir.mkdir(parents=True, exist_ok=True)
    experiment_id = tracking.configure(
        cfg.paths.mlflow_uri, cfg.experiment, cfg.paths.artifacts_dir
    )
    with tracking.run("train", experiment_id, sweep_dir):
        digest = tracking.log_config(config, overrides, PROJECT_ROOT)
        stance_train = read_stance_examples(cfg.data.stance_train, cfg.data.stance_limit)
        stance_dev = read_stance_examples(cfg.data.stance_dev, cfg.data.stance_limit)
        quotes_train = read_annotated_documents(cfg.data.quotes_train, cfg.data.quotes_limit)
        for name, examples, context in (
            ("stance_train", stance_train, "training"),
            ("stance_dev", stance_dev, "dev"),
        ):
            tracking.log_dataset(
                examples_to_frame(examples).assign(label=[e.label for e in examples]),
                name,
                cfg.data[name],
                context,
            )
        tracking.log_dataset(
            pd.DataFrame(
                {"doc_id": [d.doc_id for d in quotes_train], "text": [d.text for d in quotes_train]}
            ),
            "quotes_train",
            cfg.data.quotes_train,
            "training",
        )
        quote_finder = instantiate(cfg.quotes).fit(quotes_train)
        stance_model = build_stance_model(
            instantiate(cfg.model), instantiate(cfg.features), cfg.calibrate
        )
        fit_stance_model(stance_model, stance_train)
        metrics = evaluate_stance(stance_model, stance_dev, run_dir, "dev")
        pipeline = QuotestancePipeline(
            segmenter=instantiate(cfg.segmenter),
            quote_finder=quote_finder,
            mention_finder=MentionFinder(actors_from_config(cfg.actors)),
            stance_model=stance_model,
        )
        quote_metrics = evaluate_quotes(
            pipeline,
            read_annotated_documents(cfg.data.quotes_dev, cfg.data.quotes_limit),
            "dev",
            run_dir,
        )
        metrics.update({f"quotes/{key}": value for key, value in quote_metrics.items()})
        example = pd.DataFrame({"id": ["example"], "text": [quotes_train[0].text[:500]]})
        model_uri = log_pipeline_model(
            save_pipeline(pipeline, run_dir / "pipeline.joblib"),
            digest,
            example,
            [*REQUIREMENTS, *encoder_requirements(stance_model)],
        )
        if cfg.register:
            version = tracking.register(model_uri, model_format=pipeline.model_format)
            mlflow.set_tag("registered_version", version)
    metrics_file = Path(cfg.paths.metrics_dir) / "train.json"
    metrics_file.parent.mkdir(parents=True, exist_ok=True)
    metrics_file.write_text(json.dumps(metrics, indent=2, sort_keys=True))
    return metrics


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="train")
def _main(cfg: DictConfig) -> float:
    hydra_cfg = HydraConfig.get()
    sweep_dir = Path(hydra_cfg.sweep.dir) if hydra_cfg.mode == RunMode.MULTIRUN else None
    if cfg.data.get("kind") == "table":
        from quotestance.cli.table import train_table

        metrics = train_table(cfg, list(hydra_cfg.overrides.task), sweep_dir)
    else:
        metrics = train(cfg, list(hydra_cfg.overrides.task), sweep_dir)
    return metrics["macro_f1"]


def main() -> None:
    """Console entry point."""
    register_resolvers()
    _main()
