"""``quotestance-finetune``: fine-tune a local encoder on stance data, for features=transformer."""

from __future__ import annotations

from pathlib import Path

import hydra
import mlflow
import numpy as np
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from quotestance import tracking
from quotestance.cli import CONFIG_DIR, PROJECT_ROOT, register_resolvers, resolved_config
from quotestance.cli.common import read_stance_examples
from quotestance.features.finetune import Epoch, FineTuning, fine_tune
from quotestance.stance import examples_to_frame


def labelled_splits(
    data: DictConfig,
) -> tuple[tuple[pd.DataFrame, list[str]], tuple[pd.DataFrame, list[str]] | None]:
    """Return the (frame, labels) to train on and, when the data names one, the dev split."""
    if data.get("kind") == "table":
        from quotestance.cli.table import read_table, table_to_frame

        def read(path: str) -> tuple[pd.DataFrame, list[str]]:
            table = read_table(path)
            table = table.head(int(data.limit)) if data.get("limit") else table
            frame, labels, _ = table_to_frame(table, dict(data.columns), path)
            return frame, [str(label) for label in np.asarray(labels)]

        return read(data.train), read(data.dev) if data.get("dev") else None

    def examples(path: str) -> tuple[pd.DataFrame, list[str]]:
        rows = read_stance_examples(path, data.get("stance_limit"))
        return examples_to_frame(rows), [str(e.label) for e in rows]

    return examples(data.stance_train), examples(data.stance_dev) if data.get(
        "stance_dev"
    ) else None


def finetune(cfg: DictConfig, overrides: list[str]) -> float:
    """Fine-tune, log each epoch to MLflow, save the encoder; return the last dev macro-F1."""
    settings = FineTuning(
        **{name: cfg[name] for name in FineTuning.__dataclass_fields__ if name in cfg}
    )
    train, dev = labelled_splits(cfg.data)
    experiment_id = tracking.configure(
        cfg.paths.mlflow_uri, cfg.experiment, cfg.paths.artifacts_dir
    )
    with tracking.run("finetune", experiment_id):
        tracking.log_config(resolved_config(cfg), overrides, PROJECT_ROOT)
        source = cfg.data.get("train") or cfg.data.stance_train
        tracking.log_dataset(train[0].assign(label=train[1]), "train", source, "training")
        history = fine_tune(cfg.model_path, *train, cfg.output_dir, settings, dev, _log_epoch)
        mlflow.log_artifact(str(Path(cfg.output_dir) / "finetune.json"))
        mlflow.set_tag("encoder_dir", str(Path(cfg.output_dir).resolve()))
    last = history[-1].dev_macro_f1
    return float("nan") if last is None else last


def _log_epoch(epoch: Epoch) -> None:
    """Log an epoch to the active MLflow run and print it (fine-tuning takes minutes an epoch)."""
    mlflow.log_metric("train/loss", epoch.loss, step=epoch.epoch)
    dev_text = ""
    if epoch.dev_macro_f1 is not None:
        mlflow.log_metric("dev/macro_f1", epoch.dev_macro_f1, step=epoch.epoch)
        dev_text = f", dev macro-F1 {epoch.dev_macro_f1:.4f}"
    print(f"epoch {epoch.epoch}: loss {epoch.loss:.4f}{dev_text}", flush=True)


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="finetune")
def _main(cfg: DictConfig) -> float:
    return finetune(cfg, list(HydraConfig.get().overrides.task))


def main() -> None:
    """Console entry point."""
    register_resolvers()
    _main()
