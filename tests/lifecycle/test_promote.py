"""The promotion gate: compare challenger and champion on the test splits, move ``champion`` if not worse."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from hydra import compose, initialize_config_dir
from mlflow.tracking import MlflowClient
from omegaconf import DictConfig

from quotestance.cli import CONFIG_DIR, register_resolvers
from quotestance.cli.promote import (
    REFUSED_EXIT_CODE,
    Comparison,
    compare_metrics,
    format_comparison,
    promote,
)
from quotestance.pipeline import MODEL_FORMAT, QuotestancePipeline
from quotestance.pyfunc import log_pipeline_model, save_pipeline

from .conftest import GOOD_TEXT, VENV_BIN, Store, register_as, tool_env

CHAMPION = {
    "stance/macro_f1": 0.60,
    "stance/target/NATO/macro_f1": 0.50,
    "stance/target/NATO/support": 40.0,
    "stance/target/EU/macro_f1": 0.70,
    "stance/target/EU/support": 5.0,
    "quotes/token/kind/direct/quote_f1": 0.80,
}
PATTERNS = ["stance/macro_f1", "stance/target/*/macro_f1", "quotes/token/kind/*/quote_f1"]


@pytest.mark.parametrize(
    ("changes", "tolerance", "passes"),
    [
        ({}, 0.0, True),  # equal is not worse
        ({"stance/macro_f1": 0.65}, 0.0, True),
        ({"stance/macro_f1": 0.59}, 0.0, False),
        ({"stance/macro_f1": 0.59}, 0.02, True),
        ({"stance/target/NATO/macro_f1": 0.4}, 0.0, False),  # per actor
        ({"stance/target/EU/macro_f1": 0.1}, 0.0, True),  # support 5 < 20: shown, not gated
        ({"quotes/token/kind/direct/quote_f1": 0.7}, 0.0, False),  # per quote type
    ],
)
def test_compare_metrics(changes: dict[str, float], tolerance: float, passes: bool) -> None:
    rows = compare_metrics(CHAMPION, {**CHAMPION, **changes}, PATTERNS, tolerance, min_support=20)
    assert [r.metric for r in rows] == [
        "stance/macro_f1",
        "stance/target/EU/macro_f1",
        "stance/target/NATO/macro_f1",
        "quotes/token/kind/direct/quote_f1",
    ]
    assert all(r.passed for r in rows) is passes


def test_compare_metrics_rejects_a_pattern_that_matches_nothing() -> None:
    with pytest.raises(ValueError, match="'stance/typo' matches none"):
        compare_metrics(CHAMPION, CHAMPION, ["stance/typo"], 0.0)


def test_a_metric_only_one_model_has_is_shown_not_gated() -> None:
    (row,) = compare_metrics({"a/f1": 0.5}, {"a/f1": 0.5, "b/f1": 0.1}, ["b/*"], 0.0)
    assert (row.gated, row.passed, row.note) == (False, True, "missing in one model")


def test_format_comparison_marks_the_worse_rows() -> None:
    table = format_comparison([Comparison("stance/macro_f1", 0.6, 0.5, 0.0, True)])
    header, _, row = table.splitlines()
    assert header.split() == ["metric", "champion", "challenger", "delta", "gate", "note"]
    assert row.split() == ["stance/macro_f1", "0.6000", "0.5000", "-0.1000", "WORSE"]


def promote_overrides(store: Store, name: str) -> list[str]:
    return [
        f"paths.experiments_dir={store.root}",
        f"registered_model={name}",
        "data.quotes_limit=8",
    ]


def promote_config(overrides: list[str]) -> DictConfig:
    register_resolvers()
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        return compose(config_name="promote", overrides=overrides)


@pytest.mark.slow
def test_gate_promotes_a_better_challenger_and_refuses_a_worse_one(
    candidates: dict[str, str], lifecycle_store: Store, tmp_path: Path
) -> None:
    name = "gate"
    overrides = promote_overrides(lifecycle_store, name)
    assert register_as(lifecycle_store, candidates["worse"], name) == "1"  # first: champion
    assert register_as(lifecycle_store, candidates["better"], name) == "2"

    better = promote(promote_config(overrides), overrides)

    client = MlflowClient()
    assert better.promoted, format_comparison(better.comparisons)
    assert str(client.get_model_version_by_alias(name, "champion").version) == "2"
    gated = {row.metric for row in better.comparisons if row.gated}
    assert {"stance/macro_f1", "quotes/token/joint_f1"} <= gated
    assert any(m.startswith("stance/target/") for m in gated)  # per actor
    assert any(m.startswith("quotes/token/kind/") for m in gated)  # per quote type
    parent = client.search_runs([lifecycle_store.experiment_id], "tags.mlflow.runName = 'promote'")[
        0
    ]
    assert parent.data.tags["decision"] == "promoted"
    children = client.search_runs(
        [lifecycle_store.experiment_id], f"tags.mlflow.parentRunId = '{parent.info.run_id}'"
    )
    assert {c.data.tags["role"] for c in children} == {"champion", "challenger"}
    for child in children:
        assert "test/stance/macro_f1" in child.data.metrics
        assert {d.dataset.name for d in child.inputs.dataset_inputs} == {
            "stance_test",
            "quotes_test",
        }

    assert register_as(lifecycle_store, candidates["worse"], name) == "3"
    result = subprocess.run(
        [str(VENV_BIN / "quotestance-promote"), *overrides, f"hydra.run.dir={tmp_path}"],
        capture_output=True,
        text=True,
        env=tool_env(),
        timeout=600,
    )
    assert result.returncode == REFUSED_EXIT_CODE, result.stderr[-3000:]
    assert "REFUSED: challenger v3 vs champion v2: worse on stance/macro_f1" in result.stdout
    assert "WORSE" in result.stdout
    assert str(client.get_model_version_by_alias(name, "champion").version) == "2"
    assert client.get_model_version(name, "3").tags["promotion"] == "refused"


@pytest.mark.slow
def test_a_champion_this_version_cannot_load_gives_way(
    tiny_pipeline: QuotestancePipeline, lifecycle_store: Store, tmp_path: Path
) -> None:
    name = "old-format"
    older = copy.copy(tiny_pipeline)
    del older.model_format  # a pipeline saved before the format stamp
    example = pd.DataFrame({"id": ["a"], "text": [GOOD_TEXT]})
    lifecycle_store.activate()
    uris = []
    for role, pipeline in (("old", older), ("new", tiny_pipeline)):
        path = save_pipeline(pipeline, tmp_path / role / "pipeline.joblib")
        with mlflow.start_run(run_name=f"log-{role}", experiment_id=lifecycle_store.experiment_id):
            uris.append(log_pipeline_model(path, role, example, ["mlflow"]))
    assert register_as(lifecycle_store, uris[0], name) == "1"  # champion
    assert register_as(lifecycle_store, uris[1], name) == "2"
    overrides = promote_overrides(lifecycle_store, name)

    decision = promote(promote_config(overrides), overrides)

    assert decision.promoted and not decision.comparisons
    assert "the champion cannot be loaded" in decision.reason
    assert f"reads format {MODEL_FORMAT}" in decision.reason
    assert str(MlflowClient().get_model_version_by_alias(name, "champion").version) == "2"


@pytest.mark.slow
def test_a_model_of_a_new_format_takes_the_champion_alias_at_registration(
    candidates: dict[str, str], lifecycle_store: Store
) -> None:
    from quotestance import tracking

    name = "format-upgrade"
    lifecycle_store.activate()
    client = MlflowClient()

    def champion() -> str:
        return str(client.get_model_version_by_alias(name, "champion").version)

    assert tracking.register(candidates["worse"], name=name) == "1"  # untagged: an older release
    assert champion() == "1"
    assert tracking.register(candidates["better"], name=name, model_format=MODEL_FORMAT) == "2"
    assert champion() == "2"  # this version could not load version 1
    assert client.get_model_version(name, "2").tags["model_format"] == str(MODEL_FORMAT)
    assert tracking.register(candidates["worse"], name=name, model_format=MODEL_FORMAT) == "3"
    assert champion() == "2"  # same format: version 3 waits for the promotion gate
    assert str(client.get_model_version_by_alias(name, "challenger").version) == "3"
