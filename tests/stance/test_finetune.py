"""Fine-tuning a local encoder (a tiny BERT built offline) and the quotestance-finetune command."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hydra import compose, initialize_config_dir
from mlflow.tracking import MlflowClient
from omegaconf import DictConfig

from quotestance.cli import CONFIG_DIR, register_resolvers
from quotestance.cli.finetune import finetune
from quotestance.features.finetune import FineTuning, fine_tune
from quotestance.features.transformer import TransformerEmbeddings
from tiny_bert import build_tiny_bert

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

COLUMNS = ["text", "target", "start", "end"]


@pytest.fixture
def tiny_model(table: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    words = re.findall(r"\w+|[^\w\s]", " ".join(table["text"]).lower())
    return build_tiny_bert(tmp_path_factory.mktemp("tiny-bert"), words)


def _compose(entry: str, tmp_path: Path, *overrides: str) -> DictConfig:
    """Compose ``entry`` for a table in ``tmp_path``, with its own MLflow store there."""
    register_resolvers()
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        return compose(
            entry,
            overrides=[
                "data=table",
                f"paths.experiments_dir={tmp_path / 'experiments'}",
                *overrides,
            ],
        )


def test_fine_tuning_learns_the_labels_and_saves_an_encoder(
    tiny_model: Path, table: pd.DataFrame, tmp_path: Path
) -> None:
    settings = FineTuning(epochs=10, learning_rate=1e-2, batch_size=8, seed=1)
    out = tmp_path / "encoder"
    seen: list = []
    history = fine_tune(
        tiny_model,
        table[COLUMNS],
        table["label"],
        out,
        settings,
        dev=(table[COLUMNS], table["label"]),
        on_epoch=seen.append,
    )
    assert seen == history  # reported as each epoch ends
    assert [e.epoch for e in history] == list(range(1, 11))
    assert history[-1].loss < 0.75 * history[0].loss  # measured 1.15 -> 0.80
    first, last = history[0].dev_macro_f1, history[-1].dev_macro_f1
    assert first is not None and last is not None and last > max(0.5, first + 0.2)
    summary = json.loads((out / "finetune.json").read_text())
    assert summary["labels"] == ["against", "favor", "neutral"]
    assert summary["settings"]["learning_rate"] == 1e-2
    assert summary["examples"] == len(table)

    before = TransformerEmbeddings(str(tiny_model), pooling="mean+mention").fit(table[COLUMNS])
    after = TransformerEmbeddings(str(out), pooling="mean+mention").fit(table[COLUMNS])
    assert after.transform(table[COLUMNS]).shape == before.transform(table[COLUMNS]).shape
    assert not np.allclose(after.transform(table[COLUMNS]), before.transform(table[COLUMNS]))


def test_fine_tuning_is_repeatable_with_a_seed(
    tiny_model: Path, table: pd.DataFrame, tmp_path: Path
) -> None:
    settings = FineTuning(epochs=1, learning_rate=1e-3, batch_size=16, seed=3)
    losses = [
        fine_tune(tiny_model, table[COLUMNS], table["label"], tmp_path / name, settings)[0].loss
        for name in ("a", "b")
    ]
    assert losses[0] == pytest.approx(losses[1], rel=1e-5)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"pooling": "max"}, "pooling"),
        ({"epochs": 0}, "positive"),
        ({"learning_rate": 0.0}, "positive"),
    ],
)
def test_bad_settings_are_refused(settings: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FineTuning(**settings)


def test_labels_must_match_the_rows_and_differ(
    tiny_model: Path, table: pd.DataFrame, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="rows but"):
        fine_tune(tiny_model, table[COLUMNS], table["label"][:-1], tmp_path / "x")
    with pytest.raises(ValueError, match="two labels"):
        fine_tune(tiny_model, table[COLUMNS], ["favor"] * len(table), tmp_path / "x")


def test_finetune_command_logs_each_epoch_to_mlflow(
    tiny_model: Path, table: pd.DataFrame, tmp_path: Path
) -> None:
    train, dev = tmp_path / "train.jsonl", tmp_path / "dev.jsonl"
    table.iloc[::2].to_json(train, orient="records", lines=True, force_ascii=False)
    table.iloc[1::2].to_json(dev, orient="records", lines=True, force_ascii=False)
    cfg = _compose(
        "finetune",
        tmp_path,
        f"data.train={train}",
        f"data.dev={dev}",
        "data.columns.start=start",
        "data.columns.end=end",
        f"model_path={tiny_model}",
        f"output_dir={tmp_path / 'encoder'}",
        "epochs=2",
        "learning_rate=1e-3",
    )
    score = finetune(cfg, ["data=table"])
    assert 0.0 <= score <= 1.0
    assert (tmp_path / "encoder" / "config.json").exists()
    client = MlflowClient(cfg.paths.mlflow_uri)
    (run,) = client.search_runs(
        [client.get_experiment_by_name(cfg.experiment).experiment_id],
        "attributes.run_name = 'finetune'",
    )
    steps = client.get_metric_history(run.info.run_id, "dev/macro_f1")
    assert [m.step for m in steps] == [1, 2]
    assert steps[-1].value == pytest.approx(score)
    assert run.data.params["learning_rate"] == "0.001"
    assert run.data.tags["encoder_dir"] == str((tmp_path / "encoder").resolve())


def test_a_fine_tuned_encoder_trains_through_the_table_interface(
    tiny_model: Path, table: pd.DataFrame, tmp_path: Path
) -> None:
    import joblib

    from quotestance.cli.table import read_table, table_to_frame, train_table

    encoder = tmp_path / "encoder"
    fine_tune(tiny_model, table[COLUMNS], table["label"], encoder, FineTuning(epochs=1))
    train, test = tmp_path / "train.csv", tmp_path / "test.csv"
    table.iloc[::2].to_csv(train, index=False)
    table.iloc[1::2].to_csv(test, index=False)
    cfg = _compose(
        "train",
        tmp_path,
        f"data.train={train}",
        f"data.test={test}",
        "data.cv_folds=0",
        f"data.output_dir={tmp_path / 'run'}",
        "features=finetuned",
        f"features.model_path={encoder}",
    )
    assert cfg.features.embedding_weight == 0.3
    metrics = train_table(cfg, ["features=finetuned"])
    assert metrics["test/macro_f1"] > 0.8  # the n-grams carry the template table
    predictions = pd.read_csv(tmp_path / "run" / "predictions.csv")
    reloaded = joblib.load(tmp_path / "run" / "model.joblib")
    frame, _, _ = table_to_frame(read_table(test), dict(cfg.data.columns), str(test))
    assert list(reloaded.predict(frame)) == predictions["label"].tolist()
